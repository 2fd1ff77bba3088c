/**
 * Unblock (a resource) and Unblock account as decision intents (core/intents.ts): recorded before the
 * ack by the button or `/shared-scan unblock`, carried out here by the decision runner with the
 * intent's id as the decision id — so a run after a crash finishes its own pending decision (the guard
 * converged and verified, the findings reopened, the log completed) instead of starting a second one.
 */
import type { DecisionIntent, Refusal } from '../domain/intent.ts';
import { unblockAccount } from './block-account.ts';
import { logRefusal, refusalDetail, type DecisionIds, type DecisionResult } from './decisions.ts';
import type { CoreDeps } from './deps.ts';
import { unblockResource } from './unblock.ts';

const idsOf = (intent: DecisionIntent): DecisionIds => ({ decisionId: intent.intentId, at: intent.at });

/** Unblock of the intent's finding; `unblock` is the outcome the channel is told. */
export async function carryOutUnblockIntent(deps: CoreDeps, intent: DecisionIntent): Promise<DecisionResult> {
  const ids = idsOf(intent);
  const r = await unblockResource(deps, intent.findingId, intent.by, ids);
  if (r.status === 'refused') {
    const refusal: Refusal =
      r.code === 'unknown'
        ? { code: 'unknown-finding', findingId: intent.findingId }
        : { code: 'not-blocked', resourceId: r.resource };
    await logRefusal(
      deps,
      'unblock',
      intent.by,
      refusalDetail(refusal),
      { findingId: intent.findingId },
      ids,
    );
    return { status: 'refused', refusal, records: [] };
  }
  // The clicked finding's message must show the outcome even when nothing about it changed.
  const records = r.records.length
    ? r.records
    : await deps.store.getFinding(intent.findingId).then((x) => (x ? [x] : []));
  return { status: 'done', records, unblock: r };
}

/** Unblock account of the intent's owner; `block` is the outcome the channel is told. */
export async function carryOutUnblockAccountIntent(
  deps: CoreDeps,
  intent: DecisionIntent,
): Promise<DecisionResult> {
  const owner = intent.ownerAccountId;
  // Recorded by `/shared-scan unblock <account>`, which always names the owner.
  if (!owner) throw new Error(`unblock-account intent ${intent.intentId} names no owner`);
  const r = await unblockAccount(deps, owner, intent.by, idsOf(intent));
  if (r.status === 'refused')
    return {
      status: 'refused',
      refusal: { code: 'block-refused', ownerAccountId: owner, reason: r.code },
      records: [],
    };
  return { status: 'done', records: r.records, block: r };
}
