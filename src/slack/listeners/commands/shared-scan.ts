import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { untrustAccount, logRefusal } from '../../../core/decisions.ts';
import { nowIso } from '../../../core/deps.ts';
import { currentTrust } from '../../../core/trust.ts';
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
import { blockCommand, unblockCommand, type CommandCall } from './block-commands.ts';
import type { SlackContext } from '../../context.ts';
import { SCHEDULE } from '../../../jobs/scan-job.ts';
import { describeSlackError, isStoreUnavailable, STORE_UNAVAILABLE } from '../failures.ts';
import { ScanRateLimit } from './rate-limit.ts';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

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
    const reply = (m: SlackMessage): Promise<void> =>
      respond(ephemeral(m)).then(
        () => undefined,
        (err: Error) => log.warn({ err: err.message, user: p.user_id }, 'respond failed'),
      );
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
    const call: CommandCall = { ctx, p, actor, answer: (m) => ack(ephemeral(m)), reply };
    if (command.type === 'block') {
      await blockCommand(call, command.accountId, command.reason);
      return;
    }
    if (command.type === 'unblock' || command.type === 'unblock-resource') {
      await unblockCommand(call, command);
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
