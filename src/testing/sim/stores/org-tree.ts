// The organizations of the world as AWS Organizations lists them: roots, the OU tree and member
// accounts with their State (docs/simulator.md "Organizations: accounts and OUs"). Built once from the
// world: the `organizations` extension where it describes one, else from the accounts' `organization`
// and `ous` fields alone (an implicit organization with root `r-root`, its OU path read from each
// account's `ous` in order, top-level OU first).
import type { World } from '../world.ts';
import { ouIdOf } from './organizations.ts';

export type AccountState = 'PENDING_ACTIVATION' | 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE' | 'CLOSED';

export interface OrgAccountRec {
  id: string;
  name: string;
  state: AccountState;
  /** The root or OU id the account sits in directly. */
  parent: string;
}

export interface OuRec {
  id: string;
  name: string;
  parent: string;
}

export interface OrgRec {
  arn: string;
  id: string;
  /** The management account: the id in the organization's ARN. */
  managementAccount: string;
  rootId: string;
  delegatedAdministrators: Set<string>;
  /** Which account fields ListAccounts answers: `State` (today), `Status` (retired 2026-09-09), or both. */
  accountFields: 'state' | 'status' | 'both';
  ous: Map<string, OuRec>;
  /** Members in the world's order. */
  accounts: OrgAccountRec[];
}

export const DEFAULT_ROOT_ID = 'r-root';

/** What the retired Status field said for a State (it had only these three values). */
export function legacyStatus(state: AccountState): 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE' {
  if (state === 'ACTIVE' || state === 'PENDING_ACTIVATION') return 'ACTIVE';
  return state === 'PENDING_CLOSURE' ? 'PENDING_CLOSURE' : 'SUSPENDED';
}

export class OrgTreeStore {
  private readonly byArn = new Map<string, OrgRec>();

  constructor(world: World) {
    for (const o of world.organizations ?? []) {
      const rec = this.create(o.arn);
      rec.rootId = o.rootId ?? DEFAULT_ROOT_ID;
      for (const id of o.delegatedAdministrators ?? []) rec.delegatedAdministrators.add(id);
      rec.accountFields = o.accountFields ?? 'state';
      for (const ou of o.ous ?? [])
        rec.ous.set(ou.id, { id: ou.id, name: ou.name ?? ou.id, parent: ou.parent });
    }
    for (const a of world.accounts) {
      if (!a.organization) continue;
      const org = this.byArn.get(a.organization) ?? this.create(a.organization);
      const path = (a.ous ?? []).map(ouIdOf);
      // OUs the tree does not name: parent = the OU before it in the account's list (else the root).
      path.forEach((ou, i) => {
        if (!org.ous.has(ou)) org.ous.set(ou, { id: ou, name: ou, parent: path[i - 1] ?? org.rootId });
      });
      // The account sits in the deepest of its OUs: the one no other of its OUs descends from.
      const deepest = path.find((ou) => !path.some((other) => other !== ou && this.descends(org, other, ou)));
      org.accounts.push({
        id: a.id,
        name: a.name ?? a.id,
        state: a.state ?? 'ACTIVE',
        parent: deepest ?? org.rootId,
      });
    }
  }

  private create(arn: string): OrgRec {
    const m = /::(\d{12}):organization\/(o-[a-z0-9]+)$/.exec(arn);
    const rec: OrgRec = {
      arn,
      id: m?.[2] ?? 'o-simulated0',
      managementAccount: m?.[1] ?? '000000000000',
      rootId: DEFAULT_ROOT_ID,
      delegatedAdministrators: new Set(),
      accountFields: 'state',
      ous: new Map(),
      accounts: [],
    };
    this.byArn.set(arn, rec);
    return rec;
  }

  /** Whether OU `ou` lies (strictly) below `ancestor`. */
  descends(org: OrgRec, ou: string, ancestor: string): boolean {
    const seen = new Set<string>();
    let cur = org.ous.get(ou)?.parent;
    while (cur !== undefined && !seen.has(cur)) {
      if (cur === ancestor) return true;
      seen.add(cur);
      cur = org.ous.get(cur)?.parent;
    }
    return false;
  }

  get(arn: string): OrgRec | undefined {
    return this.byArn.get(arn);
  }
}
