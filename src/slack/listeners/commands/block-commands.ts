/**
 * `/shared-scan block <account> [reason]` and `/shared-scan unblock <account | resource>`: decisions that
 * change AWS, so unlike the other subcommands they are authorized and recorded before their ack
 * (docs/store.md "Block account: durable before the ack too", "Unblock and Unblock account: decision
 * intents"): the ack, the user's signal that the decision was taken, is only given once a crash can no
 * longer lose it, and it says refused, "not recorded" or recorded.
 */
import { finishBlockAccount, type BlockAccountResult } from '../../../core/block-account.ts';
import { logRefusal } from '../../../core/decisions.ts';
import { intentIdFor } from '../../../core/intents.ts';
import { blockedFindingsFor } from '../../../core/unblock.ts';
import type { DecisionIntent } from '../../../domain/intent.ts';
import type { Actor } from '../../../domain/lifecycle.ts';
import { withStoreDeadline } from '../../../store/index.ts';
import type { SharedScanCommand } from '../../command-text.ts';
import type { SlackContext } from '../../context.ts';
import { blockAccountMessage, unblockMessage, unblockRecordedMessage } from '../../messages/guard.ts';
import { refusalMessage, type SlackMessage } from '../../messages/index.ts';
import type { SlashCommandPayload } from '../../payloads.ts';
import {
  approverBeforeAck,
  BLOCK_AUTH_MS,
  blockRecordedMessage,
  recordBlockBeforeAck,
} from '../block-before-ack.ts';
import { LATE, within } from '../deadline.ts';
import { isStoreUnavailable, NOT_RECORDED, notRecordedText } from '../failures.ts';

/** One slash command being answered: who asked, and how to answer (the ack, then `response_url`). */
export interface CommandCall {
  ctx: SlackContext;
  p: SlashCommandPayload;
  actor: Actor;
  /** The ack, with an ephemeral answer: once per command. */
  answer: (m: SlackMessage) => Promise<void>;
  /** An ephemeral answer after the ack (`response_url`). */
  reply: (m: SlackMessage) => Promise<void>;
}

/**
 * How long the read before an Unblock's ack may take (which findings a resource is, whether an owner
 * is blocked): alongside the approver check, so the intent write keeps its whole deadline.
 */
const UNBLOCK_READ_MS = BLOCK_AUTH_MS;

/** A Block / Unblock account outcome: to the channel (and the asker when elsewhere), a refusal to the asker. */
async function announce(c: CommandCall, r: BlockAccountResult, reason?: string): Promise<void> {
  const { ctx, p, actor, reply } = c;
  const msg = blockAccountMessage(r, actor, reason);
  if (r.status === 'refused') return reply(msg);
  await ctx.publisher.refresh(r.records);
  await ctx.publisher.post(msg);
  if (p.channel_id !== ctx.deps.config.slack.channel) await reply(msg);
}

/**
 * `block <account> [reason]`: authorized and recorded (the decision and the blocked owner) before
 * the ack, within ~2 s; the ack says refused, "not recorded", or recorded — and the guard, the
 * verification and the channel follow after it.
 */
export async function blockCommand(c: CommandCall, owner: string, reason: string | undefined): Promise<void> {
  const { ctx, p, actor, answer, reply } = c;
  const log = ctx.deps.log;
  const refuseNow = async (why: string) => {
    log.warn({ user: p.user_id, command: 'block', account: owner, reason: why }, 'command refused');
    await answer(refusalMessage(why));
  };
  let recorded;
  try {
    const auth = await approverBeforeAck(ctx, p.user_id);
    if (!auth.ok) {
      await refuseNow(auth.reason);
      ctx.track(
        logRefusal(ctx.deps, 'block-account', actor, auth.reason, { ownerAccountId: owner }).catch(
          (err: Error) => log.error({ err: err.message }, 'refusal could not be logged'),
        ),
      );
      return;
    }
    recorded = await recordBlockBeforeAck(ctx, () => Promise.resolve(owner), actor, reason);
  } catch (err) {
    // Nothing was recorded (the account set could not be read, a bug): said in the ack.
    log.error({ err: (err as Error).message, user: p.user_id, command: 'block' }, 'command failed');
    return refuseNow(`that did not work: ${(err as Error).message}; nothing was changed`);
  }
  if (recorded.kind !== 'started') return refuseNow(NOT_RECORDED);
  const { started } = recorded;
  if ('result' in started) {
    await answer(blockAccountMessage(started.result, actor, reason));
    return;
  }
  await answer(blockRecordedMessage(recorded));
  ctx.track(
    ctx.decisions.run(async () => {
      try {
        await announce(c, await finishBlockAccount(ctx.deps, started), reason);
      } catch (err) {
        // Recorded: the owner stays in the guard's desired state; the asker is told it is not done.
        log.error({ err: (err as Error).message, user: p.user_id, owner }, 'Block account interrupted');
        await reply(
          refusalMessage(
            `the block of ${owner} is recorded, but it could not be carried out now (${(err as Error).message}); block it again to finish it`,
          ),
        );
      }
    }),
  );
}
/**
 * `unblock <account | resource>`: authorized, its target read and the decision recorded as an
 * intent (one per finding the resource is) before the ack — each bounded, the approver check and
 * the read side by side, then the runner's write deadline; the ack says refused, "not recorded",
 * or recorded. The decision runner carries it out and its observer tells the channel; after a
 * crash the reconciler does.
 */
export async function unblockCommand(
  c: CommandCall,
  command: Extract<SharedScanCommand, { type: 'unblock' | 'unblock-resource' }>,
): Promise<void> {
  const { ctx, p, actor, answer } = c;
  const log = ctx.deps.log;
  const action: 'unblock' | 'unblock-account' = command.type === 'unblock' ? 'unblock-account' : 'unblock';
  const target = command.type === 'unblock' ? command.accountId : command.resource;
  const refuseNow = async (why: string, logged = false) => {
    log.warn({ user: p.user_id, command: command.type, target, reason: why }, 'command refused');
    await answer(refusalMessage(why));
    if (logged)
      ctx.track(
        logRefusal(
          ctx.deps,
          action,
          actor,
          why,
          command.type === 'unblock' ? { ownerAccountId: target } : {},
        ).catch((err: Error) => log.error({ err: err.message }, 'refusal could not be logged')),
      );
  };
  const read = () =>
    command.type === 'unblock'
      ? ctx.deps.store.getBlockedOwner(target).then((o) => (o ? [] : undefined))
      : blockedFindingsFor(ctx.deps, target).then((found) => (found.length ? found : undefined));
  let intents: PromiseSettledResult<DecisionIntent>[];
  try {
    const [auth, found] = await Promise.all([
      approverBeforeAck(ctx, p.user_id),
      within(
        withStoreDeadline(UNBLOCK_READ_MS, read).catch((err: unknown): typeof LATE => {
          if (isStoreUnavailable(err)) return LATE;
          throw err;
        }),
        UNBLOCK_READ_MS + 100,
      ),
    ]);
    if (!auth.ok) return await refuseNow(auth.reason, true);
    if (found === LATE) return await refuseNow(NOT_RECORDED);
    if (!found) {
      const refused =
        command.type === 'unblock'
          ? blockAccountMessage({ status: 'refused', ownerAccountId: target, code: 'not-blocked' }, actor)
          : unblockMessage({ status: 'refused', resource: target, code: 'unknown' }, actor);
      await answer(refused);
      return;
    }
    const reply = { ...(p.response_url ? { responseUrl: p.response_url } : {}), channel: p.channel_id };
    const idOf = (findingId: string) =>
      p.trigger_id ? intentIdFor(['command', p.user_id, p.trigger_id, action, target, findingId]) : undefined;
    const clicks =
      command.type === 'unblock'
        ? [{ action, findingId: '', ownerAccountId: target }]
        : found.map((rec) => ({ action, findingId: rec.finding.id }));
    intents = await Promise.allSettled(
      clicks.map((c) => {
        const intentId = idOf(c.findingId);
        return ctx.intents.record({ ...c, by: actor, reply, ...(intentId ? { intentId } : {}) });
      }),
    );
  } catch (err) {
    // Nothing was recorded (a bug): said in the ack.
    log.error({ err: (err as Error).message, user: p.user_id, command: command.type }, 'command failed');
    return refuseNow(`that did not work: ${(err as Error).message}; nothing was changed`);
  }
  const recorded = intents.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = intents.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  for (const err of failed)
    log.error({ err: (err as Error).message, user: p.user_id, target }, 'Unblock not recorded');
  if (!recorded.length) return refuseNow(notRecordedText(failed[0]));
  await answer(
    unblockRecordedMessage(
      command.type === 'unblock'
        ? { ownerAccountId: target }
        : { resource: target, recorded: recorded.length, total: intents.length },
      failed.length ? notRecordedText(failed[0]) : undefined,
    ),
  );
  // Durable now: carried out by the runner (or after a crash, the reconciler).
  for (const intent of recorded) ctx.track(ctx.intents.run(intent));
}
