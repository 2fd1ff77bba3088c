/**
 * The risk and blast-radius parts of Slack messages (issue 9): the level line that opens a finding
 * message, what already uses it, the Remove dialog's warning, mentions at high risk, and the alert when
 * something new uses a decided resource. Reasons and ids come from AWS data: escaped like everything else.
 */
import type { KnownBlock } from '@slack/types';
import type { Finding, InUse, RiskLevel, UsageItem } from '../../domain/finding.ts';
import type { FindingRecord } from '../../domain/lifecycle.ts';
import {
  atLeast,
  failToLaunchWords,
  launcherCount,
  launcherWords,
  usageCount,
  usageWords,
} from '../../domain/risk.ts';
import type { NewUse } from '../../core/new-use.ts';
import { context, header, message, section, type SlackMessage } from './blocks.ts';
import { accountText, kindLabel } from './labels.ts';
import { code, esc, groupMention, plural, truncate, truncateMrkdwn, userMention, who } from './text.ts';

export const RISK_EMOJI: Record<RiskLevel, string> = {
  critical: '🔴',
  high: '🟠',
  medium: '🟡',
  low: '⚪',
};

/**
 * The header emoji of an open finding or an owner's findings, by their (highest) risk: the alarm only
 * where it is critical, so a header does not cry wolf on every low-risk share.
 */
const HEADER_EMOJI: Record<RiskLevel, string> = {
  critical: '🚨',
  high: '⚠️',
  medium: '🔎',
  low: 'ℹ️',
};

export function headerEmoji(risk: RiskLevel | undefined): string {
  return risk ? HEADER_EMOJI[risk] : '🔎';
}

/** Who to mention at or above a level (`slack.notify`). */
export interface NotifySettings {
  users: readonly string[];
  usergroups: readonly string[];
  minRisk: RiskLevel;
}

export interface RiskMessageOptions {
  notify?: NotifySettings;
}

/** How many usage ids a message line names before "…and N more". */
const IDS_SHOWN = 3;

/** "🔴 *critical* — impersonates Ubuntu (…); in use: 2 running instances", or undefined when unranked. */
export function riskLine(f: Finding, max = 600): string | undefined {
  if (!f.risk) return undefined;
  const reasons = (f.riskReasons ?? []).map((r) => esc(r.text, 200));
  return truncateMrkdwn(
    `${RISK_EMOJI[f.risk]} *${f.risk}*${reasons.length ? ` — ${reasons.join('; ')}` : ''}`,
    max,
  );
}

/** `i-1`; a launch template or recipe by its name with how it uses it: `web` (latest v3). */
function itemText(i: UsageItem): string {
  return `${code(i.name ?? i.id, 120)}${i.detail ? ` (${esc(i.detail, 120)})` : ''}`;
}

function idsText(list: { count: number; items: UsageItem[] }): string {
  const shown = list.items.slice(0, IDS_SHOWN).map(itemText);
  const more = list.count - shown.length;
  return `${shown.join(', ')}${more > 0 ? ` …and ${more} more` : ''}`;
}

/**
 * "🔥 in use: 3 running instances — `i-1`, `i-2`, `i-3`; 1 volume — `vol-1`", "✓ not in use", or the
 * lookup failure. Undefined when the blast radius was not looked up.
 */
export function inUseLine(u: InUse | undefined): string | undefined {
  if (!u) return undefined;
  const parts: string[] = [];
  const add = (n: number, words: string, list: { count: number; items: UsageItem[] }) => {
    if (n) parts.push(`${words} — ${idsText(list)}`);
  };
  const running = u.instances.items.filter((i) => i.state === 'running').length;
  add(
    u.instances.count,
    running === u.instances.count
      ? plural(running, 'running instance')
      : plural(u.instances.count, 'instance'),
    u.instances,
  );
  add(u.volumes.count, plural(u.volumes.count, 'volume'), u.volumes);
  add(u.images.count, plural(u.images.count, 'own AMI'), u.images);
  add(u.copies.count, plural(u.copies.count, 'own copy', 'own copies'), u.copies);
  add(u.restores.count, plural(u.restores.count, 'restore'), u.restores);
  // Issue 23: what would launch from it next.
  const launches: string[] = [];
  const addLaunch = (list: { count: number; items: UsageItem[] } | undefined, one: string) => {
    if (list?.count) launches.push(`${plural(list.count, one)} — ${idsText(list)}`);
  };
  addLaunch(u.autoScalingGroups, 'Auto Scaling group');
  addLaunch(u.launchTemplates, 'launch template');
  addLaunch(u.imageRecipes, 'Image Builder recipe');
  const unknown = u.unknown?.length
    ? `❔ usage partly unknown (${esc(u.unknown[0], 200)}${u.unknown.length > 1 ? ` and ${u.unknown.length - 1} more` : ''})`
    : '';
  const known = [
    parts.length ? `🔥 *in use:* ${parts.join('; ')}` : '',
    launches.length ? `🚀 *launches from it:* ${launches.join('; ')}` : '',
  ].filter(Boolean);
  if (known.length) return truncateMrkdwn(`${known.join(' · ')}${unknown ? ` · ${unknown}` : ''}`, 1500);
  return unknown || '✓ nothing in this account uses it';
}

/**
 * Sentences for the Remove and Delete at source confirm dialogs: what would fail to launch afterwards
 * ("3 launch templates and 1 Auto Scaling group would fail to launch.", issue 23), and that neither stops
 * anything that already runs.
 */
export function removeUsageWarning(f: Finding, doing = 'removing'): string | undefined {
  const u = f.inUse;
  if (!u) return undefined;
  const fail = failToLaunchWords(u);
  const keep =
    usageCount(u) > 0
      ? `${usageWords(u)} ${usageCount(u) === 1 ? 'keeps' : 'keep'} running or existing; ${doing} does not stop them.`
      : '';
  return [fail ? `${fail}.` : '', keep].filter(Boolean).join(' ') || undefined;
}

/**
 * The confirm text with the usage warning first, within Slack's 300 characters. `doing` names the
 * action ("deleting it at the source"): neither Remove nor a delete at the source stops what already runs.
 */
export function withUsageWarning(f: Finding, confirmText: string, doing?: string): string {
  const warning = removeUsageWarning(f, doing);
  return warning ? truncate(`${warning} ${confirmText}`, 300) : confirmText;
}

/** Mentions for a finding at or above `notify.minRisk` (empty string otherwise). */
export function notifyMentions(f: Pick<Finding, 'risk'>, notify: NotifySettings | undefined): string {
  if (!notify || !f.risk || !atLeast(f.risk, notify.minRisk)) return '';
  return [...notify.users.map(userMention), ...notify.usergroups.map(groupMention)].slice(0, 20).join(' ');
}

/** Blocks placed right after a finding message's header: the level line (+ mentions), then usage. */
export function riskBlocks(record: FindingRecord, options: RiskMessageOptions = {}): KnownBlock[] {
  const f = record.finding;
  const blocks: KnownBlock[] = [];
  const line = riskLine(f);
  const mentions = record.state === 'open' ? notifyMentions(f, options.notify) : '';
  if (line) blocks.push(section(`${line}${mentions ? `\n${mentions}` : ''}`));
  const use = inUseLine(f.inUse);
  const hidden = f.notListed
    ? `👻 no longer listed for this account (${f.imageAllowed === false ? 'hidden by Allowed AMIs' : 'unshared or deregistered'}); instances still run from it`
    : '';
  // "not allowed by Allowed AMIs (audit mode)" is among the finding's notes (finding.ts) already.
  const ctx = [use, hidden].filter(Boolean) as string[];
  if (ctx.length) blocks.push(context(ctx.join(' · ')));
  return blocks;
}

/** One-line risk prefix for compact lists (digest, status, groups): "🔴 critical · 🔥 2 inst". */
export function riskTag(f: Finding): string {
  const parts: string[] = [];
  if (f.risk) parts.push(`${RISK_EMOJI[f.risk]} ${f.risk}`);
  const n = usageCount(f.inUse);
  if (n) parts.push(`🔥 ${usageWords(f.inUse!)}`);
  if (launcherCount(f.inUse)) parts.push(`🚀 ${launcherWords(f.inUse!)}`);
  if (!n && !launcherCount(f.inUse) && f.inUse?.unknown?.length) parts.push('❔ usage unknown');
  return parts.join(' · ');
}

/** The channel alert when something new uses a resource somebody already decided on. */
export function newUseAlertMessage(use: NewUse): SlackMessage {
  const f = use.record.finding;
  const label = kindLabel(f.kind);
  const decided = use.record.decision;
  const lines = Object.entries(use.added).map(
    ([list, items]) =>
      `• ${esc(list, 20)}: ${
        items!.length
          ? items!
              .slice(0, 10)
              .map((i) => `${code(i.id, 120)}${i.state ? ` (${esc(i.state, 30)})` : ''}`)
              .join(', ')
          : 'more than before'
      }`,
  );
  const text =
    `🚨 New use of ${label} ${esc(f.resourceId, 300)} in ${esc(f.accountId, 40)} ${esc(f.region, 40)}, ` +
    `decided earlier (${esc(use.record.state, 40)}): ${plural(use.count, 'new user')}`;
  return message(text, [
    header(`🚨 New use of a ${label} already decided on`),
    section(
      `*${label}* ${code(f.resourceId, 400)} from ${code(f.ownerAccountId, 40)} → ${accountText(f)} ${esc(f.region, 40)}\n` +
        `State: *${esc(use.record.state, 40)}*${decided ? `, decided by ${who(decided.by)}` : ''}. ` +
        `Since the last scan, ${plural(use.count, 'new resource uses', 'new resources use')} it:\n${lines.join('\n')}`,
    ),
    context(
      'Removing or blocking a share does not stop what already runs from it. Check who launched these.',
    ),
  ]);
}
