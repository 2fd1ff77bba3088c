/** Which messages a scan's new findings become, within the per-scan message budget. */
import type { FindingRecord } from '../../domain/lifecycle.ts';
import { context, header, message, section, type SlackMessage } from './blocks.ts';
import { findingMessage, NO_REMEDIATION_VIEW, type RemediationView } from './finding.ts';
import { ownerMessage, ownersByRisk, ownersIndexMessage } from './owner.ts';
import { code, packLines, plural } from './text.ts';
import type { RiskMessageOptions } from './risk.ts';

export const STATUS_COMMAND = '/shared-scan status';
export const POST_COMMAND = '/shared-scan post';

export interface PlannedPost extends SlackMessage {
  /**
   * `finding`: one finding; `owner`: one owner's findings (Review opens them); `owners`: the owners past
   * the budget, each reachable through its Review; `overflow`: the count of the ones not posted.
   */
  kind: 'finding' | 'owner' | 'owners' | 'overflow';
  /** The findings this message shows (and whose buttons it carries); empty for the overflow message. */
  findingIds: string[];
  /** It shows a finding at `critical` risk: in a thread it is also broadcast to the channel. */
  critical?: boolean;
}

/** Risk levels (the risk engine sets `finding.risk`), most urgent first. */
export const RISK_LEVELS = ['critical', 'high', 'medium', 'low'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/** The finding's risk level when the risk engine set one (older records have none). */
export function riskOf(record: Pick<FindingRecord, 'finding'>): RiskLevel | undefined {
  // Read loosely: records stored before risk levels existed have no `risk`, and any other value is ignored.
  const risk = (record.finding as { risk?: unknown }).risk;
  return typeof risk === 'string' && (RISK_LEVELS as readonly string[]).includes(risk)
    ? (risk as RiskLevel)
    : undefined;
}

const riskRank = (r: Pick<FindingRecord, 'finding'>): number => {
  const risk = riskOf(r);
  return risk ? RISK_LEVELS.indexOf(risk) : RISK_LEVELS.length;
};

/** Highest risk first; otherwise the given order is kept (stable). */
export function byRisk<T extends Pick<FindingRecord, 'finding'>>(records: readonly T[]): T[] {
  return records
    .map((r, i) => ({ r, i, rank: riskRank(r) }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .map((x) => x.r);
}

export interface ScanPostPlan {
  posts: PlannedPost[];
  /** Findings not shown in any post (counted in the overflow message). */
  overflowCount: number;
}

/**
 * Highest risk first (when the findings carry one). One `findingMessage` each when the findings fit
 * within `maxMessages`; otherwise owner-first triage (issue 23): one message per untrusted owner, the
 * most risky owner first, each with Review (every finding with Remove / Trust), Trust account and Block
 * account. With more owners than the budget, the first `maxMessages - 1` get their message and one index
 * message opens the others' Review: every finding is reachable in two clicks, none is left unposted.
 */
export function planScanPosts(
  unsorted: readonly FindingRecord[],
  maxMessages: number,
  view: RemediationView = NO_REMEDIATION_VIEW,
  options: RiskMessageOptions = {},
): ScanPostPlan {
  const plan = planSorted(byRisk(unsorted), maxMessages, view, options);
  const critical = new Set(unsorted.filter((r) => riskOf(r) === 'critical').map((r) => r.finding.id));
  // In owner-first triage only the most risky owner's message is also shown in the channel: one
  // broadcast per owner would bring back the wall of top-level messages the thread avoids.
  let ownerBroadcast = false;
  if (critical.size)
    for (const p of plan.posts) {
      if (p.kind === 'owners' || (p.kind === 'owner' && ownerBroadcast)) continue;
      if (!p.findingIds.some((id) => critical.has(id))) continue;
      p.critical = true;
      if (p.kind === 'owner') ownerBroadcast = true;
    }
  return plan;
}

function planSorted(
  records: readonly FindingRecord[],
  maxMessages: number,
  view: RemediationView,
  options: RiskMessageOptions,
): ScanPostPlan {
  const budget = Math.max(1, Math.floor(maxMessages));
  if (records.length === 0) return { posts: [], overflowCount: 0 };
  if (records.length <= budget) {
    return {
      posts: records.map((r) => ({
        ...findingMessage(r, view, options),
        kind: 'finding',
        findingIds: [r.finding.id],
      })),
      overflowCount: 0,
    };
  }
  const owners = ownersByRisk(records);
  const own = owners.length <= budget ? owners : owners.slice(0, Math.max(0, budget - 1));
  const posts: PlannedPost[] = own.map(([owner, list]) => ({
    ...ownerMessage(owner, list, view),
    kind: 'owner',
  }));
  const rest = owners.slice(own.length);
  if (rest.length) posts.push({ ...ownersIndexMessage(rest, own.length), kind: 'owners' });
  const shown = new Set(posts.flatMap((p) => p.findingIds));
  const left = records.filter((r) => !shown.has(r.finding.id));
  if (left.length)
    // Only past 2,500 Review pages in the index (one message more than the budget): counted, and
    // offered again by the next scan.
    posts.push({ ...overflowMessage(left, records.length, budget), kind: 'overflow', findingIds: [] });
  return { posts, overflowCount: left.length };
}

/** "137 more findings were not posted individually…", with a bounded per-owner breakdown. */
export function overflowMessage(
  rest: readonly FindingRecord[],
  total: number,
  maxMessages: number,
): SlackMessage {
  const byOwner = new Map<string, number>();
  for (const r of rest)
    byOwner.set(r.finding.ownerAccountId, (byOwner.get(r.finding.ownerAccountId) ?? 0) + 1);
  const owners = [...byOwner].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const lines = owners.map(([owner, n]) => `• ${code(owner, 40)}: ${plural(n, 'finding')}`);
  const { chunks, omitted } = packLines(lines, { maxLines: 20, maxTotal: 2800 });
  const more = omitted ? `\n…and ${plural(omitted, 'more owner')}` : '';
  const head =
    `⚠️ ${plural(rest.length, 'finding was', 'findings were')} not posted individually ` +
    `(${total} new in this scan; at most ${plural(maxMessages, 'message')} per scan).`;
  return message(`${head} See them with ${STATUS_COMMAND}.`, [
    header(`⚠️ ${plural(rest.length, 'more finding')} not posted`),
    section(
      `${head}\nSee them all with \`${STATUS_COMMAND}\`. They are posted with the next scan, ` +
        `or now with \`${POST_COMMAND}\`; each stays open until someone decides.`,
    ),
    section(`*Not posted, by owner account*\n${chunks[0] ?? ''}${more}`),
    context('Raise `slack.maxMessagesPerScan` to post more per scan, or trust owners you know.'),
  ]);
}
