/**
 * `shareguard serve` as a child process (issue 21 item 7): the real process, SIGKILLed and restarted
 * on the same data, against the simulator and the local Slack API running in the test's process. The
 * test talks to it only through signed requests, and reads AWS (the simulator) and Slack (the
 * stand-in) as a user would see them; the store is opened by the test only after the child is gone.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shareguard } from '../cli/spawn.ts';
import { startLocalSlackApi, type LocalSlackApi } from '../../src/testing/slack-api/index.ts';
import { start } from '../../src/testing/sim/index.ts';
import {
  buttonClickForm,
  sendSigned,
  slashCommandForm,
  viewSubmissionForm,
} from '../../src/testing/signed-request.ts';
import {
  decodeMetadata,
  EXPIRY_BLOCK,
  REASON_BLOCK,
  REASON_CALLBACK,
} from '../../src/slack/messages/modals.ts';
import type { World } from './world.ts';
import { ALICE, BOB, CHANNEL, SECRET, TEAM } from './e2e.ts';

// One workspace for every e2e rig: the in-process one (e2e.ts) and the child-process one here.
export { ALICE, BOB, CHANNEL, SECRET, TEAM };
/** The click was not recorded, certainly (the intent was voided). */
export const NOT_RECORDED = 'not recorded — the decision store is unavailable; try again';
/** The write may still land: either outcome is right, but never twice. */
export const NOT_RECORDED_YET = 'not recorded — the decision store did not answer in time';

export interface Child {
  url: string;
  /** SIGKILL: nothing gets to finish. Resolves when the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit (drains what was acknowledged). */
  stop(): Promise<void>;
  stderr(): string;
}

export interface ProcessRig {
  sim: Awaited<ReturnType<typeof start>>;
  slack: LocalSlackApi;
  /** A serve process on this rig's config and data (a second one is a second replica when the store is shared). */
  spawn(extraEnv?: Record<string, string>): Promise<Child>;
  /** A signed click's form, to deliver more than once (a redelivery, two replicas). */
  clickForm(action: string, findingId: string, user: string, id: string): Record<string, string>;
  send(child: Child, form: Record<string, string>): Promise<{ status: number; body: string }>;
  click(
    child: Child,
    action: string,
    findingId: string,
    user: string,
    id: string,
  ): Promise<{ status: number; body: string }>;
  /** Clicks, waits for the reason form (views.update after views.open), and returns the modal's id. */
  openForm(child: Child, action: string, findingId: string, user: string): Promise<string>;
  submit(
    child: Child,
    viewId: string,
    reason: string,
    user: string,
    trust?: boolean,
  ): Promise<{ status: number; body: string }>;
  /** A signed click on a button by its exact action id (e.g. Block account's `block_account`). */
  press(
    child: Child,
    actionId: string,
    value: string,
    user: string,
    id: string,
  ): Promise<{ status: number; body: string }>;
  /** A signed slash command; `body` is the ack's (an ephemeral answer given with it). */
  command(child: Child, text: string, user?: string): Promise<{ status: number; body: string }>;
  /** Whether the click `id` was answered with this text. */
  told(id: string, text: string): boolean;
  /** The finding's message in the stand-in (the newest that names it). */
  messageText(findingId: string): string | undefined;
  config: Record<string, unknown>;
  dataDir: string;
  close(): Promise<void>;
}

export async function processRig(
  world: World,
  options: {
    slack?: Record<string, unknown>;
    /** A store the replicas share (`kind: dynamodb` at this endpoint); default embedded in dataDir. */
    sharedStoreEndpoint?: string;
    env?: Record<string, string>;
    /** More top-level config sections (`guard`, `regions`, `remediation`…), replacing the rig's own. */
    config?: Record<string, unknown>;
  } = {},
): Promise<ProcessRig> {
  const sim = await start({ world });
  const slack = await startLocalSlackApi({});
  const dir = await mkdtemp(join(tmpdir(), 'sg-proc-'));
  const dataDir = join(dir, 'data');
  const config = {
    accounts: world.accounts.map((a) =>
      a.id === world.homeAccount ? { id: a.id, role: 'none' } : { id: a.id },
    ),
    aws: { endpoint: sim.endpoint, maxAttempts: 2 },
    slack: {
      channel: CHANNEL,
      approvers: { users: [ALICE, BOB] },
      postIntervalMs: 0,
      maxMessagesPerScan: 200,
      layout: 'flat',
      requireReason: false,
      ...options.slack,
    },
    store: options.sharedStoreEndpoint
      ? {
          kind: 'dynamodb',
          endpoint: options.sharedStoreEndpoint,
          region: 'us-east-1',
          tableName: 'shareguard',
        }
      : { kind: 'embedded', dataDir },
    schedule: { enabled: false },
    ...options.config,
  };
  const file = join(dir, 'shareguard.yml');
  await writeFile(file, JSON.stringify(config)); // YAML is a superset of JSON
  const env = {
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.apiUrl,
    SLACK_APP_TOKEN: '',
    PORT: '0',
    AWS_ACCESS_KEY_ID: sim.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sim.secretAccessKey,
    AWS_REGION: 'us-east-1',
    // Quick passes and short claims, so a test sees a dead run taken over within seconds.
    RECONCILE_INTERVAL_MS: '300',
    INTENT_LEASE_MS: '1500',
    ...options.env,
  };
  const children = new Set<ReturnType<typeof shareguard>>();
  let spawned = 0;
  const events = (c: Child) => `${c.url}/slack/events`;
  const messageTs = (findingId: string) =>
    slack.messages(CHANNEL).find((m) => JSON.stringify(m.blocks ?? []).includes(findingId))?.ts ?? '0';
  const pressForm = (actionId: string, findingId: string, user: string, id: string) => {
    const ts = messageTs(findingId);
    return buttonClickForm({
      actionId,
      value: findingId,
      userId: user,
      teamId: TEAM,
      channelId: CHANNEL,
      messageTs: ts,
      responseUrl: slack.responseUrl(id, { channel: CHANNEL, ts, user }),
      triggerId: slack.views.issueTrigger(user),
    });
  };
  const rig: ProcessRig = {
    sim,
    slack,
    config,
    dataDir,
    async spawn(extraEnv = {}) {
      const p = shareguard(['serve', '--config', file, '--no-schedule'], { ...env, ...extraEnv });
      children.add(p);
      // Each child's log next to its data, for a failed run (CHAOS_DEBUG prints where).
      const logFile = join(dir, `serve-${++spawned}.log`);
      void p.exited.then((e) => writeFile(logFile, e.stderr).catch(() => {}));
      if (process.env.CHAOS_DEBUG) console.log(`serve log: ${logFile}`);
      void p.exited.then(() => children.delete(p));
      const ready = await Promise.race([
        p.waitFor(/shareguard is ready/),
        new Promise<never>((_, fail) =>
          setTimeout(() => fail(new Error(`serve not ready in 60 s: ${p.stderr()}`)), 60_000).unref(),
        ),
      ]);
      const url = (JSON.parse(ready) as { url: string }).url;
      return {
        url,
        stderr: () => p.stderr(),
        kill: async () => {
          p.child.kill('SIGKILL');
          await p.exited;
        },
        stop: async () => {
          p.child.kill('SIGTERM');
          await p.exited;
        },
      };
    },
    clickForm(action, findingId, user, id) {
      return pressForm(`shareguard.${action}`, findingId, user, id);
    },
    send(child, form) {
      return sendSigned(events(child), SECRET, form);
    },
    click(child, action, findingId, user, id) {
      return sendSigned(events(child), SECRET, pressForm(`shareguard.${action}`, findingId, user, id));
    },
    press(child, actionId, value, user, id) {
      return sendSigned(events(child), SECRET, pressForm(actionId, value, user, id));
    },
    async openForm(child, action, findingId, user) {
      const form = () =>
        slack.views.modals().find(
          (v) =>
            v.userId === user &&
            v.callbackId === REASON_CALLBACK &&
            (() => {
              const m = decodeMetadata(v.privateMetadata);
              return m.ok && m.value.action === action && m.value.findingId === findingId;
            })(),
        );
      const res = await rig.click(child, action, findingId, user, `open-${findingId}`);
      if (res.status !== 200) throw new Error(`click answered ${res.status}`);
      const deadline = Date.now() + 20_000;
      while (!form()) {
        if (Date.now() > deadline)
          throw new Error(`no reason form for ${findingId}: ${child.stderr().slice(-2000)}`);
        await sleep(25);
      }
      return form()!.id;
    },
    submit(child, viewId, reason, user, trust = false) {
      return sendSigned(
        events(child),
        SECRET,
        viewSubmissionForm({
          userId: user,
          teamId: TEAM,
          view: slack.views.submitted(viewId, {
            [REASON_BLOCK]: reason,
            ...(trust ? { [EXPIRY_BLOCK]: 'never' } : {}),
          }),
        }),
      );
    },
    command(child, text, user = ALICE) {
      return sendSigned(
        events(child),
        SECRET,
        slashCommandForm({
          text,
          userId: user,
          channelId: CHANNEL,
          teamId: TEAM,
          responseUrl: slack.responseUrl(undefined, { channel: CHANNEL, user }),
        }),
      );
    },
    told(id, text) {
      return slack.responses.some((r) => r.id === id && JSON.stringify(r.payload).includes(text));
    },
    messageText(findingId) {
      const m = slack
        .messages(CHANNEL)
        .filter((x) => JSON.stringify(x.blocks ?? []).includes(findingId))
        .at(-1);
      return m && JSON.stringify(m.blocks ?? []);
    },
    async close() {
      for (const p of children) {
        p.child.kill('SIGKILL');
        await p.exited;
      }
      await slack.close();
      await sim.stop();
    },
  };
  return rig;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until `done()` or the deadline; returns whether it got there. */
export async function eventually(
  done: () => boolean | Promise<boolean>,
  ms = 30_000,
  every = 100,
): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await done()) return true;
    await sleep(every);
  }
  return done();
}
