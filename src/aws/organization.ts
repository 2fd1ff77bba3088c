import {
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
  paginateListRoots,
  type Account,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import type { MonitoredAccount } from './account.ts';
import type { AwsClients } from './clients.ts';
import { awsErrorCode, describeAwsError } from './errors.ts';

/** Organizations pages hold at most 20 items (docs/aws.md "Organizations"). */
const PAGE_SIZE = 20;

/** An account as Organizations lists it. */
export interface OrganizationAccount {
  id: string;
  name?: string;
  /** `State` (PENDING_ACTIVATION, ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED), else the retired `Status`. */
  state: string;
}

export interface OrganizationDiscovery {
  /** Every account of the organization, whatever its state or scope: the owners `trust.organization` trusts. */
  members: OrganizationAccount[];
  /** The accounts to scan: ACTIVE, under `include`, not under `exclude`. */
  active: OrganizationAccount[];
  /** In scope but not ACTIVE, counted by state (they cannot be scanned). */
  skipped: Record<string, number>;
  /** Left out by `exclude`. */
  excluded: number;
}

export interface OrganizationScope {
  include: readonly string[];
  exclude: readonly string[];
}

/** Discovery failed: the scan fails with this (it never scans nothing instead). */
export class OrganizationDiscoveryError extends Error {
  override name = 'OrganizationDiscoveryError';
}

/** Who answers: the management account, or a delegated administrator (docs/aws.md "Organizations"). */
const NOT_ALLOWED = new Set(['AccessDeniedException', 'AWSOrganizationsNotInUseException']);

/**
 * The organization's accounts, through the paginated list calls: `ListAccounts` for the members (names
 * and states); with OUs in `include` or `exclude`, `ListRoots` and a walk of the OU tree
 * (`ListOrganizationalUnitsForParent`, `ListAccountsForParent`) for the scope. Only ACTIVE accounts are
 * scanned; `State` is read, and the retired `Status` only when `State` is absent.
 */
export async function discoverOrganization(
  clients: AwsClients,
  from: MonitoredAccount,
  scope: OrganizationScope,
): Promise<OrganizationDiscovery> {
  const client = clients.organizations(from);
  try {
    return await discover(client, scope);
  } catch (err) {
    if (err instanceof OrganizationDiscoveryError) throw err;
    const via = from.role ? ` (role ${from.role.name})` : ' (home credentials)';
    const hint = NOT_ALLOWED.has(awsErrorCode(err) ?? '')
      ? ' — organization.account must be the management account or a delegated administrator'
      : '';
    throw new OrganizationDiscoveryError(
      `cannot list the organization's accounts from ${from.id}${via}: ${describeAwsError(err)}${hint}`,
    );
  } finally {
    client.destroy();
  }
}

async function discover(
  client: OrganizationsClient,
  scope: OrganizationScope,
): Promise<OrganizationDiscovery> {
  const members: OrganizationAccount[] = [];
  for await (const page of paginateListAccounts({ client, pageSize: PAGE_SIZE }, {}))
    for (const a of page.Accounts ?? []) if (a.Id) members.push(toAccount(a));

  const excludedAccounts = new Set(scope.exclude.filter((x) => /^\d{12}$/.test(x)));
  const excludedParents = new Set(scope.exclude.filter((x) => !/^\d{12}$/.test(x)));
  let inScope: Set<string>;
  if (scope.include.length === 0 && excludedParents.size === 0) {
    inScope = new Set(members.map((m) => m.id));
  } else {
    const roots: string[] = [];
    for await (const page of paginateListRoots({ client, pageSize: PAGE_SIZE }, {}))
      for (const r of page.Roots ?? []) if (r.Id) roots.push(r.Id);
    const starts = scope.include.length ? scope.include : roots;
    const unknownRoot = starts.find((p) => p.startsWith('r-') && !roots.includes(p));
    if (unknownRoot)
      throw new OrganizationDiscoveryError(
        `organization.include: ${unknownRoot} is not the organization's root (${roots.join(', ') || 'none'})`,
      );
    inScope = await walk(client, starts, excludedParents);
  }
  const active: OrganizationAccount[] = [];
  const skipped: Record<string, number> = {};
  let excluded = 0;
  for (const m of members) {
    if (!inScope.has(m.id)) continue;
    if (excludedAccounts.has(m.id)) {
      excluded++;
      continue;
    }
    if (m.state === 'ACTIVE') active.push(m);
    else skipped[m.state] = (skipped[m.state] ?? 0) + 1;
  }
  if (active.length === 0)
    throw new OrganizationDiscoveryError(
      `the organization has no ACTIVE account to scan (${members.length} members; in scope: ${inScope.size}, excluded: ${excluded}, not active: ${Object.values(skipped).reduce((a, b) => a + b, 0)}) — check organization.include and exclude`,
    );
  return { members, active, skipped, excluded };
}

/** Accounts under the given parents and all their sub-OUs, except the excluded OUs' subtrees. */
async function walk(
  client: OrganizationsClient,
  starts: readonly string[],
  excludedParents: ReadonlySet<string>,
): Promise<Set<string>> {
  const accounts = new Set<string>();
  const seen = new Set<string>();
  const queue = starts.filter((p) => !excludedParents.has(p));
  while (queue.length) {
    const parent = queue.shift()!;
    if (seen.has(parent)) continue;
    seen.add(parent);
    try {
      for await (const page of paginateListAccountsForParent(
        { client, pageSize: PAGE_SIZE },
        { ParentId: parent },
      ))
        for (const a of page.Accounts ?? []) if (a.Id) accounts.add(a.Id);
      for await (const page of paginateListOrganizationalUnitsForParent(
        { client, pageSize: PAGE_SIZE },
        { ParentId: parent },
      ))
        for (const ou of page.OrganizationalUnits ?? [])
          if (ou.Id && !excludedParents.has(ou.Id)) queue.push(ou.Id);
    } catch (err) {
      if (awsErrorCode(err) === 'ParentNotFoundException')
        throw new OrganizationDiscoveryError(
          `organization.include: no root or OU ${parent} in the organization`,
        );
      throw err;
    }
  }
  return accounts;
}

function toAccount(a: Account): OrganizationAccount {
  // `Status` was retired on 2026-09-09 (docs/aws.md "Organizations"); read it only when `State` is absent.
  const legacy = (a as { Status?: string }).Status;
  const state = a.State ?? legacy ?? 'UNKNOWN';
  // A state is shown in reports: only AWS's enumeration shape gets through.
  return {
    id: a.Id!,
    ...(a.Name ? { name: a.Name } : {}),
    state: /^[A-Z_]{1,32}$/.test(state) ? state : 'UNKNOWN',
  };
}
