/** A short, human-readable form of an AWS SDK (or any) error: `Code: message`. */
export function describeAwsError(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { name?: string; Code?: string; code?: string; message?: string };
    const code = e.Code ?? e.name ?? e.code ?? 'Error';
    const message = (e.message ?? '').split('\n')[0]?.trim();
    return message && message !== code ? `${code}: ${message}` : code;
  }
  return String(err);
}

/** The AWS error code of an SDK error, if any. */
export function awsErrorCode(err: unknown): string | undefined {
  if (err && typeof err === 'object') {
    const e = err as { name?: string; Code?: string };
    return e.Code ?? e.name;
  }
  return undefined;
}
