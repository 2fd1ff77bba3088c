import { randomUUID } from 'node:crypto';
import type { Actor, DecisionRecord, DecisionSummary, FindingRecord } from '../domain/lifecycle.ts';
import { remediate } from '../remediate/remediate.ts';
import { monitoredAccounts } from '../scan/from-config.ts';
import { describeAwsError } from '../aws/errors.ts';
import { nowIso, type CoreDeps } from './deps.ts';
import { onTrustListChanged } from '../allowed-amis/sync.ts';

/** What a decision did: `records` are the findings whose messages must change. */
export type DecisionResult =
  | { status: 'done'; message: string; records: FindingRecord[] }
  | { status: 'refused'; message: string; records: FindingRecord[] };

const who = (d: DecisionSummary) => `<@${d.by.userId}>`;

function alreadyDecided(rec: FindingRecord): string {
  const d = rec.decision;
  const by = d ? ` by ${who(d)} at ${d.at}` : '';
  switch (rec.state) {
    case 'removing':
      return `Removal of ${rec.finding.resourceId} is already under way${by}.`;
    case 'removed':
      return `${rec.finding.resourceId} was already removed${by}.`;
    case 'trusted':
      return `The owner ${rec.finding.ownerAccountId} was already trusted${by}.`;
    case 'resolved':
      return `${rec.finding.resourceId} is no longer shared with ${rec.finding.accountId}; nothing to do.`;
    case 'owner-only':
      return `Remove was already decided${by}; only the owner ${rec.finding.ownerAccountId} can unshare it.`;
    default:
      return `${rec.finding.resourceId} is ${rec.state}.`;
  }
}

/** Records an attempt that changed nothing (unauthorized, stale, double click), for the audit trail. */
export async function logRefusal(
  deps: CoreDeps,
  action: DecisionRecord['action'],
  by: Actor,
  reason: string,
  target: { findingId?: string; ownerAccountId?: string } = {},
): Promise<void> {
  await deps.store.appendDecision({
    decisionId: randomUUID(),
    action,
    ...target,
    by,
    at: nowIso(deps),
    outcome: 'refused',
    detail: reason,
  });
}

async function unknownFinding(
  deps: CoreDeps,
  action: 'trust' | 'remove',
  by: Actor,
  findingId: string,
): Promise<DecisionResult> {
  await logRefusal(deps, action, by, 'unknown finding', { findingId });
  return {
    status: 'refused',
    message: 'That finding is unknown to shareguard; nothing was changed.',
    records: [],
  };
}

/**
 * Remove: claim the finding (open → removing, one conditional write, so of any number of concurrent
 * clicks exactly one proceeds), write the decision, carry it out in AWS, record the outcome.
 */
export async function decideRemove(deps: CoreDeps, findingId: string, by: Actor): Promise<DecisionResult> {
  const rec = await deps.store.getFinding(findingId);
  if (!rec) return unknownFinding(deps, 'remove', by, findingId);
  if (rec.state !== 'open') {
    await logRefusal(deps, 'remove', by, `already ${rec.state}`, { findingId });
    return { status: 'refused', message: alreadyDecided(rec), records: [] };
  }
  const at = nowIso(deps);
  const decision: DecisionRecord = {
    decisionId: randomUUID(),
    action: 'remove',
    findingId,
    ownerAccountId: rec.finding.ownerAccountId,
    by,
    at,
    outcome: 'pending',
  };
  const claim = await deps.store.transitionFinding(findingId, ['open'], {
    state: 'removing',
    decision: { decisionId: decision.decisionId, action: 'remove', by, at, outcome: 'pending' },
  });
  if (!claim.ok) {
    await logRefusal(deps, 'remove', by, `lost the race: ${claim.current?.state ?? 'gone'}`, { findingId });
    return {
      status: 'refused',
      message: claim.current ? alreadyDecided(claim.current) : 'That finding is gone.',
      records: [],
    };
  }
  await deps.store.appendDecision(decision);
  return carryOutRemoval(deps, claim.record, decision);
}

/** The AWS part of Remove, from a finding already in `removing`; also used to finish one a crash interrupted. */
async function carryOutRemoval(
  deps: CoreDeps,
  rec: FindingRecord,
  decision: DecisionRecord,
): Promise<DecisionResult> {
  const f = rec.finding;
  const account = monitoredAccounts(deps.config).find((a) => a.id === f.accountId);
  let outcome: 'succeeded' | 'owner-only' | 'failed';
  let detail: string;
  let calls: string[] = [];
  if (!account) {
    outcome = 'failed';
    detail = `Account ${f.accountId} is no longer monitored, so shareguard has no role to act with.`;
  } else {
    try {
      const result = await remediate(f, { ec2: () => deps.clients.ec2(account, f.region) });
      ({ outcome, detail, calls } = result);
    } catch (err) {
      outcome = 'failed';
      detail = `Could not reach AWS: ${describeAwsError(err)}`;
    }
  }
  const state = outcome === 'succeeded' ? 'removed' : outcome === 'owner-only' ? 'owner-only' : 'open';
  const summary: DecisionSummary = {
    decisionId: decision.decisionId,
    action: 'remove',
    by: decision.by,
    at: decision.at,
    outcome,
    detail,
  };
  const done = await deps.store.transitionFinding(f.id, ['removing'], { state, decision: summary });
  await deps.store.completeDecision(
    decision,
    outcome,
    calls.length ? `${detail} [${calls.join('; ')}]` : detail,
    nowIso(deps),
  );
  deps.log.info({ findingId: f.id, outcome, calls, by: decision.by.userId }, 'remove decision carried out');
  const record = done.ok ? done.record : (done.current ?? rec);
  return { status: 'done', message: detail, records: [record] };
}

/**
 * Finishes Remove decisions a crash left in `removing` (the decision was written, the outcome was not).
 * Removal is idempotent, so running it again is safe.
 */
export async function resumeInterruptedRemovals(deps: CoreDeps): Promise<FindingRecord[]> {
  const out: FindingRecord[] = [];
  for (const rec of await deps.store.listFindings({ states: ['removing'] })) {
    const d = rec.decision;
    if (!d || d.action !== 'remove') continue;
    const pending = (
      await deps.store.listDecisions({ since: d.at, until: d.at, findingId: rec.finding.id })
    ).find((x) => x.decisionId === d.decisionId);
    const decision: DecisionRecord = pending ?? {
      decisionId: d.decisionId,
      action: 'remove',
      findingId: rec.finding.id,
      ownerAccountId: rec.finding.ownerAccountId,
      by: d.by,
      at: d.at,
      outcome: 'pending',
    };
    if (!pending) await deps.store.appendDecision(decision);
    if (decision.outcome !== 'pending') continue;
    deps.log.warn({ findingId: rec.finding.id }, 'finishing a removal interrupted by a restart');
    out.push(...(await carryOutRemoval(deps, rec, decision)).records);
  }
  return out;
}

/**
 * Trust: the clicked finding is claimed (open/owner-only → trusted), the owner goes on the trust list,
 * and every other open finding of that owner is closed the same way.
 */
export async function decideTrust(deps: CoreDeps, findingId: string, by: Actor): Promise<DecisionResult> {
  const rec = await deps.store.getFinding(findingId);
  if (!rec) return unknownFinding(deps, 'trust', by, findingId);
  const owner = rec.finding.ownerAccountId;
  const at = nowIso(deps);
  const decisionId = randomUUID();
  const summary: DecisionSummary = {
    decisionId,
    action: 'trust',
    by,
    at,
    outcome: 'succeeded',
    detail: `Account ${owner} added to the trust list.`,
  };
  const claim = await deps.store.transitionFinding(findingId, ['open', 'owner-only'], {
    state: 'trusted',
    decision: summary,
  });
  if (!claim.ok) {
    await logRefusal(deps, 'trust', by, `already ${claim.current?.state ?? 'gone'}`, {
      findingId,
      ownerAccountId: owner,
    });
    return {
      status: 'refused',
      message: claim.current ? alreadyDecided(claim.current) : 'That finding is gone.',
      records: [],
    };
  }
  await deps.store.putTrust({
    accountId: owner,
    note: `trusted from ${rec.finding.kind} ${rec.finding.resourceId}`,
    addedBy: by,
    addedAt: at,
  });
  await deps.store.appendDecision({
    decisionId,
    action: 'trust',
    findingId,
    ownerAccountId: owner,
    by,
    at,
    outcome: 'succeeded',
    detail: summary.detail!,
  });
  const records = [claim.record];
  for (const other of await deps.store.listFindings({
    states: ['open', 'owner-only'],
    ownerAccountId: owner,
  })) {
    const res = await deps.store.transitionFinding(other.finding.id, ['open', 'owner-only'], {
      state: 'trusted',
      decision: summary,
    });
    if (res.ok) records.push(res.record);
  }
  deps.log.info({ owner, closed: records.length, by: by.userId }, 'owner trusted');
  const allowed = await onTrustListChanged(deps, by, `trust ${owner}`); // issue 9
  return {
    status: 'done',
    message:
      `Account ${owner} is trusted now; ${records.length} finding${records.length === 1 ? '' : 's'} closed.` +
      (allowed ? ` ${allowed.summary}.` : ''),
    records,
  };
}

/** Takes an owner off the trust list (future scans report its shares again). */
export async function untrustAccount(deps: CoreDeps, accountId: string, by: Actor): Promise<DecisionResult> {
  if (deps.config.trust.accounts.some((t) => t.id === accountId)) {
    await logRefusal(deps, 'untrust', by, 'trusted by configuration', { ownerAccountId: accountId });
    return {
      status: 'refused',
      message: `${accountId} is trusted by shareguard's configuration file; remove it there.`,
      records: [],
    };
  }
  const removed = await deps.store.deleteTrust(accountId);
  if (!removed) {
    await logRefusal(deps, 'untrust', by, 'not on the trust list', { ownerAccountId: accountId });
    return { status: 'refused', message: `${accountId} is not on the trust list.`, records: [] };
  }
  await deps.store.appendDecision({
    decisionId: randomUUID(),
    action: 'untrust',
    ownerAccountId: accountId,
    by,
    at: nowIso(deps),
    outcome: 'succeeded',
    detail: `Account ${accountId} removed from the trust list.`,
  });
  const allowed = await onTrustListChanged(deps, by, `untrust ${accountId}`); // issue 9
  return {
    status: 'done',
    message:
      `${accountId} is no longer trusted; the next scan reports what it shares.` +
      (allowed ? ` ${allowed.summary}.` : ''),
    records: [],
  };
}
