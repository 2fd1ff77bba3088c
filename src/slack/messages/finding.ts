/** The message for one finding: what was shared, by whom, and Trust / Remove while nobody decided. */
import type { Button, KnownBlock } from '@slack/types';
import type { Finding, ResourceKind } from '../../domain/finding.ts';
import type {
  DecisionAction,
  DecisionOutcome,
  DecisionSummary,
  FindingRecord,
} from '../../domain/lifecycle.ts';
import { removalPlan } from '../../domain/removal.ts';
import {
  actions,
  button,
  context,
  fieldsSection,
  header,
  message,
  section,
  type SlackMessage,
} from './blocks.ts';
import { clean, code, esc, slackDate, truncate, who } from './text.ts';
import { notifyMentions, riskBlocks, riskTag, withUsageWarning, type RiskMessageOptions } from './risk.ts';

/** Action ids of the buttons; each button's `value` is only the finding id (the server re-loads the finding). */
export const ACTIONS = { trust: 'shareguard.trust', remove: 'shareguard.remove' } as const;
export type ShareguardActionId = (typeof ACTIONS)[keyof typeof ACTIONS];

export const KIND_LABELS: Record<ResourceKind, string> = {
  ami: 'AMI',
  'ebs-snapshot': 'EBS snapshot',
  'rds-snapshot': 'RDS DB snapshot',
  'rds-cluster-snapshot': 'RDS cluster snapshot',
};

export function kindLabel(kind: ResourceKind): string {
  return KIND_LABELS[kind] ?? kind;
}

/** Longest resource name (or description) shown, before escaping. EC2 names are ≤ 128, tags ≤ 256. */
const NAME_MAX = 200;
const DETAIL_MAX = 400;

/** `prod 111111111111` (account name escaped: it comes from config, but costs nothing to escape). */
export function accountText(f: Pick<Finding, 'accountId' | 'accountName'>): string {
  return f.accountName ? `${esc(f.accountName, 64)} ${code(f.accountId, 40)}` : code(f.accountId, 40);
}

export function sharedViaText(f: Pick<Finding, 'sharedVia'>): string {
  return f.sharedVia === 'organization' ? 'through an organization or OU' : 'directly with the account';
}

/** Notes worth a glance: public, deprecated, not allowed by Allowed AMIs. `asOf` decides "deprecated" (pure). */
export function findingNotes(f: Finding, asOf: string): string[] {
  const notes: string[] = [];
  if (f.public) notes.push('🌐 also public');
  if (f.deprecationTime) {
    const past = Date.parse(f.deprecationTime) <= Date.parse(asOf);
    notes.push(
      past
        ? `deprecated since ${slackDate(f.deprecationTime, false)}`
        : `deprecation set for ${slackDate(f.deprecationTime, false)}`,
    );
  }
  if (f.imageAllowed === false) notes.push('not allowed by Allowed AMIs (audit mode)');
  return notes;
}

export function trustButton(ownerAccountId: string, findingId: string): Button {
  const owner = truncate(clean(ownerAccountId), 40);
  return button({
    text: `Trust account ${owner}`,
    actionId: ACTIONS.trust,
    value: findingId,
    style: 'primary',
    confirm: {
      title: `Trust account ${owner}?`,
      text:
        `Everything account ${owner} shares into any monitored account will stop being reported, ` +
        'until it is removed from the trust list.',
      confirm: 'Trust',
      deny: 'Cancel',
    },
  });
}

export function removeButton(f: Finding, text = 'Remove'): Button {
  const plan = removalPlan(f);
  const recipientCan = plan.action === 'cancel-launch-permission';
  return button({
    text,
    actionId: ACTIONS.remove,
    value: f.id,
    style: 'danger',
    confirm: {
      title: recipientCan ? `Remove this ${kindLabel(f.kind)} share?` : 'Only the owner can unshare this',
      // issue 9: "3 running instances keep running; removing does not stop them."
      text: withUsageWarning(f, plan.confirmText),
      confirm: recipientCan ? 'Remove' : 'Record decision',
      deny: 'Cancel',
      style: 'danger',
    },
  });
}

/** Trust (for the owner) and Remove (for this finding), both carrying only the finding id. */
export function findingButtons(f: Finding): Button[] {
  return [trustButton(f.ownerAccountId, f.id), removeButton(f)];
}

const ACTION_WORDS: Record<DecisionAction, string> = {
  trust: 'trust',
  remove: 'removal',
  untrust: 'untrust',
  'allowed-amis': 'Allowed AMIs update',
};
const DONE_WORDS: Record<DecisionAction, string> = {
  trust: 'trusted',
  remove: 'removed',
  untrust: 'untrusted',
  'allowed-amis': 'Allowed AMIs updated',
};

/** "✅ removed by <@U1> <date>: detail" — a past decision in one line. */
export function describeDecision(d: DecisionSummary, ownerAccountId: string): string {
  const by = `${who(d.by)} ${slackDate(d.at)}`;
  const detail = d.detail ? `: ${esc(d.detail, DETAIL_MAX)}` : '';
  const outcomes: Record<DecisionOutcome, string> = {
    succeeded: `${d.action === 'remove' ? '✅' : '🛡'} ${DONE_WORDS[d.action]} by ${by}${detail}`,
    pending: `⏳ ${ACTION_WORDS[d.action]} requested by ${by}${detail}`,
    failed: `⚠️ ${ACTION_WORDS[d.action]} by ${by} failed${detail}`,
    'owner-only': `ℹ️ removal approved by ${by}; only the owner ${code(ownerAccountId, 40)} could unshare it${detail}`,
    refused: `🚫 ${ACTION_WORDS[d.action]} by ${by} was refused${detail}`,
  };
  return outcomes[d.outcome];
}

/** The line that replaces the buttons once a decision was taken (or the finding went away). */
export function outcomeLine(record: FindingRecord): string | undefined {
  const f = record.finding;
  const d = record.decision;
  const owner = code(f.ownerAccountId, 40);
  const by = d ? ` by ${who(d.by)} ${slackDate(d.at)}` : '';
  const detail = d?.detail ? esc(d.detail, DETAIL_MAX) : '';
  switch (record.state) {
    case 'open':
      if (!d || d.outcome === 'succeeded' || d.outcome === 'pending') return undefined;
      if (d.outcome === 'failed') {
        return `⚠️ *${d.action === 'remove' ? 'Removal' : 'Trust'} failed*${by}${detail ? `. AWS said: ${detail}` : ''}. You can try again.`;
      }
      return describeDecision(d, f.ownerAccountId);
    case 'removing':
      return `⏳ *Removing*${d ? ` — requested${by}` : ''}…`;
    case 'removed':
      return `✅ *Removed*${by}: ${detail || `AWS cancelled the share; it is no longer shared with ${code(f.accountId, 40)}.`}`;
    case 'trusted':
      return `🛡 *Trusted*${by}: account ${owner} is on the trust list; what it shares is no longer reported.`;
    case 'owner-only': {
      const plan = removalPlan(f);
      const reason = plan.action === 'owner-only' ? ` (${esc(plan.reason, 300)})` : '';
      return (
        `ℹ️ *Remove approved*${by}. AWS lets a recipient remove nothing here${reason}; ` +
        `only the owner ${owner} can unshare it.${detail ? ` ${detail}` : ''}`
      );
    }
    case 'resolved': {
      const earlier = d ? ` Earlier: ${describeDecision(d, f.ownerAccountId)}.` : '';
      return `✔️ *Resolved* ${slackDate(record.resolvedAt ?? record.lastSeenAt)}: no longer shared with this account.${earlier}`;
    }
  }
}

/** The "🔁 Shared again" line, naming the decision taken before (who, when, what). */
export function sharedAgainLine(record: FindingRecord): string | undefined {
  if (!record.sharedAgainAt) return undefined;
  const prev = record.previousDecision;
  const before = prev
    ? `Previously ${describeDecision(prev, record.finding.ownerAccountId)}.`
    : 'It had stopped being shared with this account; no decision was recorded then.';
  return `🔁 *Shared again* ${slackDate(record.sharedAgainAt)}. ${before}`;
}

const STATE_EMOJI: Record<FindingRecord['state'], string> = {
  open: '🚨',
  removing: '⏳',
  removed: '✅',
  'owner-only': 'ℹ️',
  trusted: '🛡',
  resolved: '✔️',
};

/** One finding: header, what it is, notes, shared-again line, then buttons (open) or the outcome line. */
export function findingMessage(record: FindingRecord, options: RiskMessageOptions = {}): SlackMessage {
  const f = record.finding;
  const label = kindLabel(f.kind);
  const owner = truncate(clean(f.ownerAccountId), 40);
  const blocks: KnownBlock[] = [];
  blocks.push(
    header(
      record.sharedAgainAt
        ? `🔁 ${label} shared again by account ${owner}`
        : `${STATE_EMOJI[record.state]} ${label} shared by untrusted account ${owner}`,
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
  const details = [
    f.engine ? esc(f.engine, 40) : '',
    f.sizeGiB !== undefined ? `${f.sizeGiB} GiB` : '',
    f.encrypted === undefined ? '' : f.encrypted ? 'encrypted' : 'not encrypted',
  ].filter(Boolean);
  if (details.length) fields.push(`*Details*\n${details.join(' · ')}`);
  blocks.push(fieldsSection(fields, `*${label}* ${code(f.resourceId, 400)}${name}`));

  const ctx = [...findingNotes(f, record.lastSeenAt)];
  if (f.description) ctx.push(`Description: ${esc(f.description, 300)}`);
  ctx.push(`First seen ${slackDate(record.firstSeenAt)} · last seen ${slackDate(record.lastSeenAt)}`);
  blocks.push(context(ctx.join(' · ')));

  const again = sharedAgainLine(record);
  if (again) blocks.push(section(again));

  const outcome = outcomeLine(record);
  if (outcome) blocks.push(section(outcome));
  if (record.state === 'open') blocks.push(actions(...findingButtons(f)));

  const mentions = record.state === 'open' ? notifyMentions(f, options.notify) : '';
  const fallback =
    `${mentions ? `${mentions} ` : ''}${f.risk ? `[${f.risk}] ` : ''}` +
    `${STATE_EMOJI[record.state]} ${record.sharedAgainAt ? 'Shared again: ' : ''}${label} ${esc(f.resourceId, 300)} ` +
    `shared into ${f.accountName ? `${esc(f.accountName, 64)} ` : ''}${esc(f.accountId, 40)} ${esc(f.region, 40)} ` +
    `by untrusted account ${esc(f.ownerAccountId, 40)}${record.state === 'open' ? '' : ` (${record.state})`}`;
  return message(fallback, blocks);
}

/** One compact line per finding, for digests and status lists. */
export function findingLine(record: FindingRecord): string {
  const f = record.finding;
  const name = f.name ? ` “${esc(f.name, 80)}”` : '';
  const state = record.state === 'open' ? '' : ` · ${STATE_EMOJI[record.state]} ${record.state}`;
  const tag = riskTag(f);
  return (
    `• ${tag ? `${tag} · ` : ''}${record.sharedAgainAt ? '🔁 ' : ''}*${kindLabel(f.kind)}* ${code(f.resourceId, 200)}${name} ` +
    `from ${code(f.ownerAccountId, 40)} → ${accountText(f)} ${esc(f.region, 40)} · since ${slackDate(record.firstSeenAt, false)}${state}`
  );
}
