import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { logRefusal } from '../../../core/decisions.ts';
import { refusalMessage } from '../../messages/index.ts';
import { FINDING_ID } from '../../payloads.ts';
import { parseClick } from './click.ts';
import type { SlackContext } from '../../context.ts';
import { isStoreUnavailable, STORE_UNAVAILABLE } from '../failures.ts';
import { ephemeral } from '../commands/shared-scan.ts';
import { submitDecision, type SubmittableAction } from '../views/carry-out.ts';
import { asksForReason, openReasonModal, staleReason } from '../views/reason.ts';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

const triggerOf = z.object({ trigger_id: z.string().min(1) });

/**
 * A Trust, Remove, Delete at source, Block account or Revoke organization share click: ack at once,
 * then check who clicked and what the button carries (the value is only a finding id; the finding is
 * re-loaded from the store). With `slack.requireReason` (default) or a two-person rule for the action,
 * the reason modal opens (views/reason.ts) and the decision is submitted from it; otherwise it is
 * submitted now (views/carry-out.ts).
 */
export function decisionAction(ctx: SlackContext, action: SubmittableAction) {
  return async ({ ack, body, respond }: Args): Promise<void> => {
    await ack();
    const click = parseClick(body, ctx.deps.log);
    if (!click) return;
    const { p, channel, userId, actor } = click;
    // Refusals go to the clicking user through the action's response_url: it works where the bot is
    // not a channel member; chat.postEphemeral only when there is none.
    const tell = async (reason: string) => {
      const msg = refusalMessage(reason);
      if (p.response_url) {
        try {
          await respond({ ...ephemeral(msg), replace_original: false });
          return;
        } catch (err) {
          ctx.deps.log.warn({ err: (err as Error).message, user: userId }, 'respond failed');
        }
      }
      if (channel) await ctx.publisher.ephemeral(channel, userId, msg);
    };
    const refuse = async (reason: string, findingId?: string) => {
      ctx.deps.log.warn({ user: userId, action, findingId, reason }, 'decision refused');
      await tell(reason);
      // The user has the answer already; a refusal the log cannot take is logged here, not retold.
      await logRefusal(ctx.deps, action, actor, reason, findingId ? { findingId } : {}).catch((err: Error) =>
        ctx.deps.log.error({ err: err.message, user: userId, action }, 'refusal could not be logged'),
      );
    };
    /** Runs click work; a store outage is answered to the clicker instead of failing silently. */
    const guarded = (fn: () => Promise<void>) => async () => {
      try {
        await fn();
      } catch (err) {
        if (!isStoreUnavailable(err)) throw err;
        ctx.deps.log.error({ err: (err as Error).message, user: userId, action }, 'store unavailable');
        await tell(STORE_UNAVAILABLE);
      }
    };
    const checked = async (): Promise<string | undefined> => {
      const origin = ctx.approvers.checkOrigin(p.team?.id ?? p.user.team_id, p.api_app_id);
      if (!origin.ok) return void (await refuse(origin.reason));
      const value = FINDING_ID.safeParse(p.actions[0]!.value ?? '');
      if (!value.success)
        return void (await refuse(
          'the button carried something that is not a shareguard finding; nothing was changed',
        ));
      const auth = await ctx.approvers.isApprover(userId);
      if (!auth.ok) return void (await refuse(auth.reason, value.data));
      return value.data;
    };

    if (action !== 'revoke-org-share' && asksForReason(ctx, action)) {
      // Not queued behind other decisions: the click's trigger_id is good for 3 seconds only.
      const work = guarded(async () => {
        const findingId = await checked();
        if (!findingId) return;
        const record = await ctx.deps.store.getFinding(findingId);
        const stale = staleReason(action, record);
        if (stale || !record) return refuse(stale ?? 'unknown finding', findingId);
        const trigger = triggerOf.safeParse(body);
        const opened =
          trigger.success &&
          (await openReasonModal(ctx, {
            action,
            record,
            triggerId: trigger.data.trigger_id,
            ...(channel ? { channel } : {}),
            ...((p.container?.message_ts ?? p.message?.ts)
              ? { ts: (p.container?.message_ts ?? p.message?.ts)! }
              : {}),
          }));
        if (!opened)
          await tell('Slack did not open the form in time; click the button again. Nothing was changed.');
      })();
      ctx.track(work);
      return;
    }
    if (action !== 'block-account') {
      // One click, no modal: written to the store as a decision intent before anything else, then
      // carried out from it (core/intents.ts, durable); the approver is checked by the intent runner.
      const work = guarded(async () => {
        const origin = ctx.approvers.checkOrigin(p.team?.id ?? p.user.team_id, p.api_app_id);
        if (!origin.ok) return refuse(origin.reason);
        const value = FINDING_ID.safeParse(p.actions[0]!.value ?? '');
        if (!value.success)
          return refuse('the button carried something that is not a shareguard finding; nothing was changed');
        const intent = await ctx.intents.record({
          action,
          findingId: value.data,
          by: actor,
          reply: {
            ...(p.response_url ? { responseUrl: p.response_url } : {}),
            ...(channel ? { channel } : {}),
          },
        });
        await ctx.intents.run(intent);
      })();
      ctx.track(work);
      return;
    }
    const work = ctx.decisions.run(
      guarded(async () => {
        const findingId = await checked();
        if (!findingId) return;
        await submitDecision(ctx, {
          action,
          findingId,
          by: actor,
          extras: {},
          tell: userId,
          ...(channel ? { channel } : {}),
        });
      }),
    );
    ctx.track(work);
  };
}

export const removeAction = (ctx: SlackContext) => decisionAction(ctx, 'remove');
export const trustAction = (ctx: SlackContext) => decisionAction(ctx, 'trust');
export const deleteAtSourceAction = (ctx: SlackContext) => decisionAction(ctx, 'delete-at-source');
export const revokeOrgShareAction = (ctx: SlackContext) => decisionAction(ctx, 'revoke-org-share');
