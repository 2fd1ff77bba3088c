import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { logRefusal } from '../../../core/decisions.ts';
import { intentIdFor } from '../../../core/intents.ts';
import type { IntentAction } from '../../../domain/intent.ts';
import { refusalMessage } from '../../messages/index.ts';
import { FINDING_ID } from '../../payloads.ts';
import { parseClick, type Click } from './click.ts';
import type { SlackContext } from '../../context.ts';
import { isStoreUnavailable, notRecordedText } from '../failures.ts';
import { ephemeral } from '../commands/shared-scan.ts';
import { asksForReason, openReasonModalFirst } from '../views/reason.ts';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/** The decisions clicked here (Unblock has its own listener: actions/unblock.ts, no reason modal). */
type FindingClickAction = Exclude<IntentAction, 'unblock' | 'unblock-account'>;

/** The click's own identity: the same click delivered twice is the same intent (D9). */
export function clickIntentId(click: Click): string {
  const a = click.p.actions[0]!;
  return intentIdFor([
    'click',
    click.userId,
    a.action_id,
    a.value ?? '',
    a.action_ts ?? '',
    click.p.trigger_id ?? '',
  ]);
}

/**
 * A Trust, Remove, Delete at source, Block account or Revoke organization share click.
 *
 * One click (no reason modal): the decision intent is written — one conditional write with a deadline
 * well inside Slack's 3 s — and only then acknowledged (issue 21 item 1); if the store cannot take it
 * in time the clicker is told "not recorded", never left with a silent ack. The approver check and
 * everything else run from the intent (core/decision-runner.ts).
 *
 * With `slack.requireReason` (default) or a two-person rule for the action, the reason modal opens at
 * once and is filled from the store afterwards (views/reason.ts); the decision is recorded on submit.
 * Block account comes here only for the modal: its one click is actions/block-account.ts's.
 */
export function decisionAction(ctx: SlackContext, action: FindingClickAction) {
  return async ({ ack, body, respond }: Args): Promise<void> => {
    const click = parseClick(body, ctx.deps.log);
    if (!click) return ack();
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
    /** What the button carries, checked without the store: the origin and a finding id. */
    const target = (): { ok: true; findingId: string } | { ok: false; reason: string } => {
      const origin = ctx.approvers.checkOrigin(p.team?.id ?? p.user.team_id, p.api_app_id);
      if (!origin.ok) return origin;
      const value = FINDING_ID.safeParse(p.actions[0]!.value ?? '');
      if (!value.success)
        return {
          ok: false,
          reason: 'the button carried something that is not a shareguard finding; nothing was changed',
        };
      return { ok: true, findingId: value.data };
    };

    if (action !== 'revoke-org-share' && asksForReason(ctx, action)) {
      await ack();
      const t = target();
      if (!t.ok) return ctx.track(refuse(t.reason));
      // Modal first (D15): views.open right away with the click's trigger (it lives 3 s), then filled
      // from the store with views.update.
      ctx.track(openReasonModalFirst(ctx, { action, findingId: t.findingId, click, refuse, tell }));
      return;
    }
    const t = target();
    if (!t.ok) {
      await ack();
      return ctx.track(refuse(t.reason));
    }
    await recordClickThenAck(ctx, { click, action, findingId: t.findingId, ack, tell });
  };
}

/**
 * A one-click decision made durable, then acknowledged (docs/store.md "Intents"): the intent written
 * within the runner's deadline, the ack, the run. When the store cannot take it in time the click is
 * acknowledged and the clicker told "not recorded"; nothing is carried out.
 */
export async function recordClickThenAck(
  ctx: SlackContext,
  c: {
    click: Click;
    action: IntentAction;
    findingId: string;
    ack: () => Promise<void>;
    tell: (words: string) => Promise<void>;
  },
): Promise<void> {
  const { p, channel, userId, actor } = c.click;
  let intent;
  try {
    intent = await ctx.intents.record({
      intentId: clickIntentId(c.click),
      action: c.action,
      findingId: c.findingId,
      by: actor,
      reply: {
        ...(p.response_url ? { responseUrl: p.response_url } : {}),
        ...(channel ? { channel } : {}),
      },
    });
  } catch (err) {
    await c.ack();
    if (!isStoreUnavailable(err)) throw err;
    ctx.deps.log.error(
      { err: (err as Error).message, user: userId, action: c.action },
      'decision not recorded',
    );
    return ctx.track(c.tell(notRecordedText(err)));
  }
  // Durable now: the ack says so, and the runner (or after a crash, the reconciler) carries it out.
  await c.ack();
  ctx.track(ctx.intents.run(intent));
}

export const removeAction = (ctx: SlackContext) => decisionAction(ctx, 'remove');
export const trustAction = (ctx: SlackContext) => decisionAction(ctx, 'trust');
export const deleteAtSourceAction = (ctx: SlackContext) => decisionAction(ctx, 'delete-at-source');
export const revokeOrgShareAction = (ctx: SlackContext) => decisionAction(ctx, 'revoke-org-share');
