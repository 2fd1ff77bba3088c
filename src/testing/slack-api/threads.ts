/** Threads as the local Slack stand-in keeps them: which messages a channel shows, and a thread's replies. */
import type { StoredMessage } from './server.ts';

/** What the channel itself shows: top-level posts and thread replies sent with `reply_broadcast`. */
export function topLevel(all: Iterable<StoredMessage>, channel: string): StoredMessage[] {
  return [...all].filter(
    (m) => m.channel === channel && (!m.thread_ts || m.thread_ts === m.ts || m.reply_broadcast),
  );
}

/** A thread's replies, oldest first, without the parent. */
export function threadReplies(
  all: Iterable<StoredMessage>,
  channel: string,
  parentTs: string,
): StoredMessage[] {
  return [...all].filter((m) => m.channel === channel && m.thread_ts === parentTs && m.ts !== parentTs);
}
