/**
 * Confirm / Reject on a finding awaiting a second approver (issue 10 item 5, `slack.twoPersonRule`).
 * Both ack at once, check who clicked (an approver; Confirm: not the requester), then take the request
 * off the finding in one conditional write (core/two-person.ts): of any number of clicks exactly one
 * wins, and a Confirm carries the decision out once, with both names.
 */
import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { logRefusal } from '../../../core/decisions.ts';
import { confirmApproval, rejectApproval } from '../../../core/two-person.ts';
import { refusalMessage } from '../../messages/index.ts';
import { FINDING_ID } from '../../payloads.ts';
import { parseClick } from '../actions/click.ts';
import type { SlackContext } from '../../context.ts';
import { submitDecision, twoPersonRefusalText } from './carry-out.ts';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

function twoPersonAction(ctx: SlackContext, step: 'confirm' | 'reject') {
  return async ({ ack, body }: Args): Promise<void> => {
    await ack();
    const click = parseClick(body, ctx.deps.log);
    if (!click) return;
    const { p, channel, userId, actor } = click;
    const say = async (words: string) => {
      if (channel) await ctx.publisher.ephemeral(channel, userId, refusalMessage(words));
    };
    const refuse = async (reason: string, findingId?: string) => {
      ctx.deps.log.warn({ user: userId, step, findingId, reason }, 'two-person click refused');
      await logRefusal(ctx.deps, 'remove', actor, `${step}: ${reason}`, findingId ? { findingId } : {});
      await say(reason);
    };
    const work = ctx.decisions.run(async () => {
      const origin = ctx.approvers.checkOrigin(p.team?.id ?? p.user.team_id, p.api_app_id);
      if (!origin.ok) return refuse(origin.reason);
      const value = FINDING_ID.safeParse(p.actions[0]!.value ?? '');
      if (!value.success)
        return refuse('the button carried something that is not a shareguard finding; nothing was changed');
      const auth = await ctx.approvers.isApprover(userId);
      if (!auth.ok) return refuse(auth.reason, value.data);
      if (step === 'reject') {
        const res = await rejectApproval(ctx.deps, value.data, actor);
        if (res.status === 'refused') {
          await say(twoPersonRefusalText(res.refusal));
          return ctx.publisher.refresh(res.records);
        }
        return ctx.publisher.refresh([res.record]);
      }
      const res = await confirmApproval(ctx.deps, value.data, actor);
      if (res.status === 'refused') {
        await say(twoPersonRefusalText(res.refusal));
        return ctx.publisher.refresh(res.records);
      }
      await submitDecision(ctx, {
        action: res.request.action,
        findingId: value.data,
        by: res.request.requestedBy,
        extras: res.extras,
        tell: userId,
        ...(channel ? { channel } : {}),
      });
    });
    ctx.track(work);
  };
}

export const confirmAction = (ctx: SlackContext) => twoPersonAction(ctx, 'confirm');
export const rejectAction = (ctx: SlackContext) => twoPersonAction(ctx, 'reject');
