// The Web API methods shareguard calls, answered like Slack: messages and threads, ephemerals,
// permalinks, channel and user-group lookups. Modals and Home tabs are in views.ts.
import type { SlackState } from './state.ts';
import { str } from './state.ts';
import { threadReplies, topLevel } from './threads.ts';
import { fail, ok, type Answer, type Args, type LocalSlackApiOptions, type StoredMessage } from './types.ts';

export function webApiMethods(
  s: SlackState,
  opts: LocalSlackApiOptions,
): Record<string, (args: Args) => Answer> {
  const { team, bot } = s;
  return {
    'api.test': (args) => ok({ args }),
    'auth.test': () =>
      ok({
        url: `https://${team.domain}.slack.com/`,
        team: team.name,
        user: bot.name,
        team_id: team.id,
        user_id: bot.userId,
        bot_id: bot.botId,
        is_enterprise_install: false,
      }),
    'chat.postMessage': (args) => {
      const channel = str(args['channel']);
      const bad = s.channelCheck(channel);
      if (bad) return bad;
      const c = s.content(args, true);
      if ('error' in c) return c.error;
      // A reply names its thread's parent (a reply's ts stands for its own parent, as in Slack).
      const asked = s.message(channel!, str(args['thread_ts']) ?? '');
      if (str(args['thread_ts']) && !asked) return fail('thread_not_found'); // stricter than Slack: catches bad refs
      const parent = asked?.thread_ts ? s.message(channel!, asked.thread_ts) : asked;
      if (parent) {
        parent.thread_ts = parent.ts;
        parent.reply_count = (parent.reply_count ?? 0) + 1;
      }
      const metadata = messageMetadata(args['metadata']);
      if (metadata === null) return fail('invalid_metadata_format');
      const m = s.post(channel!, metadata ? { ...c, metadata } : c, {
        ...(parent ? { thread_ts: parent.ts } : {}),
        ...(parent && (args['reply_broadcast'] === true || args['reply_broadcast'] === 'true')
          ? { reply_broadcast: true }
          : {}),
      });
      return ok({ channel: m.channel, ts: m.ts, message: s.wire(m) });
    },
    'chat.update': (args) => {
      const channel = str(args['channel']);
      const ts = str(args['ts']);
      if (!channel) return fail('channel_not_found');
      const m = ts ? s.message(channel, ts) : undefined;
      if (!m) return fail('message_not_found');
      const c = s.content(args, false);
      if ('error' in c) return c.error;
      s.update(m, c);
      return ok({ channel, ts: m.ts, text: m.text ?? '', message: s.wire(m) });
    },
    'chat.delete': (args) => {
      const channel = str(args['channel']);
      const ts = str(args['ts']);
      const m = channel && ts ? s.message(channel, ts) : undefined;
      if (!m) return fail('message_not_found');
      s.delete(m);
      return ok({ channel: m.channel, ts: m.ts });
    },
    'chat.postEphemeral': (args) => {
      const channel = str(args['channel']);
      const bad = s.channelCheck(channel);
      if (bad) return bad;
      const user = str(args['user']);
      if (!user) return fail('user_not_in_channel');
      const c = s.content(args, true);
      if ('error' in c) return c.error;
      const e = s.postEphemeral(channel!, user, c, 'chat.postEphemeral');
      return ok({ message_ts: e.message_ts });
    },
    'chat.getPermalink': (args) => {
      const channel = str(args['channel']);
      const ts = str(args['message_ts']);
      const m = channel && ts ? s.message(channel, ts) : undefined;
      if (!m) return fail('message_not_found');
      return ok({
        channel,
        permalink: `https://${team.domain}.slack.com/archives/${channel}/p${m.ts.replace('.', '')}`,
      });
    },
    'conversations.replies': (args) => {
      const channel = str(args['channel']);
      const ts = str(args['ts']);
      const m = channel && ts ? s.message(channel, ts) : undefined;
      if (!m) return fail('thread_not_found');
      const parent = m.thread_ts ? s.message(m.channel, m.thread_ts) : m;
      const all = [parent ?? m, ...threadReplies(s.allMessages(), m.channel, (parent ?? m).ts)];
      const withMeta = args['include_all_metadata'] === true || args['include_all_metadata'] === 'true';
      return ok({ messages: all.map((x) => s.wire(x, withMeta)), has_more: false });
    },
    // Top-level messages (and broadcasts), newest first, from `oldest` on, `limit` of them (no cursor:
    // shareguard reads one page). Slack needs channels:history / groups:history for it.
    'conversations.history': (args) => {
      const channel = str(args['channel']);
      const bad = s.channelCheck(channel);
      if (bad) return bad;
      const oldest = Number(str(args['oldest']) ?? '0');
      const limit = Math.min(Number(args['limit']) || 100, 999);
      const withMeta = args['include_all_metadata'] === true || args['include_all_metadata'] === 'true';
      const shown = topLevel(s.allMessages(), channel!)
        .filter((m) => Number(m.ts) >= oldest)
        .reverse();
      return ok({
        messages: shown.slice(0, limit).map((x) => s.wire(x, withMeta)),
        has_more: shown.length > limit,
      });
    },
    'conversations.members': (args) => {
      const id = str(args['channel']);
      if (!id) return fail('channel_not_found');
      const known = opts.channels?.[id];
      if (opts.channels && !known) return fail('channel_not_found');
      return ok({ members: [...(known?.members ?? [])], response_metadata: { next_cursor: '' } });
    },
    'usergroups.users.list': (args) => {
      const id = str(args['usergroup']);
      const users = id ? s.usergroups.get(id) : undefined;
      if (!users) return fail('no_such_subteam');
      return ok({ users: [...users] });
    },
    'conversations.info': (args) => {
      const id = str(args['channel']);
      if (!id) return fail('channel_not_found');
      const known = opts.channels?.[id];
      if (opts.channels && !known) return fail('channel_not_found');
      return ok({
        channel: {
          id,
          name: known?.name ?? id.toLowerCase(),
          is_channel: !(known?.isPrivate ?? id.startsWith('G')),
          is_private: known?.isPrivate ?? id.startsWith('G'),
          is_member: known?.isMember ?? true,
          is_archived: false,
        },
      });
    },
  };
}

/** chat.postMessage's `metadata`: undefined when absent, null when malformed (Slack refuses it). */
function messageMetadata(v: unknown): StoredMessage['metadata'] | null | undefined {
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'object' || v === null) return null;
  const { event_type, event_payload } = v as Record<string, unknown>;
  if (typeof event_type !== 'string' || !event_type) return null;
  if (typeof event_payload !== 'object' || event_payload === null || Array.isArray(event_payload))
    return null;
  return { event_type, event_payload: event_payload as Record<string, unknown> };
}
