import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { logRefusal } from '../../../core/decisions.ts';
import { recordIntent } from '../../../core/intents.ts';
import type { IntentAction } from '../../../domain/intent.ts';
import type { Actor } from '../../../domain/lifecycle.ts';
import { refusalMessage, type SlackMessage } from '../../messages/index.ts';
import { blockActionPayload, FINDING_ID } from '../../payloads.ts';
import type { SlackContext } from '../../context.ts';
import { isStoreUnavailable, STORE_UNAVAILABLE } from '../failures.ts';
import { ephemeral } from '../commands/shared-scan.ts';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/**
 * A Trust, Remove, Delete at source or Revoke organization share click: ack at once; check what the
 * button carries (only a finding id) and where it came from; write the click to the store as a
 * decision intent (core/intents.ts) before anything else; then carry the intent out from the store
 * (ctx.intents: approver check, AWS, then Slack). A click the store cannot take is answered "nothing was
 * changed, try again"; once written, it is carried out even across a restart.
 */
function decisionAction(ctx: SlackContext, action: IntentAction) {
  return async ({ ack, body, respond }: Args): Promise<void> => {
    await ack();
    const payload = blockActionPayload.safeParse(body);
    if (!payload.success) {
      ctx.deps.log.warn({ issues: payload.error.issues.length }, 'malformed action payload ignored');
      return;
    }
    const p = payload.data;
    const channel = p.channel?.id ?? p.container?.channel_id;
    const userId = p.user.id;
    const actor: Actor = {
      userId,
      ...((p.user.username ?? p.user.name) ? { userName: (p.user.username ?? p.user.name)! } : {}),
      ...(p.team?.id ? { teamId: p.team.id } : {}),
    };
    // Refusals go through the action's response_url (works where the bot is not a channel member).
    const tell = async (msg: SlackMessage) => {
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
      await tell(refusalMessage(reason));
      await logRefusal(ctx.deps, action, actor, reason, findingId ? { findingId } : {}).catch((err: Error) =>
        ctx.deps.log.error(
          { err: (err as Error).message, user: userId, action },
          'refusal could not be logged',
        ),
      );
    };
    const work = (async () => {
      const origin = ctx.approvers.checkOrigin(p.team?.id ?? p.user.team_id, p.api_app_id);
      if (!origin.ok) return refuse(origin.reason);
      const value = FINDING_ID.safeParse(p.actions[0]!.value ?? '');
      if (!value.success)
        return refuse('the button carried something that is not a shareguard finding; nothing was changed');
      let intent;
      try {
        intent = await recordIntent(ctx.deps, {
          action,
          findingId: value.data,
          by: actor,
          reply: {
            ...(p.response_url ? { responseUrl: p.response_url } : {}),
            ...(channel ? { channel } : {}),
          },
        });
      } catch (err) {
        if (!isStoreUnavailable(err)) throw err;
        ctx.deps.log.error(
          { err: (err as Error).message, user: userId, action },
          'store unavailable: click not taken',
        );
        return tell(refusalMessage(STORE_UNAVAILABLE));
      }
      await ctx.intents.run(intent);
    })();
    ctx.track(work);
  };
}

export const removeAction = (ctx: SlackContext) => decisionAction(ctx, 'remove');
export const trustAction = (ctx: SlackContext) => decisionAction(ctx, 'trust');
export const deleteAtSourceAction = (ctx: SlackContext) => decisionAction(ctx, 'delete-at-source');
export const revokeOrgShareAction = (ctx: SlackContext) => decisionAction(ctx, 'revoke-org-share');
