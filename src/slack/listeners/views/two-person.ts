/**
 * Confirm / Reject on a finding awaiting a second approver (issue 10 item 5, `slack.twoPersonRule`).
 * Who clicked is checked (an approver; Confirm: not the requester), then the request — a decision
 * intent awaiting a second approver — is moved in one conditional write before the ack (issue 21):
 * of any number of clicks exactly one wins, and a Confirm carries the decision out once, with both
 * names, even across a crash right after its ack.
 */
import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { logRefusal } from '../../../core/decisions.ts';
import { stepRequest } from '../../../core/two-person.ts';
import { LATE, within } from '../deadline.ts';
import { isStoreUnavailable, NOT_RECORDED_YET } from '../failures.ts';
import { refusalMessage } from '../../messages/index.ts';
import { FINDING_ID } from '../../payloads.ts';
import { parseClick } from '../actions/click.ts';
import type { SlackContext } from '../../context.ts';
import { twoPersonRefusalText } from './two-person-refusals.ts';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/** How long a Confirm / Reject waits for the approver check before going on (the runner checks again). */
const PRE_ACK_READ_MS = 500;

function twoPersonAction(ctx: SlackContext, step: 'confirm' | 'reject') {
  return async ({ ack, body }: Args): Promise<void> => {
    const click = parseClick(body, ctx.deps.log);
    if (!click) return ack();
    const { p, channel, userId, actor } = click;
    const say = async (words: string) => {
      if (channel) await ctx.publisher.ephemeral(channel, userId, refusalMessage(words));
    };
    const refuse = async (reason: string, findingId?: string) => {
      ctx.deps.log.warn({ user: userId, step, findingId, reason }, 'two-person click refused');
      await say(reason);
      await logRefusal(ctx.deps, 'remove', actor, `${step}: ${reason}`, findingId ? { findingId } : {});
    };
    const origin = ctx.approvers.checkOrigin(p.team?.id ?? p.user.team_id, p.api_app_id);
    const value = FINDING_ID.safeParse(p.actions[0]!.value ?? '');
    const auth =
      origin.ok && value.success ? await within(ctx.approvers.isApprover(userId), PRE_ACK_READ_MS) : LATE;
    if (!origin.ok || !value.success || (auth !== LATE && !auth.ok)) {
      await ack();
      const reason = !origin.ok
        ? origin.reason
        : !value.success
          ? 'the button carried something that is not a shareguard finding; nothing was changed'
          : auth !== LATE && !auth.ok
            ? auth.reason
            : '';
      return ctx.track(refuse(reason, value.success ? value.data : undefined));
    }
    const findingId = value.data;
    // The request is a decision intent: Confirm / Reject is one conditional write on it, done before
    // the ack (issue 21, D6): a crash after the ack finds the confirmed decision pending in the store.
    // The reads around it share the write's one deadline (a store that is too slow: StoreTimeoutError).
    let stepped;
    try {
      stepped = await ctx.intents.beforeAck(() => stepRequest(ctx.deps, findingId, actor, step));
    } catch (err) {
      await ack();
      if (!isStoreUnavailable(err)) throw err;
      ctx.deps.log.error({ err: (err as Error).message, user: userId, step }, 'two-person step not recorded');
      return ctx.track(say(NOT_RECORDED_YET));
    }
    await ack();
    if (stepped.status === 'moved') return ctx.track(ctx.intents.run(stepped.intent));
    const { refusal, records } = stepped;
    ctx.track(
      (async () => {
        await say(twoPersonRefusalText(refusal));
        await ctx.publisher.refresh(records);
      })(),
    );
  };
}

export const confirmAction = (ctx: SlackContext) => twoPersonAction(ctx, 'confirm');
export const rejectAction = (ctx: SlackContext) => twoPersonAction(ctx, 'reject');
