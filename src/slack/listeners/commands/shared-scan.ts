import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { untrustAccount, logRefusal } from '../../../core/decisions.ts';
import { nowIso } from '../../../core/deps.ts';
import { currentTrust } from '../../../core/trust.ts';
import { finishBlockAccount } from '../../../core/block-account.ts';
import { blockAccountMessage, unblockMessage, unblockRecordedMessage } from '../../messages/guard.ts';
import type { BlockAccountResult } from '../../../core/block-account.ts';
import { blockedFindingsFor } from '../../../core/unblock.ts';
import { intentIdFor } from '../../../core/intents.ts';
import type { DecisionIntent } from '../../../domain/intent.ts';
import { withStoreDeadline } from '../../../store/index.ts';
import { LATE, within } from '../deadline.ts';
import { ScanFilterError } from '../../../core/scan-service.ts';
import { CommandTextError, parseSharedScanText, type SharedScanCommand } from '../../command-text.ts';
import {
  helpMessage,
  NO_UNFURL,
  refusalMessage,
  typedRefusalMessage,
  untrustedAnnouncement,
  untrustedReply,
  statusMessage,
  trustedListMessage,
  usageMessage,
  verbatimBlocks,
  type SlackMessage,
} from '../../messages/index.ts';
import { slashCommandPayload } from '../../payloads.ts';
import { dmIntroMessage, helpOptions, postCommand } from './post.ts';
import type { SlackContext } from '../../context.ts';
import { SCHEDULE } from '../../../jobs/scan-job.ts';
import {
  describeSlackError,
  isStoreUnavailable,
  NOT_RECORDED,
  notRecordedText,
  STORE_UNAVAILABLE,
} from '../failures.ts';
import {
  approverBeforeAck,
  BLOCK_AUTH_MS,
  blockRecordedMessage,
  recordBlockBeforeAck,
} from '../block-before-ack.ts';
import { ScanRateLimit } from './rate-limit.ts';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/**
 * How long the read before an Unblock's ack may take (which findings a resource is, whether an owner
 * is blocked): alongside the approver check, so the intent write keeps its whole deadline.
 */
const UNBLOCK_READ_MS = BLOCK_AUTH_MS;

export const ephemeral = (m: SlackMessage) => ({
  response_type: 'ephemeral' as const,
  text: m.text,
  blocks: verbatimBlocks(m.blocks),
  ...NO_UNFURL,
});

/**
 * `/shared-scan [help | status | trusted | untrust <account> | block <account> [reason] | unblock <account or resource> | account= region= kind=]`.
 * Ack first: the ack carries only what needs no network call (help, usage errors, a foreign
 * workspace); authorization (which may read a user group), the store and scans come after it, and
 * their answers go through `response_url` (works even where the bot is not a member). Except `block`
 * and `unblock`: a decision that changes AWS is recorded before its ack (bounded, well inside Slack's
 * 3 s), so the ack — the user's signal that it was taken — is only given once a crash can no longer
 * lose it.
 */
export function sharedScanCommand(ctx: SlackContext) {
  const limit = new ScanRateLimit(ctx.deps.config.slack.scanRateLimit);
  const log = ctx.deps.log;
  return async ({ ack, body, respond }: Args): Promise<void> => {
    const payload = slashCommandPayload.safeParse(body);
    if (!payload.success) {
      log.warn({ issues: payload.error.issues.length }, 'malformed slash command acked and ignored');
      await ack(ephemeral(usageMessage('the command arrived incomplete')));
      return;
    }
    const p = payload.data;
    const origin = ctx.approvers.checkOrigin(p.team_id, p.api_app_id);
    if (!origin.ok) {
      log.warn(
        { team: p.team_id, app: p.api_app_id, user: p.user_id },
        'command from a foreign workspace or app refused',
      );
      await ack(ephemeral(refusalMessage(origin.reason)));
      return;
    }
    let command: SharedScanCommand;
    try {
      command = parseSharedScanText(p.text);
    } catch (err) {
      const message = err instanceof CommandTextError ? err.message : 'that command could not be read';
      if (!(err instanceof CommandTextError))
        log.error({ err: (err as Error).message, user: p.user_id }, 'command text parser failed');
      await ack(ephemeral(usageMessage(message)));
      return;
    }
    const actor = { userId: p.user_id, ...(p.user_name ? { userName: p.user_name } : {}), teamId: p.team_id };
    const reply = (m: SlackMessage) =>
      respond(ephemeral(m)).catch((err: Error) =>
        log.warn({ err: err.message, user: p.user_id }, 'respond failed'),
      );
    /** A Block / Unblock account outcome: to the channel (and the asker when elsewhere), a refusal to the asker. */
    const announce = async (r: BlockAccountResult, reason?: string) => {
      const msg = blockAccountMessage(r, actor, reason);
      if (r.status === 'refused') return reply(msg);
      await ctx.publisher.refresh(r.records);
      await ctx.publisher.post(msg);
      if (p.channel_id !== ctx.deps.config.slack.channel) await reply(msg);
    };

    /**
     * `block <account> [reason]`: authorized and recorded (the decision and the blocked owner) before
     * the ack, within ~2 s; the ack says refused, "not recorded", or recorded — and the guard, the
     * verification and the channel follow after it.
     */
    async function blockBeforeAck(owner: string, reason: string | undefined): Promise<void> {
      const refuseNow = async (why: string) => {
        log.warn({ user: p.user_id, command: 'block', account: owner, reason: why }, 'command refused');
        await ack(ephemeral(refusalMessage(why)));
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
        await ack(ephemeral(blockAccountMessage(started.result, actor, reason)));
        return;
      }
      await ack(ephemeral(blockRecordedMessage(recorded)));
      ctx.track(
        ctx.decisions.run(async () => {
          try {
            await announce(await finishBlockAccount(ctx.deps, started), reason);
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
    async function unblockBeforeAck(
      command: Extract<SharedScanCommand, { type: 'unblock' | 'unblock-resource' }>,
    ): Promise<void> {
      const action: 'unblock' | 'unblock-account' =
        command.type === 'unblock' ? 'unblock-account' : 'unblock';
      const target = command.type === 'unblock' ? command.accountId : command.resource;
      const refuseNow = async (why: string, logged = false) => {
        log.warn({ user: p.user_id, command: command.type, target, reason: why }, 'command refused');
        await ack(ephemeral(refusalMessage(why)));
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
          await ack(ephemeral(refused));
          return;
        }
        const reply = { ...(p.response_url ? { responseUrl: p.response_url } : {}), channel: p.channel_id };
        const idOf = (findingId: string) =>
          p.trigger_id
            ? intentIdFor(['command', p.user_id, p.trigger_id, action, target, findingId])
            : undefined;
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
      await ack(
        ephemeral(
          unblockRecordedMessage(
            command.type === 'unblock'
              ? { ownerAccountId: target }
              : { resource: target, recorded: recorded.length, total: intents.length },
            failed.length ? notRecordedText(failed[0]) : undefined,
          ),
        ),
      );
      // Durable now: carried out by the runner (or after a crash, the reconciler).
      for (const intent of recorded) ctx.track(ctx.intents.run(intent));
    }
    if (command.type === 'help') {
      await ack(ephemeral(helpMessage(helpOptions(ctx))));
      return;
    }
    if (command.type === 'post') {
      await postCommand(ctx, p.user_id, ack, reply); // acks first; approvers only
      return;
    }
    // A bare `/shared-scan` in a DM explains where findings go instead of scanning by surprise.
    if (command.type === 'scan' && !p.text.trim() && p.channel_id.startsWith('D')) {
      await ack(ephemeral(dmIntroMessage(helpOptions(ctx))));
      return;
    }
    if (command.type === 'block') {
      await blockBeforeAck(command.accountId, command.reason);
      return;
    }
    if (command.type === 'unblock' || command.type === 'unblock-resource') {
      await unblockBeforeAck(command);
      return;
    }
    await ack();
    const refuse = async (reason: string, fields: Record<string, unknown> = {}) => {
      log.warn(
        { user: p.user_id, channel: p.channel_id, command: command.type, reason, ...fields },
        'command refused',
      );
      await reply(refusalMessage(reason));
    };

    ctx.track(
      (async () => {
        try {
          await handle(command);
        } catch (err) {
          if (isStoreUnavailable(err)) {
            log.error(
              { err: (err as Error).message, user: p.user_id, command: command.type },
              'store unavailable',
            );
            await reply(refusalMessage(STORE_UNAVAILABLE));
            return;
          }
          log.error(
            { err: (err as Error).message, user: p.user_id, command: command.type },
            'command failed',
          );
          await reply(
            refusalMessage(`that did not work: ${describeSlackError(err, ctx.deps.config.slack.channel)}`),
          );
        }
      })(),
    );

    async function handle(command: SharedScanCommand): Promise<void> {
      switch (command.type) {
        case 'help':
        case 'post':
          return;
        case 'status': {
          const read = await ctx.approvers.mayRead(p.user_id, p.channel_id);
          if (!read.ok) return refuse(read.reason);
          const [open, pending, lastScan, trust] = await Promise.all([
            ctx.deps.store.listFindings({ states: ['open'] }),
            ctx.deps.store.listFindings({ states: ['removing', 'owner-only', 'recorded'] }),
            ctx.deps.store.getLastScan(),
            currentTrust(ctx.deps.config, ctx.deps.store, nowIso(ctx.deps)),
          ]);
          const running = ctx.scanJob.current();
          await reply(
            statusMessage({
              open,
              pending,
              trustedCount: trust.entries.length,
              ...(running ? { running: { scope: running.scope, progress: running.progress } } : {}),
              ...(lastScan ? { lastScan } : {}),
            }),
          );
          return;
        }
        case 'trusted': {
          const read = await ctx.approvers.mayRead(p.user_id, p.channel_id);
          if (!read.ok) return refuse(read.reason);
          const trust = await currentTrust(ctx.deps.config, ctx.deps.store, nowIso(ctx.deps));
          await reply(trustedListMessage(trust.entries));
          return;
        }
        case 'untrust': {
          const auth = await ctx.approvers.isApprover(p.user_id);
          if (!auth.ok) {
            await refuse(auth.reason, { account: command.accountId });
            await logRefusal(ctx.deps, 'untrust', actor, auth.reason, {
              ownerAccountId: command.accountId,
            }).catch((err: Error) => log.error({ err: err.message }, 'refusal could not be logged'));
            return;
          }
          const r = await untrustAccount(ctx.deps, command.accountId, actor);
          await reply(r.status === 'done' ? untrustedReply(r) : typedRefusalMessage(r.refusal));
          if (r.status === 'done') await ctx.publisher.post(untrustedAnnouncement(r, p.user_id));
          return;
        }
        case 'block':
          return; // answered before the ack (blockBeforeAck)
        case 'unblock':
        case 'unblock-resource':
          return; // answered before the ack (unblockBeforeAck)
        case 'scan': {
          const read = await ctx.approvers.mayRead(p.user_id, p.channel_id);
          if (!read.ok) return refuse(read.reason);
          const running = ctx.scanJob.current();
          if (running) {
            return refuse(
              `a scan is already running (${running.scope}, started by ${running.startedBy === SCHEDULE ? 'the schedule' : `<@${running.startedBy}>`})`,
            );
          }
          if (!(await ctx.approvers.isApprover(p.user_id)).ok) {
            const wait = limit.take(p.user_id);
            if (wait !== undefined) return refuse(limit.describe(wait));
          }
          const channel = ctx.deps.config.slack.channel;
          if (channel && channel !== p.channel_id)
            await reply({ text: `Scan started; results go to <#${channel}>.`, blocks: [] });
          const { type: _type, ...filters } = command;
          try {
            const r = await ctx.scanJob.run(filters, p.user_id);
            if (r.status === 'busy')
              await reply(refusalMessage('another scan is running; try again when it has finished'));
            if (r.status === 'failed') await reply(refusalMessage(`the scan failed: ${r.error}`));
          } catch (err) {
            if (err instanceof ScanFilterError) await reply(usageMessage(err.message));
            else throw err;
          }
          return;
        }
      }
    }
  };
}
