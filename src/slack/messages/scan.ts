/** Scan progress (one message, updated in place) and the summary that replaces it. */
import type { KnownBlock } from '@slack/types';
import type { ScanProgress, ScanResult, TargetResult } from '../../scan/scan.ts';
import { context, message, section, type SlackMessage } from './blocks.ts';
import { code, esc, packLines, plural } from './text.ts';

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
  const line = `⏳ Scanning ${esc(scope, 200)}: ${p.done}/${p.total} account-regions…${extra.length ? ` (${extra.join('; ')})` : ''}`;
  return message(line, [
    section(line),
    context(`${bar(p.done, p.total)} ${p.total ? Math.floor((p.done / p.total) * 100) : 0}%`),
  ]);
}

export function targetText(t: TargetResult): string {
  const account = t.accountName
    ? `${esc(t.accountName, 64)} ${code(t.accountId, 40)}`
    : code(t.accountId, 40);
  return `${account} ${t.region === '*' ? 'all regions' : esc(t.region, 40)}: ${esc(t.error ?? 'failed', 180)}`;
}

export interface ScanPostCounts {
  new: number;
  sharedAgain: number;
  resolved: number;
  posted: number;
}

/** One-line summary, then the failed targets (first 10 named, then "and N more"). */
export function scanSummaryMessage(result: ScanResult, counts: ScanPostCounts, scope: string): SlackMessage {
  const s = result.summary;
  const failed = result.targets.filter((t) => t.status === 'error');
  const icon = failed.length ? '⚠️' : '✅';
  const seconds = (result.durationMs / 1000).toFixed(1);
  const headline =
    `${icon} Scan of ${esc(scope, 200)} finished in ${seconds} s: ${plural(s.findings, 'untrusted share')} ` +
    `in ${s.accountsWithFindings} of ${plural(s.accountsScanned, 'account')} ` +
    `(${counts.new} new, ${counts.sharedAgain} shared again, ${counts.resolved} resolved; ` +
    `${plural(counts.posted, 'message')} posted). ` +
    `${s.targetsScanned} account-regions scanned${failed.length ? `, ${failed.length} failed` : ''}; ` +
    `${plural(s.trustedSkipped, 'trusted share')} skipped.`;
  const blocks: KnownBlock[] = [section(headline)];
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
  return message(headline, blocks);
}
