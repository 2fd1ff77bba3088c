/**
 * The two-person rule (issue 10 item 5, `slack.twoPersonRule`): a decision on a listed action is first
 * a request on the open finding (`approval`, one conditional write: one request at a time); someone
 * other than the requester Confirms it (the request is taken off in one conditional write, so of any
 * number of Confirm / Reject clicks exactly one wins, then the decision is carried out once) or Rejects
 * it (the finding is open again). Requests lapse after `expiresAfter`, checked by timestamp on every
 * click and swept by the scan. Every request is a decision intent `awaiting` a second approver (below).
 * This module decides WHEN a decision may go ahead and WITH WHAT (reason, expiry, second approver);
 * carrying it out is the decision runner's (core/decision-runner.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/schema.ts';
import type { Actor, ApprovalRequest, DecisionOutcome, FindingRecord } from '../domain/lifecycle.ts';
import type { DecisionIntent } from '../domain/intent.ts';
import { StoreConflictError } from '../store/errors.ts';
import { alreadyDecided } from './refusals.ts';
import { logRefusal } from './decisions.ts';
import { nowIso, type CoreDeps } from './deps.ts';

export type TwoPersonAction = ApprovalRequest['action'];

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** '30m' | '24h' | '7d' → milliseconds (the config schema accepts only these forms). */
export function durationMs(s: string): number {
  const m = /^(\d+)([mhd])$/.exec(s);
  if (!m) throw new Error(`expected a duration such as '24h', got '${s}'`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/** Whether this action needs a second approver under the config. */
export function needsSecondApprover(config: Config, action: string): action is TwoPersonAction {
  return (config.slack.twoPersonRule?.actions as readonly string[] | undefined)?.includes(action) ?? false;
}

export const approvalExpired = (req: ApprovalRequest, now: string): boolean =>
  Date.parse(req.expiresAt) <= Date.parse(now);

/** Why a two-person step changed nothing, typed; src/slack turns it into words. */
export type TwoPersonRefusal =
  | { code: 'unknown-finding' }
  | { code: 'not-open'; record: FindingRecord }
  | { code: 'already-requested'; request: ApprovalRequest }
  | { code: 'no-request' }
  | { code: 'expired'; request: ApprovalRequest }
  | { code: 'own-request'; request: ApprovalRequest }
  /** A request without a decision intent (made by an older version): taken off, never carried out. */
  | { code: 'older-request'; request: ApprovalRequest };

/** When a request made now lapses (`slack.twoPersonRule.expiresAfter`, default 24 h). */
export function requestExpiresAt(deps: CoreDeps, now = nowIso(deps)): string {
  const rule = deps.config.slack.twoPersonRule;
  return new Date(Date.parse(now) + durationMs(rule?.expiresAfter ?? '24h')).toISOString();
}

/** Takes lapsed requests off open findings (the scan calls it); returns the findings to re-render. */
export async function sweepExpiredApprovals(deps: CoreDeps): Promise<FindingRecord[]> {
  const now = nowIso(deps);
  const out: FindingRecord[] = [];
  for (const rec of await deps.store.listFindings({ states: ['open'] })) {
    if (!rec.approval || !approvalExpired(rec.approval, now)) continue;
    const intent = await deps.store.getIntent(rec.approval.requestId);
    if (intent?.status === 'awaiting' && hasApproval(intent)) {
      out.push(...(await expireRequest(deps, intent)).records);
      continue;
    }
    const res = await deps.store.clearApproval(rec.finding.id, rec.approval.requestId);
    if (!res.ok) continue;
    await deps.store.appendDecision({
      decisionId: randomUUID(),
      action: rec.approval.action,
      findingId: rec.finding.id,
      ownerAccountId: rec.finding.ownerAccountId,
      by: rec.approval.requestedBy,
      at: now,
      outcome: 'refused',
      detail: `The request ${rec.approval.requestId} expired at ${rec.approval.expiresAt} without a second approver.`,
    });
    out.push(res.record);
  }
  return out;
}

/** Plain words for the decision log (data, not markup). */
function refusalWords(r: TwoPersonRefusal): string {
  switch (r.code) {
    case 'unknown-finding':
      return 'unknown finding';
    case 'not-open':
      return `already ${r.record.state}`;
    case 'already-requested':
      return `already awaiting a second approver (asked by ${r.request.requestedBy.userId})`;
    case 'no-request':
      return 'no request awaiting a second approver';
    case 'expired':
      return `the request expired at ${r.request.expiresAt}`;
    case 'own-request':
      return 'the requester cannot confirm their own request';
    case 'older-request':
      return `the request ${r.request.requestId} was made by an older version and is not carried out; taken off`;
  }
}

// ---------------------------------------------------------------------------------------------------
// Requests as intents (issue 21): the request IS the decision intent, `awaiting` a second approver.
// It is written before the first approver's submission is acknowledged; the finding's `approval`
// (what the message shows: Confirm / Reject) is derived from it and repaired by the reconciler; a
// Confirm is one conditional write on the intent (awaiting → pending with the confirmer) before its
// ack, so a crash after either ack loses nothing (D1, D5, D6). The request's log entry is completed
// when the request ends (D10).

/** The decision-log entry of a request (the decision itself is logged under the intent id). */
export const requestLogId = (intent: DecisionIntent): string => `${intent.intentId}:request`;

function requestOf(intent: DecisionIntent & { approval: { expiresAt: string } }): ApprovalRequest {
  return {
    requestId: intent.intentId,
    // Revoke organization share is never under the rule (the config schema does not list it).
    action: intent.action as TwoPersonAction,
    requestedBy: intent.by,
    requestedAt: intent.at,
    expiresAt: intent.approval.expiresAt,
    ...(intent.extras?.reason ? { reason: intent.extras.reason } : {}),
    ...(intent.extras?.trustExpiresAt ? { trustExpiresAt: intent.extras.trustExpiresAt } : {}),
  };
}

/** Appends the request's log entry (idempotent: the same record every time) and, given an outcome, completes it. */
async function requestLog(
  deps: CoreDeps,
  intent: DecisionIntent & { approval: { expiresAt: string } },
  ownerAccountId: string,
  end?: { outcome: Exclude<DecisionOutcome, 'pending'>; detail: string },
): Promise<void> {
  const entry = {
    decisionId: requestLogId(intent),
    action: intent.action,
    findingId: intent.findingId,
    ownerAccountId,
    by: intent.by,
    at: intent.at,
    outcome: 'pending' as const,
    detail: `Awaiting a second approver until ${intent.approval.expiresAt}.`,
    ...(intent.extras?.reason ? { reason: intent.extras.reason } : {}),
  };
  try {
    await deps.store.appendDecision(entry);
  } catch (err) {
    if (!(err instanceof StoreConflictError)) throw err; // completed already by an earlier run
  }
  if (!end) return;
  try {
    await deps.store.completeDecision(entry, end.outcome, end.detail, nowIso(deps));
  } catch (err) {
    if (!(err instanceof StoreConflictError)) throw err;
  }
}

const hasApproval = (i: DecisionIntent): i is DecisionIntent & { approval: { expiresAt: string } } =>
  i.approval !== undefined;

export type SetUpResult =
  | { status: 'requested'; record: FindingRecord }
  | { status: 'refused'; refusal: TwoPersonRefusal; records: FindingRecord[] }
  | { status: 'expired'; records: FindingRecord[] };

/**
 * Puts an awaiting request on its finding (the message then offers Confirm / Reject) and logs it.
 * Idempotent: run after the submission's ack and again by every reconcile until the request ends.
 * A request the finding cannot take (decided meanwhile, another request first) is completed refused.
 */
export async function setUpRequest(deps: CoreDeps, intent: DecisionIntent): Promise<SetUpResult> {
  if (intent.status !== 'awaiting' || !hasApproval(intent)) return { status: 'expired', records: [] };
  const now = nowIso(deps);
  if (approvalExpired(requestOf(intent), now)) return expireRequest(deps, intent);
  const rec = await deps.store.getFinding(intent.findingId);
  if (rec?.approval?.requestId === intent.intentId) {
    await requestLog(deps, intent, rec.finding.ownerAccountId);
    return { status: 'requested', record: rec };
  }
  let res = rec ? await deps.store.putApproval(intent.findingId, requestOf(intent)) : undefined;
  if (res && !res.ok && res.current?.approval && approvalExpired(res.current.approval, now))
    res = await deps.store.putApproval(intent.findingId, requestOf(intent), res.current.approval.requestId);
  if (res?.ok) {
    await requestLog(deps, intent, res.record.finding.ownerAccountId);
    deps.log.info(
      { findingId: intent.findingId, action: intent.action },
      'decision awaiting a second approver',
    );
    return { status: 'requested', record: res.record };
  }
  const current = res?.current;
  const refusal: TwoPersonRefusal = !current
    ? { code: 'unknown-finding' }
    : current.state !== 'open'
      ? { code: 'not-open', record: current }
      : { code: 'already-requested', request: current.approval! };
  await logRefusal(
    deps,
    intent.action,
    intent.by,
    refusalWords(refusal),
    { findingId: intent.findingId },
    {
      decisionId: intent.intentId,
      at: intent.at,
    },
  );
  await deps.store.completeIntent(
    intent.intentId,
    {
      status: 'refused',
      refusal: current ? alreadyDecided(current) : { code: 'unknown-finding', findingId: intent.findingId },
    },
    now,
    'awaiting',
  );
  return { status: 'refused', refusal, records: current ? [current] : [] };
}

/** A lapsed request: done (expired), taken off its finding, its log entry completed. */
export async function expireRequest(
  deps: CoreDeps,
  intent: DecisionIntent & { approval: { expiresAt: string } },
): Promise<{ status: 'expired'; records: FindingRecord[] }> {
  const now = nowIso(deps);
  await deps.store.completeIntent(intent.intentId, { status: 'expired' }, now, 'awaiting');
  const cleared = await deps.store.clearApproval(intent.findingId, intent.intentId);
  const rec = cleared.ok ? cleared.record : cleared.current;
  if (rec)
    await requestLog(deps, intent, rec.finding.ownerAccountId, {
      outcome: 'refused',
      detail: `The request expired at ${intent.approval.expiresAt} without a second approver.`,
    });
  return { status: 'expired', records: cleared.ok ? [cleared.record] : [] };
}

export type IntentStepResult =
  /** The intent moved (confirmed: run it; rejected: the runner takes the request off). */
  | { status: 'moved'; intent: DecisionIntent }
  | { status: 'refused'; refusal: TwoPersonRefusal; records: FindingRecord[] };

/**
 * A second approver's Confirm or any approver's Reject, before its ack: one read of the finding for
 * the request's id, one conditional write on the intent. Of any number of clicks exactly one moves it.
 */
export async function stepRequest(
  deps: CoreDeps,
  findingId: string,
  by: Actor,
  step: 'confirm' | 'reject',
): Promise<IntentStepResult> {
  const rec = await deps.store.getFinding(findingId);
  const refuse = async (refusal: TwoPersonRefusal, records: FindingRecord[] = []) => {
    await logRefusal(deps, rec?.approval?.action ?? 'remove', by, `${step}: ${refusalWords(refusal)}`, {
      findingId,
      ...(rec ? { ownerAccountId: rec.finding.ownerAccountId } : {}),
    });
    return { status: 'refused' as const, refusal, records };
  };
  if (!rec) return refuse({ code: 'unknown-finding' });
  const request = rec.approval;
  if (!request) return refuse({ code: 'no-request' }, [rec]);
  const now = nowIso(deps);
  if (step === 'confirm' && request.requestedBy.userId === by.userId)
    return refuse({ code: 'own-request', request });
  if (step === 'confirm' && approvalExpired(request, now)) {
    // A lapsed request does not hold the finding: it is taken off now (the finding is open again).
    const intent = await deps.store.getIntent(request.requestId);
    const records =
      intent?.status === 'awaiting' && hasApproval(intent)
        ? (await expireRequest(deps, intent)).records
        : await deps.store
            .clearApproval(findingId, request.requestId)
            .then((c) => (c.ok ? [c.record] : c.current ? [c.current] : []));
    return refuse({ code: 'expired', request }, records);
  }
  const extras = {
    ...(request.reason ? { reason: request.reason } : {}),
    ...(request.trustExpiresAt ? { trustExpiresAt: request.trustExpiresAt } : {}),
  };
  const moved =
    step === 'confirm'
      ? await deps.store.confirmIntent(request.requestId, extras, by, now)
      : await deps.store.rejectIntent(request.requestId, by);
  if (moved.ok) {
    deps.log.info(
      { findingId, step, by: by.userId, requestedBy: request.requestedBy.userId },
      'two-person rule',
    );
    return { status: 'moved', intent: moved.intent };
  }
  if (!moved.current) return refuse({ code: 'older-request', request }, await dropOlderRequest(deps, rec));
  const cur = moved.current;
  // The same click delivered twice: it already moved the intent this way.
  if (step === 'confirm' && cur.extras?.confirmedBy?.userId === by.userId)
    return { status: 'moved', intent: cur };
  if (step === 'reject' && cur.rejectedBy?.userId === by.userId) return { status: 'moved', intent: cur };
  if (cur.status === 'awaiting' && step === 'confirm' && approvalExpired(request, now))
    return refuse({ code: 'expired', request }, [rec]);
  return refuse({ code: 'no-request' }, [rec]);
}

/**
 * A request on the finding without an intent: made by a version that kept requests only on the finding
 * (Block account's, before it was an intent). Nothing can carry it out now, so it is taken off (the
 * finding can be decided again) and its log entry, left pending by that version, completed.
 */
async function dropOlderRequest(deps: CoreDeps, rec: FindingRecord): Promise<FindingRecord[]> {
  const request = rec.approval!;
  const cleared = await deps.store.clearApproval(rec.finding.id, request.requestId);
  await deps.store
    .completeDecision(
      {
        decisionId: request.requestId,
        action: request.action,
        findingId: rec.finding.id,
        ownerAccountId: rec.finding.ownerAccountId,
        by: request.requestedBy,
        at: request.requestedAt,
        outcome: 'pending',
      },
      'refused',
      'Taken off: the request was made by an older version of shareguard and was not carried out.',
      nowIso(deps),
    )
    .catch((err: unknown) => {
      // Absent or completed already.
      if (!(err instanceof StoreConflictError)) throw err;
    });
  return cleared.ok ? [cleared.record] : cleared.current ? [cleared.current] : [rec];
}

/**
 * Before a confirmed request is carried out (or a rejected one is closed): the request comes off the
 * finding (conditional on its id; gone already is fine) and its log entry is completed.
 */
export async function closeRequest(deps: CoreDeps, intent: DecisionIntent): Promise<FindingRecord[]> {
  if (!hasApproval(intent)) return [];
  const cleared = await deps.store.clearApproval(intent.findingId, intent.intentId);
  const rec = cleared.ok ? cleared.record : cleared.current;
  if (!rec) return [];
  const end = intent.rejectedBy
    ? {
        outcome: 'refused' as const,
        detail: `Ended without the decision: rejected by ${intent.rejectedBy.userId}.`,
      }
    : {
        outcome: 'succeeded' as const,
        detail: `Confirmed by ${intent.extras?.confirmedBy?.userId ?? 'a second approver'}; carried out as decision ${intent.intentId}.`,
      };
  await requestLog(deps, intent, rec.finding.ownerAccountId, end);
  if (intent.rejectedBy)
    // Who rejected, in the log under the intent's id (written once however often this is resumed).
    await logRefusal(
      deps,
      intent.action,
      intent.rejectedBy,
      `Rejected the request of ${intent.by.userId} (${intent.intentId}); the finding is open again.`,
      { findingId: intent.findingId, ownerAccountId: rec.finding.ownerAccountId },
      { decisionId: intent.intentId, at: intent.at },
    );
  return [rec];
}
