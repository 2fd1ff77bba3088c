/**
 * The two-person rule (issue 10 item 5, `slack.twoPersonRule`): a decision on a listed action is first
 * a request on the open finding (`approval`, one conditional write: one request at a time); someone
 * other than the requester Confirms it (the request is taken off in one conditional write, so of any
 * number of Confirm / Reject clicks exactly one wins, then the decision is carried out once) or Rejects
 * it (the finding is open again). Requests lapse after `expiresAfter`, checked by timestamp on every
 * click and swept by the scan. This module decides WHEN a decision may go ahead and WITH WHAT (reason,
 * expiry, second approver); carrying it out is the caller's (core/decisions.ts, core/block-account.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/schema.ts';
import type { Actor, ApprovalRequest, FindingRecord } from '../domain/lifecycle.ts';
import { logRefusal, type DecisionExtras } from './decisions.ts';
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
  | { code: 'own-request'; request: ApprovalRequest };

export type RequestResult =
  | { status: 'requested'; request: ApprovalRequest; record: FindingRecord }
  | { status: 'refused'; refusal: TwoPersonRefusal; records: FindingRecord[] };

/** The first approver's submission: the finding (still `open`) now awaits a second approver. */
export async function requestApproval(
  deps: CoreDeps,
  findingId: string,
  action: TwoPersonAction,
  by: Actor,
  extras: DecisionExtras,
): Promise<RequestResult> {
  const now = nowIso(deps);
  const rule = deps.config.slack.twoPersonRule;
  const request: ApprovalRequest = {
    requestId: randomUUID(),
    action,
    requestedBy: by,
    requestedAt: now,
    expiresAt: new Date(Date.parse(now) + durationMs(rule?.expiresAfter ?? '24h')).toISOString(),
    ...(extras.reason ? { reason: extras.reason } : {}),
    ...(extras.trustExpiresAt ? { trustExpiresAt: extras.trustExpiresAt } : {}),
  };
  const target = { findingId };
  let res = await deps.store.putApproval(findingId, request);
  // A lapsed request does not hold the finding: replace it (conditional on its id).
  if (!res.ok && res.current?.approval && approvalExpired(res.current.approval, now))
    res = await deps.store.putApproval(findingId, request, res.current.approval.requestId);
  if (res.ok) {
    await deps.store.appendDecision({
      decisionId: request.requestId,
      action,
      findingId,
      ownerAccountId: res.record.finding.ownerAccountId,
      by,
      at: now,
      outcome: 'pending',
      detail: `Awaiting a second approver until ${request.expiresAt}.`,
      ...(extras.reason ? { reason: extras.reason } : {}),
    });
    deps.log.info({ findingId, action, by: by.userId }, 'decision awaiting a second approver');
    return { status: 'requested', request, record: res.record };
  }
  const current = res.current;
  const refusal: TwoPersonRefusal = !current
    ? { code: 'unknown-finding' }
    : current.state !== 'open'
      ? { code: 'not-open', record: current }
      : { code: 'already-requested', request: current.approval! };
  await logRefusal(deps, action, by, refusalWords(refusal), target);
  return { status: 'refused', refusal, records: current ? [current] : [] };
}

export type ConfirmResult =
  /** The request was taken off the finding by this click: carry out `request.action` once. */
  | { status: 'confirmed'; request: ApprovalRequest; record: FindingRecord; extras: DecisionExtras }
  | { status: 'refused'; refusal: TwoPersonRefusal; records: FindingRecord[] };

/**
 * A second approver's Confirm. Refused (and logged) for the requester themself, for a lapsed request
 * (which is then taken off: the finding is open again) and when someone else got there first.
 */
export async function confirmApproval(deps: CoreDeps, findingId: string, by: Actor): Promise<ConfirmResult> {
  const got = await takeRequest(deps, findingId, by, 'confirm');
  if (got.status === 'refused') return got;
  const { request, record } = got;
  return {
    status: 'confirmed',
    request,
    record,
    extras: {
      ...(request.reason ? { reason: request.reason } : {}),
      ...(request.trustExpiresAt ? { trustExpiresAt: request.trustExpiresAt } : {}),
      confirmedBy: by,
    },
  };
}

export type RejectResult =
  | { status: 'rejected'; request: ApprovalRequest; record: FindingRecord }
  | { status: 'refused'; refusal: TwoPersonRefusal; records: FindingRecord[] };

/** Reject (by anyone allowed to decide, the requester included: it withdraws the request): open again. */
export async function rejectApproval(deps: CoreDeps, findingId: string, by: Actor): Promise<RejectResult> {
  const got = await takeRequest(deps, findingId, by, 'reject');
  if (got.status === 'refused') return got;
  await deps.store.appendDecision({
    decisionId: randomUUID(),
    action: got.request.action,
    findingId,
    ownerAccountId: got.record.finding.ownerAccountId,
    by,
    at: nowIso(deps),
    outcome: 'refused',
    detail: `Rejected the request of ${got.request.requestedBy.userId} (${got.request.requestId}); the finding is open again.`,
  });
  return { status: 'rejected', request: got.request, record: got.record };
}

async function takeRequest(
  deps: CoreDeps,
  findingId: string,
  by: Actor,
  step: 'confirm' | 'reject',
): Promise<
  | { status: 'taken'; request: ApprovalRequest; record: FindingRecord }
  | { status: 'refused'; refusal: TwoPersonRefusal; records: FindingRecord[] }
> {
  const now = nowIso(deps);
  const rec = await deps.store.getFinding(findingId);
  const refuse = async (refusal: TwoPersonRefusal, records: FindingRecord[] = []) => {
    const action = rec?.approval?.action ?? 'remove';
    await logRefusal(deps, action, by, `${step}: ${refusalWords(refusal)}`, {
      findingId,
      ...(rec ? { ownerAccountId: rec.finding.ownerAccountId } : {}),
    });
    return { status: 'refused' as const, refusal, records };
  };
  if (!rec) return refuse({ code: 'unknown-finding' });
  const request = rec.approval;
  if (!request) return refuse({ code: 'no-request' }, [rec]);
  if (approvalExpired(request, now)) {
    const cleared = await deps.store.clearApproval(findingId, request.requestId);
    return refuse({ code: 'expired', request }, cleared.ok ? [cleared.record] : [rec]);
  }
  if (step === 'confirm' && request.requestedBy.userId === by.userId)
    return refuse({ code: 'own-request', request });
  const taken = await deps.store.clearApproval(findingId, request.requestId);
  if (!taken.ok) return refuse({ code: 'no-request' }, taken.current ? [taken.current] : []);
  deps.log.info(
    { findingId, step, by: by.userId, requestedBy: request.requestedBy.userId },
    'two-person rule',
  );
  return { status: 'taken', request, record: taken.record };
}

/** Takes lapsed requests off open findings (the scan calls it); returns the findings to re-render. */
export async function sweepExpiredApprovals(deps: CoreDeps): Promise<FindingRecord[]> {
  const now = nowIso(deps);
  const out: FindingRecord[] = [];
  for (const rec of await deps.store.listFindings({ states: ['open'] })) {
    if (!rec.approval || !approvalExpired(rec.approval, now)) continue;
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
  }
}
