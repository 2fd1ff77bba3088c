import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { untrustAccount, logRefusal } from '../../../core/decisions.ts';
import { blockAccount, unblockAccount } from '../../../core/block-account.ts';
import { blockAccountMessage } from '../../messages/guard.ts';
import { currentTrust } from '../../../core/trust.ts';
import { nowIso } from '../../../core/deps.ts';
import { ScanFilterError } from '../../../core/scan-service.ts';
import { CommandTextError, parseSharedScanText, type SharedScanCommand } from '../../command-text.ts';
import {
  helpMessage,
  refusalMessage,
  statusMessage,
  trustedListMessage,
  usageMessage,
  type LastScan,
  type SlackMessage,
} from '../../messages/index.ts';
import { slashCommandPayload } from '../../payloads.ts';
import { dmIntroMessage, helpOptions, postCommand } from './post.ts';
import type { SlackContext } from '../../context.ts';
import { SCHEDULE } from '../../../jobs/scan-job.ts';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

const ephemeral = (m: SlackMessage) => ({
  response_type: 'ephemeral' as const,
  text: m.text,
  blocks: m.blocks,
});

/** `/shared-scan [help | status | trusted | untrust <account> | block <account> [reason] | unblock <account> | account= region= kind=]`: parse, authorize, hand to the core. */
export function sharedScanCommand(ctx: SlackContext) {
  return async ({ ack, body, respond }: Args): Promise<void> => {
    const payload = slashCommandPayload.safeParse(body);
    if (!payload.success) {
      await ack(ephemeral(usageMessage('the command arrived incomplete')));
      return;
    }
    const p = payload.data;
    const origin = ctx.approvers.checkOrigin(p.team_id, p.api_app_id);
    if (!origin.ok) {
      ctx.deps.log.warn(
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
      if (!(err instanceof CommandTextError)) throw err;
      await ack(ephemeral(usageMessage(err.message)));
      return;
    }
    const actor = { userId: p.user_id, ...(p.user_name ? { userName: p.user_name } : {}), teamId: p.team_id };
    const reply = (m: SlackMessage) =>
      respond(ephemeral(m)).catch((err: Error) => ctx.deps.log.warn({ err: err.message }, 'respond failed'));

    switch (command.type) {
      case 'help':
        await ack(ephemeral(helpMessage(helpOptions(ctx))));
        return;
      case 'post':
        await postCommand(ctx, p.user_id, ack, reply);
        return;
      case 'status': {
        await ack();
        ctx.track(
          (async () => {
            const [open, pending, lastScan, trust] = await Promise.all([
              ctx.deps.store.listFindings({ states: ['open'] }),
              ctx.deps.store.listFindings({ states: ['removing', 'owner-only', 'recorded'] }),
              ctx.deps.store.getMeta<LastScan>('lastScan'),
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
          })(),
        );
        return;
      }
      case 'trusted': {
        await ack();
        ctx.track(
          currentTrust(ctx.deps.config, ctx.deps.store, nowIso(ctx.deps)).then((t) =>
            reply(trustedListMessage(t.entries)),
          ),
        );
        return;
      }
      case 'untrust': {
        const auth = await ctx.approvers.isApprover(p.user_id);
        if (!auth.ok) {
          ctx.deps.log.warn(
            { user: p.user_id, account: command.accountId },
            'untrust refused: not an approver',
          );
          await ack(ephemeral(refusalMessage(auth.reason)));
          ctx.track(
            logRefusal(ctx.deps, 'untrust', actor, auth.reason, { ownerAccountId: command.accountId }),
          );
          return;
        }
        await ack();
        ctx.track(
          untrustAccount(ctx.deps, command.accountId, actor).then(async (r) => {
            await reply(
              r.status === 'done' ? { text: `✅ ${r.message}`, blocks: [] } : refusalMessage(r.message),
            );
            if (r.status === 'done') {
              await ctx.publisher.post({
                text: `🛡 <@${p.user_id}> took ${command.accountId} off the trust list: ${r.message}`,
                blocks: [],
              });
            }
          }),
        );
        return;
      }
      case 'block':
      case 'unblock': {
        const action = command.type === 'block' ? 'block-account' : 'unblock-account';
        const auth = await ctx.approvers.isApprover(p.user_id);
        if (!auth.ok) {
          ctx.deps.log.warn(
            { user: p.user_id, account: command.accountId, action },
            `${action} refused: not an approver`,
          );
          await ack(ephemeral(refusalMessage(auth.reason)));
          ctx.track(logRefusal(ctx.deps, action, actor, auth.reason, { ownerAccountId: command.accountId }));
          return;
        }
        await ack();
        const reason = command.type === 'block' ? command.reason : undefined;
        const work = ctx.decisions.run(async () => {
          const r =
            command.type === 'block'
              ? await blockAccount(ctx.deps, command.accountId, actor, reason)
              : await unblockAccount(ctx.deps, command.accountId, actor);
          const msg = blockAccountMessage(r, actor, reason);
          if (r.status === 'refused') return reply(msg);
          await ctx.publisher.refresh(r.records);
          await ctx.publisher.post(msg);
          if (p.channel_id !== ctx.deps.config.slack.channel) await reply(msg);
        });
        ctx.track(work);
        return;
      }
      case 'scan': {
        // A bare `/shared-scan` in a DM explains where findings go instead of scanning by surprise.
        if (!p.text.trim() && p.channel_id.startsWith('D')) {
          await ack(ephemeral(dmIntroMessage(helpOptions(ctx))));
          return;
        }
        const running = ctx.scanJob.current();
        if (running) {
          await ack(
            ephemeral(
              refusalMessage(
                `a scan is already running (${running.scope}, started by ${running.startedBy === SCHEDULE ? 'the schedule' : `<@${running.startedBy}>`})`,
              ),
            ),
          );
          return;
        }
        const channel = ctx.deps.config.slack.channel;
        await ack(
          channel && channel !== p.channel_id
            ? ephemeral({ text: `Scan started; results go to <#${channel}>.`, blocks: [] })
            : undefined,
        );
        const { type: _type, ...filters } = command;
        ctx.track(
          ctx.scanJob
            .run(filters, p.user_id)
            .then(async (r) => {
              if (r.status === 'busy')
                await reply(refusalMessage('another scan is running; try again when it has finished'));
              if (r.status === 'failed') await reply(refusalMessage(`the scan failed: ${r.error}`));
            })
            .catch(async (err: Error) => {
              if (err instanceof ScanFilterError) await reply(usageMessage(err.message));
              else throw err;
            }),
        );
        return;
      }
    }
  };
}
