/** The daily digest for the channel: what is still open, what was decided, what went away. */
import type { KnownBlock } from '@slack/types';
import type { DecisionRecord, FindingRecord, TrustEntry } from '../../domain/lifecycle.ts';
import { RESOURCE_KINDS, type ResourceKind } from '../../domain/finding.ts';
import type { LastScan } from '../../store/last-scan.ts';
import { context, header, message, section, shrinkToFit, type SlackMessage } from './blocks.ts';
import { findingLine, kindLabel } from './finding.ts';
import { blocksFit } from './limits.ts';
import { byRisk, RISK_LEVELS, riskOf, STATUS_COMMAND } from './plan.ts';
import { code, esc, packLines, plural, slackDate, who } from './text.ts';

export interface DigestInput {
  since: string;
  open: readonly FindingRecord[];
  decisions: readonly DecisionRecord[];
  resolved: number;
  lastScan?: LastScan;
  /** Trust entries whose expiry passed in the period: their owners' shares are reported again. */
  expiredTrust?: readonly TrustEntry[];
}

/** "⌛ Trust expired: `4444…` (why) · …": which trusts lapsed, so nobody is surprised by re-reported shares. */
export function expiredTrustText(entries: readonly TrustEntry[] | undefined): string | undefined {
  if (!entries?.length) return undefined;
  const shown = entries
    .slice(0, 10)
    .map(
      (e) =>
        `${code(e.accountId, 40)}${e.reason ? ` (“${esc(e.reason, 80)}”)` : ''} ${slackDate(e.expiresAt!)}`,
    );
  const more = entries.length - shown.length;
  return `⌛ *Trust expired*: ${shown.join(' · ')}${more > 0 ? ` · …and ${plural(more, 'more')}` : ''}. Their shares are reported again.`;
}

/** "AMI `ami-1` in `111111111111` us-east-1" from a finding id (`kind:account:region:resource`). */
export function findingIdText(id: string): string {
  const [kind, account, region, ...rest] = id.split(':');
  const resource = rest.join(':');
  if (kind && RESOURCE_KINDS.includes(kind as ResourceKind) && account && region && resource) {
    return `${kindLabel(kind as ResourceKind)} ${code(resource, 200)} in ${code(account, 40)} ${esc(region, 40)}`;
  }
  return code(id, 300);
}

/** One line of the decision log. */
export function decisionLine(d: DecisionRecord): string {
  const what = d.findingId
    ? findingIdText(d.findingId)
    : d.ownerAccountId
      ? `account ${code(d.ownerAccountId, 40)}`
      : 'a finding';
  const owner = d.ownerAccountId ? code(d.ownerAccountId, 40) : 'its owner';
  const by = `${who(d.by)}${d.confirmedBy ? ` (confirmed by ${who(d.confirmedBy)})` : ''}`;
  const detail = `${d.detail ? `: ${esc(d.detail, 200)}` : ''}${d.reason ? ` — why: “${esc(d.reason, 200)}”` : ''}`;
  if (d.action === 'allowed-amis')
    return `• ${slackDate(d.at)} 🛂 Allowed AMIs (${esc(d.outcome, 20)})${detail}`;
  const verb =
    d.action === 'trust'
      ? `trust account ${owner}`
      : d.action === 'untrust'
        ? `take ${owner} off the trust list`
        : `remove ${what}`;
  const line: Record<DecisionRecord['outcome'], string> = {
    succeeded:
      d.action === 'trust'
        ? `🛡 ${by} trusted account ${owner}${d.findingId ? ` (from ${what})` : ''}`
        : d.action === 'untrust'
          ? `↩️ ${by} took ${owner} off the trust list`
          : `✅ ${by} removed ${what}${detail}`,
    pending: `⏳ ${by} asked to ${verb} (in progress)`,
    failed: `⚠️ ${by} asked to ${verb}; it failed${detail}`,
    removed: `✅ ${by} removed ${what}${detail}`,
    'revoked-at-source': `✅ ${by} revoked the share of ${what} at the source${detail}`,
    'deleted-at-source': `🗑 ${by} deleted ${what} at the source${detail}`,
    blocked: `⛔ ${by} blocked ${what}${detail}`,
    recorded: `ℹ️ ${by} approved removing ${what} (recorded); only the owner ${owner} can unshare it${detail}`,
    'owner-only': `ℹ️ ${by} approved removing ${what}; only the owner ${owner} can unshare it`,
    refused: `🚫 ${by} asked to ${verb}; refused${detail}`,
  };
  return `• ${slackDate(d.at)} ${line[d.outcome]}`;
}

export function lastScanText(s: LastScan): string {
  const summary =
    typeof s.summary === 'string'
      ? esc(s.summary, 500)
      : `${plural(s.summary.findings, 'untrusted share')} in ${s.summary.accountsWithFindings} of ` +
        // `accountsScanned` leaves out accounts that failed entirely: say "scanned", not "of all" (issue 23).
        `${plural(s.summary.accountsScanned, 'scanned account')}, ${plural(s.summary.targetsScanned, 'account-region')} scanned` +
        (s.summary.targetsFailed ? `, ${s.summary.targetsFailed} failed` : '');
  return `Last scan ${slackDate(s.at)}: ${summary}`;
}

/** Owners with the most open findings: "`4444…` 12 · `5555…` 3 · …and 4 more owners". */
export function ownerCounts(open: readonly FindingRecord[], max = 10): string {
  const counts = new Map<string, number>();
  for (const r of open) counts.set(r.finding.ownerAccountId, (counts.get(r.finding.ownerAccountId) ?? 0) + 1);
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const shown = sorted.slice(0, max).map(([o, n]) => `${code(o, 40)} ${n}`);
  const more = sorted.length - shown.length;
  return `${shown.join(' · ')}${more > 0 ? ` · …and ${plural(more, 'more owner')}` : ''}`;
}

/** Open findings listed (bounded), decisions listed (bounded), counts always complete. */
export function digestMessage(d: DigestInput): SlackMessage {
  const sharedAgain = d.open.filter((r) => r.sharedAgainAt).length;
  const headline =
    `Since ${slackDate(d.since)}: *${plural(d.open.length, 'open finding')}* waiting for a decision` +
    `${sharedAgain ? ` (${sharedAgain} shared again)` : ''}, ${plural(d.decisions.length, 'decision')} taken, ` +
    `${d.resolved} resolved.`;
  const build = (scale: number): SlackMessage => {
    const blocks: KnownBlock[] = [header('📋 shareguard daily digest'), section(headline)];
    const expired = expiredTrustText(d.expiredTrust);
    if (expired) blocks.push(section(expired));
    if (d.open.length) {
      const { chunks, omitted } = packLines(byRisk(d.open).map(findingLine), {
        maxLines: Math.max(1, Math.floor(15 * scale)),
        maxTotal: Math.max(300, Math.floor(4000 * scale)),
      });
      chunks.forEach((c, i) => blocks.push(section(i === 0 ? `*Waiting for a decision*\n${c}` : c)));
      if (omitted)
        blocks.push(context(`…and ${omitted} more open. See them all with \`${STATUS_COMMAND}\`.`));
      blocks.push(context(`Open by owner: ${ownerCounts(d.open, Math.max(1, Math.floor(10 * scale)))}`));
    } else {
      blocks.push(section('✅ Nothing is waiting for a decision.'));
    }
    if (d.decisions.length) {
      const { chunks, omitted } = packLines(d.decisions.map(decisionLine), {
        maxLines: Math.max(1, Math.floor(10 * scale)),
        maxTotal: Math.max(300, Math.floor(2800 * scale)),
        maxChars: 2900,
      });
      blocks.push(section(`*Decisions*\n${chunks[0] ?? ''}${omitted ? `\n…and ${omitted} more` : ''}`));
    }
    if (d.lastScan) blocks.push(context(lastScanText(d.lastScan)));
    return message(
      `📋 shareguard digest: ${plural(d.open.length, 'open finding')}, ${plural(d.decisions.length, 'decision')}, ${d.resolved} resolved`,
      blocks,
    );
  };
  return shrinkToFit(build, (b) => blocksFit(b));
}

/** Reply messages of a digest thread at most, per list; the rest is counted. */
const MAX_LIST_REPLIES = 5;

/**
 * Lines as thread replies: each reply within the message budget (shrinking its share of lines until it
 * fits), at most `maxReplies`, the last one saying how many were left out.
 */
export function listReplies(
  title: string,
  lines: readonly string[],
  opts: { maxReplies?: number; more?: string } = {},
): SlackMessage[] {
  const maxReplies = opts.maxReplies ?? MAX_LIST_REPLIES;
  const out: SlackMessage[] = [];
  let rest = lines;
  while (rest.length && out.length < maxReplies) {
    let take = 40;
    for (;;) {
      const { chunks, shown } = packLines(rest, { maxLines: take, maxTotal: 8000 });
      const part = out.length ? ` (continued)` : '';
      const blocks: KnownBlock[] = chunks.map((c, i) => section(i === 0 ? `*${title}*${part}\n${c}` : c));
      if (blocksFit(blocks) || take <= 1) {
        out.push(message(`${title}${part}: ${shown} of ${lines.length}`, blocks));
        rest = rest.slice(Math.max(1, shown));
        break;
      }
      take = Math.floor(take / 2);
    }
  }
  if (rest.length) {
    const last = out[out.length - 1]!;
    last.blocks.push(context(`…and ${rest.length} more.${opts.more ? ` ${opts.more}` : ''}`));
  }
  return out;
}

export interface DigestThread {
  /** The one top-level message: headline and counts. */
  parent: SlackMessage;
  /** Its thread: the open findings (most urgent first) and the decisions, in full as far as budget allows. */
  replies: SlackMessage[];
}

/** The digest as one top-level message with its detail in the thread (`slack.layout: thread`). */
export function digestThread(d: DigestInput): DigestThread {
  const sharedAgain = d.open.filter((r) => r.sharedAgainAt).length;
  const headline =
    `Since ${slackDate(d.since)}: *${plural(d.open.length, 'open finding')}* waiting for a decision` +
    `${sharedAgain ? ` (${sharedAgain} shared again)` : ''}, ${plural(d.decisions.length, 'decision')} taken, ` +
    `${d.resolved} resolved.`;
  const build = (scale: number): SlackMessage => {
    const blocks: KnownBlock[] = [header('📋 shareguard daily digest'), section(headline)];
    const expired = expiredTrustText(d.expiredTrust);
    if (expired) blocks.push(section(expired));
    if (d.open.length) {
      const risks = riskCounts(d.open);
      if (risks) blocks.push(context(`Open by risk: ${risks}`));
      blocks.push(context(`Open by owner: ${ownerCounts(d.open, Math.max(1, Math.floor(10 * scale)))}`));
    } else blocks.push(section('✅ Nothing is waiting for a decision.'));
    if (d.lastScan) blocks.push(context(lastScanText(d.lastScan)));
    if (d.open.length || d.decisions.length) blocks.push(context('🧵 The details are in this thread.'));
    return message(
      `📋 shareguard digest: ${plural(d.open.length, 'open finding')}, ${plural(d.decisions.length, 'decision')}, ${d.resolved} resolved`,
      blocks,
    );
  };
  const parent = shrinkToFit(build, (b) => blocksFit(b));
  const replies = [
    ...listReplies('Waiting for a decision', byRisk(d.open).map(findingLine), {
      more: `See them all with \`${STATUS_COMMAND}\`.`,
    }),
    ...listReplies('Decisions', d.decisions.map(decisionLine)),
  ];
  return { parent, replies };
}

/** "2 critical · 5 high · 1 medium" when the findings carry risk levels; empty otherwise. */
export function riskCounts(records: readonly FindingRecord[]): string {
  const counts = new Map<string, number>();
  for (const r of records) {
    const risk = riskOf(r);
    if (risk) counts.set(risk, (counts.get(risk) ?? 0) + 1);
  }
  return RISK_LEVELS.filter((l) => counts.has(l))
    .map((l) => `${counts.get(l)} ${l}`)
    .join(' · ');
}
