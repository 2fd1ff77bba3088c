import type { WebClient } from '@slack/web-api';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';

const GROUP_CACHE_MS = 5 * 60_000;

export type AuthorizationResult = { ok: true } | { ok: false; reason: string };

/**
 * Who may Trust, Remove or untrust: the configured approver user ids, and members of the configured
 * user groups (usergroups.users.list is tier 2, so memberships are cached for five minutes).
 * Bolt only proves a request came from Slack; this decides whether the clicking user may act.
 */
export class Approvers {
  private readonly users: ReadonlySet<string>;
  private readonly groups: readonly string[];
  private readonly cache = new Map<string, { at: number; members: Promise<ReadonlySet<string>> }>();

  constructor(
    private readonly slack: Config['slack'],
    private readonly client: WebClient,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.users = new Set(slack.approvers.users);
    this.groups = slack.approvers.usergroups;
  }

  /** The workspace and app a request claims to come from must be ours when the config names them. */
  checkOrigin(teamId: string | undefined, appId: string | undefined): AuthorizationResult {
    if (this.slack.teamId && teamId !== this.slack.teamId)
      return { ok: false, reason: `workspace ${teamId ?? '(none)'} is not allowed` };
    if (this.slack.appId && appId !== this.slack.appId)
      return { ok: false, reason: `app ${appId ?? '(none)'} is not this app` };
    return { ok: true };
  }

  /** Listed by user id (no network call): callers that must answer before acking use this. */
  isListedApprover(userId: string): boolean {
    return this.users.has(userId);
  }

  /**
   * May this user read findings through `/shared-scan` (status, trusted, scans) in this channel?
   * `slack.readers`: `channel` — in the configured channel, or an approver; `approvers`; `anyone`.
   * May call usergroups.users.list: only after the ack.
   */
  async mayRead(userId: string, channelId: string): Promise<AuthorizationResult> {
    const readers = this.slack.readers;
    if (readers === 'anyone') return { ok: true };
    if (readers === 'channel' && this.slack.channel && channelId === this.slack.channel) return { ok: true };
    const auth = await this.isApprover(userId);
    if (auth.ok) return auth;
    const where = this.slack.channel ? `<#${this.slack.channel}>` : 'the security channel';
    return {
      ok: false,
      reason:
        readers === 'channel'
          ? `shareguard answers in ${where} only (and to approvers anywhere): run it there`
          : 'only approvers may use /shared-scan here (slack.readers: approvers)',
    };
  }

  async isApprover(userId: string): Promise<AuthorizationResult> {
    if (this.users.has(userId)) return { ok: true };
    for (const group of this.groups) {
      try {
        if ((await this.members(group)).has(userId)) return { ok: true };
      } catch (err) {
        this.log.warn({ group, err: (err as Error).message }, 'could not read user group members');
        return {
          ok: false,
          reason: `approver group membership could not be checked (${(err as Error).message})`,
        };
      }
    }
    return { ok: false, reason: 'you are not one of the configured approvers' };
  }

  private members(group: string): Promise<ReadonlySet<string>> {
    const hit = this.cache.get(group);
    if (hit && this.now() - hit.at < GROUP_CACHE_MS) return hit.members;
    const members = this.client.usergroups.users
      .list({ usergroup: group })
      .then((r) => new Set(r.users ?? []) as ReadonlySet<string>);
    const entry = { at: this.now(), members };
    this.cache.set(group, entry);
    members.catch(() => this.cache.get(group) === entry && this.cache.delete(group));
    return members;
  }
}
