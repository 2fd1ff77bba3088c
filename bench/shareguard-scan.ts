/**
 * shareguard's scan as users run it: `shareguard scan --config shareguard.yml --json` in its own
 * process, against the simulator in another process, credentials from the environment.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeBenchConfig } from './lib/config.ts';
import { callsByAction, cleanEnv, runMeasured, SHAREGUARD_BIN, startSimProcess, TMP } from './lib/proc.ts';
import type { BenchWorld } from './worlds.ts';

export interface ShareguardScanRun {
  /** Process wall time: spawn to exit (Node start, config, scan, JSON output). */
  wallMs: number;
  /** The scan itself, as the product reports it (`durationMs` of --json). */
  scanMs: number;
  maxRssMiB?: number;
  /** Largest V8 heap seen in the scanner (used / reserved). */
  heapUsedMaxMiB?: number;
  heapTotalMaxMiB?: number;
  cpuMs?: number;
  simCpuMs?: number;
  exitCode: number | null;
  concurrency: number;
  findings: string[];
  trustedSkipped: number;
  targetsScanned: number;
  targetsFailed: number;
  calls: Record<string, number>;
}

interface ScanJson {
  findings: Array<{ id: string }>;
  summary: { findings: number; trustedSkipped: number; targetsScanned: number; targetsFailed: number };
  durationMs: number;
}

export async function runShareguardScan(
  bw: BenchWorld,
  worldFile: string,
  opts: { concurrency: number; tag: string; workers?: number },
): Promise<ShareguardScanRun> {
  const sim = await startSimProcess(worldFile, join(TMP, `sim-${opts.tag}.log`));
  try {
    const configFile = join(TMP, `config-${opts.tag}.yml`);
    await writeBenchConfig(configFile, bw, {
      endpoint: sim.endpoint,
      concurrency: opts.concurrency,
      ...(opts.workers ? { workers: opts.workers } : {}),
    });
    const outFile = join(TMP, `scan-${opts.tag}.json`);
    const simCpu0 = await sim.cpuMs();
    const run = await runMeasured(
      [SHAREGUARD_BIN, 'scan', '--config', configFile, '--json'],
      cleanEnv({ AWS_ACCESS_KEY_ID: sim.accessKeyId, AWS_SECRET_ACCESS_KEY: sim.secretAccessKey }),
      outFile,
      join(TMP, `scan-${opts.tag}.stderr`),
    );
    const simCpu1 = await sim.cpuMs();
    const calls = await callsByAction(sim);
    let json: ScanJson;
    try {
      json = JSON.parse(await readFile(outFile, 'utf8')) as ScanJson;
    } catch (err) {
      const stderr = await readFile(join(TMP, `scan-${opts.tag}.stderr`), 'utf8').catch(() => '');
      throw new Error(
        `shareguard scan (exit ${run.exitCode}) did not print JSON: ${(err as Error).message}\n${stderr.slice(0, 2000)}`,
        { cause: err },
      );
    }
    return {
      wallMs: run.wallMs,
      scanMs: json.durationMs,
      ...(run.maxRssMiB !== undefined ? { maxRssMiB: run.maxRssMiB } : {}),
      ...(run.heapUsedMaxMiB !== undefined ? { heapUsedMaxMiB: run.heapUsedMaxMiB } : {}),
      ...(run.heapTotalMaxMiB !== undefined ? { heapTotalMaxMiB: run.heapTotalMaxMiB } : {}),
      ...(run.cpuMs !== undefined ? { cpuMs: run.cpuMs } : {}),
      ...(simCpu0 !== undefined && simCpu1 !== undefined ? { simCpuMs: simCpu1 - simCpu0 } : {}),
      exitCode: run.exitCode,
      concurrency: opts.concurrency,
      findings: json.findings.map((f) => f.id),
      trustedSkipped: json.summary.trustedSkipped,
      targetsScanned: json.summary.targetsScanned,
      targetsFailed: json.summary.targetsFailed,
      calls,
    };
  } finally {
    await sim.stop();
  }
}
