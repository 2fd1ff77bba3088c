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
  unblock: 'unblocking',
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
  unblock: 'unblocked',
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

/** States after a decision that stops new use (Remove, Block, delete at the source) — not what runs. */
const STOPS_NEW_USE: ReadonlySet<FindingRecord['state']> = new Set([
  'removed',
  'revoked',
  'deleted',
  'blocked',
  'recorded',
]);

/** "Remove" / "Block" / "Deleting it at the source": what was done, as the subject of "stops new … only". */
function decisionSubject(record: FindingRecord): string {
  // The decision the user took: a Remove whose ladder ended in a block is still "Remove".
  if (record.decision?.action === 'block-account') return 'Block';
  if (record.decision?.action === 'delete-at-source') return 'Deleting it at the source';
  return 'Remove';
}

function idList(items: readonly { id: string }[], count: number): string {
  const shown = items.slice(0, 5).map((i) => code(i.id, 120));
  return `${shown.join(', ')}${count > shown.length ? ` …and ${count - shown.length} more` : ''}`;
}

/**
 * Issue 23 item 5: after Remove or Block on something in use, what keeps running or existing from it
 * ("2 instances still run from it: `i-…`, `i-…`; Remove stops new launches only."). Undefined when nothing
 * does, or the finding is not in such a state. Counts come from the last scan's blast radius.
 */
export function stillInUseText(record: FindingRecord): string | undefined {
  const u = record.finding.inUse;
  if (!u || !STOPS_NEW_USE.has(record.state)) return undefined;
  const subject = decisionSubject(record);
  const parts: string[] = [];
  // What the decision stops: new uses of the kind, never what already runs or exists.
  const stops =
    record.finding.kind === 'ami'
      ? 'new launches'
      : record.finding.kind === 'ebs-snapshot'
        ? 'new volumes'
        : 'new restores and copies';
  if (u.instances.count) {
    const running = u.instances.items.filter((i) => (i.state ?? 'running') === 'running').length;
    const what =
      running === u.instances.count
        ? u.instances.count === 1
          ? '1 instance still runs from it'
          : `${u.instances.count} instances still run from it`
        : `${u.instances.count === 1 ? '1 instance launched from it still exists' : `${u.instances.count} instances launched from it still exist`} (${running} running)`;
    parts.push(`${what}: ${idList(u.instances.items, u.instances.count)}`);
  }
  const exist = (n: number, one: string, many: string, items: readonly { id: string }[]) => {
    if (n)
      parts.push(`${n === 1 ? `1 ${one} still exists` : `${n} ${many} still exist`}: ${idList(items, n)}`);
  };
  exist(u.volumes.count, 'volume made from it', 'volumes made from it', u.volumes.items);
  exist(u.images.count, 'own AMI built on it', 'own AMIs built on it', u.images.items);
  exist(u.copies.count, 'own copy', 'own copies', u.copies.items);
  exist(u.restores.count, 'database restored from it', 'databases restored from it', u.restores.items);
  if (!parts.length) return undefined;
  return `${parts.join('; ')}; ${subject} stops ${stops} only.`;
}

/** A decision that left things running from the resource: its message says "needs attention", not done. */
export function needsAttention(record: FindingRecord): boolean {
  return stillInUseText(record) !== undefined;
}

/** The line that replaces the buttons once a decision was taken (or the finding went away). */
export function outcomeLine(record: FindingRecord): string | undefined {
  const line = decidedLine(record);
  const still = stillInUseText(record);
  if (!line || !still) return line;
  // Needs attention, not done: the ✅/⛔/🗑/ℹ️ of the outcome becomes ⚠️, and what still runs follows.
  return `⚠️ ${line.replace(/^(✅|⛔|🗑|ℹ️) /u, '')}\n⚠️ *Needs attention:* ${still}`;
}

function decidedLine(record: FindingRecord): string | undefined {
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
      }.${guardWords(d)}`;
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

/** What a Trust did to the guard (lifting the owner's denies), after the detail's first sentence. */
function guardWords(d: DecisionSummary | undefined): string {
  if (d?.action !== 'trust' || !d.detail) return '';
  const rest = d.detail.replace(/^Account \S+ added to the trust list(?: until \S+?)?\.(?:\s+|$)/, '');
  return rest && rest !== d.detail ? ` ${esc(rest, DETAIL_MAX)}` : '';
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
