/** Scan progress (one message, updated in place) and the summary that replaces it. */
import type { KnownBlock } from '@slack/types';
import type { ScanProgress, ScanResult } from '../../scan/scan.ts';
import { failureText, isFailed, type FailedTarget } from '../../scan/target-result.ts';
import { organizationText } from '../../scan/report.ts';
import { context, message, section, type SlackMessage } from './blocks.ts';
import { POST_COMMAND } from './plan.ts';
import { code, esc, packLines, plural, userMention } from './text.ts';

/** Failed targets named in a summary before "and N more". */
export const MAX_FAILED_TARGETS_SHOWN = 10;

function bar(done: number, total: number, width = 20): string {
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
  return `${'▰'.repeat(filled)}${'▱'.repeat(width - filled)}`;
}

/** "⏳ Scanning prod: 12/51 account-regions… (regions of 3 of 10 accounts still being listed)". */
export function progressMessage(p: ScanProgress, scope: string): SlackMessage {
  const resolving = p.accountsTotal - p.accountsResolved;
  const extra = [
    resolving > 0
      ? `regions of ${resolving} of ${plural(p.accountsTotal, 'account')} still being listed`
      : '',
    p.failed > 0 ? `${p.failed} failed so far` : '',
  ].filter(Boolean);
  // Before any account's regions are known there is nothing to count yet: no "0/0 account-regions".
  const count =
    p.total > 0
      ? `${p.done} of ${plural(p.total, 'account-region')}…`
      : p.accountsTotal > 0
        ? `listing the regions of ${plural(p.accountsTotal, 'account')}…`
        : 'starting…';
  const line = `⏳ Scanning ${esc(scope, 200)}: ${count}${extra.length && p.total > 0 ? ` (${extra.join('; ')})` : ''}`;
  return message(line, [
    section(line),
    context(`${bar(p.done, p.total)} ${p.total ? Math.floor((p.done / p.total) * 100) : 0}%`),
  ]);
}

/**
 * A scan's progress message when the scan did not finish (issue 21 D2): its process stopped or died, or
 * another replica took its lease. What it recorded is posted by the next scan or `/shared-scan post`.
 */
export function scanInterruptedMessage(scope: string, why: string): SlackMessage {
  const line = `⏹ The scan of ${esc(scope || 'all monitored accounts', 200)} was interrupted: ${esc(why, 200)}.`;
  return message(line, [
    section(line),
    context('Findings it recorded are posted by the next scan, or now with `/shared-scan post`.'),
  ]);
}

/** "legacy `555555555555` all regions: AccessDenied: …": a failed target, one line. */
export function targetText(t: FailedTarget): string {
  const account = t.accountName
    ? `${esc(t.accountName, 64)} ${code(t.accountId, 40)}`
    : code(t.accountId, 40);
  const where = t.status === 'account-failed' ? 'all regions' : esc(t.region, 40);
  return `${account} ${where}: ${esc(failureText(t), 180)}`;
}

export interface ScanPostCounts {
  new: number;
  sharedAgain: number;
  resolved: number;
  /** Findings that got a message (with their buttons) in this scan. */
  posted: number;
  /** Findings whose message could not be posted (Slack error): offered again next time. */
  failed?: number;
  /** Findings beyond the per-scan message budget (counted in the overflow message): offered again next time. */
  notPosted?: number;
  /** Of the findings posted or tried, how many were left unposted by an earlier scan. */
  retried?: number;
  /** `thread`: the findings are in this message's thread. */
  layout?: 'thread' | 'flat';
}

/** "12 posted, 2 failed — will retry; 480 not posted yet (message budget)". */
export function postCountsText(
  c: Pick<ScanPostCounts, 'posted' | 'failed' | 'notPosted' | 'retried'>,
): string {
  const parts = [
    `${c.posted} posted${c.retried ? ` (${c.retried} left over from earlier)` : ''}`,
    c.failed ? `${c.failed} failed — will retry` : '',
    c.notPosted ? `${c.notPosted} not posted yet (message budget) — next scan or \`${POST_COMMAND}\`` : '',
  ];
  return parts.filter(Boolean).join(', ');
}

/** One-line summary, then the failed targets (first 10 named, then "and N more"). */
export function scanSummaryMessage(result: ScanResult, counts: ScanPostCounts, scope: string): SlackMessage {
  const s = result.summary;
  const failed = result.targets.filter(isFailed);
  const icon = failed.length ? '⚠️' : '✅';
  const seconds = (result.durationMs / 1000).toFixed(1);
  // Out of every account the scan was asked for: `accountsScanned` leaves out accounts that failed
  // entirely (role not assumable), which made "285 of 299 accounts" out of 300 configured (issue 23).
  const accounts = Math.max(new Set(result.targets.map((t) => t.accountId)).size, s.accountsScanned);
  const unreached = accounts - s.accountsScanned;
  const headline =
    `${icon} Scan of ${esc(scope, 200)} finished in ${seconds} s: ${plural(s.findings, 'untrusted share')} ` +
    `in ${s.accountsWithFindings} of ${plural(accounts, 'account')}` +
    `${unreached > 0 ? ` (${unreached} could not be scanned)` : ''} ` +
    `(${counts.new} new, ${counts.sharedAgain} shared again, ${counts.resolved} resolved; ` +
    `${postCountsText(counts)}). ` +
    `${plural(s.targetsScanned, 'account-region')} scanned${failed.length ? `, ${failed.length} failed` : ''}; ` +
    `${plural(s.trustedSkipped, 'trusted share')} skipped.` +
    (s.organization?.newAccounts ? ` ${plural(s.organization.newAccounts, 'new account')} monitored.` : '');
  const blocks: KnownBlock[] = [section(headline)];
  // With `organization`: "3 new accounts monitored", and what discovery did not scan (AWS's own words).
  if (s.organization) blocks.push(context(`🏢 ${esc(organizationText(s.organization), 500)}`));
  if (failed.length) {
    const { chunks, shown } = packLines(
      failed.map((t) => `• ${targetText(t)}`),
      { maxLines: MAX_FAILED_TARGETS_SHOWN, maxTotal: 2800 },
    );
    const more = failed.length - shown;
    blocks.push(
      section(`*Failed*\n${chunks[0] ?? ''}${more > 0 ? `\n…and ${more} more` : ''}`),
      context(
        'Findings in the failed account-regions are unknown until they scan again; nothing there was marked resolved.',
      ),
    );
  }
  if (counts.layout === 'thread' && counts.posted + (counts.failed ?? 0) > 0)
    blocks.push(context('🧵 The findings are in this thread, most urgent first.'));
  return message(headline, blocks);
}

/** The top-level message of `/shared-scan post`: what it is about, then how it went. */
export function pendingPostMessage(
  pending: number,
  startedBy: string,
  done?: Pick<ScanPostCounts, 'posted' | 'failed' | 'notPosted' | 'layout'>,
): SlackMessage {
  const head = `📬 Posting ${plural(pending, 'open finding')} that had no message yet (asked by ${userMention(startedBy)})`;
  if (!done) return message(`${head}…`, [section(`${head}…`)]);
  const line = `${head}: ${postCountsText(done)}.`;
  const blocks: KnownBlock[] = [section(line)];
  if (done.layout === 'thread' && done.posted + (done.failed ?? 0) > 0)
    blocks.push(context('🧵 They are in this thread, most urgent first.'));
  return message(line, blocks);
}
