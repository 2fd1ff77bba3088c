import { awsErrorCode, describeAwsError } from '../aws/errors.ts';

/**
 * The AWS calls a guard operation made, as the decision log records them:
 * `"service:Action target → answer"`. A failed call is recorded with AWS's error before it is rethrown.
 */
export class CallLog {
  readonly entries: string[] = [];

  async run<T>(
    action: string,
    target: string,
    fn: () => Promise<T>,
    answer: (out: T) => string = () => 'ok',
  ): Promise<T> {
    try {
      const out = await fn();
      this.entries.push(`${action} ${target} → ${answer(out)}`);
      return out;
    } catch (err) {
      this.entries.push(`${action} ${target} → ${describeAwsError(err)}`);
      throw err;
    }
  }

  /** A write skipped by a dry run. */
  planned(action: string, target: string): void {
    this.entries.push(`${action} ${target} → not called (dry run)`);
  }
}

/** IAM answers NoSuchEntity for a missing policy (the SDK names the exception NoSuchEntityException). */
export function isNoSuchEntity(err: unknown): boolean {
  const code = awsErrorCode(err);
  return code === 'NoSuchEntity' || code === 'NoSuchEntityException';
}

/** Documents compare by content, not by key order or whitespace. */
export function sameDocument(a: string, b: string): boolean {
  try {
    return JSON.stringify(canonical(JSON.parse(a))) === JSON.stringify(canonical(JSON.parse(b)));
  } catch {
    return false;
  }
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v)
        .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
        .map(([k, x]) => [k, canonical(x)]),
    );
  }
  return v;
}

/** IAM returns policy documents URL-encoded (RFC 3986); Organizations returns them as they were sent. */
export function decodePolicyDocument(doc: string): string {
  try {
    return decodeURIComponent(doc);
  } catch {
    return doc;
  }
}
