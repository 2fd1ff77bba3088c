/**
 * WHEN and WITH WHAT a decision is submitted outside the intent path's listeners: Block account (carried
 * out here directly, core/block-account.ts owns its durability), and a Confirm of a request that is not
 * an intent (Block account's, or one made by an older version). Trust / Remove / Delete at source /
 * Revoke organization share from a click, a modal or a Confirm are recorded as decision intents before
 * their ack by the listeners themselves (actions/decision.ts, views/reason.ts, views/two-person.ts).
 */
import { blockAccount } from '../../../core/block-account.ts';
import type { DecisionExtras } from '../../../core/decisions.ts';
import { requestApproval, needsSecondApprover, type TwoPersonRefusal } from '../../../core/two-person.ts';
import type { Actor } from '../../../domain/lifecycle.ts';
import { refusalMessage } from '../../messages/index.ts';
import { blockAccountMessage } from '../../messages/guard.ts';
import type { SlackContext } from '../../context.ts';

export type SubmittableAction =
  'trust' | 'remove' | 'delete-at-source' | 'block-account' | 'revoke-org-share';

export interface Submission {
  action: SubmittableAction;
  findingId: string;
  /** Who decided (under the two-person rule: who asked; `extras.confirmedBy` confirmed). */
  by: Actor;
  extras: DecisionExtras;
  /** Where to tell the clicker about a refusal (ephemeral). */
  channel?: string;
  /** Who to tell (the clicker: under the two-person rule the second approver). */
  tell: string;
}

/**
 * The decision as submitted: under `slack.twoPersonRule` (and not yet confirmed) it becomes a request
 * awaiting a second approver; otherwise it is carried out now.
 */
export async function submitDecision(ctx: SlackContext, s: Submission): Promise<void> {
  if (!s.extras.confirmedBy && needsSecondApprover(ctx.deps.config, s.action)) {
    const res = await requestApproval(ctx.deps, s.findingId, s.action, s.by, s.extras);
    if (res.status === 'requested') {
      await ctx.publisher.refresh([res.record]);
      return;
    }
    await tell(ctx, s, twoPersonRefusalText(res.refusal));
    await ctx.publisher.refresh(res.records);
    return;
  }
  await carryOut(ctx, s);
}

/**
 * Written to the store as a decision intent (with its reason, expiry, second approver) before
 * anything else, then carried out from the store by the intent runner — the same path as a one-click
 * decision, so a crash after the modal's ack or the Confirm is resumed by the reconciler (issue 8
 * item 1). The run is tracked, not awaited: the caller may hold a slot of the limiter the runner uses.
 */
async function carryOut(ctx: SlackContext, s: Submission): Promise<void> {
  if (s.action === 'block-account') return blockOwner(ctx, s);
  const intent = await ctx.intents.record({
    action: s.action,
    findingId: s.findingId,
    by: s.by,
    extras: s.extras,
    reply: { ...(s.channel ? { channel: s.channel } : {}), userId: s.tell },
  });
  ctx.track(ctx.intents.run(intent));
}

/** Block account from a finding: its owner is blocked (core/block-account.ts), the channel told. */
async function blockOwner(ctx: SlackContext, s: Submission): Promise<void> {
  const rec = await ctx.deps.store.getFinding(s.findingId);
  if (!rec) return tell(ctx, s, 'That finding is unknown to shareguard; nothing was changed.');
  // block-account keeps one reason (core/block-account.ts); the second approver is named in it.
  const reason =
    [s.extras.reason, s.extras.confirmedBy ? `confirmed by ${s.extras.confirmedBy.userId}` : '']
      .filter(Boolean)
      .join(' — ') || undefined;
  const result = await blockAccount(ctx.deps, rec.finding.ownerAccountId, s.by, reason);
  const msg = blockAccountMessage(result, s.by, reason);
  if (result.status === 'refused') {
    if (s.channel) await ctx.publisher.ephemeral(s.channel, s.tell, msg);
    await ctx.publisher.refresh([rec]);
    return;
  }
  await ctx.publisher.refresh(result.records.length ? result.records : [rec]);
  await ctx.publisher.post(msg);
}

async function tell(ctx: SlackContext, s: Submission, words: string): Promise<void> {
  if (s.channel) await ctx.publisher.ephemeral(s.channel, s.tell, refusalMessage(words));
}

/** The two-person rule's refusals in words for the person who clicked (plain text; escaped when shown). */
export function twoPersonRefusalText(r: TwoPersonRefusal): string {
  switch (r.code) {
    case 'unknown-finding':
      return 'That finding is unknown to shareguard; nothing was changed.';
    case 'not-open':
      return `${r.record.finding.resourceId} was already decided (${r.record.state}); nothing was changed.`;
    case 'already-requested':
      return `${r.request.action} is already awaiting a second approver (asked by ${r.request.requestedBy.userName ?? r.request.requestedBy.userId}); confirm or reject that request.`;
    case 'no-request':
      return 'There is no request awaiting a second approver here any more (someone confirmed or rejected it); nothing was changed.';
    case 'expired':
      return `That request expired at ${r.request.expiresAt}; the finding is open again. Nothing was changed.`;
    case 'own-request':
      return 'You asked for this decision: someone else must confirm it (two-person rule). Nothing was changed.';
  }
}
