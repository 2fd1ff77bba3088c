/**
 * The reason modal (issue 10 item 2): opened by a Trust / Remove / Block account / Delete at source
 * click (`views.open` with the click's trigger_id, right after the ack: a trigger lives 3 seconds), and
 * its `view_submission`: who submitted is checked again, the finding is re-loaded, and a finding
 * decided by someone else while the modal was open is said so in the modal and changes nothing.
 */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import { LADDER_FROM } from '../../../core/ladder.ts';
import { logRefusal } from '../../../core/decisions.ts';
import { needsSecondApprover } from '../../../core/two-person.ts';
import { nowIso } from '../../../core/deps.ts';
import { remediationContext } from '../../../remediate/registry.ts';
import type { Actor, FindingRecord } from '../../../domain/lifecycle.ts';
import {
  decodeMetadata,
  parseReasonSubmission,
  reasonModal,
  REASON_BLOCK,
  type ReasonAction,
} from '../../messages/modals.ts';
import type { SlackContext } from '../../context.ts';
import { submitDecision } from './carry-out.ts';
import { isStoreUnavailable, STORE_UNAVAILABLE } from '../failures.ts';
import { refusalMessage } from '../../messages/index.ts';

const DAY_MS = 86_400_000;

/** Whether a click on this action opens the reason modal (else it acts at once, as before). */
export function asksForReason(ctx: SlackContext, action: ReasonAction): boolean {
  return ctx.deps.config.slack.requireReason || needsSecondApprover(ctx.deps.config, action);
}

/** States from which each decision may still be taken (a modal submitted later re-checks them). */
function decidable(action: ReasonAction, rec: FindingRecord): boolean {
  switch (action) {
    case 'trust':
      return ['open', 'owner-only', 'recorded'].includes(rec.state);
    case 'remove':
    case 'delete-at-source':
      return LADDER_FROM[action].includes(rec.state);
    case 'block-account':
      return true;
  }
}

/** Why the finding can no longer take this decision, in words; undefined when it still can. */
export function staleReason(action: ReasonAction, rec: FindingRecord | undefined): string | undefined {
  if (!rec) return 'That finding is unknown to shareguard; nothing was changed.';
  if (rec.approval)
    return `This finding is awaiting a second approver (${rec.approval.action}, asked by ${
      rec.approval.requestedBy.userName ?? rec.approval.requestedBy.userId
    }): confirm or reject that request. Nothing was changed.`;
  if (decidable(action, rec)) return undefined;
  const d = rec.decision;
  const by = d ? ` by ${d.by.userName ?? d.by.userId} at ${d.at}` : '';
  return `Someone decided first: ${rec.finding.resourceId} is ${rec.state} now${by}. Nothing was changed.`;
}

/** Opens the reason modal for a click; returns false (and logs) when Slack would not open it. */
export async function openReasonModal(
  ctx: SlackContext,
  input: {
    action: ReasonAction;
    record: FindingRecord;
    triggerId: string;
    channel?: string;
    ts?: string;
  },
): Promise<boolean> {
  const view = reasonModal({
    action: input.action,
    finding: input.record.finding,
    requireReason: ctx.deps.config.slack.requireReason,
    // The modal is the confirmation (issue 23 item 2): the steps Remove would run, the expiry default.
    context: remediationContext(ctx.deps.config, input.record.finding),
    defaultExpiry: ctx.deps.config.slack.trustExpiry,
    metadata: {
      v: 1,
      action: input.action,
      findingId: input.record.finding.id,
      ...(input.channel && /^[CGD][A-Z0-9]{2,}$/.test(input.channel) ? { channel: input.channel } : {}),
      ...(input.ts && /^\d+\.\d+$/.test(input.ts) ? { ts: input.ts } : {}),
    },
  });
  try {
    await ctx.publisher.openModal(input.triggerId, view);
    return true;
  } catch (err) {
    // An expired or reused trigger (more than 3 s after the click): the clicker can click again.
    ctx.deps.log.warn(
      { err: (err as Error).message, action: input.action, findingId: input.record.finding.id },
      'opening the reason modal failed',
    );
    return false;
  }
}

const submissionBody = z.object({
  team: z.object({ id: z.string() }).nullable().optional(),
  api_app_id: z.string().optional(),
  user: z.object({
    id: z.string(),
    name: z.string().optional(),
    username: z.string().optional(),
    team_id: z.string().optional(),
  }),
});

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** `app.view(REASON_CALLBACK, …)`: the reason modal was submitted. */
export function reasonSubmitted(ctx: SlackContext) {
  return async ({ ack, body, view }: ViewArgs): Promise<void> => {
    const errors = (message: string) =>
      ack({ response_action: 'errors', errors: { [REASON_BLOCK]: message } });
    const b = submissionBody.safeParse(body);
    const meta = decodeMetadata(view.private_metadata);
    if (!b.success || !meta.ok) {
      ctx.deps.log.warn({ reason: meta.ok ? 'malformed body' : meta.reason }, 'modal submission ignored');
      return errors('This form did not come from shareguard; nothing was changed.');
    }
    const { action, findingId, channel } = meta.value;
    const u = b.data.user;
    const name = u.username ?? u.name;
    const by: Actor = {
      userId: u.id,
      ...(name ? { userName: name } : {}),
      ...(b.data.team?.id ? { teamId: b.data.team.id } : {}),
    };
    const refuse = async (reason: string) => {
      ctx.deps.log.warn({ user: u.id, action, findingId, reason }, 'modal submission refused');
      await logRefusal(ctx.deps, action, by, reason, { findingId });
      await errors(reason);
    };
    const origin = ctx.approvers.checkOrigin(b.data.team?.id ?? u.team_id, b.data.api_app_id);
    if (!origin.ok) return refuse(origin.reason);
    // Checked again on submit: approver lists change, and a modal can be forwarded or replayed.
    const auth = await ctx.approvers.isApprover(u.id);
    if (!auth.ok) return refuse(auth.reason);
    const parsed = parseReasonSubmission(view.state.values, action, ctx.deps.config.slack.requireReason);
    if (!parsed.ok) return ack({ response_action: 'errors', errors: parsed.errors });
    const stale = staleReason(action, await ctx.deps.store.getFinding(findingId));
    if (stale) return refuse(stale);
    await ack();
    const extras = {
      ...(parsed.reason ? { reason: parsed.reason } : {}),
      ...(parsed.expiresInDays
        ? {
            trustExpiresAt: new Date(
              Date.parse(nowIso(ctx.deps)) + parsed.expiresInDays * DAY_MS,
            ).toISOString(),
          }
        : {}),
    };
    ctx.track(
      ctx.decisions.run(async () => {
        try {
          // Trust / Remove / …: written as a decision intent (with the reason and expiry) first.
          await submitDecision(ctx, {
            action,
            findingId,
            by,
            extras,
            tell: u.id,
            ...(channel ? { channel } : {}),
          });
        } catch (err) {
          if (!isStoreUnavailable(err)) throw err;
          ctx.deps.log.error({ err: (err as Error).message, user: u.id, action }, 'store unavailable');
          if (channel) await ctx.publisher.ephemeral(channel, u.id, refusalMessage(STORE_UNAVAILABLE));
        }
      }),
    );
  };
}
