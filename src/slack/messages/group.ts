/** Findings grouped per owner account, for scans with more findings than messages worth posting. */
import type { KnownBlock } from '@slack/types';
import type { FindingRecord } from '../../domain/lifecycle.ts';
import { blockAccountButton } from './guard.ts';
import { actions, context, header, message, section, type SlackMessage } from './blocks.ts';
import {
  accountText,
  describeDecision,
  findingNotes,
  kindLabel,
  NO_REMEDIATION_VIEW,
  outcomeLine,
  removeButton,
  trustButton,
  type RemediationView,
} from './finding.ts';
import { blocksFit, LIMITS, MAX_BLOCKS_CHARS } from './limits.ts';
import { clean, code, esc, plural, slackDate, truncate, truncateMrkdwn } from './text.ts';
import { riskTag } from './risk.ts';

const SHARED_VIA_SHORT: Record<FindingRecord['finding']['sharedVia'], string> = {
  account: 'direct',
  organization: 'via organization',
  unknown: 'direct or via organization (AWS does not tell a recipient)',
};

/** A group message and the findings it shows. */
export interface GroupMessage extends SlackMessage {
  findingIds: string[];
}

/** One resource of a group: one line, Remove as its accessory while open, else its outcome. */
function resourceSection(record: FindingRecord, view: RemediationView): KnownBlock {
  const f = record.finding;
  const name = f.name ? ` “${esc(f.name, 120)}”` : '';
  const parts = [
    `*${kindLabel(f.kind)}* ${code(f.resourceId, 300)}${name}`,
    `→ ${accountText(f)} ${esc(f.region, 40)} · ${SHARED_VIA_SHORT[f.sharedVia]}` +
      (f.createdAt ? ` · created ${slackDate(f.createdAt, false)}` : ''),
  ];
  const notes = findingNotes(f, record.lastSeenAt);
  const tag = riskTag(f); // issue 9
  if (tag) notes.unshift(tag);
  if (record.sharedAgainAt) {
    const prev = record.previousDecision;
    notes.unshift(
      prev
        ? truncateMrkdwn(`🔁 shared again; previously ${describeDecision(prev, f.ownerAccountId)}`, 300)
        : '🔁 shared again',
    );
  }
  if (notes.length) parts.push(notes.join(' · '));
  const outcome = record.state === 'open' && !record.decision ? undefined : outcomeLine(record);
  // Keep outcomes short here: a group re-rendered after decisions must still fit its budget.
  if (outcome) parts.push(truncateMrkdwn(outcome, 400));
  return section(parts.join('\n'), record.state === 'open' ? removeButton(f, 'Remove', view) : undefined);
}

/**
 * One message for the given findings of one owner, without splitting (use it to re-render a group
 * message after a decision). `part`/`parts` label split groups.
 */
export function ownerGroupMessage(
  ownerAccountId: string,
  records: readonly FindingRecord[],
  part = 1,
  parts = 1,
  view: RemediationView = NO_REMEDIATION_VIEW,
): GroupMessage {
  const owner = truncate(clean(ownerAccountId), 40);
  const partText = parts > 1 ? ` (part ${part} of ${parts})` : '';
  const open = records.filter((r) => r.state === 'open');
  const kinds = new Map<string, number>();
  for (const r of records)
    kinds.set(kindLabel(r.finding.kind), (kinds.get(kindLabel(r.finding.kind)) ?? 0) + 1);
  const accounts = new Set(records.map((r) => r.finding.accountId));
  const blocks: KnownBlock[] = [
    header(`🚨 Untrusted account ${owner} shared ${plural(records.length, 'resource')}${partText}`),
    context(
      `${[...kinds].map(([k, n]) => `${n} × ${k}`).join(', ')} into ${plural(accounts.size, 'monitored account')}. ` +
        'Remove each one, or trust the account for all of them.',
    ),
    ...records.map((r) => resourceSection(r, view)),
  ];
  const first = open[0];
  if (first)
    blocks.push(
      actions(
        trustButton(ownerAccountId, first.finding.id),
        blockAccountButton(ownerAccountId, first.finding.id, view(first.finding).guardMode),
      ),
    );
  const text =
    `🚨 Untrusted account ${esc(ownerAccountId, 40)} shared ${plural(records.length, 'resource')} ` +
    `into ${plural(accounts.size, 'monitored account')}${partText}`;
  return { ...message(text, blocks), findingIds: records.map((r) => r.finding.id) };
}

/**
 * Messages for one owner's findings, split so that none exceeds 50 blocks or `MAX_BLOCKS_CHARS`
 * characters of blocks. Each part has its own "Trust account …" button.
 */
export function ownerGroupMessages(
  ownerAccountId: string,
  records: readonly FindingRecord[],
  view: RemediationView = NO_REMEDIATION_VIEW,
): GroupMessage[] {
  if (records.length === 0) return [];
  // Measure with the longest part label the final rendering can have, so relabelling never breaks the fit.
  const worst = records.length;
  // Headroom for the Block account button: an outcome line can outgrow the Remove button it replaces
  // (a failed removal shows both), and the button left less slack for that than before it was shown.
  const first = records[0]!.finding;
  const budget =
    MAX_BLOCKS_CHARS -
    JSON.stringify(blockAccountButton(ownerAccountId, first.id, view(first).guardMode)).length;
  const groups: FindingRecord[][] = [];
  let current: FindingRecord[] = [];
  for (const r of records) {
    const candidate = [...current, r];
    const fits =
      candidate.length + 3 <= LIMITS.blocksPerMessage &&
      blocksFit(ownerGroupMessage(ownerAccountId, candidate, worst, worst, view).blocks, budget);
    if (fits || current.length === 0) current = candidate;
    else {
      groups.push(current);
      current = [r];
    }
  }
  if (current.length) groups.push(current);
  return groups.map((g, i) => ownerGroupMessage(ownerAccountId, g, i + 1, groups.length, view));
}
