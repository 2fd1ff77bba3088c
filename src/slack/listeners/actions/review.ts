/**
 * Owner-first triage (issue 23 item 1): the Review modal's and the Home tab's controls. Review (a button
 * or a page select on an owner message, the owners index or the Home tab) opens the Review modal; the
 * filters and page controls re-render the view they are in (views.update for the modal, views.publish
 * for the Home tab); the Review's Remove / Trust push the reason modal on top of it (views.push: a
 * trigger from inside a modal cannot open a second one), whose submission is the existing decision
 * path (listeners/views/reason.ts): exactly one decision per submission. Ack first, then the work: a
 * trigger_id lives 3 seconds.
 */
import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { ModalView } from '@slack/types';
import { z } from 'zod';
import { logRefusal } from '../../../core/decisions.ts';
import type { Actor } from '../../../domain/lifecycle.ts';
import type { SlackContext } from '../../context.ts';
import { decisionView } from '../../decision-view.ts';
import { context, plain, section } from '../../messages/blocks.ts';
import { VIEW_LIMITS } from '../../messages/limits.ts';
import { reasonModal } from '../../messages/modals.ts';
import {
  ALL_FINDINGS,
  decodeReview,
  REVIEW_ACTIONS,
  REVIEW_CALLBACK,
  reviewModal,
  reviewState,
  type ReviewState,
} from '../../messages/review.ts';
import { reasonText } from '../../messages/text.ts';
import { FINDING_ID } from '../../payloads.ts';
import { publishHome } from '../events/app-home.ts';
import { staleReason } from '../views/reason.ts';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/** Every Review control's action id (the `open` selects and the page selects carry a suffix). */
export const REVIEW_ACTION_PATTERN = /^shareguard\.review\./;

/** The parts of a block_actions payload the Review controls rely on. */
const reviewPayload = z.object({
  api_app_id: z.string().optional(),
  team: z.object({ id: z.string() }).nullable().optional(),
  user: z.object({
    id: z.string(),
    name: z.string().optional(),
    username: z.string().optional(),
    team_id: z.string().optional(),
  }),
  trigger_id: z.string().optional(),
  view: z
    .object({
      id: z.string(),
      type: z.string(),
      hash: z.string().optional(),
      callback_id: z.string().optional(),
      private_metadata: z.string().optional(),
    })
    .optional(),
  actions: z
    .array(
      z.object({
        action_id: z.string(),
        value: z.string().optional(),
        selected_option: z.object({ value: z.string() }).nullable().optional(),
      }),
    )
    .min(1),
});
type ReviewPayload = z.infer<typeof reviewPayload>;

/** The state after a filter or page control; undefined when the value is not one the control offers. */
export function nextReviewState(
  current: ReviewState,
  actionId: string,
  value: string,
): ReviewState | undefined {
  const base = actionId.replace(/\.\d+$/, '');
  const filter = (key: 'k' | 'a' | 'r') => {
    const next: Record<string, unknown> = { ...current, p: 0 };
    if (value === 'all') delete next[key];
    else next[key] = value;
    return next;
  };
  const candidate =
    base === REVIEW_ACTIONS.kind
      ? filter('k')
      : base === REVIEW_ACTIONS.account
        ? filter('a')
        : base === REVIEW_ACTIONS.risk
          ? filter('r')
          : [REVIEW_ACTIONS.prev, REVIEW_ACTIONS.next, REVIEW_ACTIONS.goto].includes(base as never)
            ? { ...current, p: Number(value) }
            : undefined;
  const parsed = reviewState.safeParse(candidate);
  return parsed.success ? parsed.data : undefined;
}

/** A small modal pushed over the Review when a decision cannot be taken (someone decided first…). */
function noticeModal(title: string, text: string): ModalView {
  return {
    type: 'modal',
    title: plain(title, VIEW_LIMITS.title),
    close: plain('Back', VIEW_LIMITS.close),
    blocks: [section(reasonText(text)), context('Nothing was changed.')],
  };
}

export function reviewAction(ctx: SlackContext) {
  return async ({ ack, body, client }: Args): Promise<void> => {
    await ack();
    const parsed = reviewPayload.safeParse(body);
    if (!parsed.success) {
      ctx.deps.log.warn({ issues: parsed.error.issues.length }, 'malformed review action ignored');
      return;
    }
    const p = parsed.data;
    const origin = ctx.approvers.checkOrigin(p.team?.id ?? p.user.team_id, p.api_app_id);
    if (!origin.ok) {
      ctx.deps.log.warn({ user: p.user.id, reason: origin.reason }, 'review action refused');
      return;
    }
    ctx.track(
      handle(ctx, client, p).catch((err: Error) =>
        ctx.deps.log.error({ err: err.message, user: p.user.id }, 'review action failed'),
      ),
    );
  };
}

async function handle(ctx: SlackContext, client: Args['client'], p: ReviewPayload): Promise<void> {
  const a = p.actions[0]!;
  const value = a.selected_option?.value ?? a.value ?? '';
  const id = a.action_id;
  const inModal = p.view?.type === 'modal';
  if (id === REVIEW_ACTIONS.remove || id === REVIEW_ACTIONS.trust)
    return decide(ctx, client, p, id === REVIEW_ACTIONS.remove ? 'remove' : 'trust', value);
  if (id.startsWith(REVIEW_ACTIONS.open)) {
    const state = decodeReview(value);
    if (!state || !p.trigger_id)
      return void ctx.deps.log.warn({ id }, 'review open without a state or trigger');
    const view = await buildReview(ctx, p.user.id, state);
    // From inside a modal a trigger can only push; from a message or the Home tab it opens.
    if (inModal) await client.views.push({ trigger_id: p.trigger_id, view });
    else await client.views.open({ trigger_id: p.trigger_id, view });
    return;
  }
  const current = decodeReview(p.view?.private_metadata) ?? ALL_FINDINGS;
  const next = nextReviewState(current, id, value);
  if (!next) return void ctx.deps.log.warn({ id }, 'review control with an unexpected value ignored');
  if (p.view?.type === 'home') return publishHome(ctx, p.user.id, next);
  if (inModal && p.view?.callback_id === REVIEW_CALLBACK)
    await client.views.update({
      view_id: p.view.id,
      ...(p.view.hash ? { hash: p.view.hash } : {}),
      view: await buildReview(ctx, p.user.id, next),
    });
}

async function buildReview(ctx: SlackContext, userId: string, state: ReviewState): Promise<ModalView> {
  const [auth, open] = await Promise.all([
    ctx.approvers.isApprover(userId),
    ctx.deps.store.listFindings({ states: ['open'] }),
  ]);
  return reviewModal({ records: open, state, canDecide: auth.ok, view: decisionView(ctx.deps.config) });
}

/**
 * Remove / Trust from the Review: the same checks as a message button (approver, the finding still
 * decidable), then the reason modal pushed on top; its submission carries out the one decision.
 */
async function decide(
  ctx: SlackContext,
  client: Args['client'],
  p: ReviewPayload,
  action: 'remove' | 'trust',
  value: string,
): Promise<void> {
  const name = p.user.username ?? p.user.name;
  const by: Actor = {
    userId: p.user.id,
    ...(name ? { userName: name } : {}),
    ...(p.team?.id ? { teamId: p.team.id } : {}),
  };
  const push = (view: ModalView) =>
    p.trigger_id ? client.views.push({ trigger_id: p.trigger_id, view }) : Promise.resolve();
  const findingId = FINDING_ID.safeParse(value);
  if (!findingId.success) return void ctx.deps.log.warn({ action }, 'review decision without a finding id');
  const auth = await ctx.approvers.isApprover(p.user.id);
  if (!auth.ok) {
    await logRefusal(ctx.deps, action, by, auth.reason, { findingId: findingId.data });
    await push(noticeModal('Not allowed', auth.reason));
    return;
  }
  const record = await ctx.deps.store.getFinding(findingId.data);
  const stale = staleReason(action, record);
  if (stale || !record) {
    await logRefusal(ctx.deps, action, by, stale ?? 'unknown finding', { findingId: findingId.data });
    await push(noticeModal('Already decided', stale ?? 'That finding is unknown to shareguard.'));
    return;
  }
  const view = decisionView(ctx.deps.config);
  await push(
    reasonModal({
      action,
      finding: record.finding,
      requireReason: ctx.deps.config.slack.requireReason,
      metadata: { v: 1, action, findingId: record.finding.id },
      context: view(record.finding),
      defaultExpiry: ctx.deps.config.slack.trustExpiry,
    }),
  );
}
