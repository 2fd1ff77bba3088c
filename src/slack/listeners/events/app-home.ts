/**
 * `app_home_opened` → `views.publish`: approvers see the open findings with their buttons, readers a
 * read-only view, others (per `slack.readers`) a short note. Built from what the store has; the guard's
 * state is shown when the guard exists.
 */
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { currentTrust } from '../../../core/trust.ts';
import { nowIso } from '../../../core/deps.ts';
import type { SlackContext } from '../../context.ts';
import { decisionView } from '../../decision-view.ts';
import {
  decodeReview,
  homeDeniedView,
  homeView,
  type GuardState,
  type ReviewState,
} from '../../messages/index.ts';

type Args = SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs;

const DECISIONS_SHOWN = 10;
const DECISION_DAYS = 7;

export function appHomeOpened(ctx: SlackContext) {
  return async ({ event, body }: Args): Promise<void> => {
    // Events are acked by Bolt; the work runs after, tracked for shutdown and tests.
    if (event.tab !== 'home') return;
    const team = (body as { team_id?: string }).team_id;
    const app = (body as { api_app_id?: string }).api_app_id;
    const origin = ctx.approvers.checkOrigin(team, app);
    if (!origin.ok) {
      ctx.deps.log.warn(
        { team, app, user: event.user },
        'app_home_opened from a foreign workspace or app ignored',
      );
      return;
    }
    // Slack sends the Home as last published: its metadata keeps the viewer's page and filters.
    const kept = decodeReview((event as { view?: { private_metadata?: unknown } }).view?.private_metadata);
    ctx.track(publishHome(ctx, event.user, kept));
  };
}

/** Who sees what: approvers decide; `slack.readers` (channel | approvers | anyone) decides who reads. */
async function access(ctx: SlackContext, userId: string): Promise<'decide' | 'read' | { denied: string }> {
  const auth = await ctx.approvers.isApprover(userId);
  if (auth.ok) return 'decide';
  // `slack.readers` arrives with issue 8 item 6; until then the channel's members may read.
  const readers = (ctx.deps.config.slack as { readers?: unknown }).readers ?? 'channel';
  if (readers === 'anyone') return 'read';
  if (readers === 'approvers') return { denied: 'only the configured approvers can see findings' };
  const channel = ctx.deps.config.slack.channel;
  if (!channel) return { denied: 'no channel is configured' };
  try {
    return (await ctx.publisher.isChannelMember(channel, userId))
      ? 'read'
      : { denied: 'findings are shown to members of the security channel' };
  } catch (err) {
    ctx.deps.log.warn({ err: (err as Error).message }, 'channel membership could not be checked');
    return { denied: 'channel membership could not be checked; try again later' };
  }
}

/** The guard's state when the guard exists (its store methods and `guard.mode`); undefined before. */
async function guardState(ctx: SlackContext): Promise<GuardState | undefined> {
  const mode = (ctx.deps.config as { guard?: { mode?: unknown } }).guard?.mode;
  if (typeof mode !== 'string') return undefined;
  const store = ctx.deps.store as Partial<{
    listBlockedOwners(): Promise<unknown[]>;
    listBlockedResources(q: object): Promise<unknown[]>;
  }>;
  const [owners, resources] = await Promise.all([
    store.listBlockedOwners ? store.listBlockedOwners.call(ctx.deps.store) : undefined,
    store.listBlockedResources ? store.listBlockedResources.call(ctx.deps.store, {}) : undefined,
  ]);
  return {
    mode,
    ...(owners ? { blockedOwners: owners.length } : {}),
    ...(resources ? { blockedResources: resources.length } : {}),
  };
}

/**
 * Builds and publishes one user's Home tab, at `page` (a page of open findings and its filters; the
 * first page of all of them by default). Exported for the Home's page controls and decisions.
 */
export async function publishHome(ctx: SlackContext, userId: string, page?: ReviewState): Promise<void> {
  const who = await access(ctx, userId);
  const channel = ctx.deps.config.slack.channel;
  if (typeof who === 'object') {
    await ctx.publisher.publishHome(userId, homeDeniedView(who.denied, channel));
    return;
  }
  const now = ctx.deps.now ? ctx.deps.now() : new Date();
  const since = new Date(now.getTime() - DECISION_DAYS * 24 * 60 * 60_000).toISOString();
  const [open, pending, decisions, trust, lastScan, guard] = await Promise.all([
    ctx.deps.store.listFindings({ states: ['open'] }),
    ctx.deps.store.listFindings({ states: ['removing', 'owner-only'] }),
    ctx.deps.store.listDecisions({ since, until: now.toISOString(), limit: DECISIONS_SHOWN }),
    currentTrust(ctx.deps.config, ctx.deps.store, nowIso(ctx.deps)),
    ctx.deps.store.getLastScan(),
    guardState(ctx),
  ]);
  const running = ctx.scanJob.current();
  await ctx.publisher.publishHome(
    userId,
    homeView({
      viewer: { userId, canDecide: who === 'decide' },
      open,
      pending,
      decisions,
      trust: trust.entries,
      ...(lastScan ? { lastScan } : {}),
      ...(running ? { running: { scope: running.scope, progress: running.progress } } : {}),
      ...(guard ? { guard } : {}),
      ...(channel ? { channel } : {}),
      ...(page ? { page } : {}),
      view: decisionView(ctx.deps.config),
    }),
  );
}
