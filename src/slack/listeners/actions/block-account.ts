import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { finishBlockAccount, startBlockAccount } from '../../../core/block-account.ts';
import { logRefusal } from '../../../core/decisions.ts';
import { refusalMessage } from '../../messages/index.ts';
import { BLOCK_ACCOUNT_ACTION, blockAccountMessage } from '../../messages/guard.ts';

export { BLOCK_ACCOUNT_ACTION };
import { FINDING_ID } from '../../payloads.ts';
import { parseClick } from './click.ts';
import type { SlackContext } from '../../context.ts';
import { asksForReason } from '../views/reason.ts';
import { decisionAction } from './decision.ts';
import { isStoreUnavailable, STORE_UNAVAILABLE } from '../failures.ts';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/**
 * Block account from a finding: check who clicked, re-load the finding (the button carries only its
 * id), write the decision and the blocked owner (the guard's desired state) — then ack, so an
 * acknowledged Block account survives a crash (the next start finishes it) — then converge the guard,
 * verify, tell the channel and refresh the owner's finding messages.
 */
export function blockAccountAction(ctx: SlackContext) {
  // With a reason asked for (slack.requireReason, default) or a two-person rule: the reason modal.
  const viaModal = decisionAction(ctx, 'block-account');
  return async (args: Args): Promise<void> => {
    if (asksForReason(ctx, 'block-account')) return viaModal(args);
    const { ack, body } = args;
    let acked = false;
    const ackOnce = async () => {
      if (acked) return;
      acked = true;
      await ack();
    };
    const click = parseClick(body, ctx.deps.log);
    if (!click) return ackOnce();
    const { p, channel, userId, actor } = click;
    const refuse = async (reason: string, target: { findingId?: string; ownerAccountId?: string } = {}) => {
      await ackOnce();
      ctx.deps.log.warn({ user: userId, action: 'block-account', ...target, reason }, 'decision refused');
      ctx.track(
        (async () => {
          await logRefusal(ctx.deps, 'block-account', actor, reason, target);
          if (channel) await ctx.publisher.ephemeral(channel, userId, refusalMessage(reason));
        })(),
      );
    };
    try {
      const origin = ctx.approvers.checkOrigin(p.team?.id ?? p.user.team_id, p.api_app_id);
      if (!origin.ok) return await refuse(origin.reason);
      const value = FINDING_ID.safeParse(p.actions[0]!.value ?? '');
      if (!value.success)
        return await refuse(
          'the button carried something that is not a shareguard finding; nothing was changed',
        );
      const auth = await ctx.approvers.isApprover(userId);
      if (!auth.ok) return await refuse(auth.reason, { findingId: value.data });
      const rec = await ctx.deps.store.getFinding(value.data);
      if (!rec)
        return await refuse('that finding is unknown to shareguard; nothing was changed', {
          findingId: value.data,
        });
      const started = await startBlockAccount(ctx.deps, rec.finding.ownerAccountId, actor);
      await ackOnce();
      const work = ctx.decisions.run(async () => {
        const result = 'result' in started ? started.result : await finishBlockAccount(ctx.deps, started);
        const msg = blockAccountMessage(result, actor);
        if (result.status === 'refused') {
          if (channel) await ctx.publisher.ephemeral(channel, userId, msg);
          return;
        }
        await ctx.publisher.refresh(result.records);
        await ctx.publisher.post(msg);
      });
      ctx.track(work);
    } catch (err) {
      await ackOnce();
      if (!isStoreUnavailable(err)) throw err;
      ctx.deps.log.error({ err: (err as Error).message }, 'Block account not recorded');
      if (channel)
        ctx.track(
          ctx.publisher.ephemeral(channel, userId, refusalMessage(STORE_UNAVAILABLE)).then(() => undefined),
        );
    }
  };
}
