/**
 * The call log the remediation rungs keep (`"service:Action target → answer"`, for the decision log),
 * shared by the kinds' AWS calls (src/aws/kinds/*.ts `source`) and src/remediate.
 */
import { awsErrorCode, describeAwsError } from '../errors.ts';

/** The calls made so far, in order; every helper appends its own line, answer or error. */
export type CallLog = string[];

/** Who a resource is shared with, as its owner reads it. */
export interface SourceShares {
  accounts: string[];
  /** Organization and OU ARNs. */
  organizations: string[];
  public: boolean;
}

/** AWS answered: the call would have succeeded (EC2 `DryRun=true`). */
export const isDryRunOk = (err: unknown): boolean => awsErrorCode(err) === 'DryRunOperation';

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

export const listText = (xs: readonly string[]): string => (xs.length ? xs.join(',') : 'none');

export function isString(x: string | undefined): x is string {
  return typeof x === 'string' && x.length > 0;
}

/** Text every owner-side delete's outcome ends with for EC2 resources. */
export const RECYCLE_BIN_NOTE =
  'If a Recycle Bin retention rule in the owner account matches it, AWS keeps it restorable until the rule expires.';
