/**
 * The reason modal (issue 10 item 2, issue 21): opened by a Trust / Remove / Block account / Delete at
 * source click (`views.open` with the click's trigger_id at once, filled from the store after), and its
 * `view_submission`: recorded as a decision intent before the ack; who submitted is checked again and a
 * finding decided by someone else while the modal was open is said so in the modal when the store
 * answers in time (the runner refuses it otherwise).
 */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { ModalView } from '@slack/types';
import { intentIdFor } from '../../../core/intents.ts';
import { requestExpiresAt } from '../../../core/two-person.ts';
import type { Click } from '../actions/click.ts';
import { LATE, within } from '../deadline.ts';
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
import { isStoreUnavailable, notRecordedText, STORE_UNAVAILABLE } from '../failures.ts';

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

/** A modal without a form: shown at once on the click, then replaced by the form or by why not. */
function noticeModal(text: string, metadata?: string): ModalView {
  return {
    type: 'modal',
    // Plain text: the words can carry attacker-chosen resource names (never markup).
    title: { type: 'plain_text', text: 'shareguard' },
    close: { type: 'plain_text', text: 'Close' },
    ...(metadata ? { private_metadata: metadata } : {}),
    blocks: [{ type: 'section', text: { type: 'plain_text', text: text.slice(0, 3000) || ' ' } }],
  };
}

/**
 * Modal first (issue 21 item 5, D15): `views.open` right after the ack with a placeholder (the click's
 * trigger lives 3 s and nothing else has to happen first), then the approver check and the store read,
 * then `views.update` with the reason form — or with why the decision cannot be taken.
 */
export async function openReasonModalFirst(
  ctx: SlackContext,
  input: {
    action: ReasonAction;
    findingId: string;
    click: Click;
    refuse: (reason: string, findingId?: string) => Promise<void>;
    tell: (reason: string) => Promise<void>;
  },
): Promise<void> {
  const { action, findingId, click } = input;
  const ts = click.p.container?.message_ts ?? click.p.message?.ts;
  const metadata = {
    v: 1 as const,
    action,
    findingId,
    ...(click.channel && /^[CGD][A-Z0-9]{2,}$/.test(click.channel) ? { channel: click.channel } : {}),
    ...(ts && /^\d+\.\d+$/.test(ts) ? { ts } : {}),
  };
  let viewId: string | undefined;
  try {
    if (!click.p.trigger_id) throw new Error('the click carried no trigger_id');
    viewId = await ctx.publisher.openModal(click.p.trigger_id, noticeModal('Loading the finding…'));
  } catch (err) {
    // An expired or reused trigger (more than 3 s after the click): the clicker can click again.
    ctx.deps.log.warn({ err: (err as Error).message, action, findingId }, 'opening the reason modal failed');
    return input.tell('Slack did not open the form in time; click the button again. Nothing was changed.');
  }
  const show = async (view: ModalView) => {
    if (!viewId) return;
    await ctx.publisher
      .updateModal(viewId, view)
      .catch((err: Error) =>
        ctx.deps.log.warn({ err: err.message, action, findingId }, 'views.update failed'),
      );
  };
  const auth = await ctx.approvers.isApprover(click.userId);
  if (!auth.ok) {
    await show(noticeModal(`${auth.reason}. Nothing was changed.`));
    return input.refuse(auth.reason, findingId);
  }
  let record: FindingRecord | undefined;
  try {
    record = await ctx.deps.store.getFinding(findingId);
  } catch (err) {
    if (!isStoreUnavailable(err)) throw err;
    return show(noticeModal(`${STORE_UNAVAILABLE}.`));
  }
  const stale = staleReason(action, record);
  if (stale || !record) {
    await show(noticeModal(stale ?? 'That finding is unknown to shareguard; nothing was changed.'));
    return input.refuse(stale ?? 'unknown finding', findingId);
  }
  await show(
    reasonModal({
      action,
      finding: record.finding,
      requireReason: ctx.deps.config.slack.requireReason,
      // The modal is the confirmation (issue 23 item 2): the steps Remove would run, the expiry default.
      context: remediationContext(ctx.deps.config, record.finding),
      defaultExpiry: ctx.deps.config.slack.trustExpiry,
      metadata,
    }),
  );
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

/** How long the submission waits for an approver check or a staleness read before going on without it. */
const PRE_ACK_READ_MS = 500;

/**
 * `app.view(REASON_CALLBACK, …)`: the reason modal was submitted. The decision is recorded as an intent
 * — with its reason, expiry, and under the two-person rule as a request awaiting a second approver —
 * before the submission is acknowledged (issue 21 item 1, D1); if the store cannot take it in time the
 * modal says "not recorded" (`response_action: errors`). Reads before the ack are bounded: a slow
 * approver group or store is not waited for (the runner checks both again), a fast one that says
 * "not an approver" or "decided meanwhile" is shown in the modal.
 */
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
      await errors(reason);
      ctx.track(logRefusal(ctx.deps, action, by, reason, { findingId }));
    };
    const origin = ctx.approvers.checkOrigin(b.data.team?.id ?? u.team_id, b.data.api_app_id);
    if (!origin.ok) return refuse(origin.reason);
    const parsed = parseReasonSubmission(view.state.values, action, ctx.deps.config.slack.requireReason);
    if (!parsed.ok) return ack({ response_action: 'errors', errors: parsed.errors });
    // Checked again on submit: approver lists change, and a modal can be forwarded or replayed.
    const auth = await within(ctx.approvers.isApprover(u.id), PRE_ACK_READ_MS);
    if (auth !== LATE && !auth.ok) return refuse(auth.reason);
    const current = await within(ctx.deps.store.getFinding(findingId), PRE_ACK_READ_MS).catch(
      (): typeof LATE => LATE,
    );
    const stale = current === LATE ? undefined : staleReason(action, current);
    if (stale) return refuse(stale);
    const now = nowIso(ctx.deps);
    const extras = {
      ...(parsed.reason ? { reason: parsed.reason } : {}),
      ...(parsed.expiresInDays
        ? { trustExpiresAt: new Date(Date.parse(now) + parsed.expiresInDays * DAY_MS).toISOString() }
        : {}),
    };
    let intent;
    try {
      intent = await ctx.intents.record({
        intentId: intentIdFor(['view', view.id, u.id]),
        at: now,
        action,
        findingId,
        by,
        extras,
        reply: { ...(channel ? { channel } : {}), userId: u.id },
        // Under the two-person rule the intent is the request (core/two-person.ts).
        ...(needsSecondApprover(ctx.deps.config, action)
          ? { awaitingUntil: requestExpiresAt(ctx.deps, now) }
          : {}),
      });
    } catch (err) {
      if (!isStoreUnavailable(err)) throw err;
      ctx.deps.log.error({ err: (err as Error).message, user: u.id, action }, 'decision not recorded');
      return errors(notRecordedText(err));
    }
    await ack();
    ctx.track(ctx.intents.run(intent));
  };
}
