import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { finishBlockAccount } from '../../../core/block-account.ts';
import { logRefusal } from '../../../core/decisions.ts';
import type { SlackMessage } from '../../messages/blocks.ts';
import { refusalMessage } from '../../messages/index.ts';
import { BLOCK_ACCOUNT_ACTION, blockAccountMessage } from '../../messages/guard.ts';

export { BLOCK_ACCOUNT_ACTION };
import { FINDING_ID } from '../../payloads.ts';
import { parseClick } from './click.ts';
import type { SlackContext } from '../../context.ts';
import { asksForReason } from '../views/reason.ts';
import { decisionAction } from './decision.ts';
import { approverBeforeAck, recordBlockBeforeAck } from '../block-before-ack.ts';
import { NOT_RECORDED } from '../failures.ts';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/**
 * Block account from a finding: check who clicked, re-load the finding (the button carries only its
 * id), write the decision and the blocked owner (the guard's desired state) — bounded, then ack, so an
 * acknowledged Block account survives a crash (the next start finishes it) and a store that does not
 * answer is answered "not recorded" within Slack's 3 s — then converge the guard, verify, tell the
 * channel and refresh the owner's finding messages.
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
    const tell = async (msg: SlackMessage) => {
      if (channel) await ctx.publisher.ephemeral(channel, userId, msg);
    };
    const refuse = async (reason: string, target: { findingId?: string; ownerAccountId?: string } = {}) => {
      await ackOnce();
      ctx.deps.log.warn({ user: userId, action: 'block-account', ...target, reason }, 'decision refused');
      ctx.track(
        (async () => {
          await tell(refusalMessage(reason));
          // The clicker has the answer; a refusal the log cannot take is logged here, not retold.
          await logRefusal(ctx.deps, 'block-account', actor, reason, target).catch((err: Error) =>
            ctx.deps.log.error({ err: err.message, user: userId }, 'refusal could not be logged'),
          );
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
      const auth = await approverBeforeAck(ctx, userId);
      if (!auth.ok) return await refuse(auth.reason, { findingId: value.data });
      const recorded = await recordBlockBeforeAck(
        ctx,
        async () => (await ctx.deps.store.getFinding(value.data))?.finding.ownerAccountId,
        actor,
      );
      if (recorded.kind === 'unknown-finding')
        return await refuse('that finding is unknown to shareguard; nothing was changed', {
          findingId: value.data,
        });
      if (recorded.kind === 'not-recorded') {
        await ackOnce();
        ctx.track(tell(refusalMessage(NOT_RECORDED)));
        return;
      }
      await ackOnce();
      const { started } = recorded;
      const work = ctx.decisions.run(async () => {
        const result = 'result' in started ? started.result : await finishBlockAccount(ctx.deps, started);
        const msg = blockAccountMessage(result, actor);
        if (result.status === 'refused') {
          await tell(msg);
          return;
        }
        await ctx.publisher.refresh(result.records);
        await ctx.publisher.post(msg);
      });
      ctx.track(work);
    } catch (err) {
      await ackOnce();
      ctx.deps.log.error({ err: (err as Error).message, user: userId }, 'Block account failed');
      // Before anything was recorded (the account set could not be read, a bug): said, not swallowed.
      ctx.track(tell(refusalMessage(`that did not work: ${(err as Error).message}; nothing was changed`)));
    }
  };
}
