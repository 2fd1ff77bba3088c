/**
 * Where a finding (or a scan) is shown in Slack: the channel and message timestamp the publisher got
 * back from `chat.postMessage`. Stored with the finding so its message can be updated in place, and in
 * the outbox so a failed update is retried; only src/slack/ reads the fields.
 */
export interface MessageRef {
  channel: string;
  ts: string;
  /** When the message groups several findings (one owner's resources): all of them, in display order. */
  findingIds?: string[];
  /**
   * `owner`: one owner's triage message (re-rendered from `findingIds`); `owners`: the index of the
   * owners past the message budget (a snapshot of the scan, not re-rendered). Absent: a finding's own
   * message, or an older grouped one (several `findingIds`).
   */
  layout?: 'owner' | 'owners';
}
