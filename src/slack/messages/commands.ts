/** Replies to `/shared-scan …`: help, usage errors, status, the trust list, refusals. Mostly ephemeral. */
import type { KnownBlock } from '@slack/types';
import type { FindingRecord, TrustEntry } from '../../domain/lifecycle.ts';
import type { ScanProgress } from '../../scan/scan.ts';
import { context, header, message, section, shrinkToFit, type SlackMessage } from './blocks.ts';
import { lastScanText, ownerCounts, type LastScan } from './digest.ts';
import { findingLine } from './finding.ts';
import { blocksFit } from './limits.ts';
import { progressMessage } from './scan.ts';
import { code, esc, groupMention, packLines, plural, slackDate, userMention, who } from './text.ts';
import { byRisk } from './risk.ts';

export const COMMAND = '/shared-scan';

export interface CommandHelp {
  usage: string;
  description: string;
}

/** The sub-commands as the help shows them; pass your own list to `helpMessage` if the parser differs. */
export const DEFAULT_COMMAND_HELP: readonly CommandHelp[] = [
  { usage: `${COMMAND}`, description: 'scan every monitored account now' },
  {
    usage: `${COMMAND} account=<id>[,<id>…] region=<region>[,…] kind=<kind>[,…]`,
    description:
      'scan part of it (any of the filters; kinds: ami, ebs-snapshot, rds-snapshot, rds-cluster-snapshot)',
  },
  { usage: `${COMMAND} status`, description: 'open findings, the running scan and the last one' },
  { usage: `${COMMAND} trusted`, description: 'the accounts on the trust list' },
  { usage: `${COMMAND} untrust <account id>`, description: 'take an account off the trust list' },
  { usage: `${COMMAND} help`, description: 'this help' },
];

export interface HelpOptions {
  commands?: readonly CommandHelp[];
  approvers?: { users?: readonly string[]; usergroups?: readonly string[] };
}

export function helpMessage(opts: HelpOptions = {}): SlackMessage {
  const commands = opts.commands ?? DEFAULT_COMMAND_HELP;
  const lines = commands.map((c) => `• \`${esc(c.usage, 120)}\` — ${esc(c.description, 200)}`);
  const approvers = [
    ...(opts.approvers?.users ?? []).map(userMention),
    ...(opts.approvers?.usergroups ?? []).map(groupMention),
  ];
  const blocks: KnownBlock[] = [
    section(
      '*shareguard* watches your AWS accounts for AMIs, EBS snapshots and RDS snapshots shared into them by ' +
        'accounts nobody trusted, and asks here what to do.',
    ),
    section(packLines(lines).chunks[0] ?? ''),
    section(
      '*On a finding*\n' +
        '• *Trust account …* puts the owner on the trust list: nothing it shares is reported any more.\n' +
        '• *Remove* cancels the share where AWS lets a recipient do it (AMIs shared directly with the account). ' +
        'For snapshots and organization shares only the owner can unshare; shareguard records the decision and says so.',
    ),
  ];
  if (approvers.length) {
    const shown = approvers.slice(0, 20);
    blocks.push(
      context(
        `Who may decide: ${shown.join(', ')}${approvers.length > shown.length ? ` and ${approvers.length - shown.length} more` : ''}`,
      ),
    );
  }
  return message(`shareguard: ${commands.map((c) => c.usage).join(', ')}`, blocks);
}

/** A short ephemeral answer to a command that could not be understood. */
export function usageMessage(error: string): SlackMessage {
  const text = `⚠️ ${esc(error, 300)}`;
  return message(text, [section(text), context(`Try \`${COMMAND} help\`.`)]);
}

/** Why a click or command was not carried out (not an approver, wrong workspace, already decided…). */
export function refusalMessage(reason: string): SlackMessage {
  const text = `🚫 ${esc(reason, 500)}`;
  return message(text, [section(text)]);
}

export interface StatusInput {
  /** Findings waiting for a decision. */
  open: readonly FindingRecord[];
  /** Decided but not closed: removals in progress, owner-only removals. */
  pending?: readonly FindingRecord[];
  running?: { scope: string; progress: ScanProgress };
  lastScan?: LastScan;
  nextScanAt?: string;
  trustedCount?: number;
}

/** Counts always complete; findings listed as far as the message budget allows, then "…and N more". */
export function statusMessage(s: StatusInput): SlackMessage {
  const pending = s.pending ?? [];
  const facts = [
    `*${plural(s.open.length, 'open finding')}* waiting for a decision`,
    pending.length
      ? `${pending.length} decided but not closed (removing, or only the owner can unshare)`
      : '',
    s.trustedCount !== undefined ? plural(s.trustedCount, 'trusted account') : '',
  ].filter(Boolean);
  const build = (scale: number): SlackMessage => {
    const blocks: KnownBlock[] = [header('shareguard status'), section(facts.join(' · '))];
    const ctx: string[] = [];
    if (s.running) ctx.push(progressMessage(s.running.progress, s.running.scope).text);
    if (s.lastScan) ctx.push(lastScanText(s.lastScan));
    if (s.nextScanAt) ctx.push(`Next scan ${slackDate(s.nextScanAt)}`);
    if (ctx.length) blocks.push(context(...ctx));
    if (s.open.length) {
      blocks.push(context(`Open by owner: ${ownerCounts(s.open, Math.max(1, Math.floor(15 * scale)))}`));
      const { chunks, omitted } = packLines(byRisk(s.open).map(findingLine), {
        maxLines: Math.max(1, Math.floor(40 * scale)),
        maxTotal: Math.max(300, Math.floor(7000 * scale)),
      });
      chunks.forEach((c) => blocks.push(section(c)));
      if (omitted)
        blocks.push(context(`…and ${omitted} more open findings, not listed here (message size).`));
    }
    if (pending.length) {
      const { chunks, omitted } = packLines(pending.map(findingLine), {
        maxLines: Math.max(1, Math.floor(10 * scale)),
        maxTotal: Math.max(300, Math.floor(2000 * scale)),
      });
      blocks.push(
        section(`*Decided, not closed*\n${chunks[0] ?? ''}${omitted ? `\n…and ${omitted} more` : ''}`),
      );
    }
    return message(`shareguard status: ${plural(s.open.length, 'open finding')}`, blocks);
  };
  return shrinkToFit(build, (b) => blocksFit(b));
}

/** The trust list: account, note, who added it and when (or "from config"). */
export function trustedListMessage(entries: readonly TrustEntry[]): SlackMessage {
  if (entries.length === 0) {
    const text = '🛡 No account is on the trust list.';
    return message(text, [
      section(text),
      context(
        'Add one with the *Trust account …* button on a finding, or under `trust.accounts` in the config.',
      ),
    ]);
  }
  const line = (e: TrustEntry) => {
    const by = 'system' in e.addedBy ? 'from config' : `added by ${who(e.addedBy)} ${slackDate(e.addedAt)}`;
    return `• ${code(e.accountId, 40)}${e.note ? ` — ${esc(e.note, 200)}` : ''} · ${by}`;
  };
  const build = (scale: number): SlackMessage => {
    const { chunks, omitted } = packLines(entries.map(line), {
      maxLines: Math.max(1, Math.floor(60 * scale)),
      maxTotal: Math.max(300, Math.floor(8000 * scale)),
    });
    const blocks: KnownBlock[] = [
      header(`🛡 Trusted accounts (${entries.length})`),
      ...chunks.map((c) => section(c)),
    ];
    if (omitted) blocks.push(context(`…and ${omitted} more.`));
    return message(`🛡 ${plural(entries.length, 'trusted account')}`, blocks);
  };
  return shrinkToFit(build, (b) => blocksFit(b));
}
