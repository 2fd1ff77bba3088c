import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { blockAccount } from '../../../core/block-account.ts';
import { logRefusal } from '../../../core/decisions.ts';
import { refusalMessage } from '../../messages/index.ts';
import { BLOCK_ACCOUNT_ACTION, blockAccountMessage } from '../../messages/guard.ts';

export { BLOCK_ACCOUNT_ACTION };
import { FINDING_ID } from '../../payloads.ts';
import { parseClick } from './click.ts';
import type { SlackContext } from '../../context.ts';
import { asksForReason } from '../views/reason.ts';
import { decisionAction } from './decision.ts';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/**
 * Block account from a finding: ack at once, check who clicked, re-load the finding (the button
 * carries only its id) and block its owner; the channel is told what was done and the owner's
 * finding messages are refreshed.
 */
export function blockAccountAction(ctx: SlackContext) {
  // With a reason asked for (slack.requireReason, default) or a two-person rule: the reason modal.
  const viaModal = decisionAction(ctx, 'block-account');
  return async (args: Args): Promise<void> => {
    if (asksForReason(ctx, 'block-account')) return viaModal(args);
    const { ack, body } = args;
    await ack();
    const click = parseClick(body, ctx.deps.log);
    if (!click) return;
    const { p, channel, userId, actor } = click;
    const refuse = async (reason: string, target: { findingId?: string; ownerAccountId?: string } = {}) => {
      ctx.deps.log.warn({ user: userId, action: 'block-account', ...target, reason }, 'decision refused');
      await logRefusal(ctx.deps, 'block-account', actor, reason, target);
      if (channel) await ctx.publisher.ephemeral(channel, userId, refusalMessage(reason));
    };
    const work = ctx.decisions.run(async () => {
      const origin = ctx.approvers.checkOrigin(p.team?.id ?? p.user.team_id, p.api_app_id);
      if (!origin.ok) return refuse(origin.reason);
      const value = FINDING_ID.safeParse(p.actions[0]!.value ?? '');
      if (!value.success)
        return refuse('the button carried something that is not a shareguard finding; nothing was changed');
      const auth = await ctx.approvers.isApprover(userId);
      if (!auth.ok) return refuse(auth.reason, { findingId: value.data });
      const rec = await ctx.deps.store.getFinding(value.data);
      if (!rec)
        return refuse('that finding is unknown to shareguard; nothing was changed', {
          findingId: value.data,
        });
      const result = await blockAccount(ctx.deps, rec.finding.ownerAccountId, actor);
      const msg = blockAccountMessage(result, actor);
      if (result.status === 'refused') {
        if (channel) await ctx.publisher.ephemeral(channel, userId, msg);
        return;
      }
      await ctx.publisher.refresh(result.records);
      await ctx.publisher.post(msg);
    });
    ctx.track(work);
  };
}
