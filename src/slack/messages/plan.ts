/** Which messages a scan's new findings become, within the per-scan message budget. */
import type { FindingRecord } from '../../domain/lifecycle.ts';
import { context, header, message, section, type SlackMessage } from './blocks.ts';
import { findingMessage } from './finding.ts';
import { ownerGroupMessages } from './group.ts';
import { code, packLines, plural } from './text.ts';
import type { RiskMessageOptions } from './risk.ts';

export const STATUS_COMMAND = '/shared-scan status';

export interface PlannedPost extends SlackMessage {
  /** `finding`: one finding; `group`: one owner's findings; `overflow`: the count of the ones not posted. */
  kind: 'finding' | 'group' | 'overflow';
  /** The findings this message shows (and whose buttons it carries); empty for the overflow message. */
  findingIds: string[];
}

export interface ScanPostPlan {
  posts: PlannedPost[];
  /** Findings not shown in any post (counted in the overflow message). */
  overflowCount: number;
}

/**
 * One `findingMessage` each when the findings fit within `maxMessages`; otherwise grouped per owner
 * (owners in order of first appearance); if even the groups are too many, the first `maxMessages - 1`
 * are posted and one overflow message counts the rest. Every finding is shown or counted.
 */
export function planScanPosts(
  records: readonly FindingRecord[],
  maxMessages: number,
  options: RiskMessageOptions = {},
): ScanPostPlan {
  const budget = Math.max(1, Math.floor(maxMessages));
  if (records.length === 0) return { posts: [], overflowCount: 0 };
  if (records.length <= budget) {
    return {
      posts: records.map((r) => ({
        ...findingMessage(r, options),
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
    for (const g of ownerGroupMessages(owner, list)) groups.push({ ...g, kind: 'group' });
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
    section(`${head}\nSee them all with \`${STATUS_COMMAND}\`; each stays open until someone decides.`),
    section(`*Not posted, by owner account*\n${chunks[0] ?? ''}${more}`),
    context('Raise `slack.maxMessagesPerScan` to post more per scan, or trust owners you know.'),
  ]);
}
