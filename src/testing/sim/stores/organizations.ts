// Service control policies as the organization's management account keeps them, and which
// accounts each one covers (docs/simulator.md "Organizations").
import type { PolicyDocumentLike, PolicySource } from '../policy/evaluate.ts';
import type { AccountRec } from './records.ts';
import type { PolicyDocument, World, WorldOrganizationPolicies } from '../world.ts';

export interface ScpRec {
  id: string;
  name: string;
  description: string;
  /** The content exactly as stored (Organizations returns the string). */
  content: string;
  /** Root ids (r-…), OU ids (ou-…) and account ids, in attachment order. */
  targets: string[];
}

export const MAX_SCP_SIZE = 5_120;
export const MAX_SCPS_PER_TARGET = 5;

/** The OU id at the end of an OU ARN (`…:ou/o-abc/ou-ab12-cdef3456` → `ou-ab12-cdef3456`). */
export function ouIdOf(ouArn: string): string {
  return ouArn.slice(ouArn.lastIndexOf('/') + 1);
}

export class OrgStore {
  readonly managementAccount?: string;
  /** The organization id (o-…) for ARNs: from the management account's organization ARN. */
  readonly orgId: string;
  readonly policies = new Map<string, ScpRec>();

  constructor(w: WorldOrganizationPolicies | undefined, world: World) {
    this.managementAccount = w?.managementAccount;
    const mgmt = world.accounts.find((a) => a.id === w?.managementAccount);
    const fromArn = /\/(o-[a-z0-9]+)$/.exec(mgmt?.organization ?? '')?.[1];
    this.orgId = fromArn ?? 'o-simulated0';
    for (const p of w?.policies ?? []) {
      this.policies.set(p.id, {
        id: p.id,
        name: p.name,
        description: p.description ?? '',
        content: JSON.stringify(p.content),
        targets: [...p.targets],
      });
    }
  }

  arn(p: ScpRec): string {
    return `arn:aws:organizations::${this.managementAccount ?? '000000000000'}:policy/${this.orgId}/service_control_policy/${p.id}`;
  }

  /** Whether an SCP target covers the account. */
  covers(target: string, acct: AccountRec): boolean {
    if (target.startsWith('r-')) return true;
    if (target.startsWith('ou-')) return acct.ous.some((ou) => ouIdOf(ou) === target);
    return target === acct.id;
  }

  /**
   * The SCPs over an account. The management account is never restricted by SCPs (AWS), and
   * a world without organizationPolicies has none.
   */
  sourcesFor(acct: AccountRec): PolicySource[] {
    if (this.managementAccount === undefined || acct.id === this.managementAccount) return [];
    const out: PolicySource[] = [];
    for (const p of this.policies.values()) {
      if (!p.targets.some((t) => this.covers(t, acct))) continue;
      out.push({
        id: p.id,
        kind: 'scp',
        document: JSON.parse(p.content) as PolicyDocumentLike,
      });
    }
    return out;
  }

  toWorld(): WorldOrganizationPolicies | undefined {
    if (this.managementAccount === undefined) return undefined;
    return {
      managementAccount: this.managementAccount,
      policies: [...this.policies.values()].map((p) => ({
        id: p.id,
        name: p.name,
        ...(p.description && { description: p.description }),
        content: JSON.parse(p.content) as PolicyDocument,
        targets: [...p.targets],
      })),
    };
  }
}
