import { accountFromArn } from '../../domain/finding.ts';

/** `arn:aws:rds:REGION:OWNER:snapshot:NAME` or `…:cluster-snapshot:NAME` → owner and name. */
export function rdsOwnerAndName(arn: string): { owner: string; name: string } | undefined {
  const owner = accountFromArn(arn);
  const parts = arn.split(':');
  const name = parts.slice(6).join(':');
  if (!owner || !name || (parts[5] !== 'snapshot' && parts[5] !== 'cluster-snapshot')) return undefined;
  return { owner, name };
}
