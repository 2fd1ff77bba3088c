/** How the remediation's AWS calls are logged and judged, shared by the owner- and recipient-side calls. */
import { awsErrorCode, describeAwsError } from '../aws/errors.ts';

/** The calls made so far, in order; every helper appends its own line, answer or error. */
export type CallLog = string[];

/** AWS answered: the call would have succeeded (EC2 `DryRun=true`). */
export const isDryRunOk = (err: unknown): boolean => awsErrorCode(err) === 'DryRunOperation';

const NOT_FOUND = new Set([
  'InvalidAMIID.NotFound',
  'InvalidAMIID.Unavailable',
  'InvalidSnapshot.NotFound',
  'DBSnapshotNotFound',
  'DBSnapshotNotFoundFault',
  'DBClusterSnapshotNotFoundFault',
  'DBClusterSnapshotNotFound',
]);
export const isNotFound = (err: unknown): boolean => NOT_FOUND.has(awsErrorCode(err) ?? '');

/** Runs one AWS call and logs it; errors are logged and rethrown for the caller to judge. */
export async function logged<T>(
  calls: CallLog,
  label: string,
  fn: () => Promise<T>,
  answer: (out: T) => string,
): Promise<T> {
  try {
    const out = await fn();
    calls.push(`${label} → ${answer(out)}`);
    return out;
  } catch (err) {
    calls.push(`${label} → ${isDryRunOk(err) ? 'DryRunOperation (would succeed)' : describeAwsError(err)}`);
    throw err;
  }
}
