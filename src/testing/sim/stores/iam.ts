// IAM as the simulator keeps it: customer managed policies (with their versions) and roles
// (with their attached managed policies), per account. Global, like IAM itself.
import { createHash } from 'node:crypto';
import type { PolicyDocumentLike, PolicySource } from '../policy/evaluate.ts';
import type { PolicyDocument, WorldAccount, WorldManagedPolicy, WorldRole } from '../world.ts';

export interface PolicyVersionRec {
  versionId: string; // v1, v2, …
  /** The document exactly as given (IAM returns it URL-encoded). */
  document: string;
  isDefault: boolean;
  createDate: string;
}

export interface ManagedPolicyRec {
  account: string;
  name: string;
  path: string;
  arn: string;
  policyId: string;
  description?: string;
  createDate: string;
  updateDate: string;
  versions: PolicyVersionRec[];
  nextVersion: number;
}

export interface RoleRec {
  account: string;
  name: string;
  path: string;
  arn: string;
  roleId: string;
  createDate: string;
  /** Attached managed policy ARNs, in attachment order. */
  attached: string[];
}

export const MAX_POLICY_VERSIONS = 5;
export const MAX_MANAGED_POLICY_SIZE = 6_144;

const LOAD_TIME = '2024-01-01T00:00:00.000Z';

/** Stable, AWS-looking ids (ANPA… for policies, AROA… for roles) from a name. */
export function iamId(prefix: string, seed: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = createHash('sha256').update(seed).digest();
  let out = prefix;
  for (let i = 0; out.length < 21; i++) out += alphabet[bytes[i]! % 32];
  return out;
}

export function policyArn(account: string, path: string, name: string): string {
  return `arn:aws:iam::${account}:policy${path}${name}`;
}

export class IamStore {
  /** Policy ARN → policy. */
  readonly policies = new Map<string, ManagedPolicyRec>();
  /** account|lowercase role name → role (role names are case-insensitive in IAM). */
  readonly roles = new Map<string, RoleRec>();

  load(a: WorldAccount): void {
    for (const p of a.policies ?? []) this.addPolicy(a.id, p, LOAD_TIME);
    for (const r of a.roles ?? []) this.addRole(a.id, r);
  }

  addPolicy(account: string, p: WorldManagedPolicy, now: string, description?: string): ManagedPolicyRec {
    const path = p.path ?? '/';
    const arn = policyArn(account, path, p.name);
    const rec: ManagedPolicyRec = {
      account,
      name: p.name,
      path,
      arn,
      policyId: iamId('ANPA', arn),
      ...(description !== undefined && { description }),
      createDate: now,
      updateDate: now,
      versions: [{ versionId: 'v1', document: JSON.stringify(p.document), isDefault: true, createDate: now }],
      nextVersion: 2,
    };
    this.policies.set(arn, rec);
    return rec;
  }

  private addRole(account: string, r: WorldRole): void {
    const arn = `arn:aws:iam::${account}:role/${r.name}`;
    this.roles.set(`${account}|${r.name.toLowerCase()}`, {
      account,
      name: r.name,
      path: '/',
      arn,
      roleId: iamId('AROA', arn),
      createDate: LOAD_TIME,
      attached: [...(r.policies ?? [])],
    });
  }

  role(account: string, name: string): RoleRec | undefined {
    return this.roles.get(`${account}|${name.toLowerCase()}`);
  }

  /** How many roles have the policy attached (IAM's AttachmentCount). */
  attachmentCount(arn: string): number {
    let n = 0;
    for (const r of this.roles.values()) if (r.attached.includes(arn)) n++;
    return n;
  }

  defaultVersion(p: ManagedPolicyRec): PolicyVersionRec {
    return p.versions.find((v) => v.isDefault)!;
  }

  /** The default versions of a role's attached customer managed policies, for the evaluator. */
  roleSources(account: string, roleName: string): PolicySource[] {
    const role = this.role(account, roleName);
    if (!role) return [];
    const out: PolicySource[] = [];
    for (const arn of role.attached) {
      const p = this.policies.get(arn);
      // AWS managed policies (arn:aws:iam::aws:policy/…) carry no documents here: no Deny.
      if (!p) continue;
      out.push({
        id: arn,
        kind: 'identity',
        document: JSON.parse(this.defaultVersion(p).document) as PolicyDocumentLike,
      });
    }
    return out;
  }

  /** The account's IAM in world-file form (default versions only). */
  toWorld(account: string): { roles?: WorldRole[]; policies?: WorldManagedPolicy[] } {
    const policies: WorldManagedPolicy[] = [];
    for (const p of this.policies.values()) {
      if (p.account !== account) continue;
      policies.push({
        name: p.name,
        ...(p.path !== '/' && { path: p.path }),
        document: JSON.parse(this.defaultVersion(p).document) as PolicyDocument,
      });
    }
    const roles: WorldRole[] = [];
    for (const r of this.roles.values()) {
      if (r.account === account) roles.push({ name: r.name, policies: [...r.attached] });
    }
    return { ...(roles.length && { roles }), ...(policies.length && { policies }) };
  }
}
