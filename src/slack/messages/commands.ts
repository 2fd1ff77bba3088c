/** Replies to `/shared-scan …`: help, usage errors, status, the trust list, refusals. Mostly ephemeral. */
import type { KnownBlock } from '@slack/types';
import type { FindingRecord, TrustEntry } from '../../domain/lifecycle.ts';
import type { ScanProgress } from '../../scan/scan.ts';
import { context, header, message, section, shrinkToFit, type SlackMessage } from './blocks.ts';
import type { LastScan } from '../../store/last-scan.ts';
import { lastScanText, ownerCounts } from './digest.ts';
import { findingLine } from './finding.ts';
import { blocksFit } from './limits.ts';
import { byRisk } from './plan.ts';
import { progressMessage } from './scan.ts';
import {
  code,
  esc,
  groupMention,
  packLines,
  plural,
  reasonText,
  slackDate,
  userMention,
  who,
} from './text.ts';

const CHANNEL_ID = /^[CG][A-Z0-9]{2,}$/;
/** `<#C…>` for a real channel id, else the escaped text: never a link built from data. */
export const channelMention = (id: string): string => (CHANNEL_ID.test(id) ? `<#${id}>` : esc(id, 80));

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
  {
    usage: `${COMMAND} block <account id> [reason]`,
    description: 'deny every image and snapshot of that owner in every monitored account (the guard)',
  },
  { usage: `${COMMAND} unblock <account id>`, description: 'take an owner off the guard' },
  {
    usage: `${COMMAND} post`,
    description: 'post the open findings that have no message yet (a failed post, or beyond a scan’s budget)',
  },
  { usage: `${COMMAND} help`, description: 'this help' },
];

export interface HelpOptions {
  commands?: readonly CommandHelp[];
  approvers?: { users?: readonly string[]; usergroups?: readonly string[] };
  /** The channel findings are posted in. */
  channel?: string;
  layout?: 'thread' | 'flat';
}

/** "<@U1>, <@U2> and members of <!subteam^S1>" (first 20 named), or a note that nobody is configured. */
export function approversText(approvers: HelpOptions['approvers']): string {
  const users = (approvers?.users ?? []).map(userMention);
  const groups = (approvers?.usergroups ?? []).map(groupMention);
  if (!users.length && !groups.length) return 'nobody yet (set `slack.approvers` in the config)';
  const all = [...users, ...groups.map((g) => `members of ${g}`)];
  const shown = all.slice(0, 20);
  const more = all.length - shown.length;
  return `${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

/** Where findings go: "<#C1>, one thread per scan (the scan's message, its findings in the thread)". */
export function whereFindingsGo(channel: string | undefined, layout: 'thread' | 'flat' = 'thread'): string {
  if (!channel) return 'no channel is configured yet (`slack.channel`)';
  return layout === 'thread'
    ? `${channelMention(channel)}: one message per scan, its findings (most urgent first) in that message's thread, critical ones also in the channel`
    : `${channelMention(channel)}: one message per finding`;
}

/** `/shared-scan` with no argument in a DM: nothing is scanned; this says where findings go and how to start. */
export function dmIntroMessage(opts: HelpOptions): SlackMessage {
  const lines = [
    `👋 shareguard posts what it finds in ${whereFindingsGo(opts.channel, opts.layout)}.`,
    `Scans run on a schedule; \`${COMMAND} scan\` starts one now (results go to the channel, not here).`,
    `\`${COMMAND} status\` lists the open findings; \`${COMMAND} help\` shows everything.`,
  ];
  return message(lines[0]!, [
    section(lines.join('\n')),
    context(`Who may decide (Trust, Remove): ${approversText(opts.approvers)}`),
  ]);
}

export function helpMessage(opts: HelpOptions = {}): SlackMessage {
  const commands = opts.commands ?? DEFAULT_COMMAND_HELP;
  const lines = commands.map((c) => `• \`${esc(c.usage, 120)}\` — ${esc(c.description, 200)}`);
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
  if (opts.approvers || opts.channel) {
    blocks.push(
      section(
        `*Where findings go*: ${whereFindingsGo(opts.channel, opts.layout)}.\n` +
          `*Who may decide* (Trust, Remove, untrust): ${approversText(opts.approvers)}. ` +
          'Ask one of them, or your Slack admin, to be added.',
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
  const text = `🚫 ${reasonText(reason)}`;
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
  // Open findings whose post failed or did not fit a scan's budget: no buttons yet (docs/slack.md).
  const unposted = s.open.filter((r) => !r.message).length;
  if (unposted) facts.push(`${unposted} not posted yet (\`/shared-scan post\` posts them now)`);
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
    const confirmed = e.confirmedBy ? ` (confirmed by ${who(e.confirmedBy)})` : '';
    const why = e.reason ? ` · why: “${esc(e.reason, 200)}”` : '';
    const until = e.expiresAt ? ` · until ${slackDate(e.expiresAt)}` : '';
    return `• ${code(e.accountId, 40)}${e.note ? ` — ${esc(e.note, 200)}` : ''} · ${by}${confirmed}${why}${until}`;
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
