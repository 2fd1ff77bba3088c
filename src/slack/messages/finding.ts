/** The message for one finding: what was shared, by whom, and Trust / Remove while nobody decided. */
import type { KnownBlock } from '@slack/types';
import { findKind } from '../../aws/kinds/index.ts';
import { sharedViaWords, type Finding } from '../../domain/finding.ts';
import type { FindingRecord } from '../../domain/lifecycle.ts';
import { actions, context, fieldsSection, header, message, section, type SlackMessage } from './blocks.ts';
import { clean, code, esc, slackDate, truncate } from './text.ts';
import { accountText, kindLabel } from './labels.ts';
import { twoPersonBlocks } from './modals.ts';
import { headerEmoji, notifyMentions, riskBlocks, riskTag, type RiskMessageOptions } from './risk.ts';
import { needsAttention, outcomeLine, reasonLine, sharedAgainLine } from './decision-text.ts';
import {
  afterRemoveButtons,
  findingButtons,
  NO_REMEDIATION_VIEW,
  type RemediationView,
} from './finding-buttons.ts';

// The buttons and the decision words live in their own modules; importers of this one keep working.
export * from './finding-buttons.ts';
export * from './decision-text.ts';
// Re-exported: the other messages and the tests take them from here.
export { accountText, kindLabel };

/** Longest resource name (or description) shown, before escaping. EC2 names are ≤ 128, tags ≤ 256. */
const NAME_MAX = 200;

export function sharedViaText(f: Pick<Finding, 'sharedVia'>): string {
  return sharedViaWords(f.sharedVia);
}

/**
 * Notes worth a glance: public, then what the kind module notes (an AMI's deprecation, Allowed AMIs).
 * `asOf` decides what is past (pure).
 */
export function findingNotes(f: Finding, asOf: string): string[] {
  const notes: string[] = [];
  if (f.public) notes.push('🌐 also public');
  const kind = findKind(f.kind);
  for (const n of kind?.notes?.(f, asOf) ?? [])
    notes.push(n.date ? `${esc(n.text, 200)} ${slackDate(n.date, false)}` : esc(n.text, 200));
  return notes;
}

/** The kind module's details (engine, size, encryption…), escaped. */
function findingDetails(f: Finding): string[] {
  const kind = findKind(f.kind);
  return (kind?.details(f) ?? []).map((d) => esc(d, 40));
}

const STATE_EMOJI: Record<FindingRecord['state'], string> = {
  open: '🚨',
  removing: '⏳',
  removed: '✅',
  revoked: '✅',
  deleted: '🗑',
  blocked: '⛔',
  recorded: 'ℹ️',
  'owner-only': 'ℹ️',
  trusted: '🛡',
  resolved: '✔️',
};

/**
 * The header's emoji: an open finding's says its risk (🚨 only for critical); ⚠️ "needs attention" when a
 * decision left things running from it; otherwise the state's (issue 23).
 */
function stateEmoji(record: FindingRecord): string {
  if (record.state === 'open') return headerEmoji(record.finding.risk);
  return needsAttention(record) ? '⚠️' : STATE_EMOJI[record.state];
}

/** One finding: header, what it is, notes, shared-again line, then buttons (open) or the outcome line. */
export function findingMessage(
  record: FindingRecord,
  view: RemediationView = NO_REMEDIATION_VIEW,
  options: RiskMessageOptions = {},
): SlackMessage {
  const f = record.finding;
  const label = kindLabel(f.kind);
  const owner = truncate(clean(f.ownerAccountId), 40);
  const blocks: KnownBlock[] = [];
  blocks.push(
    header(
      record.sharedAgainAt
        ? `🔁 ${label} shared again by account ${owner}`
        : `${stateEmoji(record)} ${label} shared by untrusted account ${owner}`,
    ),
  );
  blocks.push(...riskBlocks(record, options)); // issue 9: risk level, reasons, blast radius

  const name = f.name ? ` “${esc(f.name, NAME_MAX)}”` : '';
  const fields = [
    `*Owner*\n${code(f.ownerAccountId, 40)}${f.ownerAlias ? ` (${esc(f.ownerAlias, 64)})` : ''}`,
    `*Shared into*\n${accountText(f)} · ${esc(f.region, 40)}`,
    `*Shared*\n${sharedViaText(f)}`,
    `*Created*\n${f.createdAt ? slackDate(f.createdAt, false) : 'unknown'}`,
  ];
  const details = findingDetails(f);
  if (details.length) fields.push(`*Details*\n${details.join(' · ')}`);
  blocks.push(fieldsSection(fields, `*${label}* ${code(f.resourceId, 400)}${name}`));

  const ctx = [...findingNotes(f, record.lastSeenAt)];
  if (f.description) ctx.push(`Description: ${esc(f.description, 300)}`);
  ctx.push(`First seen ${slackDate(record.firstSeenAt)} · last seen ${slackDate(record.lastSeenAt)}`);
  blocks.push(context(ctx.join(' · ')));

  const again = sharedAgainLine(record);
  if (again) blocks.push(section(again));

  const outcome = outcomeLine(record);
  if (outcome) blocks.push(section(`${outcome}${reasonLine(record)}`));
  if (record.state === 'open' && record.approval)
    // Two-person rule: Confirm / Reject instead of the decision buttons (modals.ts).
    blocks.push(
      ...twoPersonBlocks({
        action: record.approval.action,
        finding: f,
        requestedBy: record.approval.requestedBy.userId,
        requestedAt: record.approval.requestedAt,
        expiresAt: record.approval.expiresAt,
        ...(record.approval.reason ? { reason: record.approval.reason } : {}),
      }),
    );
  else if (record.state === 'open') blocks.push(actions(...findingButtons(f, view)));
  else {
    const more = afterRemoveButtons(record, view);
    if (more.length) blocks.push(actions(...more));
  }

  const mentions = record.state === 'open' ? notifyMentions(f, options.notify) : '';
  const fallback =
    `${mentions ? `${mentions} ` : ''}${f.risk ? `[${f.risk}] ` : ''}` +
    `${stateEmoji(record)} ${record.sharedAgainAt ? 'Shared again: ' : ''}${label} ${esc(f.resourceId, 300)} ` +
    `shared into ${f.accountName ? `${esc(f.accountName, 64)} ` : ''}${esc(f.accountId, 40)} ${esc(f.region, 40)} ` +
    `by untrusted account ${esc(f.ownerAccountId, 40)}${record.state === 'open' ? '' : ` (${record.state}${needsAttention(record) ? ', needs attention' : ''})`}`;
  return message(fallback, blocks);
}

/** One compact line per finding, for digests and status lists. */
export function findingLine(record: FindingRecord): string {
  const f = record.finding;
  const name = f.name ? ` “${esc(f.name, 80)}”` : '';
  const why =
    record.state !== 'open' && record.decision?.reason ? ` (“${esc(record.decision.reason, 120)}”)` : '';
  const awaiting = record.state === 'open' && record.approval ? ` · ⏳ awaiting a second approver` : '';
  const state = record.state === 'open' ? awaiting : ` · ${STATE_EMOJI[record.state]} ${record.state}${why}`;
  const tag = riskTag(f);
  return (
    `• ${tag ? `${tag} · ` : ''}${record.sharedAgainAt ? '🔁 ' : ''}*${kindLabel(f.kind)}* ${code(f.resourceId, 200)}${name} ` +
    `from ${code(f.ownerAccountId, 40)} → ${accountText(f)} ${esc(f.region, 40)} · since ${slackDate(record.firstSeenAt, false)}${state}`
  );
}
