import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeletePolicyVersionCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  paginateListAttachedRolePolicies,
  paginateListPolicyVersions,
  type IAMClient,
  type PolicyVersion,
} from '@aws-sdk/client-iam';
import {
  AttachPolicyCommand,
  CreatePolicyCommand as CreateOrgPolicyCommand,
  DescribePolicyCommand,
  DetachPolicyCommand,
  UpdatePolicyCommand,
  paginateListPolicies,
  paginateListTargetsForPolicy,
} from '@aws-sdk/client-organizations';
import type { MonitoredAccount } from '../aws/account.ts';
import { awsErrorCode, describeAwsError } from '../aws/errors.ts';
import type { CoreDeps } from '../core/deps.ts';
import { partitionOf } from '../domain/ids.ts';
import type { BlockedResource, GuardFormat, GuardMode, GuardPolicy } from '../domain/guard.ts';
import { Limiter } from '../scan/limiter.ts';
import { monitoredAccounts } from '../scan/from-config.ts';
import { CallLog, decodePolicyDocument, isNoSuchEntity, sameDocument } from './calls.ts';
import { emptyGuardDocument, policyName, renderGuard } from './render.ts';

/** What happened to one guard policy (`ref`: the IAM policy ARN or the SCP id). */
export interface GuardPolicyOutcome {
  name: string;
  ref?: string;
  /** `emptied`: a numbered policy the guard no longer needs (denies nothing real, detached). */
  change: 'created' | 'updated' | 'unchanged' | 'emptied';
  /** Roles (iam-policy) or targets (scp) attached / detached by this apply. */
  attached: string[];
  detached: string[];
  /** Old non-default versions deleted to stay within IAM's 5 versions. */
  prunedVersions: string[];
}

export interface GuardAccountResult {
  /** The monitored account (iam-policy, print) or the management account (scp). */
  accountId: string;
  status: 'applied' | 'unchanged' | 'planned' | 'printed' | 'failed';
  policies: GuardPolicyOutcome[];
  /** AWS's error in plain words (status `failed`). */
  error?: string;
}

export interface GuardApplyResult {
  mode: GuardMode;
  dryRun: boolean;
  /**
   * `applied`: every account is up to date; `partial` / `failed`: some / all accounts failed (see
   * `accounts`); `planned`: dry run; `printed`: guard.mode print; `off`: guard.mode off.
   */
  status: 'applied' | 'partial' | 'failed' | 'planned' | 'printed' | 'off';
  accounts: GuardAccountResult[];
  /** The rendered policies: per monitored account (iam-policy, print) or for the organization (scp). */
  rendered: { scope: string; format: GuardFormat; policies: GuardPolicy[] }[];
  calls: string[];
}

/**
 * Changes a dry run plans on top of the store (the decision is not stored in a dry run, so the plan is
 * rendered as if it were).
 */
export interface GuardOverlay {
  addResources?: readonly BlockedResource[];
  removeFindingIds?: readonly string[];
  addOwners?: readonly string[];
  removeOwners?: readonly string[];
}

export interface ApplyGuardQuery {
  /** The monitored accounts whose guard must reflect the store (iam-policy, print); ignored by scp. */
  accountIds: readonly string[];
  overlay?: GuardOverlay;
}

const ACCOUNT_CONCURRENCY = 4;
/** IAM keeps at most 5 versions of a managed policy. */
const MAX_POLICY_VERSIONS = 5;
/** Numbered policies probed beyond the ones rendered (a guard never shrinks by more in one go in practice). */
const MAX_POLICIES = 100;

/**
 * Applies the guard per `config.guard.mode`, derived from the store (blocked resources and owners).
 * Never throws for an AWS failure: each account's failure is in its result. `remediation.dryRun`:
 * reads only, and the result says what would change.
 */
export async function applyGuard(deps: CoreDeps, q: ApplyGuardQuery): Promise<GuardApplyResult> {
  const mode = deps.config.guard.mode;
  const dryRun = deps.config.remediation.dryRun;
  const log = new CallLog();
  const base: Omit<GuardApplyResult, 'status'> = {
    mode,
    dryRun,
    accounts: [],
    rendered: [],
    calls: log.entries,
  };
  if (mode === 'off') return { ...base, status: 'off' };

  const input = await guardInput(deps, q.overlay);
  const partition = partitionOf(deps.config.aws.homeRegion);
  const policyNameBase = deps.config.guard.policyName;

  if (mode === 'scp') {
    const policies = renderGuard(
      { resources: input.resources, owners: input.owners, policyName: policyNameBase, partition },
      'scp',
    );
    base.rendered.push({ scope: 'organization', format: 'scp', policies });
    const result = await applyScp(deps, policies, dryRun, log);
    return { ...base, accounts: [result], status: overall([result], dryRun) };
  }

  const monitored = new Map(monitoredAccounts(deps.config).map((a) => [a.id, a]));
  const accountIds = [...new Set(q.accountIds)].sort();
  const limiter = new Limiter(ACCOUNT_CONCURRENCY);
  const results = await Promise.all(
    accountIds.map((accountId) =>
      limiter.run(async (): Promise<GuardAccountResult> => {
        const policies = renderGuard(
          {
            resources: input.resources.filter((r) => r.accountId === accountId),
            owners: input.owners,
            policyName: policyNameBase,
            partition,
          },
          'iam',
        );
        base.rendered.push({ scope: accountId, format: 'iam', policies });
        if (mode === 'print') return { accountId, status: 'printed', policies: [] };
        const account = monitored.get(accountId);
        if (!account) {
          return {
            accountId,
            status: 'failed',
            policies: [],
            error: `${accountId} is not a monitored account, so shareguard has no role there`,
          };
        }
        return applyIamAccount(deps, account, policies, dryRun, log);
      }),
    ),
  );
  base.rendered.sort((a, b) => (a.scope < b.scope ? -1 : a.scope > b.scope ? 1 : 0));
  if (mode === 'print') return { ...base, accounts: results, status: 'printed' };
  return { ...base, accounts: results, status: overall(results, dryRun) };
}

/** The guard's inputs as the store holds them (plus a dry run's overlay). */
export async function guardInput(
  deps: Pick<CoreDeps, 'store'>,
  overlay: GuardOverlay = {},
): Promise<{ resources: BlockedResource[]; owners: string[] }> {
  const [resources, owners] = await Promise.all([
    deps.store.listBlockedResources(),
    deps.store.listBlockedOwners(),
  ]);
  const removedFindings = new Set(overlay.removeFindingIds ?? []);
  const removedOwners = new Set(overlay.removeOwners ?? []);
  return {
    resources: [...resources, ...(overlay.addResources ?? [])].filter(
      (r) => !removedFindings.has(r.findingId),
    ),
    owners: [...owners.map((o) => o.ownerAccountId), ...(overlay.addOwners ?? [])].filter(
      (o) => !removedOwners.has(o),
    ),
  };
}

function overall(results: GuardAccountResult[], dryRun: boolean): GuardApplyResult['status'] {
  const failed = results.filter((r) => r.status === 'failed').length;
  if (failed === 0) return dryRun ? 'planned' : 'applied';
  return failed === results.length ? 'failed' : 'partial';
}

/** The deny entries a guard document holds (owners and resource ARNs), to order writes without gaps. */
function entriesOf(json: string | undefined): number {
  if (!json) return 0;
  try {
    const doc = JSON.parse(json) as { Statement?: Array<{ Sid?: string; Resource?: unknown }> };
    let n = 0;
    for (const s of doc.Statement ?? []) {
      if (s.Sid === 'NothingBlocked') continue;
      if (Array.isArray(s.Resource)) n += s.Resource.length;
    }
    return n;
  } catch {
    return 0;
  }
}

/**
 * Entries move to later policies when the guard grows and to earlier ones when it shrinks (they are
 * packed in sorted order). Writing in that direction adds a moved entry to its new policy before it
 * leaves the old one, so nothing is unguarded in between.
 */
function writeOrder(count: number, grows: boolean): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  return grows ? order.reverse() : order;
}

// ---------------------------------------------------------------- iam-policy

interface ExistingIamPolicy {
  arn: string;
  defaultVersionId: string;
  document: string;
}

async function readIamPolicy(
  iam: IAMClient,
  arn: string,
  log: CallLog,
): Promise<ExistingIamPolicy | undefined> {
  let defaultVersionId: string | undefined;
  try {
    const out = await log.run(
      'iam:GetPolicy',
      arn,
      () => iam.send(new GetPolicyCommand({ PolicyArn: arn })),
      (o) => `default version ${o.Policy?.DefaultVersionId ?? '?'}`,
    );
    defaultVersionId = out.Policy?.DefaultVersionId;
  } catch (err) {
    if (isNoSuchEntity(err)) return undefined;
    throw err;
  }
  if (!defaultVersionId) throw new Error(`GetPolicy ${arn} returned no default version`);
  const version = await log.run('iam:GetPolicyVersion', `${arn} ${defaultVersionId}`, () =>
    iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: defaultVersionId })),
  );
  return {
    arn,
    defaultVersionId,
    document: decodePolicyDocument(version.PolicyVersion?.Document ?? ''),
  };
}

async function attachedPolicies(iam: IAMClient, role: string, log: CallLog): Promise<Set<string>> {
  const arns = new Set<string>();
  await log.run(
    'iam:ListAttachedRolePolicies',
    role,
    async () => {
      for await (const page of paginateListAttachedRolePolicies({ client: iam }, { RoleName: role }))
        for (const p of page.AttachedPolicies ?? []) if (p.PolicyArn) arns.add(p.PolicyArn);
    },
    () => `${arns.size} attached`,
  );
  return arns;
}

/** Deletes the oldest non-default versions so a new one fits within 5. */
async function pruneVersions(iam: IAMClient, arn: string, dryRun: boolean, log: CallLog): Promise<string[]> {
  const versions: PolicyVersion[] = [];
  await log.run(
    'iam:ListPolicyVersions',
    arn,
    async () => {
      for await (const page of paginateListPolicyVersions({ client: iam }, { PolicyArn: arn }))
        versions.push(...(page.Versions ?? []));
    },
    () => `${versions.length} versions`,
  );
  const excess = versions.length - (MAX_POLICY_VERSIONS - 1);
  if (excess <= 0) return [];
  const victims = versions
    .filter((v) => !v.IsDefaultVersion && v.VersionId)
    .sort(
      (a, b) =>
        (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0) ||
        Number((a.VersionId ?? 'v0').slice(1)) - Number((b.VersionId ?? 'v0').slice(1)),
    )
    .slice(0, excess)
    .map((v) => v.VersionId!);
  for (const v of victims) {
    if (dryRun) log.planned('iam:DeletePolicyVersion', `${arn} ${v}`);
    else
      await log.run('iam:DeletePolicyVersion', `${arn} ${v}`, () =>
        iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: v })),
      );
  }
  return victims;
}

async function applyIamAccount(
  deps: CoreDeps,
  account: MonitoredAccount,
  policies: GuardPolicy[],
  dryRun: boolean,
  log: CallLog,
): Promise<GuardAccountResult> {
  const cfg = deps.config.guard;
  const partition = partitionOf(deps.config.aws.homeRegion);
  const arnOf = (name: string) => `arn:${partition}:iam::${account.id}:policy/${name}`;
  const empty = JSON.stringify(emptyGuardDocument(partition));
  const iam = deps.clients.iam(account);
  const outcomes: GuardPolicyOutcome[] = [];
  try {
    // Read first: the current documents decide what to write and in which order.
    const existing: Array<ExistingIamPolicy | undefined> = [];
    for (let i = 0; i < MAX_POLICIES; i++) {
      const found = await readIamPolicy(iam, arnOf(policyName(cfg.policyName, i)), log);
      if (!found && i >= policies.length) break;
      existing.push(found);
    }
    const attached = new Map<string, Set<string>>();
    for (const role of cfg.attachToRoles) attached.set(role, await attachedPolicies(iam, role, log));

    const before = existing.reduce((n, e) => n + entriesOf(e?.document), 0);
    const after = policies.reduce((n, p) => n + p.resourceArns.length + 3 * p.owners.length, 0);
    const slots = Math.max(existing.length, policies.length);
    const byIndex = new Map<number, GuardPolicyOutcome>();
    for (const i of writeOrder(slots, after >= before)) {
      const name = policyName(cfg.policyName, i);
      const arn = arnOf(name);
      const surplus = i >= policies.length;
      const want = surplus ? empty : policies[i]!.json;
      const current = existing[i];
      const outcome: GuardPolicyOutcome = {
        name,
        ref: arn,
        change: 'unchanged',
        attached: [],
        detached: [],
        prunedVersions: [],
      };
      if (!current) {
        outcome.change = 'created';
        if (dryRun) log.planned('iam:CreatePolicy', arn);
        else
          await log.run('iam:CreatePolicy', arn, () =>
            iam.send(
              new CreatePolicyCommand({
                PolicyName: name,
                PolicyDocument: want,
                Description:
                  'shareguard guard: denies use of blocked shared images and snapshots (generated; do not edit)',
              }),
            ),
          );
      } else if (!sameDocument(current.document, want)) {
        outcome.change = surplus ? 'emptied' : 'updated';
        outcome.prunedVersions = await pruneVersions(iam, arn, dryRun, log);
        if (dryRun) log.planned('iam:CreatePolicyVersion --set-as-default', arn);
        else
          await log.run(
            'iam:CreatePolicyVersion --set-as-default',
            arn,
            () =>
              iam.send(
                new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: want, SetAsDefault: true }),
              ),
            (o) => `version ${o.PolicyVersion?.VersionId ?? '?'}`,
          );
      } else if (surplus) {
        outcome.change = 'emptied';
      }
      for (const role of cfg.attachToRoles) {
        const on = attached.get(role)!.has(arn);
        if (!surplus && !on) {
          outcome.attached.push(role);
          if (dryRun) log.planned('iam:AttachRolePolicy', `${role} ${arn}`);
          else
            await log.run('iam:AttachRolePolicy', `${role} ${arn}`, () =>
              iam.send(new AttachRolePolicyCommand({ RoleName: role, PolicyArn: arn })),
            );
        } else if (surplus && on) {
          outcome.detached.push(role);
          if (dryRun) log.planned('iam:DetachRolePolicy', `${role} ${arn}`);
          else
            await log.run('iam:DetachRolePolicy', `${role} ${arn}`, () =>
              iam.send(new DetachRolePolicyCommand({ RoleName: role, PolicyArn: arn })),
            );
        }
      }
      byIndex.set(i, outcome);
    }
    for (let i = 0; i < slots; i++) outcomes.push(byIndex.get(i)!);
    const changed =
      outcomes.some(
        (o) => o.change === 'created' || o.change === 'updated' || o.attached.length || o.detached.length,
      ) ||
      outcomes.some((o, i) => o.change === 'emptied' && !sameDocument(existing[i]?.document ?? '', empty));
    return {
      accountId: account.id,
      status: dryRun ? 'planned' : changed ? 'applied' : 'unchanged',
      policies: outcomes,
    };
  } catch (err) {
    return { accountId: account.id, status: 'failed', policies: outcomes, error: describeAwsError(err) };
  }
}

// ---------------------------------------------------------------- scp

function managementAccount(deps: CoreDeps): MonitoredAccount {
  const scp = deps.config.guard.scp;
  if (!scp) throw new Error('guard.mode is scp but guard.scp is not configured');
  const role = scp.role;
  return {
    id: scp.managementAccount,
    role:
      role === 'none'
        ? null
        : typeof role === 'object'
          ? { name: role.name, ...(role.externalId ? { externalId: role.externalId } : {}) }
          : { name: role ?? deps.config.aws.defaultRole },
  };
}

export function scpManagementAccount(deps: CoreDeps): MonitoredAccount {
  return managementAccount(deps);
}

async function applyScp(
  deps: CoreDeps,
  policies: GuardPolicy[],
  dryRun: boolean,
  log: CallLog,
): Promise<GuardAccountResult> {
  const cfg = deps.config.guard;
  const mgmt = managementAccount(deps);
  const targets = [...(cfg.scp?.targets ?? [])];
  const empty = JSON.stringify(emptyGuardDocument(partitionOf(deps.config.aws.homeRegion)));
  const org = deps.clients.organizations(mgmt);
  const outcomes: GuardPolicyOutcome[] = [];
  try {
    const byName = new Map<string, string>();
    await log.run(
      'organizations:ListPolicies',
      'SERVICE_CONTROL_POLICY',
      async () => {
        for await (const page of paginateListPolicies({ client: org }, { Filter: 'SERVICE_CONTROL_POLICY' }))
          for (const p of page.Policies ?? []) if (p.Name && p.Id) byName.set(p.Name, p.Id);
      },
      () => `${byName.size} policies`,
    );
    const existing: Array<{ id: string; content: string; targets: Set<string> } | undefined> = [];
    for (let i = 0; i < MAX_POLICIES; i++) {
      const id = byName.get(policyName(cfg.policyName, i));
      if (!id && i >= policies.length) break;
      if (!id) {
        existing.push(undefined);
        continue;
      }
      const described = await log.run('organizations:DescribePolicy', id, () =>
        org.send(new DescribePolicyCommand({ PolicyId: id })),
      );
      const attachedTo = new Set<string>();
      await log.run(
        'organizations:ListTargetsForPolicy',
        id,
        async () => {
          for await (const page of paginateListTargetsForPolicy({ client: org }, { PolicyId: id }))
            for (const t of page.Targets ?? []) if (t.TargetId) attachedTo.add(t.TargetId);
        },
        () => `${attachedTo.size} targets`,
      );
      existing.push({ id, content: described.Policy?.Content ?? '', targets: attachedTo });
    }

    const before = existing.reduce((n, e) => n + entriesOf(e?.content), 0);
    const after = policies.reduce((n, p) => n + p.resourceArns.length + 3 * p.owners.length, 0);
    const slots = Math.max(existing.length, policies.length);
    const byIndex = new Map<number, GuardPolicyOutcome>();
    let changed = false;
    for (const i of writeOrder(slots, after >= before)) {
      const name = policyName(cfg.policyName, i);
      const surplus = i >= policies.length;
      const want = surplus ? empty : policies[i]!.json;
      const current = existing[i];
      const outcome: GuardPolicyOutcome = {
        name,
        change: 'unchanged',
        attached: [],
        detached: [],
        prunedVersions: [],
      };
      let id = current?.id;
      if (!current) {
        outcome.change = 'created';
        changed = true;
        if (dryRun) log.planned('organizations:CreatePolicy', name);
        else {
          const out = await log.run(
            'organizations:CreatePolicy',
            name,
            () =>
              org.send(
                new CreateOrgPolicyCommand({
                  Name: name,
                  Type: 'SERVICE_CONTROL_POLICY',
                  Content: want,
                  Description:
                    'shareguard guard: denies use of blocked shared images and snapshots (generated)',
                }),
              ),
            (o) => o.Policy?.PolicySummary?.Id ?? '?',
          );
          id = out.Policy?.PolicySummary?.Id;
          if (!id) throw new Error(`CreatePolicy ${name} returned no policy id`);
        }
      } else if (!sameDocument(current.content, want)) {
        outcome.change = surplus ? 'emptied' : 'updated';
        changed = true;
        if (dryRun) log.planned('organizations:UpdatePolicy', current.id);
        else
          await log.run('organizations:UpdatePolicy', current.id, () =>
            org.send(new UpdatePolicyCommand({ PolicyId: current.id, Content: want })),
          );
      } else if (surplus) outcome.change = 'emptied';
      if (id) outcome.ref = id;
      const on = current?.targets ?? new Set<string>();
      for (const target of surplus ? [...on] : targets) {
        if (!surplus && on.has(target)) continue;
        changed = true;
        if (surplus) outcome.detached.push(target);
        else outcome.attached.push(target);
        const action = surplus ? 'organizations:DetachPolicy' : 'organizations:AttachPolicy';
        if (dryRun || !id) {
          log.planned(action, `${id ?? name} ${target}`);
          continue;
        }
        const policyId = id;
        try {
          await log.run(action, `${policyId} ${target}`, () =>
            org.send(
              surplus
                ? new DetachPolicyCommand({ PolicyId: policyId, TargetId: target })
                : new AttachPolicyCommand({ PolicyId: policyId, TargetId: target }),
            ),
          );
        } catch (err) {
          // Attached meanwhile (another replica): that is the state we want.
          if (awsErrorCode(err) !== 'DuplicatePolicyAttachmentException') throw err;
        }
      }
      byIndex.set(i, outcome);
    }
    for (let i = 0; i < slots; i++) outcomes.push(byIndex.get(i)!);
    return {
      accountId: mgmt.id,
      status: dryRun ? 'planned' : changed ? 'applied' : 'unchanged',
      policies: outcomes,
    };
  } catch (err) {
    return { accountId: mgmt.id, status: 'failed', policies: outcomes, error: describeAwsError(err) };
  }
}
