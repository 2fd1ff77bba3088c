import { IntentNotRecordedError } from '../../core/decision-runner.ts';
import { StoreConflictError, StoreError } from '../../store/errors.ts';

/** What a user is told when the store cannot be read or written (issue 8 item 3). */
export const STORE_UNAVAILABLE = 'the decision store is unavailable; nothing was changed, try again';

/**
 * What a clicker is told when their decision could not be written in time (issue 21): it was not
 * acknowledged as taken, and nothing will happen unless they try again.
 */
export const NOT_RECORDED = 'not recorded — the decision store is unavailable; try again';

/**
 * The same when the write may still land (sent, but not answered in time): honest about it. If it
 * lands it is carried out like any other decision and the finding's message shows it.
 */
export const NOT_RECORDED_YET =
  'not recorded — the decision store did not answer in time; if the message does not change within a minute, try again';

/** Which of the two a failed intent write gets. */
export function notRecordedText(err: unknown): string {
  return err instanceof IntentNotRecordedError && err.certain ? NOT_RECORDED : NOT_RECORDED_YET;
}

/**
 * True when an error means the store could not be reached or refused the call; a lost race
 * (StoreConflictError) is an answer, not an outage.
 */
export function isStoreUnavailable(err: unknown): boolean {
  return err instanceof StoreError && !(err instanceof StoreConflictError);
}

/** Slack's error code from a WebClient error (`not_in_channel`, `ratelimited`…), when it has one. */
export function slackErrorCode(err: unknown): string | undefined {
  const data = (err as { data?: { error?: unknown } } | undefined)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

/** A Slack failure in words a channel admin can act on. */
export function describeSlackError(err: unknown, channel?: string): string {
  const code = slackErrorCode(err);
  const where = channel ? `<#${channel}>` : 'the channel';
  if (code === 'not_in_channel') return `shareguard is not in ${where}: invite @shareguard to ${where}`;
  if (code === 'channel_not_found')
    return `${where} was not found (a private channel shareguard is not in?): invite @shareguard to it, or fix slack.channel`;
  return (err as Error)?.message ?? String(err);
}
