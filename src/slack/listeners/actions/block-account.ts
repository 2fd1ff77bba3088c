import { randomUUID } from 'node:crypto';
import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import {
  abandonBlockAccount,
  finishBlockAccount,
  startBlockAccount,
  type BlockAccountId,
  type StartedBlock,
} from '../../../core/block-account.ts';
import { logRefusal } from '../../../core/decisions.ts';
import { nowIso } from '../../../core/deps.ts';
import type { Actor } from '../../../domain/lifecycle.ts';
import { withStoreDeadline } from '../../../store/index.ts';
import { message, section, type SlackMessage } from '../../messages/blocks.ts';
import { refusalMessage } from '../../messages/index.ts';
import { code } from '../../messages/text.ts';
import { BLOCK_ACCOUNT_ACTION, blockAccountMessage } from '../../messages/guard.ts';

export { BLOCK_ACCOUNT_ACTION };
import { FINDING_ID } from '../../payloads.ts';
import { parseClick } from './click.ts';
import type { SlackContext } from '../../context.ts';
import { asksForReason } from '../views/reason.ts';
import { decisionAction } from './decision.ts';
import { LATE, within } from '../deadline.ts';
import { isStoreUnavailable, NOT_RECORDED } from '../failures.ts';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

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
    if (!ownerAccountId) ctx.deps.log.error({ user: by.userId }, 'Block account not recorded in time');
    // Once the writes settled (answered or timed out), take back any that landed.
    void work
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        if (ownerAccountId) abandonBlockAccount(ctx.deps, ownerAccountId, by, id, Promise.resolve());
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

/**
 * Block account from a finding: check who clicked, re-load the finding (the button carries only its
 * id), write the decision and the blocked owner (the guard's desired state) — bounded, then ack, so an
 * acknowledged Block account survives a crash (the next start finishes it) and a store that does not
 * answer is answered "not recorded" within Slack's 3 s — then converge the guard, verify, tell the
 * channel and refresh the owner's finding messages.
 */
export function blockAccountAction(ctx: SlackContext) {
  // With a reason asked for (slack.requireReason, default) or a two-person rule: the reason modal.
  const viaModal = decisionAction(ctx, 'block-account');
  return async (args: Args): Promise<void> => {
    if (asksForReason(ctx, 'block-account')) return viaModal(args);
    const { ack, body } = args;
    let acked = false;
    const ackOnce = async () => {
      if (acked) return;
      acked = true;
      await ack();
    };
    const click = parseClick(body, ctx.deps.log);
    if (!click) return ackOnce();
    const { p, channel, userId, actor } = click;
    const tell = async (msg: SlackMessage) => {
      if (channel) await ctx.publisher.ephemeral(channel, userId, msg);
    };
    const refuse = async (reason: string, target: { findingId?: string; ownerAccountId?: string } = {}) => {
      await ackOnce();
      ctx.deps.log.warn({ user: userId, action: 'block-account', ...target, reason }, 'decision refused');
      ctx.track(
        (async () => {
          await tell(refusalMessage(reason));
          // The clicker has the answer; a refusal the log cannot take is logged here, not retold.
          await logRefusal(ctx.deps, 'block-account', actor, reason, target).catch((err: Error) =>
            ctx.deps.log.error({ err: err.message, user: userId }, 'refusal could not be logged'),
          );
        })(),
      );
    };
    try {
      const origin = ctx.approvers.checkOrigin(p.team?.id ?? p.user.team_id, p.api_app_id);
      if (!origin.ok) return await refuse(origin.reason);
      const value = FINDING_ID.safeParse(p.actions[0]!.value ?? '');
      if (!value.success)
        return await refuse(
          'the button carried something that is not a shareguard finding; nothing was changed',
        );
      const auth = await approverBeforeAck(ctx, userId);
      if (!auth.ok) return await refuse(auth.reason, { findingId: value.data });
      const recorded = await recordBlockBeforeAck(
        ctx,
        async () => (await ctx.deps.store.getFinding(value.data))?.finding.ownerAccountId,
        actor,
      );
      if (recorded.kind === 'unknown-finding')
        return await refuse('that finding is unknown to shareguard; nothing was changed', {
          findingId: value.data,
        });
      if (recorded.kind === 'not-recorded') {
        await ackOnce();
        ctx.track(tell(refusalMessage(NOT_RECORDED)));
        return;
      }
      await ackOnce();
      const { started } = recorded;
      const work = ctx.decisions.run(async () => {
        const result = 'result' in started ? started.result : await finishBlockAccount(ctx.deps, started);
        const msg = blockAccountMessage(result, actor);
        if (result.status === 'refused') {
          await tell(msg);
          return;
        }
        await ctx.publisher.refresh(result.records);
        await ctx.publisher.post(msg);
      });
      ctx.track(work);
    } catch (err) {
      await ackOnce();
      ctx.deps.log.error({ err: (err as Error).message, user: userId }, 'Block account failed');
      // Before anything was recorded (the account set could not be read, a bug): said, not swallowed.
      ctx.track(tell(refusalMessage(`that did not work: ${(err as Error).message}; nothing was changed`)));
    }
  };
}
