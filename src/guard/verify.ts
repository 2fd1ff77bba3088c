import {
  paginateSimulateCustomPolicy,
  paginateSimulatePrincipalPolicy,
  type ContextEntry,
  type EvaluationResult,
} from '@aws-sdk/client-iam';
import {
  DescribePolicyCommand,
  paginateListPolicies,
  paginateListTargetsForPolicy,
} from '@aws-sdk/client-organizations';
import { roleArn } from '../aws/account.ts';
import { describeAwsError } from '../aws/errors.ts';
import type { CoreDeps } from '../core/deps.ts';
import { KINDS, kindModules } from '../aws/kinds/index.ts';
import { partitionOf } from '../domain/ids.ts';
import type { BlockedResource } from '../domain/guard.ts';
import { monitoredAccountsNow } from '../scan/monitored-now.ts';
import { scpManagementAccount } from './apply-scp.ts';
import { CallLog } from './calls.ts';
import { guardDenyActions, policyName } from './render.ts';

/** One simulated decision: `principal` is a role ARN (iam-policy) or `scp` (the organization's policies). */
export interface GuardEvidence {
  principal: string;
  action: string;
  decision: string;
  /** The policy whose statement decided it, when AWS names one. */
  policy?: string;
}

export interface GuardVerification {
  /** True only when every relevant action answered `explicitDeny` for every principal checked. */
  verified: boolean;
  evidence: GuardEvidence[];
  /** Which policy in which account blocks it (iam-policy: the monitored account; scp: the management account). */
  blockedBy: { accountId: string; policy: string }[];
  /** In plain words, for the outcome message and the decision log. */
  detail: string;
  calls: string[];
}

/** What verification needs of a blocked resource. */
export type VerifyTarget = Pick<
  BlockedResource,
  'kind' | 'accountId' | 'region' | 'resourceId' | 'resourceArn' | 'ownerAccountId'
>;

function contextFor(r: VerifyTarget): ContextEntry[] {
  // EC2 image and snapshot ARNs carry no owner: the guard's owner statements match on ec2:Owner.
  if (KINDS[r.kind].guard.family !== 'rds')
    return [{ ContextKeyName: 'ec2:Owner', ContextKeyValues: [r.ownerAccountId], ContextKeyType: 'string' }];
  return [];
}

const policyNameOf = (id: string | undefined): string | undefined =>
  id === undefined ? undefined : (id.split(':policy/').pop() ?? id);

/**
 * Asks IAM whether the guard denies every use of `r`: `SimulatePrincipalPolicy` for each attached role
 * (iam-policy), or `SimulateCustomPolicy` with the SCP documents as Organizations holds them (scp).
 * Never throws for an AWS failure: the result is unverified and says why.
 */
export async function verifyBlocked(deps: CoreDeps, r: VerifyTarget): Promise<GuardVerification> {
  const log = new CallLog();
  const fail = (detail: string): GuardVerification => ({
    verified: false,
    evidence: [],
    blockedBy: [],
    detail,
    calls: log.entries,
  });
  const guard = deps.config.guard;
  if (guard.mode === 'off') return fail('The guard is off (guard.mode: off): nothing blocks its use.');
  if (guard.mode === 'print')
    return fail(
      'The guard is printed only (guard.mode: print): not blocked until the printed policy is applied.',
    );
  if (deps.config.remediation.dryRun)
    return fail('Dry run: the guard was not applied, so nothing was verified.');
  const actions = guardDenyActions(r.kind);
  try {
    return guard.mode === 'iam-policy'
      ? await verifyIam(deps, r, actions, log)
      : await verifyScp(deps, r, actions, log);
  } catch (err) {
    return fail(`Could not verify the guard: ${describeAwsError(err)}`);
  }
}

async function verifyIam(
  deps: CoreDeps,
  r: VerifyTarget,
  actions: string[],
  log: CallLog,
): Promise<GuardVerification> {
  const guard = deps.config.guard;
  const account = (await monitoredAccountsNow(deps)).find((a) => a.id === r.accountId);
  const base = { calls: log.entries };
  if (!account)
    return {
      ...base,
      verified: false,
      evidence: [],
      blockedBy: [],
      detail: `${r.accountId} is not a monitored account.`,
    };
  if (!guard.attachToRoles.length) {
    return {
      ...base,
      verified: false,
      evidence: [],
      blockedBy: [],
      detail: `The guard policy ${guard.policyName} in ${r.accountId} is attached to no role (guard.attachToRoles is empty), so nothing enforces it.`,
    };
  }
  const partition = partitionOf(deps.config.aws.homeRegion);
  const iam = deps.clients.iam(account);
  const evidence: GuardEvidence[] = [];
  for (const role of guard.attachToRoles) {
    const principal = roleArn(r.accountId, role, partition);
    const results: EvaluationResult[] = [];
    await log.run(
      'iam:SimulatePrincipalPolicy',
      `${principal} ${r.resourceArn}`,
      async () => {
        for await (const page of paginateSimulatePrincipalPolicy(
          { client: iam },
          {
            PolicySourceArn: principal,
            ActionNames: actions,
            ResourceArns: [r.resourceArn],
            ContextEntries: contextFor(r),
          },
        ))
          results.push(...(page.EvaluationResults ?? []));
      },
      () => summarize(results),
    );
    evidence.push(...toEvidence(principal, actions, results, (id) => policyNameOf(id)));
  }
  return conclude(evidence, actions, r, log, (policy) => ({ accountId: r.accountId, policy }));
}

async function verifyScp(
  deps: CoreDeps,
  r: VerifyTarget,
  actions: string[],
  log: CallLog,
): Promise<GuardVerification> {
  const guard = deps.config.guard;
  const mgmt = scpManagementAccount(deps);
  const org = deps.clients.organizations(mgmt);
  const docs: { name: string; content: string }[] = [];
  const unattached: string[] = [];
  const byName = new Map<string, string>();
  await log.run('organizations:ListPolicies', 'SERVICE_CONTROL_POLICY', async () => {
    for await (const page of paginateListPolicies({ client: org }, { Filter: 'SERVICE_CONTROL_POLICY' }))
      for (const p of page.Policies ?? []) if (p.Name && p.Id) byName.set(p.Name, p.Id);
  });
  for (let i = 0; ; i++) {
    const name = policyName(guard.policyName, i);
    const id = byName.get(name);
    if (!id) break;
    const out = await log.run('organizations:DescribePolicy', id, () =>
      org.send(new DescribePolicyCommand({ PolicyId: id })),
    );
    const targets = new Set<string>();
    await log.run('organizations:ListTargetsForPolicy', id, async () => {
      for await (const page of paginateListTargetsForPolicy({ client: org }, { PolicyId: id }))
        for (const t of page.Targets ?? []) if (t.TargetId) targets.add(t.TargetId);
    });
    // A policy detached from every target (emptied surplus) enforces nothing: leave it out.
    if (!targets.size) continue;
    const missing = (guard.scp?.targets ?? []).filter((t) => !targets.has(t));
    if (missing.length) unattached.push(`${name} is not attached to ${missing.join(', ')}`);
    docs.push({ name, content: out.Policy?.Content ?? '' });
  }
  if (!docs.length) {
    return {
      verified: false,
      evidence: [],
      blockedBy: [],
      detail: `No attached service control policy named ${guard.policyName} in the management account ${mgmt.id}.`,
      calls: log.entries,
    };
  }
  const iam = deps.clients.iam(mgmt);
  const results: EvaluationResult[] = [];
  await log.run(
    'iam:SimulateCustomPolicy',
    `${docs.map((d) => d.name).join(',')} ${r.resourceArn}`,
    async () => {
      for await (const page of paginateSimulateCustomPolicy(
        { client: iam },
        {
          PolicyInputList: docs.map((d) => d.content),
          ActionNames: actions,
          ResourceArns: [r.resourceArn],
          ContextEntries: contextFor(r),
        },
      ))
        results.push(...(page.EvaluationResults ?? []));
    },
    () => summarize(results),
  );
  // SimulateCustomPolicy names its inputs PolicyInputList.1, .2, … in order.
  const nameOf = (id: string | undefined) => {
    const m = /(\d+)$/.exec(id ?? '');
    return m ? docs[Number(m[1]) - 1]?.name : undefined;
  };
  const v = conclude(toEvidence('scp', actions, results, nameOf), actions, r, log, (policy) => ({
    accountId: mgmt.id,
    policy,
  }));
  if (v.verified && unattached.length) {
    return { ...v, verified: false, detail: `${v.detail} But ${unattached.join('; ')}.` };
  }
  return v;
}

function summarize(results: EvaluationResult[]): string {
  return results.map((e) => `${e.EvalActionName}=${e.EvalDecision}`).join(' ') || 'no results';
}

function toEvidence(
  principal: string,
  actions: string[],
  results: EvaluationResult[],
  nameOf: (id: string | undefined) => string | undefined,
): GuardEvidence[] {
  return actions.map((action) => {
    const e = results.find((x) => x.EvalActionName?.toLowerCase() === action.toLowerCase());
    const policy = nameOf(e?.MatchedStatements?.find((m) => m.SourcePolicyId)?.SourcePolicyId);
    return { principal, action, decision: e?.EvalDecision ?? 'no answer', ...(policy ? { policy } : {}) };
  });
}

function conclude(
  evidence: GuardEvidence[],
  actions: string[],
  r: VerifyTarget,
  log: CallLog,
  where: (policy: string) => { accountId: string; policy: string },
): GuardVerification {
  const notDenied = evidence.filter((e) => e.decision !== 'explicitDeny');
  const blockedBy = [...new Set(evidence.map((e) => e.policy).filter((p): p is string => !!p))]
    .sort()
    .map(where);
  const place = blockedBy.map((b) => `${b.policy} in ${b.accountId}`).join(', ');
  if (!notDenied.length && evidence.length >= actions.length) {
    return {
      verified: true,
      evidence,
      blockedBy,
      detail: `IAM answers explicitDeny for ${actions.join(', ')} on ${r.resourceId}${place ? ` (${place})` : ''}.`,
      calls: log.entries,
    };
  }
  return {
    verified: false,
    evidence,
    blockedBy,
    detail: `Not verified: ${notDenied.map((e) => `${e.action} is ${e.decision}`).join(', ')} for ${r.resourceId}.`,
    calls: log.entries,
  };
}

/** Representative resources of an owner, one per kind, to verify a blocked owner without a real share. */
export function ownerProbe(owner: string, accountId: string, region: string): VerifyTarget[] {
  const p = partitionOf(region);
  return kindModules().map((m) => ({
    kind: m.kind,
    accountId,
    region,
    ...m.guard.probe(owner, region, p),
    ownerAccountId: owner,
  }));
}
