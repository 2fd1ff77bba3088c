/** An account shareguard watches, as the AWS layer needs it. */
export interface MonitoredAccount {
  id: string;
  name?: string;
  /** null: use the home credentials (shareguard runs in this account). */
  role: { name: string; externalId?: string } | null;
}

export function roleArn(accountId: string, roleName: string, partition = 'aws'): string {
  // A role name may carry a path ("ops/ShareGuardScanner").
  return `arn:${partition}:iam::${accountId}:role/${roleName}`;
}
