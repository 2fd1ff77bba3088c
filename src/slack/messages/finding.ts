/** The message for one finding: what was shared, by whom, and Trust / Remove while nobody decided. */
import type { Button, KnownBlock } from '@slack/types';
import { sharedViaWords, type Finding } from '../../domain/finding.ts';
import type {
  DecisionAction,
  DecisionOutcome,
  DecisionSummary,
  FindingRecord,
} from '../../domain/lifecycle.ts';
import { applicableRungs, confirmWords } from '../../remediate/registry.ts';
import type { RemediationContext } from '../../remediate/types.ts';
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
import { twoPersonBlocks } from './modals.ts';
import { accountText, kindLabel } from './labels.ts';
import { notifyMentions, riskBlocks, riskTag, withUsageWarning, type RiskMessageOptions } from './risk.ts';

/** Action ids of the buttons; each button's `value` is only the finding id (the server re-loads the finding). */
export const ACTIONS = {
  trust: 'shareguard.trust',
  remove: 'shareguard.remove',
  deleteAtSource: 'shareguard.delete-at-source',
  revokeOrgShare: 'shareguard.revoke-org-share',
} as const;

/**
 * What the remediation rungs depend on for a finding (owner-side role, guard mode, dry run), so the
 * buttons and confirm dialogs say exactly what will run. Built from the config by `remediationView`
 * (src/remediate/registry.ts); without one, nothing is assumed: no owner side, guard off.
 */
export type RemediationView = (f: Finding) => RemediationContext;
export const NO_REMEDIATION_VIEW: RemediationView = () => ({ guardMode: 'off', dryRun: false });
export type ShareguardActionId = (typeof ACTIONS)[keyof typeof ACTIONS];

// Re-exported: the other messages and the tests take them from here.
export { accountText, KIND_LABELS, kindLabel } from './labels.ts';

/** Longest resource name (or description) shown, before escaping. EC2 names are ≤ 128, tags ≤ 256. */
const NAME_MAX = 200;
const DETAIL_MAX = 400;

export function sharedViaText(f: Pick<Finding, 'sharedVia'>): string {
  return sharedViaWords(f.sharedVia);
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

/** Remove: its confirm dialog lists the rungs that will run, in order (generated from the registry). */
export function removeButton(
  f: Finding,
  text = 'Remove',
  view: RemediationView = NO_REMEDIATION_VIEW,
): Button {
  const ctx = view(f);
  const onlyRecord =
    applicableRungs('remove', f, ctx).every((r) => r.id === 'block') && ctx.guardMode === 'off';
  return button({
    text: ctx.dryRun ? `${text} (dry run)` : text,
    actionId: ACTIONS.remove,
    value: f.id,
    style: 'danger',
    confirm: {
      title: ctx.dryRun
        ? `Dry run: remove this ${kindLabel(f.kind)}?`
        : onlyRecord
          ? 'Only the owner can unshare this'
          : `Remove this ${kindLabel(f.kind)}?`,
      // "3 running instances keep running; removing does not stop them."
      text: withUsageWarning(f, confirmWords('remove', f, ctx)),
      confirm: onlyRecord ? 'Record decision' : 'Remove',
      deny: 'Cancel',
      style: 'danger',
    },
  });
}

/** Delete at the source: only when shareguard has a role in the owner account; its own confirm. */
export function deleteAtSourceButton(
  f: Finding,
  view: RemediationView = NO_REMEDIATION_VIEW,
): Button | undefined {
  const ctx = view(f);
  if (applicableRungs('delete-at-source', f, ctx).length === 0) return undefined;
  return button({
    text: ctx.dryRun ? 'Delete at source (dry run)' : 'Delete at source',
    actionId: ACTIONS.deleteAtSource,
    value: f.id,
    style: 'danger',
    confirm: {
      title: `Delete this ${kindLabel(f.kind)} in its owner account?`,
      text: confirmWords('delete-at-source', f, ctx),
      confirm: 'Delete',
      deny: 'Cancel',
      style: 'danger',
    },
  });
}

/** Revoke the organization share at the source: offered when a revoke left one in place (AMIs). */
export function revokeOrgShareButton(
  record: FindingRecord,
  view: RemediationView = NO_REMEDIATION_VIEW,
): Button | undefined {
  const f = record.finding;
  const ctx = view(f);
  if (!record.orgShares?.length || applicableRungs('revoke-org-share', f, ctx).length === 0) return undefined;
  return button({
    text: 'Revoke organization share',
    actionId: ACTIONS.revokeOrgShare,
    value: f.id,
    style: 'danger',
    confirm: {
      title: 'Revoke the organization share?',
      text: confirmWords('revoke-org-share', f, ctx),
      confirm: 'Revoke',
      deny: 'Cancel',
      style: 'danger',
    },
  });
}

/** Trust (for the owner), Remove and, where the owner side allows, Delete at source; each carries only the finding id. */
export function findingButtons(f: Finding, view: RemediationView = NO_REMEDIATION_VIEW): Button[] {
  const del = deleteAtSourceButton(f, view);
  return [trustButton(f.ownerAccountId, f.id), removeButton(f, 'Remove', view), ...(del ? [del] : [])];
}

/** Buttons still useful once Remove ended blocked / recorded: the owner-side decisions. */
export function afterRemoveButtons(
  record: FindingRecord,
  view: RemediationView = NO_REMEDIATION_VIEW,
): Button[] {
  if (!['blocked', 'recorded', 'owner-only'].includes(record.state)) return [];
  const org = revokeOrgShareButton(record, view);
  const del = deleteAtSourceButton(record.finding, view);
  return [...(org ? [org] : []), ...(del ? [del] : [])];
}

const ACTION_WORDS: Record<DecisionAction, string> = {
  trust: 'trust',
  remove: 'removal',
  untrust: 'untrust',
  'delete-at-source': 'deletion at the source',
  'revoke-org-share': 'revoking the organization share',
  'block-account': 'blocking the account',
  'unblock-account': 'unblocking the account',
  'allowed-amis': 'Allowed AMIs update',
};
const DONE_WORDS: Record<DecisionAction, string> = {
  trust: 'trusted',
  remove: 'removed',
  untrust: 'untrusted',
  'delete-at-source': 'deleted at the source',
  'revoke-org-share': 'organization share revoked',
  'block-account': 'account blocked',
  'unblock-account': 'account unblocked',
  'allowed-amis': 'Allowed AMIs updated',
};

/** The trust's expiry, read back from the decision's detail ("… until <ISO time>."). */
function trustUntil(d: DecisionSummary | undefined): string | undefined {
  return d?.action === 'trust' ? /until (\d{4}-\d\d-\d\dT[\d:.]+Z)/.exec(d.detail ?? '')?.[1] : undefined;
}

/** " (confirmed by <@U2>)": the second approver under the two-person rule. */
const confirmedText = (d: DecisionSummary): string =>
  d.confirmedBy ? ` (confirmed by ${who(d.confirmedBy)})` : '';

/** "✅ removed by <@U1> <date>: detail" — a past decision in one line. */
export function describeDecision(d: DecisionSummary, ownerAccountId: string): string {
  const by = `${who(d.by)}${confirmedText(d)} ${slackDate(d.at)}`;
  const detail = d.detail ? `: ${esc(d.detail, DETAIL_MAX)}` : '';
  if (d.dryRun && d.outcome !== 'pending' && d.outcome !== 'failed')
    return `🧪 dry run of ${ACTION_WORDS[d.action]} by ${by}, nothing changed${detail}`;
  const outcomes: Record<DecisionOutcome, string> = {
    succeeded: `${d.action === 'remove' ? '✅' : '🛡'} ${DONE_WORDS[d.action]} by ${by}${detail}`,
    pending: `⏳ ${ACTION_WORDS[d.action]} requested by ${by}${detail}`,
    failed: `⚠️ ${ACTION_WORDS[d.action]} by ${by} failed${detail}`,
    removed: `✅ removed by ${by}${detail}`,
    'revoked-at-source': `✅ share revoked at the source by ${by}${detail}`,
    'deleted-at-source': `🗑 deleted at the source by ${by}${detail}`,
    blocked: `⛔ blocked by ${by}${detail}`,
    recorded: `ℹ️ removal approved by ${by} and recorded; only the owner ${code(ownerAccountId, 40)} can unshare it${detail}`,
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
  const by = d ? ` by ${who(d.by)}${confirmedText(d)} ${slackDate(d.at)}` : '';
  const detail = d?.detail ? esc(d.detail, DETAIL_MAX) : '';
  switch (record.state) {
    case 'open':
    case 'blocked':
    case 'recorded':
      if (d?.dryRun && d.outcome !== 'pending' && d.outcome !== 'failed')
        return `🧪 *Dry run*${by}, nothing changed: ${detail || 'nothing applies.'}`;
      if (d?.outcome === 'failed') {
        const what = ACTION_WORDS[d.action];
        return `⚠️ *${what.charAt(0).toUpperCase()}${what.slice(1)} failed*${by}${detail ? `. ${detail}` : ''}. You can try again.`;
      }
      if (record.state === 'blocked')
        return `⛔ *Blocked*${by}: ${detail || 'the guard denies its use.'}${orgSharesText(record)}`;
      if (record.state === 'recorded')
        return `ℹ️ *Remove recorded*${by}: ${detail || `only the owner ${owner} can unshare it.`}${orgSharesText(record)}`;
      if (!d || d.outcome === 'succeeded' || d.outcome === 'pending') return undefined;
      return describeDecision(d, f.ownerAccountId);
    case 'removing':
      return `⏳ *${d?.action === 'delete-at-source' ? 'Deleting at the source' : 'Removing'}*${d ? ` — requested${by}` : ''}…`;
    case 'removed':
      return `✅ *Removed*${by}: ${detail || `AWS cancelled the share; it is no longer shared with ${code(f.accountId, 40)}.`}`;
    case 'revoked':
      return `✅ *Revoked at the source*${by}: ${detail || `the owner ${owner} no longer shares it with ${code(f.accountId, 40)}.`}`;
    case 'deleted':
      return `🗑 *Deleted at the source*${by}: ${detail || `it no longer exists in the owner account ${owner}.`}`;
    case 'trusted':
      return `🛡 *Trusted*${by}: account ${owner} is on the trust list; what it shares is no longer reported${
        trustUntil(d) ? ` until ${slackDate(trustUntil(d)!)}` : ''
      }.`;
    case 'owner-only':
      // Records from before the removal ladder.
      return (
        `ℹ️ *Remove approved*${by}. AWS lets a recipient remove nothing here; ` +
        `only the owner ${owner} can unshare it.${detail ? ` ${detail}` : ''}`
      );
    case 'resolved': {
      const earlier = d ? ` Earlier: ${describeDecision(d, f.ownerAccountId)}.` : '';
      return `✔️ *Resolved* ${slackDate(record.resolvedAt ?? record.lastSeenAt)}: no longer shared with this account.${earlier}`;
    }
  }
}

/** The decision's reason (reason modal) under its outcome line; nothing for an open finding. */
export function reasonLine(record: FindingRecord): string {
  const r = record.decision?.reason;
  if (!r || record.state === 'open') return '';
  return `\n>_Reason:_ ${esc(r, 500)}`;
}

/** "Still shared with organization … (left in place)": the share Remove never removes as a side effect. */
function orgSharesText(record: FindingRecord): string {
  const orgs = record.orgShares ?? [];
  if (!orgs.length) return '';
  return ` Still shared through ${orgs.map((o) => code(o, 120)).join(', ')} (left in place: it reaches other accounts too).`;
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
  revoked: '✅',
  deleted: '🗑',
  blocked: '⛔',
  recorded: 'ℹ️',
  'owner-only': 'ℹ️',
  trusted: '🛡',
  resolved: '✔️',
};

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
    `${STATE_EMOJI[record.state]} ${record.sharedAgainAt ? 'Shared again: ' : ''}${label} ${esc(f.resourceId, 300)} ` +
    `shared into ${f.accountName ? `${esc(f.accountName, 64)} ` : ''}${esc(f.accountId, 40)} ${esc(f.region, 40)} ` +
    `by untrusted account ${esc(f.ownerAccountId, 40)}${record.state === 'open' ? '' : ` (${record.state})`}`;
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
