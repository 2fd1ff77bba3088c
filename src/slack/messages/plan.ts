/** Which messages a scan's new findings become, within the per-scan message budget. */
import type { FindingRecord } from '../../domain/lifecycle.ts';
import { context, header, message, section, type SlackMessage } from './blocks.ts';
import { findingMessage, NO_REMEDIATION_VIEW, type RemediationView } from './finding.ts';
import { ownerGroupMessages } from './group.ts';
import { code, packLines, plural } from './text.ts';
import type { RiskMessageOptions } from './risk.ts';

export const STATUS_COMMAND = '/shared-scan status';
export const POST_COMMAND = '/shared-scan post';

export interface PlannedPost extends SlackMessage {
  /** `finding`: one finding; `group`: one owner's findings; `overflow`: the count of the ones not posted. */
  kind: 'finding' | 'group' | 'overflow';
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
 * within `maxMessages`; otherwise grouped per owner (owners in order of first appearance, so the owner
 * of the most urgent finding comes first); if even the groups are too many, the first `maxMessages - 1`
 * are posted and one overflow message counts the rest. Every finding is shown or counted.
 */
export function planScanPosts(
  unsorted: readonly FindingRecord[],
  maxMessages: number,
  view: RemediationView = NO_REMEDIATION_VIEW,
  options: RiskMessageOptions = {},
): ScanPostPlan {
  const plan = planSorted(byRisk(unsorted), maxMessages, view, options);
  const critical = new Set(unsorted.filter((r) => riskOf(r) === 'critical').map((r) => r.finding.id));
  if (critical.size)
    for (const p of plan.posts) if (p.findingIds.some((id) => critical.has(id))) p.critical = true;
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
  const byOwner = new Map<string, FindingRecord[]>();
  for (const r of records) {
    const list = byOwner.get(r.finding.ownerAccountId);
    if (list) list.push(r);
    else byOwner.set(r.finding.ownerAccountId, [r]);
  }
  const groups: PlannedPost[] = [];
  for (const [owner, list] of byOwner) {
    for (const g of ownerGroupMessages(owner, list, view)) groups.push({ ...g, kind: 'group' });
    // Past the budget the rest only gets counted: no need to render it.
    if (groups.length > budget) break;
  }
  if (groups.length <= budget) return { posts: groups, overflowCount: 0 };

  const posted = groups.slice(0, budget - 1);
  const shown = new Set(posted.flatMap((p) => p.findingIds));
  const rest = records.filter((r) => !shown.has(r.finding.id));
  return {
    posts: [
      ...posted,
      { ...overflowMessage(rest, records.length, budget), kind: 'overflow', findingIds: [] },
    ],
    overflowCount: rest.length,
  };
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
