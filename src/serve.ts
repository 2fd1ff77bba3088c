import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { SocketModeReceiver } from '@slack/bolt';
import type { Config } from './config/schema.ts';
import { AwsClients } from './aws/clients.ts';
import { awsSettingsFromConfig } from './scan/from-config.ts';
import { openStore, StoreError, type Store } from './store/index.ts';
import { createLogger, type Logger } from './log.ts';
import type { CoreDeps } from './core/deps.ts';
import { resumeInterruptedBlocks } from './core/block-account.ts';
import { guardReconciler } from './guard/reconciler.ts';
import { monitoredAccountsNow } from './scan/monitored-now.ts';
import { blockAccountMessage } from './slack/messages/guard.ts';
import { decisionView } from './slack/decision-view.ts';
import { SCHEDULE, ScanJob } from './jobs/scan-job.ts';
import { postDigest, retryDueDigest } from './jobs/digest-job.ts';
import { startSchedules } from './jobs/scheduler.ts';
import { Approvers } from './slack/authorize.ts';
import { createSlackApp, postingClient, verifyAppToken, verifyBotToken } from './slack/app.ts';
import { registerListeners } from './slack/listeners/index.ts';
import { Publisher } from './slack/publisher.ts';
import { Limiter } from './scan/limiter.ts';
import type { SlackContext } from './slack/context.ts';
import { DecisionRunner } from './core/decision-runner.ts';
import { SlackDecisionObserver } from './slack/intent-runner.ts';
import { healthHandler, startHealthServer, type HealthState } from './health.ts';
import { metricsHandler, recordAwsError, setStoreGauges } from './metrics.ts';
import { FINDING_STATES } from './domain/lifecycle.ts';
import { StartupError } from './startup-error.ts';
import {
  intentLeaseFromEnv,
  processSettingsFromEnv,
  reconcileIntervalFromEnv,
  slackSettingsFromEnv,
} from './serve/settings.ts';
import {
  checkChannel,
  closeServer,
  slackProbe,
  startHttp,
  startSocket,
  watchSocket,
} from './serve/slack-connection.ts';

export { StartupError };
// What `shareguard serve` (src/cli/commands/serve.ts) needs before the server starts.
export { ServeSetupError, processSettingsFromEnv } from './serve/settings.ts';
export { Shutdown } from './serve/shutdown.ts';

/** Clicks carried out at once; the rest wait their turn after being acked (and written as intents). */
const DECISION_CONCURRENCY = 3;
export interface RunningServer {
  /** HTTP mode: the base URL (`/slack/events`, `/healthz`). */
  url?: string;
  /** `/healthz` on the health port (HEALTH_PORT, or PORT in Socket Mode), unless HEALTH_PORT=off. */
  healthUrl?: string;
  ctx: SlackContext;
  /** One reconcile pass now (pending intents, stuck removals, the outbox); serve also runs it periodically. */
  reconcile(): ReturnType<DecisionRunner['reconcile']>;
  health(): HealthState;
  /** Resolves when the background work started so far (scans, decisions) has finished. */
  idle(): Promise<void>;
  /** Background work not finished yet. */
  pendingCount(): number;
  stop(): Promise<void>;
}

/** Builds everything `shareguard serve` runs: store, AWS clients, core, Bolt app, schedules. */
export async function startServer(options: {
  config: Config;
  env: NodeJS.ProcessEnv;
  credentials?: AwsCredentialIdentity;
  log?: Logger;
  schedules?: boolean;
  /** Tests: wraps the opened store (fault injection). */
  wrapStore?: (store: Store) => Store;
}): Promise<RunningServer> {
  const { config, env } = options;
  const log = options.log ?? createLogger();
  const slack = slackSettingsFromEnv(env, config);
  const processSettings = processSettingsFromEnv(env);
  const identity = await verifyBotToken(slack, log);
  await verifyAppToken(slack, log);
  let opened: Store;
  try {
    opened = await openStore(config.store, {
      fallbackRegion: config.aws.homeRegion,
      ...(processSettings.storeTimeoutMs ? { callTimeoutMs: processSettings.storeTimeoutMs } : {}),
      log: (m) => log.info(m),
    });
  } catch (err) {
    if (err instanceof StoreError)
      throw new StartupError(config.store.kind === 'embedded' ? 'store.dataDir' : 'store', err.message, {
        cause: err,
      });
    throw err;
  }
  const clients = new AwsClients(awsSettingsFromConfig(config, options.credentials), recordAwsError);
  const store = options.wrapStore ? options.wrapStore(opened) : opened;
  const deps: CoreDeps = { config, store, clients, log };
  const pending = new Set<Promise<unknown>>();
  const state: HealthState = {
    mode: slack.appToken ? 'socket' : 'http',
    socket: slack.appToken ? 'connecting' : 'n/a',
    draining: false,
  };
  const health = healthHandler(() => ({ ...state }), store, slackProbe(slack));
  const metrics = metricsHandler();
  setStoreGauges({
    findings: () => store.listFindings({ states: FINDING_STATES }),
    outboxDepth: async () => (await store.listOutbox()).length,
  });
  let stopSchedules: (() => Promise<void>) | undefined;
  let stopGuard: (() => Promise<void>) | undefined;
  let healthServer: Server | undefined;
  let app: ReturnType<typeof createSlackApp>['app'] | undefined;
  try {
    const built = createSlackApp(slack, identity, log, health, metrics);
    app = built.app;
    if (slack.appToken) watchSocket(built.receiver as SocketModeReceiver, state, log);
    const publisher = new Publisher(app.client, store, config.slack.channel!, log, {
      postClient: postingClient(slack, log),
      postIntervalMs: config.slack.postIntervalMs,
      view: decisionView(config),
    });
    const decisions = new Limiter(DECISION_CONCURRENCY);
    const approvers = new Approvers(config.slack, app.client, log);
    const track = (work: Promise<unknown>) => {
      const p = work.catch((err: Error) =>
        log.error({ err: err.message, stack: err.stack }, 'background work failed'),
      );
      pending.add(p);
      void p.finally(() => pending.delete(p));
    };
    // AWS work from intents on the decisions' pool; Slack rendering on the observer's own (D4).
    const intents = new DecisionRunner(
      deps,
      approvers,
      new SlackDecisionObserver(publisher, log, track),
      decisions,
      {
        leaseMs: intentLeaseFromEnv(env),
      },
    );
    const ctx: SlackContext = {
      deps,
      publisher,
      intents,
      approvers,
      scanJob: new ScanJob(
        deps,
        publisher,
        processSettings.scanLeaseMs ? { leaseMs: processSettings.scanLeaseMs } : {},
      ),
      decisions,
      track,
    };
    registerListeners(app, ctx);
    app.error(async (err) => {
      log.error({ err: err.message }, 'slack listener error');
    });
    await checkChannel(app.client, config.slack.channel!, log);

    const digestHolder = `digest-${randomUUID()}`;
    // Clicks acknowledged before a restart, removals it interrupted, messages it left stale. A store
    // failure here is not fatal: the periodic pass retries.
    const reconcile = async (why: string) => {
      try {
        const r = await intents.reconcile();
        if (r.intents || r.interrupted || r.refreshed || r.failedRefreshes)
          log.info({ ...r, why }, 'reconciled');
      } catch (err) {
        log.warn({ err: (err as Error).message, why }, 'reconcile failed; the next pass retries');
      }
      // Jobs a dead process left: a stale scan lease (its "Scanning…" message) and a digest still due.
      await retryDueDigest(deps, publisher, digestHolder).catch((err: Error) =>
        log.warn({ err: err.message, why }, 'digest retry failed; the next pass retries'),
      );
      await ctx.scanJob
        .recoverStale()
        .catch((err: Error) =>
          log.warn({ err: err.message, why }, 'stale scan check failed; the next pass retries'),
        );
    };
    await reconcile('start');
    const reconcileMs = reconcileIntervalFromEnv(env);
    const reconciler = setInterval(() => ctx.track(reconcile('periodic')), reconcileMs);
    reconciler.unref();

    const healthPort = processSettings.health;
    if (healthPort)
      healthServer = (await startHealthServer(healthPort.port, health, metrics, healthPort.setting)).server;
    const url = slack.appToken ? undefined : await startHttp(app, slack.port);
    if (slack.appToken) await startSocket(app, built.receiver as SocketModeReceiver, slack, log);

    // The guard (issue 20), once started (a failed start leaves nothing running): Block accounts a
    // restart interrupted are finished in the background (an organization's worth of accounts must not
    // hold up start-up), and the reconciler converges dirty scopes periodically — a block that could
    // not be written is retried there.
    const guard = guardReconciler(deps);
    ctx.track(
      (async () => {
        await guard.reconcileDirty();
        const resumedBlocks = await resumeInterruptedBlocks(deps, (r, by, reason) =>
          publisher.post(blockAccountMessage(r, by, reason)).then(() => undefined),
        );
        if (resumedBlocks.length) await publisher.refresh(resumedBlocks);
      })(),
    );
    stopGuard = guard.start(reconcileMs);

    if (options.schedules ?? config.schedule.enabled) {
      stopSchedules = startSchedules(
        [
          { name: 'scan', expression: config.schedule.scan, run: () => ctx.scanJob.run({}, SCHEDULE) },
          {
            name: 'digest',
            expression: config.schedule.digest,
            run: () => postDigest(deps, publisher, digestHolder),
          },
        ],
        config.schedule.timezone,
        log,
      );
    }
    // With `organization`, the count is the accounts discovered now (also what the guard acts on first);
    // a discovery failure is logged and retried by the first scan, it does not stop start-up.
    const accounts = await monitoredAccountsNow(deps).then(
      (a) => a.length,
      (err: Error) => {
        log.warn({ err: err.message }, 'cannot list the organization’s accounts yet; the first scan retries');
        return undefined;
      },
    );
    const healthAddress = healthServer?.address() as AddressInfo | null | undefined;
    const healthUrl = healthAddress ? `http://127.0.0.1:${healthAddress.port}/healthz` : undefined;
    log.info(
      {
        mode: state.mode,
        ...(url ? { url } : {}),
        ...(healthUrl ? { health: healthUrl } : {}),
        channel: config.slack.channel,
        readers: config.slack.readers,
        ...(accounts !== undefined ? { accounts } : {}),
        ...(config.organization ? { organization: config.organization.account } : {}),
        store: store.info.kind,
        team: identity.teamId,
      },
      'shareguard is ready',
    );
    const idle = async () => {
      while (pending.size) await Promise.all([...pending]);
    };
    const running = app;
    let stopping: Promise<void> | undefined;
    return {
      ...(url ? { url } : {}),
      ...(healthUrl ? { healthUrl } : {}),
      ctx,
      health: () => ({ ...state }),
      idle,
      reconcile: () => intents.reconcile(),
      pendingCount: () => pending.size,
      stop: () =>
        (stopping ??= (async () => {
          // Stop taking work first (schedules, then Slack deliveries), then let what was acked finish.
          state.draining = true;
          clearInterval(reconciler);
          await ctx.scanJob.stop(); // its lease goes now, not when the grace period runs out
          await stopGuard?.();
          publisher.stop(); // paced posts waiting for a slot give up; the next scan offers them again
          await stopSchedules?.();
          await running.stop();
          await idle();
          await closeServer(healthServer);
          setStoreGauges(undefined);
          clients.destroy();
          await store.close();
        })()),
    };
  } catch (err) {
    await stopSchedules?.();
    await app?.stop().catch(() => {});
    await closeServer(healthServer);
    setStoreGauges(undefined);
    clients.destroy();
    await store.close();
    throw err;
  }
}
