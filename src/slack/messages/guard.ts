import type { BlockAccountResult, BlockRefusalCode } from '../../core/block-account.ts';
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

/** Why Block / Unblock account was refused, in words. */
function blockRefusalText(code: BlockRefusalCode, ownerAccountId: string): string {
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
 * `reason` is user text and everything from AWS is escaped.
 */
export function blockAccountMessage(r: BlockAccountResult, by: Actor, reason?: string): SlackMessage {
  if (r.status === 'refused') {
    const text = `🚫 ${blockRefusalText(r.code, r.ownerAccountId)}`;
    return message(text, [section(text)]);
  }
  const owner = code(r.ownerAccountId);
  const why = reason ? ` Reason: ${esc(reason, 300)}.` : '';
  const closed = r.records.length;
  let text: string;
  let detail: string | undefined;
  if (r.action === 'block-account') {
    switch (r.outcome) {
      case 'blocked': {
        const where = blockingPolicies(r);
        text =
          `⛔ ${who(by)} blocked account ${owner}: every image and snapshot it shares is denied in ` +
          `${plural(r.guard.mode === 'scp' ? 1 : r.guard.accounts.length, 'monitored account')}` +
          `${r.guard.mode === 'scp' ? ' (organization SCP)' : ''}, verified by IAM; ` +
          `${plural(closed, 'finding')} closed as blocked.${why}`;
        if (where) detail = `Blocked by ${where}.`;
        break;
      }
      case 'recorded':
        text =
          r.guard.mode === 'print'
            ? `📝 ${who(by)} blocked account ${owner}: recorded, but not blocked until the printed policy is applied (\`shareguard guard print\`); ${plural(closed, 'finding')} closed as recorded.${why}`
            : `📝 ${who(by)} blocked account ${owner}: recorded only — the guard is off, so AWS still lets it be used; ${plural(closed, 'finding')} closed as recorded.${why}`;
        break;
      case 'planned':
        text = `🧪 Dry run: would block account ${owner} (${r.guard.mode}) and close ${plural(r.leftOpen.length, 'finding')}; nothing was changed.`;
        break;
      default:
        text =
          `⚠️ ${who(by)} blocked account ${owner}, but the guard is not verified everywhere` +
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
