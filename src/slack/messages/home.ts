/**
 * The App Home tab (`views.publish` on `app_home_opened`): open findings by risk (with their buttons
 * for approvers, read-only for others), recent decisions, the trust list with who/why/expiry, the last
 * scan and the guard's state. Always within 100 blocks (docs/slack.md "Views"): lists are cut and the
 * rest counted.
 */
import type { HomeView, KnownBlock } from '@slack/types';
import type { DecisionRecord, FindingRecord, TrustEntry } from '../../domain/lifecycle.ts';
import type { ScanProgress } from '../../scan/scan.ts';
import { context, divider, header, section } from './blocks.ts';
import { channelMention } from './commands.ts';
import type { LastScan } from '../../store/last-scan.ts';
import { decisionLine, lastScanText, riskCounts } from './digest.ts';
import { type RemediationView } from './finding.ts';
import { VIEW_LIMITS, viewProblems } from './limits.ts';
import { POST_COMMAND } from './plan.ts';
import { ALL_FINDINGS, encodeReview, findingsPage, HOME_PAGE_SIZE, type ReviewState } from './review.ts';
import { progressMessage } from './scan.ts';
import { code, esc, packLines, plural, slackDate, who } from './text.ts';

/** The guard's state, when the guard exists (`guard.mode`, what it blocks). */
export interface GuardState {
  mode: string;
  blockedOwners?: number;
  blockedResources?: number;
  /** Anything else worth a line (last apply, an error). */
  detail?: string;
}

export interface HomeInput {
  viewer: { userId: string; canDecide: boolean };
  open: readonly FindingRecord[];
  /** Decided but not closed (removing, owner-only…). */
  pending?: readonly FindingRecord[];
  /** Newest first. */
  decisions: readonly DecisionRecord[];
  trust: readonly TrustEntry[];
  lastScan?: LastScan;
  running?: { scope: string; progress: ScanProgress };
  guard?: GuardState;
  channel?: string;
  /** Findings per page (shrunk further if the view would not fit). */
  maxFindings?: number;
  /** Which page of open findings, with which filters (the viewer's last choice, from the Home's metadata). */
  page?: ReviewState;
  /** What the Remove / Delete at source buttons say per finding, and whether a modal follows them. */
  view?: RemediationView;
}

const NO_VIEW: RemediationView = () => ({ guardMode: 'off', dryRun: false });

/** One trust entry: account, why, who and when, and when it expires (if it does). */
export function trustLine(e: TrustEntry): string {
  // `expiresAt` / `reason` arrive with issue 10 item 2; read loosely so older entries render too.
  const extra = e as TrustEntry & { expiresAt?: unknown; reason?: unknown };
  const why = typeof extra.reason === 'string' ? extra.reason : e.note;
  const by = 'system' in e.addedBy ? 'from config' : `by ${who(e.addedBy)} ${slackDate(e.addedAt)}`;
  const expires =
    typeof extra.expiresAt === 'string' ? ` · expires ${slackDate(extra.expiresAt, false)}` : ' · no expiry';
  return `• ${code(e.accountId, 40)}${why ? ` — ${esc(why, 200)}` : ''} · ${by}${expires}`;
}

function guardText(g: GuardState): string {
  const parts = [`*Guard*: ${esc(g.mode, 40)}`];
  if (g.blockedOwners !== undefined) parts.push(plural(g.blockedOwners, 'blocked account'));
  if (g.blockedResources !== undefined) parts.push(plural(g.blockedResources, 'blocked resource'));
  if (g.detail) parts.push(esc(g.detail, 300));
  return parts.join(' · ');
}

function build(h: HomeInput, maxFindings: number, scale: number): HomeView {
  const open = h.open;
  const pending = h.pending ?? [];
  const blocks: KnownBlock[] = [header('🛡 shareguard')];
  const facts = [
    `*${plural(open.length, 'open finding')}* waiting for a decision`,
    pending.length ? `${pending.length} decided but not closed` : '',
    plural(h.trust.length, 'trusted account'),
  ].filter(Boolean);
  blocks.push(section(facts.join(' · ')));
  const status: string[] = [];
  if (h.running) status.push(progressMessage(h.running.progress, h.running.scope).text);
  if (h.lastScan) {
    const posts = h.lastScan.posts;
    status.push(
      lastScanText(h.lastScan) +
        (posts && (posts.failed || posts.notPosted)
          ? ` (${posts.failed + posts.notPosted} findings waiting to be posted: \`${POST_COMMAND}\`)`
          : ''),
    );
  } else status.push('No scan has finished yet.');
  if (h.channel) status.push(`Findings are posted in ${channelMention(h.channel)}.`);
  blocks.push(context(...status));
  if (h.guard) blocks.push(section(guardText(h.guard)));
  if (!h.viewer.canDecide)
    blocks.push(
      context('👀 Read-only: only the configured approvers can decide. `/shared-scan help` names them.'),
    );

  blocks.push(divider(), header(`Open findings (${open.length})`));
  let state = h.page ?? ALL_FINDINGS;
  if (open.length) {
    const risks = riskCounts(open);
    if (risks) blocks.push(context(`By risk: ${risks}`));
    // A page at a time, filterable, with Remove / Trust each (issue 23): every open finding is two
    // clicks from here (a page or a filter, then the decision), whatever the count.
    const page = findingsPage({
      records: open,
      state,
      pageSize: Math.max(1, maxFindings),
      canDecide: h.viewer.canDecide,
      view: h.view ?? NO_VIEW,
      surface: 'home',
    });
    state = page.state;
    blocks.push(...page.blocks);
  } else blocks.push(section('✅ Nothing is waiting for a decision.'));

  blocks.push(divider(), header('Recent decisions'));
  if (h.decisions.length) {
    const { chunks, omitted } = packLines(h.decisions.map(decisionLine), {
      maxLines: Math.max(1, Math.floor(10 * scale)),
      maxTotal: Math.max(300, Math.floor(2900 * scale)),
    });
    blocks.push(section(`${chunks[0] ?? ''}${omitted ? `\n…and ${omitted} more` : ''}`));
  } else blocks.push(context('No decisions yet.'));

  blocks.push(divider(), header(`Trust list (${h.trust.length})`));
  if (h.trust.length) {
    const { chunks, omitted } = packLines(h.trust.map(trustLine), {
      maxLines: Math.max(1, Math.floor(30 * scale)),
      maxTotal: Math.max(300, Math.floor(8000 * scale)),
    });
    for (const c of chunks.slice(0, 4)) blocks.push(section(c));
    const hidden = omitted + chunks.slice(4).reduce((n, c) => n + c.split('\n').length, 0);
    if (hidden) blocks.push(context(`…and ${hidden} more. \`/shared-scan trusted\` lists them all.`));
  } else blocks.push(context('No account is on the trust list.'));

  return { type: 'home', callback_id: 'shareguard.home', private_metadata: encodeReview(state), blocks };
}

/** The Home tab for one viewer; shrinks the lists until it is within Slack's limits. */
export function homeView(h: HomeInput): HomeView {
  let maxFindings = h.maxFindings ?? HOME_PAGE_SIZE;
  let scale = 1;
  for (;;) {
    const view = build(h, maxFindings, scale);
    if (view.blocks.length <= VIEW_LIMITS.blocks && viewProblems(view).length === 0) return view;
    if (maxFindings <= 1 && scale < 0.05) return view;
    maxFindings = Math.max(1, Math.floor(maxFindings / 2));
    scale /= 2;
  }
}

/** For someone `slack.readers` does not let see findings: why, and where to ask. */
export function homeDeniedView(reason: string, channel?: string): HomeView {
  return {
    type: 'home',
    callback_id: 'shareguard.home',
    blocks: [
      header('🛡 shareguard'),
      section(
        'shareguard flags AMIs and snapshots shared into the AWS accounts by accounts nobody trusted.\n' +
          `You cannot see its findings here: ${esc(reason, 300)}.`,
      ),
      ...(channel ? [context(`Findings are discussed in ${channelMention(channel)}.`)] : []),
    ],
  };
}
