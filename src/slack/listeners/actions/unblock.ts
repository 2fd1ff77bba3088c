import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { logRefusal } from '../../../core/decisions.ts';
import { unblockResource } from '../../../core/unblock.ts';
import { refusalMessage } from '../../messages/index.ts';
import { unblockMessage } from '../../messages/guard.ts';
import { FINDING_ID } from '../../payloads.ts';
import type { SlackContext } from '../../context.ts';
import { parseClick } from './click.ts';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/**
 * Unblock on a blocked finding's message: ack, check who clicked, take the resource off the guard
 * (core/unblock.ts: converged and verified), tell the channel and refresh the finding's message.
 */
export function unblockAction(ctx: SlackContext) {
  return async ({ ack, body }: Args): Promise<void> => {
    await ack();
    const click = parseClick(body, ctx.deps.log);
    if (!click) return;
    const { p, channel, userId, actor } = click;
    const refuse = async (reason: string, findingId?: string) => {
      ctx.deps.log.warn({ user: userId, action: 'unblock', findingId, reason }, 'decision refused');
      await logRefusal(ctx.deps, 'unblock', actor, reason, findingId ? { findingId } : {});
      if (channel) await ctx.publisher.ephemeral(channel, userId, refusalMessage(reason));
    };
    const work = ctx.decisions.run(async () => {
      const origin = ctx.approvers.checkOrigin(p.team?.id ?? p.user.team_id, p.api_app_id);
      if (!origin.ok) return refuse(origin.reason);
      const value = FINDING_ID.safeParse(p.actions[0]!.value ?? '');
      if (!value.success)
        return refuse('the button carried something that is not a shareguard finding; nothing was changed');
      const auth = await ctx.approvers.isApprover(userId);
      if (!auth.ok) return refuse(auth.reason, value.data);
      const r = await unblockResource(ctx.deps, value.data, actor);
      const msg = unblockMessage(r, actor);
      if (r.status === 'refused') {
        if (channel) await ctx.publisher.ephemeral(channel, userId, msg);
        return;
      }
      await ctx.publisher.refresh(r.records);
      await ctx.publisher.post(msg);
    });
    ctx.track(work);
  };
}
