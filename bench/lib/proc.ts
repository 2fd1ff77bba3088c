/** Child processes of the benchmark: the simulator, the shareguard CLI, and how they are measured. */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, statSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const TMP = join(ROOT, 'bench/results/tmp');
export const SHAREGUARD_BIN = join(ROOT, 'bin/shareguard.js');
const RUSAGE_HOOK = join(ROOT, 'bench/lib/rusage-hook.mjs');

/** Environment for children: no user AWS config can leak in, no SDK notices. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k === 'SHAREGUARD_FROM_SOURCE') {
      env[k] = v; // which form of the product runs (bin/shareguard.js)
      continue;
    }
    if (k.startsWith('AWS_') || k.startsWith('SHAREGUARD_') || k.startsWith('SLACK_')) continue;
    env[k] = v;
  }
  return {
    ...env,
    AWS_CONFIG_FILE: join(TMP, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(TMP, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

/** CPU time (user + system) a process has used so far, from /proc; undefined where there is no /proc. */
export async function cpuMsOf(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat (utime, stime) are the 12th and 13th after the command name.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

export interface SimProcess {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  homeAccount: string;
  pid: number;
  startupMs: number;
  /** Requests the simulator received for an action (throttled and failed ones included). */
  calls(action?: string): Promise<number>;
  cpuMs(): Promise<number | undefined>;
  stop(): Promise<void>;
}

function waitExit(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((res) => child.once('exit', (code) => res(code)));
}

/** `shareguard sim --world FILE --port 0` in its own process; resolves once it prints its endpoint. */
export async function startSimProcess(
  worldFile: string,
  logFile = join(TMP, 'sim.log'),
): Promise<SimProcess> {
  const t0 = performance.now();
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, [SHAREGUARD_BIN, 'sim', '--world', worldFile, '--port', '0'], {
    cwd: ROOT,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', log],
  });
  closeSync(log);
  const info = await new Promise<{
    endpoint: string;
    accessKeyId: string;
    secretAccessKey: string;
    homeAccount: string;
  }>((res, rej) => {
    let buf = '';
    const onData = (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        child.stdout!.off('data', onData);
        try {
          res(JSON.parse(buf.slice(0, nl)));
        } catch (err) {
          rej(new Error(`simulator printed ${buf.slice(0, nl)}: ${(err as Error).message}`));
        }
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) =>
      rej(new Error(`simulator exited with ${code} before starting (see ${logFile})`)),
    );
  });
  child.stdout!.resume();
  const startupMs = performance.now() - t0;
  return {
    ...info,
    pid: child.pid!,
    startupMs,
    async calls(action?: string) {
      const q = action ? `?action=${encodeURIComponent(action)}` : '';
      const res = await fetch(`${info.endpoint}/_sim/calls${q}`);
      return ((await res.json()) as { count: number }).count;
    },
    cpuMs: () => cpuMsOf(child.pid),
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await waitExit(child);
      clearTimeout(timer);
    },
  };
}

export const SCAN_ACTIONS = [
  'AssumeRole',
  'DescribeRegions',
  'DescribeImages',
  'DescribeSnapshots',
  'DescribeDBSnapshots',
  'DescribeDBClusterSnapshots',
  // The blast-radius lookups (issue 9, src/aws/usage/).
  'DescribeInstanceImageMetadata',
  'DescribeInstances',
  'DescribeVolumes',
  'DescribeEvents',
  // What would launch a finding next (issue 23, src/aws/usage/launchers.ts).
  'DescribeLaunchTemplateVersions',
  'DescribeAutoScalingGroups',
  'DescribeLaunchConfigurations',
  'ListImageRecipes',
  'GetImageRecipe',
] as const;

export async function callsByAction(sim: SimProcess): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const a of SCAN_ACTIONS) out[a] = await sim.calls(a);
  out.total = await sim.calls();
  return out;
}

export interface MeasuredRun {
  exitCode: number | null;
  wallMs: number;
  maxRssMiB?: number;
  cpuMs?: number;
  /** Largest V8 heap seen (used / reserved), sampled every 250 ms. */
  heapUsedMaxMiB?: number;
  heapTotalMaxMiB?: number;
}

/**
 * Runs `node --import rusage-hook ARGS` with stdout to a file, and reports wall time (spawn to exit),
 * peak RSS and CPU time of that process alone (from process.resourceUsage() at its exit).
 */
export async function runMeasured(
  args: string[],
  env: NodeJS.ProcessEnv,
  stdoutFile: string,
  stderrFile: string,
): Promise<MeasuredRun> {
  const rusageFile = `${stdoutFile}.rusage.json`;
  await rm(rusageFile, { force: true });
  const out = openSync(stdoutFile, 'w');
  const err = openSync(stderrFile, 'w');
  const t0 = performance.now();
  // BENCH_SCANNER_NODE: another Node binary for the measured process only (bench/node-ab.ts).
  const node = process.env.BENCH_SCANNER_NODE || process.execPath;
  const child = spawn(node, ['--import', RUSAGE_HOOK, ...args], {
    cwd: ROOT,
    env: { ...env, BENCH_RUSAGE_FILE: rusageFile },
    stdio: ['ignore', out, err],
  });
  closeSync(out);
  closeSync(err);
  const exitCode = await waitExit(child);
  const wallMs = performance.now() - t0;
  try {
    const u = JSON.parse(await readFile(rusageFile, 'utf8')) as {
      maxRssKiB: number;
      userCpuUs: number;
      systemCpuUs: number;
      heapUsedMaxMiB: number;
      heapTotalMaxMiB: number;
    };
    return {
      exitCode,
      wallMs,
      maxRssMiB: u.maxRssKiB / 1024,
      cpuMs: (u.userCpuUs + u.systemCpuUs) / 1000,
      heapUsedMaxMiB: u.heapUsedMaxMiB,
      heapTotalMaxMiB: u.heapTotalMaxMiB,
    };
  } catch {
    return { exitCode, wallMs };
  }
}

/**
 * Runs `node ARGS` and resolves with its stdout (rejects on a non-zero exit, with its stderr);
 * `onStderr` gets the child's stderr line by line as it comes (progress).
 */
export function runNode(
  args: string[],
  env: NodeJS.ProcessEnv = cleanEnv(),
  onStderr?: (line: string) => void,
): Promise<string> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
    let partial = '';
    child.stderr!.on('data', (c: Buffer) => {
      const text = c.toString('utf8');
      err += text;
      if (!onStderr) return;
      partial += text;
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const line of lines) onStderr(line);
    });
    child.on('error', rej);
    child.on('close', (code) =>
      code === 0
        ? res(out)
        : rej(new Error(`node ${args.join(' ')} exited with ${code}: ${err.slice(-2000)}`)),
    );
  });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Whether `bin/shareguard.js` will run the compiled build (dist/), by the same rule it uses. */
export function buildIsFresh(): boolean {
  if (process.env.SHAREGUARD_FROM_SOURCE === '1') return false;
  try {
    return statSync(join(ROOT, 'dist/cli.js')).mtimeMs >= newestMtime(join(ROOT, 'src'));
  } catch {
    return false;
  }
}
