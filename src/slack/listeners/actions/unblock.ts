import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { logRefusal } from '../../../core/decisions.ts';
import { refusalMessage } from '../../messages/index.ts';
import { FINDING_ID } from '../../payloads.ts';
import type { SlackContext } from '../../context.ts';
import { approverBeforeAck } from '../block-before-ack.ts';
import { parseClick } from './click.ts';
import { recordClickThenAck } from './decision.ts';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/**
 * Unblock on a blocked finding's message: who clicked is checked (bounded) and the decision recorded
 * as an intent (one conditional write with the runner's deadline) before the ack, so an acknowledged
 * Unblock survives a crash — the reconciler finishes it. The decision runner then takes the resource
 * off the guard (core/unblock.ts: converged and verified), and its observer refreshes the finding's
 * message and tells the channel. A store that cannot take the intent in time: "not recorded".
 */
export function unblockAction(ctx: SlackContext) {
  return async ({ ack, body }: Args): Promise<void> => {
    const click = parseClick(body, ctx.deps.log);
    if (!click) return ack();
    const { p, channel, userId, actor } = click;
    const tell = async (reason: string) => {
      if (channel) await ctx.publisher.ephemeral(channel, userId, refusalMessage(reason));
    };
    const refuse = async (reason: string, findingId?: string) => {
      await ack();
      ctx.deps.log.warn({ user: userId, action: 'unblock', findingId, reason }, 'decision refused');
      ctx.track(
        (async () => {
          await tell(reason);
          // The clicker has the answer; a refusal the log cannot take is logged here, not retold.
          await logRefusal(ctx.deps, 'unblock', actor, reason, findingId ? { findingId } : {}).catch(
            (err: Error) =>
              ctx.deps.log.error({ err: err.message, user: userId }, 'refusal could not be logged'),
          );
        })(),
      );
    };
    const origin = ctx.approvers.checkOrigin(p.team?.id ?? p.user.team_id, p.api_app_id);
    if (!origin.ok) return refuse(origin.reason);
    const value = FINDING_ID.safeParse(p.actions[0]!.value ?? '');
    if (!value.success)
      return refuse('the button carried something that is not a shareguard finding; nothing was changed');
    let auth;
    try {
      auth = await approverBeforeAck(ctx, userId);
    } catch (err) {
      // Nothing was recorded: said, not swallowed.
      return refuse(`that did not work: ${(err as Error).message}; nothing was changed`, value.data);
    }
    if (!auth.ok) return refuse(auth.reason, value.data);
    await recordClickThenAck(ctx, { click, action: 'unblock', findingId: value.data, ack, tell });
  };
}
