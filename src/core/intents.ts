/**
 * Decision intents (issue 8 item 1): an acknowledged click is written to the store before anything
 * else, then carried out from the store — by the listener's queue right away, and by serve's
 * reconciler at start and periodically if that run did not finish (a crash, a store or network
 * failure). The intent's id is the decision id everywhere (the log entry, the finding's `decision`),
 * so every run of one intent converges on the same records: the finding claim is a conditional write
 * that recognises its own decision id, the ladder records each rung before attempting it
 * (core/ladder.ts), log writes are idempotent. AWS work never waits on Slack: rendering is the
 * caller's, after the intent is done (src/slack/intent-runner.ts).
 */
import { randomUUID } from 'node:crypto';
import type { DecisionIntent, IntentAction, IntentReply, IntentResult, Refusal } from '../domain/intent.ts';
import type { Actor, DecisionRecord, FindingRecord } from '../domain/lifecycle.ts';
import { StoreConflictError, StoreError } from '../store/errors.ts';
import {
  decideDeleteAtSource,
  decideRemove,
  decideRevokeOrgShare,
  decideTrust,
  logRefusal,
  refusalDetail,
  resumeLadder,
  type DecisionIds,
  type DecisionResult,
} from './decisions.ts';
import { nowIso, type CoreDeps } from './deps.ts';

/** Writes the click as a pending intent; throws StoreError when the store cannot take it. */
export async function recordIntent(
  deps: CoreDeps,
  click: { action: IntentAction; findingId: string; by: Actor; reply?: IntentReply },
): Promise<DecisionIntent> {
  const intent: DecisionIntent = {
    intentId: randomUUID(),
    action: click.action,
    findingId: click.findingId,
    by: click.by,
    at: nowIso(deps),
    status: 'pending',
    ...(click.reply ? { reply: click.reply } : {}),
  };
  if (!(await deps.store.putIntent(intent)))
    throw new StoreError(`intent ${intent.intentId} collides with another intent`);
  return intent;
}

const DECIDE = {
  trust: decideTrust,
  remove: decideRemove,
  'delete-at-source': decideDeleteAtSource,
  'revoke-org-share': decideRevokeOrgShare,
} as const;

/**
 * Carries one intent out (does not mark it done: `completeIntent` does, after the caller has queued
 * the messages to refresh). Safe to call again after any failure: what an earlier run did is found by
 * the intent's id on the finding and in the log, and is finished rather than repeated or refused.
 */
export async function carryOutIntent(deps: CoreDeps, intent: DecisionIntent): Promise<DecisionResult> {
  const ids: DecisionIds = { decisionId: intent.intentId, at: intent.at };
  const rec = await deps.store.getFinding(intent.findingId);
  if (rec && rec.decision?.decisionId === intent.intentId) {
    // An earlier run of this intent got as far as the finding.
    if (rec.state === 'removing') return resumeLadder(deps, rec);
    if (intent.action === 'trust') return decideTrust(deps, intent.findingId, intent.by, ids);
    await ensureLogged(deps, intent, rec);
    return { status: 'done', message: rec.decision.detail ?? '', records: [rec] };
  }
  return DECIDE[intent.action](deps, intent.findingId, intent.by, ids);
}

/** Refuses an intent before core ran (e.g. the clicker is not an approver), logged once under its id. */
export async function refuseIntent(
  deps: CoreDeps,
  intent: DecisionIntent,
  refusal: Refusal,
): Promise<DecisionResult> {
  await logRefusal(
    deps,
    intent.action,
    intent.by,
    refusalDetail(refusal),
    { findingId: intent.findingId },
    {
      decisionId: intent.intentId,
      at: intent.at,
    },
  );
  return { status: 'refused', refusal, records: [] };
}

/** pending → done with what happened. False when it was already done (another run finished it). */
export async function completeIntent(
  deps: CoreDeps,
  intent: DecisionIntent,
  result: DecisionResult,
): Promise<boolean> {
  const outcome: IntentResult =
    result.status === 'refused'
      ? { status: 'refused', refusal: result.refusal }
      : { status: 'done', outcome: finalOutcome(result.records, intent.intentId) };
  return deps.store.completeIntent(intent.intentId, outcome, nowIso(deps));
}

function finalOutcome(records: readonly FindingRecord[], decisionId: string) {
  const d = records.find((r) => r.decision?.decisionId === decisionId)?.decision;
  return d && d.outcome !== 'pending' ? d.outcome : 'succeeded';
}

/**
 * The finding shows this intent's outcome but the log entry may not (the completing write failed):
 * write or complete it from the finding.
 */
async function ensureLogged(deps: CoreDeps, intent: DecisionIntent, rec: FindingRecord): Promise<void> {
  const d = rec.decision!;
  if (d.outcome === 'pending') return;
  const logged = (
    await deps.store.listDecisions({ since: d.at, until: d.at, findingId: rec.finding.id })
  ).find((x) => x.decisionId === d.decisionId);
  if (logged && logged.outcome !== 'pending') return;
  const entry: DecisionRecord = logged ?? {
    decisionId: d.decisionId,
    action: intent.action,
    findingId: rec.finding.id,
    ownerAccountId: rec.finding.ownerAccountId,
    by: d.by,
    at: d.at,
    outcome: 'pending',
  };
  if (!logged) await deps.store.appendDecision(entry);
  try {
    await deps.store.completeDecision(entry, d.outcome, d.detail, nowIso(deps));
  } catch (err) {
    if (!(err instanceof StoreConflictError)) throw err;
  }
}
