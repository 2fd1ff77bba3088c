/**
 * The Slack side. (1) 200 concurrent signed Remove clicks, four on each of 50 directly shared AMIs,
 * against `shareguard serve` (HTTP mode, its own process) with the local Slack Web API and the
 * simulator: the ack latency of each click and the AWS calls they cause. (2) Rendering the scan posts,
 * the scan summary and the digest for 10,000 findings.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { findingId, RESOURCE_KINDS, type Finding, type ResourceKind } from '../src/domain/finding.ts';
import type { DecisionRecord, FindingRecord } from '../src/domain/lifecycle.ts';
import type { ScanResult } from '../src/scan/scan.ts';
import type { TargetResult } from '../src/scan/target-result.ts';
import type { World } from '../src/testing/sim/index.ts';
import { startLocalSlackApi } from '../src/testing/slack-api/index.ts';
import {
  blockProblems,
  digestMessage,
  planScanPosts,
  scanSummaryMessage,
} from '../src/slack/messages/index.ts';
import { buttonClickForm, sendSigned, slashCommandForm } from '../src/testing/signed-request.ts';
import { Rng } from './lib/prng.ts';
import { cleanEnv, freePort, ROOT, runNode, SHAREGUARD_BIN, startSimProcess, TMP } from './lib/proc.ts';
import { LATENCY_MS } from './worlds.ts';

const CHANNEL = 'C0SECURITY';
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const TEAM = 'T0LOCAL';
const SECRET = 'bench-signing-secret';
const EVIL = '444444444444';
const REGION = 'us-east-1';

export interface ClickRound {
  clicks: number;
  findings: number;
  statuses: Record<string, number>;
  ackMs: { p50: number; p95: number; p99: number; max: number; mean: number };
  /** From the first click sent to the last finding's message showing the outcome. */
  allDoneMs: number;
  awsCalls: {
    cancelImageLaunchPermission: number;
    describeImages: number;
    /**
     * STS AssumeRole: credentials, not a change. The scan runs in worker threads, so the serving thread
     * assumes an account's role at its first decision there (then cached until near expiry).
     */
    assumeRole: number;
    total: number;
  };
  /** Launch permissions of this round's 50 AMIs left in the simulator afterwards. */
  launchPermissionsLeft: number;
  messagesUpdated: number;
}

export interface ClickResult {
  /** Rounds of 200 clicks, each on 50 findings of its own, against the same running serve. */
  rounds: ClickRound[];
  /** Ack latency over every click of every round. */
  ackMs: ClickRound['ackMs'];
  /** Per round: the AWS calls of that round (each must be exactly 50 removals). */
  awsCalls: ClickRound['awsCalls'];
}

export const CLICK_ROUNDS = 3;
const FINDINGS_PER_ROUND = 50;

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function stats(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  return {
    p50: percentile(s, 50),
    p95: percentile(s, 95),
    p99: percentile(s, 99),
    max: s[s.length - 1] ?? NaN,
    mean: s.reduce((a, b) => a + b, 0) / (s.length || 1),
  };
}

/** 10 accounts per round in one region, 5 AMIs shared directly into each by one untrusted owner. */
function clickWorld(rounds: number): World {
  const accounts = Array.from({ length: 10 * rounds }, (_, i) => `1${String(i).padStart(11, '0')}`);
  return {
    homeAccount: accounts[0]!,
    latencyMs: LATENCY_MS,
    throttle: { scale: 1 },
    accounts: accounts.map((id) => ({ id, regions: [REGION], assumeRole: 'allow' as const })),
    images: accounts.flatMap((a, i) =>
      Array.from({ length: 5 }, (_, k) => ({
        id: `ami-${(i * 5 + k + 1).toString(16).padStart(17, '0')}`,
        region: REGION,
        owner: EVIL,
        name: `backdoored-${i}-${k}`,
        creationDate: '2024-05-01T00:00:00.000Z',
        launchPermissions: [{ userId: a }],
      })),
    ),
    snapshots: [],
    dbSnapshots: [],
    dbClusterSnapshots: [],
    instances: [],
    volumes: [],
  };
}

async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined> | T | undefined,
) {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Remove buttons in a message's blocks: finding id → present. */
function removeButtons(blocks: unknown): string[] {
  const out: string[] = [];
  const walk = (x: unknown) => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      if (o.action_id === 'shareguard.remove' && typeof o.value === 'string') out.push(o.value);
      Object.values(o).forEach(walk);
    }
  };
  walk(blocks);
  return out;
}

export async function clickBench(
  log: (line: string) => void,
  opts: {
    /** For investigation: node flags for serve (--cpu-prof), another checkout's bin, no outcome wait. */
    serveNodeArgs?: string[];
    shareguardBin?: string;
    ackOnly?: boolean;
    rounds?: number;
  } = {},
): Promise<ClickResult> {
  const rounds = opts.rounds ?? CLICK_ROUNDS;
  const world = clickWorld(rounds);
  const worldFile = join(TMP, 'world-clicks.json');
  await writeFile(worldFile, JSON.stringify(world));
  const sim = await startSimProcess(worldFile, join(TMP, 'sim-clicks.log'));
  const slack = await startLocalSlackApi();
  const dataDir = join(TMP, `slack-data-${process.pid}`);
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  const port = await freePort();
  const configFile = join(TMP, 'config-clicks.yml');
  await writeFile(
    configFile,
    stringify({
      aws: { endpoint: sim.endpoint },
      accounts: world.accounts.map((a) =>
        a.id === world.homeAccount ? { id: a.id, role: 'none' } : { id: a.id },
      ),
      regions: 'all',
      // postIntervalMs 0: the local stand-in has no posting rate limit; the bench measures clicks, not Slack's pace.
      slack: {
        channel: CHANNEL,
        approvers: { users: [ALICE, BOB] },
        maxMessagesPerScan: 200,
        postIntervalMs: 0,
        // One-click decisions: the bench measures the click's ack and the AWS calls of a decision; with
        // reasons required a click only opens a modal (measured by the tests, not here).
        requireReason: false,
      },
      store: { kind: 'embedded', dataDir },
      schedule: { enabled: false },
    }),
  );
  const logFd = openSync(join(TMP, 'serve-clicks.log'), 'w');
  const serve = spawn(
    process.execPath,
    [
      ...(opts.serveNodeArgs ?? []),
      opts.shareguardBin ?? SHAREGUARD_BIN,
      'serve',
      '--config',
      configFile,
      '--no-schedule',
    ],
    {
      env: cleanEnv({
        AWS_ACCESS_KEY_ID: sim.accessKeyId,
        AWS_SECRET_ACCESS_KEY: sim.secretAccessKey,
        SLACK_BOT_TOKEN: 'xoxb-bench',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.apiUrl,
        PORT: String(port),
        LOG_LEVEL: 'warn',
      }),
      stdio: ['ignore', logFd, logFd],
    },
  );
  closeSync(logFd);
  const events = `http://127.0.0.1:${port}/slack/events`;
  try {
    await until('shareguard serve to answer /healthz', 60_000, async () => {
      if (serve.exitCode !== null) throw new Error(`shareguard serve exited with ${serve.exitCode}`);
      try {
        return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok ? true : undefined;
      } catch {
        return undefined;
      }
    });
    log('  serve is up; /shared-scan…');
    const scan = await sendSigned(
      events,
      SECRET,
      slashCommandForm({
        text: '',
        userId: ALICE,
        channelId: CHANNEL,
        teamId: TEAM,
        responseUrl: slack.responseUrl(undefined, { channel: CHANNEL, user: ALICE }),
      }),
    );
    if (scan.status !== 200) throw new Error(`/shared-scan answered ${scan.status}: ${scan.body}`);
    const total = FINDINGS_PER_ROUND * rounds;
    const tsOf = await until(`the scan to post ${total} findings`, 120_000, () => {
      const map = new Map<string, string>();
      for (const m of slack.messages(CHANNEL)) for (const id of removeButtons(m.blocks)) map.set(id, m.ts);
      const finished = slack.messages(CHANNEL).some((m) => /finished/.test(m.text ?? ''));
      return finished && map.size >= total ? map : undefined;
    });
    const expected = world.images.map((i) => findingId('ami', i.launchPermissions[0]!.userId!, REGION, i.id));
    if (tsOf.size !== total || expected.some((id) => !tsOf.has(id)))
      throw new Error(`expected the world's ${total} AMIs posted with a Remove button, got ${tsOf.size}`);

    const results: Array<ClickRound & { rawMs: number[] }> = [];
    for (let round = 0; round < rounds; round++) {
      const images = world.images.slice(round * FINDINGS_PER_ROUND, (round + 1) * FINDINGS_PER_ROUND);
      const ids = images.map((i) => findingId('ami', i.launchPermissions[0]!.userId!, REGION, i.id));
      log(`  round ${round + 1}/${rounds}: 200 concurrent Remove clicks on 50 findings…`);
      results.push(
        await clickRound(
          ids,
          images.map((i) => i.id),
        ),
      );
    }
    const all = results.flatMap((r) => r.rawMs);
    return {
      rounds: results.map(({ rawMs: _raw, ...r }) => r),
      ackMs: stats(all),
      awsCalls: {
        cancelImageLaunchPermission: Math.max(...results.map((r) => r.awsCalls.cancelImageLaunchPermission)),
        describeImages: Math.max(...results.map((r) => r.awsCalls.describeImages)),
        assumeRole: Math.max(...results.map((r) => r.awsCalls.assumeRole)),
        total: Math.max(...results.map((r) => r.awsCalls.total)),
      },
    };

    async function clickRound(ids: string[], imageIds: string[]): Promise<ClickRound & { rawMs: number[] }> {
      const before = {
        cancel: await sim.calls('CancelImageLaunchPermission'),
        describe: await sim.calls('DescribeImages'),
        assume: await sim.calls('AssumeRole'),
        total: await sim.calls(),
      };
      // Four clicks per finding, by two approvers, all sent at once (the four of one finding adjacent).
      const clicks = ids.flatMap((id, i) =>
        [0, 1, 2, 3].map((k) => ({ id, user: (i + k) % 2 ? ALICE : BOB, ts: tsOf.get(id)! })),
      );
      const forms = clicks.map((c) =>
        buttonClickForm({
          actionId: 'shareguard.remove',
          value: c.id,
          userId: c.user,
          teamId: TEAM,
          channelId: CHANNEL,
          messageTs: c.ts,
          responseUrl: slack.responseUrl(undefined, { channel: CHANNEL, ts: c.ts, user: c.user }),
        }),
      );
      const clicksFile = join(TMP, 'clicks.json');
      await writeFile(clicksFile, JSON.stringify({ url: events, secret: SECRET, forms }));
      const { sentAt, results } = JSON.parse(
        await runNode([join(ROOT, 'bin/run-ts.js'), join(ROOT, 'bench/lib/clicker.ts'), clicksFile]),
      ) as { sentAt: number; results: Array<{ status: number; ms: number }> };
      const updated = await until('every finding message to show the outcome', 120_000, () => {
        if (opts.ackOnly) return 0;
        const done = ids.filter((id) => {
          const m = slack.message(CHANNEL, tsOf.get(id)!);
          return m && !removeButtons(m.blocks).includes(id);
        }).length;
        return done === ids.length ? done : undefined;
      });
      const allDoneMs = Date.now() - sentAt;
      // Anything still in flight would show up as more calls: give it a moment.
      await new Promise((r) => setTimeout(r, 1000));
      const after = {
        cancel: await sim.calls('CancelImageLaunchPermission'),
        describe: await sim.calls('DescribeImages'),
        assume: await sim.calls('AssumeRole'),
        total: await sim.calls(),
      };
      const state = (await (await fetch(`${sim.endpoint}/_sim/state`)).json()) as World;
      const mine = new Set(imageIds);
      const statuses: Record<string, number> = {};
      for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      return {
        clicks: clicks.length,
        findings: ids.length,
        statuses,
        ackMs: stats(results.map((r) => r.ms)),
        rawMs: results.map((r) => r.ms),
        allDoneMs,
        awsCalls: {
          cancelImageLaunchPermission: after.cancel - before.cancel,
          describeImages: after.describe - before.describe,
          assumeRole: after.assume - before.assume,
          total: after.total - before.total,
        },
        launchPermissionsLeft: state.images
          .filter((i) => mine.has(i.id))
          .reduce((n, i) => n + i.launchPermissions.length, 0),
        messagesUpdated: updated,
      };
    }
  } finally {
    serve.kill('SIGTERM');
    await new Promise((r) => (serve.exitCode !== null ? r(null) : serve.once('exit', r)));
    await slack.close();
    await sim.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

// ---- rendering ----------------------------------------------------------------------------------

export interface RenderResult {
  findings: number;
  owners: number;
  maxMessagesPerScan: number;
  scanPosts: { messages: number; overflowCount: number; ms: { first: number; median: number } };
  summary: { messages: number; ms: { first: number; median: number } };
  digest: { messages: number; ms: { first: number; median: number } };
  blockKitProblems: number;
}

/** 10,000 open findings of every kind, 40 owners, 200 accounts, 4 regions; deterministic. */
export function renderRecords(n = 10_000): FindingRecord[] {
  const rng = new Rng(0x5eed_5ac);
  const owners = Array.from({ length: 40 }, (_, i) => `4${String(i).padStart(11, '0')}`);
  const regions = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-northeast-1'];
  const now = '2026-01-01T00:00:00.000Z';
  return Array.from({ length: n }, (_, i) => {
    const kind: ResourceKind = RESOURCE_KINDS[i % 4]!;
    const account = `1${String(rng.int(200)).padStart(11, '0')}`;
    const region = rng.pick(regions);
    const owner = rng.pick(owners);
    const resourceId =
      kind === 'ami'
        ? `ami-${i.toString(16).padStart(17, '0')}`
        : kind === 'ebs-snapshot'
          ? `snap-${i.toString(16).padStart(17, '0')}`
          : `arn:aws:rds:${region}:${owner}:${kind === 'rds-snapshot' ? 'snapshot' : 'cluster-snapshot'}:snap-${i}`;
    const finding: Finding = {
      id: findingId(kind, account, region, resourceId),
      kind,
      accountId: account,
      accountName: `workload-${account.slice(-4)}`,
      region,
      resourceId,
      resourceArn: kind.startsWith('rds') ? resourceId : `arn:aws:ec2:${region}::image/${resourceId}`,
      ownerAccountId: owner,
      sharedVia: kind === 'ami' && rng.chance(0.1) ? 'organization' : 'account',
      name: `resource-${'x'.repeat(rng.int(60))}-${i}`,
      createdAt: '2025-06-01T00:00:00.000Z',
    };
    return { finding, state: 'open', firstSeenAt: now, lastSeenAt: now, version: 1 };
  });
}

function timed<T>(fn: () => T, runs = 5): { value: T; first: number; median: number } {
  const times: number[] = [];
  let value!: T;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    value = fn();
    times.push(performance.now() - t0);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { value, first: times[0]!, median: sorted[Math.floor(sorted.length / 2)]! };
}

export function renderBench(maxMessagesPerScan = 20): RenderResult {
  const records = renderRecords();
  const plan = timed(() => planScanPosts(records, maxMessagesPerScan));
  const result: ScanResult = {
    findings: records.map((r) => r.finding),
    targets: Array.from({ length: 800 }, (_, i): TargetResult => {
      const where = {
        accountId: `1${String(i % 200).padStart(11, '0')}`,
        region: ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-northeast-1'][i % 4]!,
      };
      if (i % 97) return { ...where, status: 'ok' };
      return {
        ...where,
        status: 'region-failed',
        failures: [{ kind: 'ami', error: 'AccessDenied: not authorized' }],
      };
    }),
    summary: {
      findings: records.length,
      trustedSkipped: 1234,
      targetsScanned: 791,
      targetsFailed: 9,
      accountsScanned: 200,
      accountsWithFindings: 200,
    },
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 12_345,
  };
  const summary = timed(() =>
    scanSummaryMessage(
      result,
      { new: records.length, sharedAgain: 0, resolved: 0, posted: plan.value.posts.length },
      'all accounts',
    ),
  );
  const decisions: DecisionRecord[] = Array.from({ length: 300 }, (_, i) => ({
    decisionId: `d-${i}`,
    action: i % 3 ? 'remove' : 'trust',
    findingId: records[i]!.finding.id,
    ownerAccountId: records[i]!.finding.ownerAccountId,
    by: { userId: i % 2 ? ALICE : BOB },
    at: '2026-01-01T08:00:00.000Z',
    outcome: i % 5 ? 'succeeded' : 'owner-only',
  }));
  const digest = timed(() =>
    digestMessage({
      since: '2025-12-31T09:00:00.000Z',
      open: records,
      decisions,
      resolved: 42,
      lastScan: { at: result.startedAt, summary: result.summary },
    }),
  );
  const all = [...plan.value.posts, summary.value, digest.value];
  const problems = all.reduce((n, m) => n + blockProblems(m.blocks).length, 0);
  return {
    findings: records.length,
    owners: new Set(records.map((r) => r.finding.ownerAccountId)).size,
    maxMessagesPerScan,
    scanPosts: {
      messages: plan.value.posts.length,
      overflowCount: plan.value.overflowCount,
      ms: { first: plan.first, median: plan.median },
    },
    summary: { messages: 1, ms: { first: summary.first, median: summary.median } },
    digest: { messages: 1, ms: { first: digest.first, median: digest.median } },
    blockKitProblems: problems,
  };
}

// CLI: `node bin/run-ts.js bench/slack.ts clicks|render` prints the result as JSON (progress on
// stderr). The benchmark runs each part in its own process, away from the large worlds it holds.
if (import.meta.url === `file://${process.argv[1]}`) {
  const what = process.argv[2];
  if (what === 'clicks')
    console.log(JSON.stringify(await clickBench((line) => process.stderr.write(`${line}\n`))));
  else if (what === 'render') console.log(JSON.stringify(renderBench()));
  else {
    console.error('usage: slack.ts clicks|render');
    process.exitCode = 2;
  }
}
