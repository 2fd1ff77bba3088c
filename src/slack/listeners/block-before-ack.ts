/**
 * Block account before its ack (docs/store.md "Block account: durable before the ack too"), for the
 * slash command and the button: the approver check and the durable half, each bounded well inside
 * Slack's 3 s, and the ack's words for what was recorded.
 */
import { randomUUID } from 'node:crypto';
import {
  abandonBlockAccount,
  startBlockAccount,
  type BlockAccountId,
  type StartedBlock,
} from '../../core/block-account.ts';
import { nowIso } from '../../core/deps.ts';
import type { Actor } from '../../domain/lifecycle.ts';
import { withStoreDeadline } from '../../store/index.ts';
import type { SlackContext } from '../context.ts';
import { message, section, type SlackMessage } from '../messages/blocks.ts';
import { code } from '../messages/text.ts';
import { LATE, within } from './deadline.ts';
import { isStoreUnavailable } from './failures.ts';

/** How long the approver check (a user group read, cached) may take before the ack. */
export const BLOCK_AUTH_MS = 500;
/** What the store work before the ack may take beyond its own deadline (the account set, the event loop). */
const PRE_ACK_SLACK_MS = 300;

export const AUTH_TOO_SLOW =
  'approver group membership could not be checked in time; nothing was changed, try again';

/** The approver check before an ack: a slow one (Slack's user groups) is refused honestly. */
export async function approverBeforeAck(
  ctx: SlackContext,
  userId: string,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const auth = await within(ctx.approvers.isApprover(userId), BLOCK_AUTH_MS);
  return auth === LATE ? { ok: false, reason: AUTH_TOO_SLOW } : auth;
}

export type BlockRecording =
  | { kind: 'unknown-finding' }
  | { kind: 'started'; ownerAccountId: string; started: StartedBlock }
  | { kind: 'not-recorded' };

/**
 * Block account's durable half before the ack, bounded (docs/store.md "Block account"): every store
 * call under `withStoreDeadline` (the intents' write deadline, well inside Slack's 3 s), the whole a
 * little more. `owner` resolves who is blocked (the button re-loads its finding: a store read, bounded
 * too; undefined when unknown). When the store fails or the time runs out the answer is "not
 * recorded", and whatever lands late is voided once the writes have settled, never carried out.
 */
export async function recordBlockBeforeAck(
  ctx: SlackContext,
  owner: () => Promise<string | undefined>,
  by: Actor,
  reason?: string,
): Promise<BlockRecording> {
  const deadlineMs = ctx.intents.writeDeadlineMs;
  const id: BlockAccountId = { decisionId: randomUUID(), at: nowIso(ctx.deps) };
  let ownerAccountId: string | undefined;
  const work = withStoreDeadline(deadlineMs, async () => {
    ownerAccountId = await owner();
    if (!ownerAccountId) return undefined;
    return startBlockAccount(ctx.deps, ownerAccountId, by, reason, {
      id,
      monitoredWithinMs: Math.floor(deadlineMs / 2),
    });
  });
  let got: Awaited<typeof work> | typeof LATE;
  try {
    got = await within(work, deadlineMs + PRE_ACK_SLACK_MS);
  } catch (err) {
    if (!isStoreUnavailable(err)) throw err;
    ctx.deps.log.error({ err: (err as Error).message, user: by.userId }, 'Block account not recorded');
    got = LATE;
  }
  if (got === LATE) {
    ctx.deps.log.error({ user: by.userId, owner: ownerAccountId }, 'Block account not recorded in time');
    // Once the writes have settled (answered or timed out), take back any that landed.
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    void settled.then(() => {
      if (ownerAccountId) abandonBlockAccount(ctx.deps, ownerAccountId, by, id);
    });
    return { kind: 'not-recorded' };
  }
  if (!got || !ownerAccountId) return { kind: 'unknown-finding' };
  return { kind: 'started', ownerAccountId, started: got };
}

/** The ack's words for a Block account recorded before it: what happens next. */
export function blockRecordedMessage(r: Extract<BlockRecording, { kind: 'started' }>): SlackMessage {
  const owner = code(r.ownerAccountId, 40);
  const text =
    'dryRun' in r.started
      ? `🧪 Dry run: planning a block of account ${owner}; nothing will be changed. The plan follows.`
      : `⏳ Block of account ${owner} recorded; it is being carried out — the channel is told when it is done.`;
  return message(text, [section(text)]);
}
