/** guard.mode scp: the guard as service control policies in the management account. */
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
import type { GuardPolicy } from '../domain/guard.ts';
import type { GuardAccountResult, GuardPolicyOutcome } from './apply.ts';
import { sameDocument, type CallLog } from './calls.ts';
import { entriesOf, MAX_POLICIES, writeOrder } from './policy-slots.ts';
import { emptyGuardDocument, policyName } from './render.ts';

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

export async function applyScp(
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
    const code = awsErrorCode(err);
    return {
      accountId: mgmt.id,
      status: 'failed',
      policies: outcomes,
      error: describeAwsError(err),
      ...(code ? { code } : {}),
    };
  }
}
