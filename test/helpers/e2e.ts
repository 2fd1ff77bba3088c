import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { resolveConfig } from '../../src/config/load.ts';
import { startServer, type RunningServer } from '../../src/serve.ts';
import {
  startLocalSlackApi,
  type LocalSlackApi,
  type StoredMessage,
} from '../../src/testing/slack-api/index.ts';
import type { StoredView } from '../../src/testing/slack-api/views.ts';
import {
  appHomeOpenedEvent,
  buttonClickForm,
  sendSigned,
  sendSignedJson,
  slashCommandForm,
  viewSubmissionForm,
} from '../../src/testing/signed-request.ts';
import { start } from '../../src/testing/sim/index.ts';
import {
  decodeMetadata,
  EXPIRY_BLOCK,
  REASON_BLOCK,
  REASON_CALLBACK,
} from '../../src/slack/messages/modals.ts';
import type { World } from './world.ts';
import { faultyStore, type Faults } from './faulty-store.ts';

export const CHANNEL = 'C0SECURITY';
export const ALICE = 'U0ALICE';
export const BOB = 'U0BOB';
export const CAROL = 'U0CAROL'; // in the approver group
export const MALLORY = 'U0MALLORY'; // nobody
export const GROUP = 'S0SECOPS';
export const TEAM = 'T0LOCAL';
export const SECRET = 'test-signing-secret';

export interface E2E {
  sim: Awaited<ReturnType<typeof start>>;
  slack: LocalSlackApi;
  server: RunningServer;
  events: string;
  command(text: string, user?: string): Promise<{ status: number; body: string }>;
  /**
   * `user` clicks a finding's button. When the click opens the reason modal (`slack.requireReason`,
   * the default, or a two-person rule), the modal is completed like a user would: `modal.reason`
   * (default "e2e: <action>"), `modal.expiry` for Trust; `modal: false` leaves it open. The answer is
   * the click's, or the submission's when a modal was submitted.
   */
  click(
    action:
      | 'trust'
      | 'remove'
      | 'delete-at-source'
      | 'revoke-org-share'
      | 'block-account'
      /** The two-person rule's buttons (they open no modal). */
      | 'confirm'
      | 'reject',
    findingId: string,
    user?: string,
    messageTs?: string,
    modal?: { reason?: string; expiry?: '7' | '30' | '90' | 'never' } | false,
  ): Promise<{ status: number; body: string }>;
  /** The reason modal a click of `user` opened for this finding and action and not submitted yet. */
  openModal(action: string, findingId: string, user?: string): StoredView | undefined;
  /** `user` opens the app's Home tab (a signed `app_home_opened` event); resolves when it was published. */
  openHome(user?: string): Promise<{ status: number; body: string }>;
  /** Submits an open modal with these inputs (block_id → text or option value); Bolt's answer. */
  submitView(
    viewId: string,
    input: Record<string, string | null>,
    user?: string,
  ): Promise<{ status: number; body: string }>;
  /** The message that shows a finding, as Slack has it now. */
  messageFor(findingId: string): Promise<StoredMessage | undefined>;
  restart(): Promise<void>;
  /**
   * A crash: from this moment the running instance can write nothing (its store is cut off), its
   * in-flight work fails at its next store call, then it is torn down; a new instance starts on the
   * same data dir. Unlike `restart`, nothing in flight gets to finish.
   */
  crashAndRestart(): Promise<void>;
  /** Store fault injection for the running instance (test/helpers/faulty-store.ts). */
  readonly faults: Faults;
  stop(): Promise<void>;
}

export async function startE2E(
  world: World,
  options: {
    trust?: string[];
    maxMessagesPerScan?: number;
    dataDir?: string;
    accounts?: string[];
    teamId?: string;
    env?: Record<string, string>;
    /** Accounts (of `accounts`) marked `trustedSource: false`: shareguard acts there as owner. */
    untrustedSources?: string[];
    /** More config sections (guard, remediation), as in shareguard.yml. */
    config?: Record<string, unknown>;
    /** `slack.layout` (default thread). */
    layout?: 'thread' | 'flat';
    /** `slack.postIntervalMs`: 0 by default here so tests do not wait on Slack's posting pace. */
    postIntervalMs?: number;
    /** Members of the channel (`conversations.members`); when given, the stand-in knows only this channel. */
    channelMembers?: string[];
    /** More `slack` settings (requireReason, twoPersonRule…), merged into the test's slack section. */
    slack?: Record<string, unknown>;
    /** The clock the server decides by (trust and two-person expiry); default the real one. */
    now?: () => Date;
  } = {},
): Promise<E2E> {
  const sim = await start({ world });
  const slack = await startLocalSlackApi({
    usergroups: { [GROUP]: [CAROL] },
    ...(options.channelMembers
      ? { channels: { [CHANNEL]: { name: 'security', members: options.channelMembers } } }
      : {}),
  });
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'sg-e2e-')));
  const config = resolveConfig(
    {
      accounts: (options.accounts ?? world.accounts.map((a) => a.id)).map((id) =>
        id === world.homeAccount
          ? { id, role: 'none' }
          : { id, ...(options.untrustedSources?.includes(id) ? { trustedSource: false } : {}) },
      ),
      aws: { endpoint: sim.endpoint, maxAttempts: 2 },
      trust: { accounts: (options.trust ?? []).map((id) => ({ id })) },
      slack: {
        channel: CHANNEL,
        approvers: { users: [ALICE, BOB], usergroups: [GROUP] },
        ...(options.maxMessagesPerScan ? { maxMessagesPerScan: options.maxMessagesPerScan } : {}),
        ...(options.teamId ? { teamId: options.teamId } : {}),
        ...(options.layout ? { layout: options.layout } : {}),
        postIntervalMs: options.postIntervalMs ?? 0,
        // One-click decisions (carried out as intents) unless a test asks for the reason modal.
        requireReason: false,
        ...options.slack,
      },
      store: { kind: 'embedded', dataDir },
      schedule: { enabled: false },
      ...options.config,
    },
    { source: 'test' },
  );
  const env = {
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
  };
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  let faults!: Faults;
  const boot = () =>
    startServer({
      config,
      env: { ...env, ...options.env },
      credentials: { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey },
      log,
      wrapStore: (inner) => {
        const f = faultyStore(inner);
        faults = f.faults;
        return f.store;
      },
    }).then((s) => {
      // The core reads its clock from deps (trust and two-person expiry compare timestamps).
      if (options.now) s.ctx.deps.now = options.now;
      return s;
    });
  let server = await boot();
  const submittedViews = new Set<string>();
  const events = () => `${server.url}/slack/events`;
  const e2e: E2E = {
    sim,
    slack,
    get server() {
      return server;
    },
    get events() {
      return `${server.url}/slack/events`;
    },
    async command(text, user = ALICE) {
      const res = await sendSigned(
        `${server.url}/slack/events`,
        SECRET,
        slashCommandForm({
          text,
          userId: user,
          channelId: CHANNEL,
          teamId: TEAM,
          responseUrl: slack.responseUrl(undefined, { channel: CHANNEL, user }),
          triggerId: slack.views.issueTrigger(user),
        }),
      );
      await server.idle();
      return res;
    },
    openModal(action, findingId, user = ALICE) {
      return slack.views.modals().find(
        (v) =>
          !submittedViews.has(v.id) &&
          v.userId === user &&
          v.callbackId === REASON_CALLBACK &&
          (() => {
            const m = decodeMetadata(v.privateMetadata);
            return m.ok && m.value.action === action && m.value.findingId === findingId;
          })(),
      );
    },
    async click(action, findingId, user = ALICE, messageTs, modal = {}) {
      const ts =
        messageTs ??
        slack.messages(CHANNEL).find((m) => JSON.stringify(m.blocks ?? []).includes(findingId))?.ts ??
        '0';
      const res = await sendSigned(
        `${server.url}/slack/events`,
        SECRET,
        buttonClickForm({
          actionId: action === 'block-account' ? 'block_account' : `shareguard.${action}`,
          value: findingId,
          userId: user,
          teamId: TEAM,
          channelId: CHANNEL,
          messageTs: ts,
          responseUrl: slack.responseUrl(undefined, { channel: CHANNEL, ts, user }),
          triggerId: slack.views.issueTrigger(user),
        }),
      );
      await server.idle();
      if (modal === false) return res;
      const opened = e2e.openModal(action, findingId, user);
      if (!opened) return res;
      submittedViews.add(opened.id);
      return e2e.submitView(
        opened.id,
        {
          [REASON_BLOCK]: modal.reason ?? `e2e: ${action}`,
          ...(action === 'trust' ? { [EXPIRY_BLOCK]: modal.expiry ?? 'never' } : {}),
        },
        user,
      );
    },
    async openHome(user = ALICE) {
      const res = await sendSignedJson(events(), SECRET, appHomeOpenedEvent({ userId: user, teamId: TEAM }));
      await server.idle();
      return res;
    },
    async submitView(viewId, input, user = ALICE) {
      const res = await sendSigned(
        events(),
        SECRET,
        viewSubmissionForm({ userId: user, teamId: TEAM, view: slack.views.submitted(viewId, input) }),
      );
      await server.idle();
      return res;
    },
    async messageFor(findingId) {
      const ref = (await server.ctx.deps.store.getFinding(findingId))?.message;
      return ref && slack.message(ref.channel, ref.ts);
    },
    async restart() {
      await server.stop();
      server = await boot();
    },
    async crashAndRestart() {
      faults.random(null);
      faults.down = true;
      await server.stop();
      server = await boot();
    },
    get faults() {
      return faults;
    },
    async stop() {
      await server.stop();
      await slack.close();
      await sim.stop();
    },
  };
  return e2e;
}
