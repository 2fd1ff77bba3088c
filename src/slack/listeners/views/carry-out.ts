/**
 * WHEN and WITH WHAT a decision is submitted (issue 10): after the reason modal, after one click when
 * no modal is asked for, or after a second approver's Confirm. HOW it is carried out is core's
 * (core/decisions.ts, core/ladder.ts, core/block-account.ts); this only calls it with the reason,
 * expiry and second approver, shows "⏳ Removing…" as soon as the finding is claimed, and renders the
 * outcome or the refusal.
 */
import { blockAccount } from '../../../core/block-account.ts';
import {
  decideDeleteAtSource,
  decideRemove,
  decideRevokeOrgShare,
  decideTrust,
  type DecisionExtras,
  type DecisionResult,
} from '../../../core/decisions.ts';
import { requestApproval, needsSecondApprover, type TwoPersonRefusal } from '../../../core/two-person.ts';
import type { Actor, FindingRecord } from '../../../domain/lifecycle.ts';
import { refusalMessage, typedRefusalMessage } from '../../messages/index.ts';
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

async function carryOut(ctx: SlackContext, s: Submission): Promise<void> {
  const { deps } = ctx;
  // The finding is claimed (`removing`) before AWS is called: show it at once.
  const claimed = (rec: FindingRecord) => ctx.publisher.refresh([rec]);
  let result: DecisionResult;
  switch (s.action) {
    case 'trust':
      result = await decideTrust(deps, s.findingId, s.by, undefined, s.extras);
      break;
    case 'remove':
      result = await decideRemove(deps, s.findingId, s.by, undefined, { extras: s.extras, claimed });
      break;
    case 'delete-at-source':
      result = await decideDeleteAtSource(deps, s.findingId, s.by, undefined, { extras: s.extras, claimed });
      break;
    case 'revoke-org-share':
      result = await decideRevokeOrgShare(deps, s.findingId, s.by, undefined, { extras: s.extras, claimed });
      break;
    case 'block-account':
      return blockOwner(ctx, s);
  }
  if (result.status === 'refused') {
    if (s.channel) await ctx.publisher.ephemeral(s.channel, s.tell, typedRefusalMessage(result.refusal));
    // The message may show a request or a preview that no longer holds: re-render from the store.
    const now = await deps.store.getFinding(s.findingId);
    await ctx.publisher.refresh(now ? [now] : []);
    return;
  }
  await ctx.publisher.refresh(result.records);
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
