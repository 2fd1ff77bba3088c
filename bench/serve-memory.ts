/**
 * `shareguard serve` scanning a whole world: the long-running process's peak RSS (issue 24). serve in its
 * own process (HTTP mode, the embedded dynalite store on disk, no schedule), the local Slack Web API
 * stand-in here, the simulator in a third process; one `/shared-scan`, then the process's peak RSS from
 * the kernel (`VmHWM`) and its V8 heap statistics (bench/lib/rusage-hook.mjs) once it exits.
 * Also runnable alone: `node bin/run-ts.js bench/serve-memory.ts --size L [--blast-radius]`.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { startLocalSlackApi } from '../src/testing/slack-api/index.ts';
import { sendSigned, slashCommandForm } from '../src/testing/signed-request.ts';
import { writeBenchConfig } from './lib/config.ts';
import { cleanEnv, freePort, ROOT, SHAREGUARD_BIN, startSimProcess, TMP } from './lib/proc.ts';
import { generateWorld, oracle, SPECS, writeWorld, type BenchWorld, type SizeName } from './worlds.ts';

const CHANNEL = 'C0SECURITY';
const ALICE = 'U0ALICE';
const SECRET = 'bench-signing-secret';

export interface ServeMemoryRun {
  world: SizeName;
  blastRadius: boolean;
  /** Peak resident set of the serve process (`VmHWM` after the scan). */
  peakRssMiB: number;
  /** RSS when serve was up, before the scan. */
  idleRssMiB: number;
  /** From the slash command to the summary message. */
  scanMs: number;
  /** Findings the store holds open after the scan (the summary's count). */
  findings: number;
  expectedFindings: number;
  /** Largest V8 heap of serve's main thread (used / reserved) and per space, sampled every 250 ms. */
  heapUsedMaxMiB?: number;
  heapTotalMaxMiB?: number;
  externalMaxMiB?: number;
  spacesMaxMiB?: Record<string, number>;
}

async function vm(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, hwm: kib('VmHWM') / 1024 };
}

export async function serveMemory(
  bw: BenchWorld,
  worldFile: string,
  opts: { blastRadius: boolean; log: (line: string) => void; timeoutMs?: number },
): Promise<ServeMemoryRun> {
  const tag = `serve-${bw.spec.name}`;
  const sim = await startSimProcess(worldFile, join(TMP, `sim-${tag}.log`));
  const slack = await startLocalSlackApi();
  const dataDir = join(TMP, `${tag}-data-${process.pid}`);
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  const port = await freePort();
  const configFile = join(TMP, `config-${tag}.yml`);
  await writeBenchConfig(configFile, bw, {
    endpoint: sim.endpoint,
    blastRadius: opts.blastRadius,
    slack: { channel: CHANNEL, approvers: { users: [ALICE] }, postIntervalMs: 0 },
    store: { kind: 'embedded', dataDir },
    schedule: { enabled: false },
  });
  const rusageFile = join(TMP, `${tag}.rusage.json`);
  await rm(rusageFile, { force: true });
  const logFd = openSync(join(TMP, `${tag}.log`), 'w');
  const serve = spawn(
    process.execPath,
    [
      '--import',
      pathToFileURL(join(ROOT, 'bench/lib/rusage-hook.mjs')).href,
      SHAREGUARD_BIN,
      'serve',
      '--config',
      configFile,
      '--no-schedule',
    ],
    {
      cwd: ROOT,
      env: cleanEnv({
        AWS_ACCESS_KEY_ID: sim.accessKeyId,
        AWS_SECRET_ACCESS_KEY: sim.secretAccessKey,
        SLACK_BOT_TOKEN: 'xoxb-bench',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.apiUrl,
        PORT: String(port),
        LOG_LEVEL: 'warn',
        BENCH_RUSAGE_FILE: rusageFile,
        ...(process.env.SG_MEM ? { SG_MEM: '1' } : {}),
      }),
      stdio: ['ignore', logFd, logFd],
    },
  );
  closeSync(logFd);
  const exited = new Promise<void>((res) => serve.once('exit', () => res()));
  try {
    for (const t0 = Date.now(); ;) {
      if (serve.exitCode !== null) throw new Error(`shareguard serve exited with ${serve.exitCode}`);
      const up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (Date.now() - t0 > 60_000) throw new Error('shareguard serve did not answer /healthz in 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const idle = await vm(serve.pid!);
    opts.log(`  serve is up (${idle.rss.toFixed(0)} MiB); /shared-scan of ${bw.spec.name}…`);
    const t0 = performance.now();
    const answer = await sendSigned(
      `http://127.0.0.1:${port}/slack/events`,
      SECRET,
      slashCommandForm({
        text: '',
        userId: ALICE,
        channelId: CHANNEL,
        teamId: 'T0LOCAL',
        responseUrl: slack.responseUrl(undefined, { channel: CHANNEL, user: ALICE }),
      }),
    );
    if (answer.status !== 200) throw new Error(`/shared-scan answered ${answer.status}: ${answer.body}`);
    const timeout = opts.timeoutMs ?? 30 * 60_000;
    let summary: string | undefined;
    while (!summary) {
      if (serve.exitCode !== null) throw new Error(`shareguard serve exited with ${serve.exitCode} mid-scan`);
      if (performance.now() - t0 > timeout) throw new Error(`the scan did not finish in ${timeout / 1000} s`);
      await new Promise((r) => setTimeout(r, 250));
      summary = slack.messages(CHANNEL).find((m) => /finished/.test(m.text ?? ''))?.text;
    }
    const scanMs = performance.now() - t0;
    const peak = await vm(serve.pid!);
    serve.kill('SIGTERM');
    await exited;
    const u = JSON.parse(await readFile(rusageFile, 'utf8').catch(() => '{}')) as {
      heapUsedMaxMiB?: number;
      heapTotalMaxMiB?: number;
      externalMaxMiB?: number;
      spacesMaxMiB?: Record<string, number>;
    };
    const found = /: ([\d,]+) untrusted share/.exec(summary)?.[1];
    return {
      world: bw.spec.name,
      blastRadius: opts.blastRadius,
      peakRssMiB: peak.hwm,
      idleRssMiB: idle.rss,
      scanMs,
      findings: found ? Number(found.replace(/,/g, '')) : NaN,
      expectedFindings: oracle(bw).untrusted.length,
      ...u,
    };
  } finally {
    if (serve.exitCode === null) {
      serve.kill('SIGKILL');
      await exited;
    }
    await slack.close();
    await sim.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: { size: { type: 'string', default: 'L' }, 'blast-radius': { type: 'boolean', default: false } },
    strict: true,
  });
  const size = values.size as SizeName;
  if (!(size in SPECS)) throw new Error(`--size: expected one of ${Object.keys(SPECS).join(', ')}`);
  const bw = generateWorld(SPECS[size]);
  const file = join(TMP, `world-${size}.json`);
  await writeWorld(bw, file);
  const run = await serveMemory(bw, file, {
    blastRadius: values['blast-radius']!,
    log: (l) => process.stderr.write(`${l}\n`),
  });
  process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
}
