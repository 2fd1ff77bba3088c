import type { BlockAccountResult, BlockRefusalCode } from '../../core/block-account.ts';
import type { UnblockResult } from '../../core/unblock.ts';
import type { DriftReport } from '../../guard/drift.ts';
import type { Actor } from '../../domain/lifecycle.ts';
import type { Button } from '@slack/types';
import type { GuardMode } from '../../domain/guard.ts';
import { button, context, message, section, type SlackMessage } from './blocks.ts';
import { clean, code, esc, plural, truncate, who } from './text.ts';

/** Action id of the "Block account" button; its value is only the finding id (the server re-loads it). */
export const BLOCK_ACCOUNT_ACTION = 'block_account';

/**
 * The "Block account" button for a finding message (the opposite of Trust): its confirm says what the
 * guard will do in this mode. For the finding message builders to place next to Trust / Remove.
 */
export function blockAccountButton(ownerAccountId: string, findingId: string, mode: GuardMode): Button {
  const owner = truncate(clean(ownerAccountId), 40);
  const effect =
    mode === 'iam-policy' || mode === 'scp'
      ? `The guard (${mode}) will deny every image and snapshot of account ${owner} in every monitored account, now and later, and close its findings once AWS verifies the deny.`
      : mode === 'print'
        ? `Account ${owner} will be recorded as blocked and its findings closed; nothing is blocked until the printed guard policy is applied.`
        : `Account ${owner} will be recorded as blocked and its findings closed, but the guard is off: AWS will not stop anyone using its shares.`;
  return button({
    text: `Block account ${owner}`,
    actionId: BLOCK_ACCOUNT_ACTION,
    value: findingId,
    style: 'danger',
    confirm: {
      title: `Block account ${owner}?`,
      text: `${effect} /shared-scan unblock ${owner} reverses it.`,
      confirm: 'Block',
      deny: 'Cancel',
      style: 'danger',
    },
  });
}

type Done = Extract<BlockAccountResult, { status: 'done' }>;

/** Why Block / Unblock account was refused, in words (also a Block account intent's refusal). */
export function blockRefusalText(code: BlockRefusalCode, ownerAccountId: string): string {
  const owner = esc(ownerAccountId, 40);
  switch (code) {
    case 'monitored-account':
      return `${owner} is a monitored account: blocking it would deny its own images and snapshots in its own account`;
    case 'trusted-by-config':
      return `${owner} is trusted by shareguard's configuration file; remove it there first`;
    case 'on-trust-list':
      return `${owner} is on the trust list; untrust it first`;
    case 'not-blocked':
      return `${owner} is not blocked`;
  }
}

/** Where the guard blocks the owner: "ShareGuardBlocked in 111111111111, …" from the verification evidence. */
function blockingPolicies(r: Done): string {
  const places = new Set<string>();
  for (const v of r.verification)
    for (const c of v.checks)
      for (const b of c.verification.blockedBy) places.add(`${b.policy} in ${b.accountId}`);
  const list = [...places].sort();
  if (!list.length) return '';
  const shown = list.slice(0, 6).map((p) => code(p, 120));
  return `${shown.join(', ')}${list.length > shown.length ? ` and ${list.length - shown.length} more` : ''}`;
}

function failures(r: Done): string {
  const lines = [
    ...r.guard.accounts
      .filter((a) => a.status === 'failed')
      .map((a) => `${a.accountId}: ${a.error ?? 'failed'}`),
    ...r.verification
      .filter((v) => !v.verified)
      .map(
        (v) =>
          `${v.accountId}: ${v.checks.find((c) => !c.verification.verified)?.verification.detail ?? 'not verified'}`,
      ),
  ];
  const shown = lines.slice(0, 5).map((l) => `• ${esc(l, 300)}`);
  if (lines.length > shown.length)
    shown.push(`• and ${lines.length - shown.length} more (see the decision log)`);
  return shown.join('\n');
}

/**
 * The channel message for a Block account / Unblock account outcome (and the reply to whoever asked).
 * `reason` is user text and everything from AWS is escaped. `confirmedBy`: Block account's second
 * approver under the two-person rule.
 */
export function blockAccountMessage(
  r: BlockAccountResult,
  by: Actor,
  reason?: string,
  confirmedBy?: Actor,
): SlackMessage {
  if (r.status === 'refused') {
    const text = `🚫 ${blockRefusalText(r.code, r.ownerAccountId)}`;
    return message(text, [section(text)]);
  }
  const owner = code(r.ownerAccountId);
  const why = reason ? ` Reason: ${esc(reason, 300)}.` : '';
  const closed = r.records.length;
  // Under the two-person rule both names: who asked and who confirmed.
  const blocker = confirmedBy ? `${who(by)} (confirmed by ${who(confirmedBy)})` : who(by);
  let text: string;
  let detail: string | undefined;
  if (r.action === 'block-account') {
    switch (r.outcome) {
      case 'blocked': {
        const where = blockingPolicies(r);
        text =
          `⛔ ${blocker} blocked account ${owner}: every image and snapshot it shares is denied in ` +
          `${plural(r.guard.mode === 'scp' ? 1 : r.guard.accounts.length, 'monitored account')}` +
          `${r.guard.mode === 'scp' ? ' (organization SCP)' : ''}, verified by IAM; ` +
          `${plural(closed, 'finding')} closed as blocked.${why}`;
        if (where) detail = `Blocked by ${where}.`;
        break;
      }
      case 'recorded':
        text =
          r.guard.mode === 'print'
            ? `📝 ${blocker} blocked account ${owner}: recorded, but not blocked until the printed policy is applied (\`shareguard guard print\`); ${plural(closed, 'finding')} closed as recorded.${why}`
            : `📝 ${blocker} blocked account ${owner}: recorded only — the guard is off, so AWS still lets it be used; ${plural(closed, 'finding')} closed as recorded.${why}`;
        break;
      case 'planned':
        text = `🧪 Dry run: would block account ${owner} (${r.guard.mode}) and close ${plural(r.leftOpen.length, 'finding')}; nothing was changed.`;
        break;
      default:
        text =
          `⚠️ ${blocker} blocked account ${owner}, but the guard is not verified everywhere` +
          `${closed ? ` (${plural(closed, 'finding')} closed where it is)` : ''}; ` +
          `${plural(r.leftOpen.length, 'finding')} stay open. Block it again to retry.${why}`;
        detail = failures(r);
    }
  } else {
    switch (r.outcome) {
      case 'succeeded':
        text = `✅ ${who(by)} unblocked account ${owner}: the guard no longer denies its images and snapshots; ${plural(closed, 'finding')} open again.`;
        break;
      case 'planned':
        text = `🧪 Dry run: would unblock account ${owner}; nothing was changed.`;
        break;
      default:
        text = `⚠️ ${who(by)} unblocked account ${owner}, but the guard could not be updated everywhere (its deny stays there until \`shareguard guard apply\` succeeds); ${plural(closed, 'finding')} open again.`;
        detail = failures(r);
    }
  }
  return message(text, [section(text), ...(detail ? [context(detail)] : [])]);
}

/**
 * The ack of `/shared-scan unblock <account | resource>` once its decision is recorded: what happens
 * next. `recorded` of `total` findings (a resource shared into several accounts is one per account).
 */
export function unblockRecordedMessage(
  target: { ownerAccountId: string } | { resource: string; recorded: number; total: number },
  notRecorded?: string,
): SlackMessage {
  let text: string;
  if ('ownerAccountId' in target)
    text = `⏳ Unblock of account ${code(target.ownerAccountId, 40)} recorded; it is being carried out — the channel is told when it is done.`;
  else {
    const of =
      target.total > 1
        ? ` for ${target.recorded === target.total ? '' : `${target.recorded} of `}${plural(target.total, 'finding')}`
        : '';
    text = `⏳ Unblock of ${code(target.resource, 200)} recorded${of}; it is being carried out — the channel is told when it is done.`;
    if (notRecorded) text += ` The others were ${esc(notRecorded, 200)}.`;
  }
  return message(text, [section(text)]);
}

/** The channel message for Unblock (one resource): verified or not, in words; AWS's words escaped. */
export function unblockMessage(r: UnblockResult, by: Actor): SlackMessage {
  if (r.status === 'refused') {
    const text =
      r.code === 'unknown'
        ? `🚫 ${code(r.resource, 200)} is not a blocked resource shareguard knows; nothing was changed.`
        : `🚫 ${code(r.resource, 200)} is not blocked; nothing was changed.`;
    return message(text, [section(text)]);
  }
  const what = code(r.resource, 200);
  const detail = esc(r.lift.detail, 600);
  const text =
    r.outcome === 'planned'
      ? `🧪 Dry run: would unblock ${what}; nothing was changed.`
      : r.outcome === 'succeeded'
        ? `🔓 ${who(by)} unblocked ${what}: ${detail}`
        : `⚠️ ${who(by)} asked to unblock ${what}, but it is not lifted yet: ${detail}`;
  return message(text, [section(text)]);
}

/**
 * Guard drift found by a scan (or `guard verify`): only drift the channel has not been told about;
 * undefined when there is none. Bounded whatever the number of accounts.
 */
export function guardDriftMessage(r: DriftReport): SlackMessage | undefined {
  const fresh = r.drift.filter((d) => d.isNew);
  if (!fresh.length) return undefined;
  const repaired = fresh.filter((d) => d.status === 'repaired');
  const found = fresh.filter((d) => d.status === 'found');
  const lines = fresh.slice(0, 8).map(
    (d) =>
      `• ${code(d.scope, 40)}: ${d.changes
        .slice(0, 4)
        .map((c) => esc(c, 200))
        .join('; ')}${d.error ? ` — ${esc(d.error, 200)}` : ''}`,
  );
  if (fresh.length > 8) lines.push(`• and ${fresh.length - 8} more`);
  const text = repaired.length
    ? `🛠 The guard policy had drifted from shareguard's store in ${plural(fresh.length, 'scope')} (edited, detached or deleted outside shareguard); ${plural(repaired.length, 'scope')} re-applied${found.length ? `, ${found.length} not repaired` : ''}.`
    : r.mode === 'print'
      ? `📝 The guard in AWS differs from the printed policy in ${plural(fresh.length, 'scope')} (guard.mode print: nothing re-applied; \`shareguard guard print\`).`
      : `⚠️ The guard policy has drifted in ${plural(fresh.length, 'scope')} and could not be repaired.`;
  return message(text, [section(text), context(lines.join('\n'))]);
}
