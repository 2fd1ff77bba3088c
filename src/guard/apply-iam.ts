/** guard.mode iam-policy: the guard as customer-managed IAM policies attached to roles, per account. */
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
import type { MonitoredAccount } from '../aws/account.ts';
import { awsErrorCode, describeAwsError } from '../aws/errors.ts';
import type { CoreDeps } from '../core/deps.ts';
import { partitionOf } from '../domain/ids.ts';
import type { GuardPolicy } from '../domain/guard.ts';
import type { GuardAccountResult, GuardPolicyOutcome } from './apply.ts';
import { decodePolicyDocument, isNoSuchEntity, sameDocument, type CallLog } from './calls.ts';
import { entriesOf, MAX_POLICIES, writeOrder } from './policy-slots.ts';
import { emptyGuardDocument, policyName } from './render.ts';

/** IAM keeps at most 5 versions of a managed policy. */
const MAX_POLICY_VERSIONS = 5;

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

export async function applyIamAccount(
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
    const code = awsErrorCode(err);
    return {
      accountId: account.id,
      status: 'failed',
      policies: outcomes,
      error: describeAwsError(err),
      ...(code ? { code } : {}),
    };
  }
}
