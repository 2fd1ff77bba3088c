/**
 * Decision intents (issue 8 item 1, issue 21): a click is written to the store before it is
 * acknowledged, then carried out from the store by the decision runner (core/decision-runner.ts) —
 * right away, and by serve's reconciler if that run did not finish (a crash, a store or network
 * failure, a dead replica). The intent's id is the decision id everywhere (the log entry, the finding's `decision`),
 * so every run of one intent converges on the same records: the finding claim is a conditional write
 * that recognises its own decision id, the ladder records each rung before attempting it
 * (core/ladder.ts), log writes are idempotent. AWS work never waits on Slack: rendering is the
 * runner's observer's, after the intent is done (src/slack/intent-runner.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import type {
  DecisionIntent,
  IntentAction,
  IntentExtras,
  IntentReply,
  IntentResult,
  Refusal,
} from '../domain/intent.ts';
import type { Actor, DecisionOutcome, DecisionRecord, FindingRecord } from '../domain/lifecycle.ts';
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
import { carryOutBlockIntent, type BlockAccountResult } from './block-account.ts';
import { carryOutUnblockAccountIntent, carryOutUnblockIntent } from './unblock-intent.ts';
import type { UnblockResult } from './unblock.ts';

/**
 * The intent id of a click: derived from what Slack delivers (who, which button, which trigger), so the
 * same click delivered twice — a Socket Mode redelivery, a second replica — is the same intent, never a
 * second decision that would be refused as "already decided" to the person who took the first.
 */
export function intentIdFor(parts: readonly string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** What a click or submission records (`recordIntent`). */
export interface IntentClick {
  action: IntentAction;
  /** The finding decided; empty for Unblock account (`ownerAccountId`). */
  findingId: string;
  /** Unblock account: the owner. */
  ownerAccountId?: string;
  by: Actor;
  reply?: IntentReply;
  /** Reason, trust expiry, second approver (the reason modal, a two-person Confirm). */
  extras?: IntentExtras;
  /** From the click (`intentIdFor`); a fresh id when absent. */
  intentId?: string;
  /** When it arrived; now when absent. */
  at?: string;
  /** Under the two-person rule: a request awaiting a second approver until this time. */
  awaitingUntil?: string;
}

/**
 * Writes the click as an intent (`pending`, or `awaiting` a second approver) in one conditional write.
 * Throws StoreError when the store cannot take it (a StoreTimeoutError past the deadline of the
 * caller's `withStoreDeadline`).
 */
export async function recordIntent(deps: CoreDeps, click: IntentClick): Promise<DecisionIntent> {
  const extras = storedExtras(click.extras);
  const intent: DecisionIntent = {
    intentId: click.intentId ?? randomUUID(),
    action: click.action,
    findingId: click.findingId,
    ...(click.ownerAccountId ? { ownerAccountId: click.ownerAccountId } : {}),
    by: click.by,
    at: click.at ?? nowIso(deps),
    status: click.awaitingUntil ? 'awaiting' : 'pending',
    ...(click.awaitingUntil ? { approval: { expiresAt: click.awaitingUntil } } : {}),
    ...(click.reply ? { reply: click.reply } : {}),
    ...(extras ? { extras } : {}),
  };
  if (!(await deps.store.putIntent(intent)))
    throw new StoreError(`intent ${intent.intentId} collides with another intent`);
  return intent;
}

/** Only the fields that are set (DynamoDB keeps no `undefined`); undefined when none is. */
function storedExtras(e: IntentExtras | undefined): IntentExtras | undefined {
  if (!e) return undefined;
  const out: IntentExtras = {
    ...(e.reason ? { reason: e.reason } : {}),
    ...(e.trustExpiresAt ? { trustExpiresAt: e.trustExpiresAt } : {}),
    ...(e.confirmedBy ? { confirmedBy: e.confirmedBy } : {}),
  };
  return Object.keys(out).length ? out : undefined;
}

/** Hooks of one run of an intent. */
export interface CarryOutHooks {
  /** The finding was claimed (`removing`) and AWS is about to be called: "⏳ Removing…" can show. */
  claimed?: (rec: FindingRecord) => Promise<void>;
}

function decide(
  deps: CoreDeps,
  intent: DecisionIntent,
  ids: DecisionIds,
  hooks: CarryOutHooks,
): Promise<DecisionResult> {
  const extras = intent.extras ?? {};
  const opts = { extras, ...(hooks.claimed ? { claimed: hooks.claimed } : {}) };
  switch (intent.action) {
    case 'trust':
      return decideTrust(deps, intent.findingId, intent.by, ids, extras);
    case 'remove':
      return decideRemove(deps, intent.findingId, intent.by, ids, opts);
    case 'delete-at-source':
      return decideDeleteAtSource(deps, intent.findingId, intent.by, ids, opts);
    case 'revoke-org-share':
      return decideRevokeOrgShare(deps, intent.findingId, intent.by, ids, opts);
    case 'block-account':
      return carryOutBlockIntent(deps, intent);
    case 'unblock':
      return carryOutUnblockIntent(deps, intent);
    case 'unblock-account':
      return carryOutUnblockAccountIntent(deps, intent);
  }
}

/**
 * Carries one intent out (does not mark it done: `completeIntent` does, after the caller has queued
 * the messages to refresh). Safe to call again after any failure: what an earlier run did is found by
 * the intent's id on the finding and in the log, and is finished rather than repeated or refused.
 */
export async function carryOutIntent(
  deps: CoreDeps,
  intent: DecisionIntent,
  hooks: CarryOutHooks = {},
): Promise<DecisionResult> {
  const ids: DecisionIds = { decisionId: intent.intentId, at: intent.at };
  // Block account finds its own earlier run by the log entry and the blocked owner, not the finding;
  // Unblock and Unblock account by the log entry and what their decision id is on.
  if (intent.action === 'block-account' || intent.action === 'unblock' || intent.action === 'unblock-account')
    return decide(deps, intent, ids, hooks);
  const rec = await deps.store.getFinding(intent.findingId);
  if (rec && rec.decision?.decisionId === intent.intentId) {
    // An earlier run of this intent got as far as the finding.
    if (rec.state === 'removing') return resumeLadder(deps, rec);
    if (intent.action === 'trust')
      return decideTrust(deps, intent.findingId, intent.by, ids, intent.extras ?? {});
    await ensureLogged(deps, intent, rec);
    return { status: 'done', records: [rec] };
  }
  return decide(deps, intent, ids, hooks);
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
    // Unblock account names an owner, no finding.
    intent.ownerAccountId ? { ownerAccountId: intent.ownerAccountId } : { findingId: intent.findingId },
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
  result: DecisionResult | { status: 'rejected'; by: Actor },
): Promise<boolean> {
  const outcome: IntentResult =
    result.status === 'refused'
      ? { status: 'refused', refusal: result.refusal }
      : result.status === 'rejected'
        ? { status: 'rejected', by: result.by }
        : {
            status: 'done',
            outcome:
              blockOutcome(result.block) ??
              unblockOutcome(result.unblock) ??
              finalOutcome(result.records, intent.intentId),
          };
  return deps.store.completeIntent(intent.intentId, outcome, nowIso(deps));
}

/** Block account's outcome as the log has it (a dry run planned: carried out as asked). */
function blockOutcome(r: BlockAccountResult | undefined): Exclude<DecisionOutcome, 'pending'> | undefined {
  if (r?.status !== 'done') return undefined;
  return r.outcome === 'planned' ? 'succeeded' : r.outcome;
}

/** Unblock's outcome as the log has it (a dry run planned: carried out as asked). */
function unblockOutcome(r: UnblockResult | undefined): Exclude<DecisionOutcome, 'pending'> | undefined {
  if (r?.status !== 'done') return undefined;
  return r.outcome === 'planned' ? 'succeeded' : r.outcome;
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
