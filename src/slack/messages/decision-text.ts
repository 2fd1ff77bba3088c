/** A finding's decisions and outcomes in words: the outcome line, past decisions, the shared-again line. */
import type {
  DecisionAction,
  DecisionOutcome,
  DecisionSummary,
  FindingRecord,
} from '../../domain/lifecycle.ts';
import { code, esc, sentence, slackDate, who } from './text.ts';

const DETAIL_MAX = 400;

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
        return `⚠️ *${what.charAt(0).toUpperCase()}${what.slice(1)} failed*${by}${detail ? `. ${sentence(detail)}` : '.'} You can try again.`;
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
    ? sentence(`Previously ${describeDecision(prev, record.finding.ownerAccountId)}`)
    : 'It had stopped being shared with this account; no decision was recorded then.';
  return `🔁 *Shared again* ${slackDate(record.sharedAgainAt)}. ${before}`;
}
