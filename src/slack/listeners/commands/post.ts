/**
 * `/shared-scan post` and the help's facts (approvers, channel): kept apart from the command router so
 * the router stays small. The post reuses the scan job's lease, so it never races a scan.
 */
import type { SlackContext } from '../../context.ts';
import {
  dmIntroMessage,
  plural,
  postCountsText,
  refusalMessage,
  type HelpOptions,
  type SlackMessage,
} from '../../messages/index.ts';

export { dmIntroMessage };

/** What `/shared-scan help` and the DM intro name: the approvers, the channel, the layout. */
export function helpOptions(ctx: SlackContext): HelpOptions {
  const slack = ctx.deps.config.slack;
  return {
    approvers: { users: slack.approvers.users, usergroups: slack.approvers.usergroups },
    ...(slack.channel ? { channel: slack.channel } : {}),
    layout: slack.layout,
  };
}

/** Approvers only (it makes the bot post in the channel); acked first, answered through response_url. */
export async function postCommand(
  ctx: SlackContext,
  userId: string,
  ack: () => Promise<void>,
  reply: (m: SlackMessage) => Promise<unknown>,
): Promise<void> {
  await ack();
  ctx.track(
    (async () => {
      const auth = await ctx.approvers.isApprover(userId);
      if (!auth.ok) {
        ctx.deps.log.warn({ user: userId }, '/shared-scan post refused: not an approver');
        await reply(refusalMessage(`${auth.reason}; only approvers can make shareguard post findings`));
        return;
      }
      const r = await ctx.scanJob.postPending(userId);
      if (r.status === 'busy') {
        await reply(refusalMessage('a scan is running; it posts the findings that have no message yet'));
      } else if (r.status === 'failed') {
        await reply(refusalMessage(`posting failed: ${r.error}`));
      } else if (r.pending === 0) {
        await reply({ text: '✅ Every open finding has its message; nothing to post.', blocks: [] });
      } else {
        const text = `📬 ${plural(r.pending, 'open finding')} without a message: ${postCountsText(r)}.`;
        await reply({ text, blocks: [] });
      }
    })(),
  );
}
