/**
 * One measured shareguard scan of one world, for targeted runs while working on speed or memory (the full
 * benchmark is `bench/run.ts`): `node bin/run-ts.js bench/scan-one.ts --size M [--workers N] [--blast-radius]
 * [--runs N] [--concurrency N]`. Measures the compiled build (run `npm run build` first), checks the findings
 * against the world's, prints time, CPU and peak RSS with the load average. Writes nothing but scratch files.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { TMP } from './lib/proc.ts';
import { runShareguardScan } from './shareguard-scan.ts';
import { generateWorld, oracle, SPECS, writeWorld, type SizeName } from './worlds.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: 'M' },
    workers: { type: 'string' },
    concurrency: { type: 'string', default: '64' },
    runs: { type: 'string', default: '1' },
    'blast-radius': { type: 'boolean', default: false },
  },
  strict: true,
});
const size = values.size as SizeName;
if (!(size in SPECS)) throw new Error(`--size: expected one of ${Object.keys(SPECS).join(', ')}`);

const bw = generateWorld(SPECS[size]);
const expected = new Set(oracle(bw).untrusted.map((f) => f.id));
const file = join(TMP, `world-${size}.json`);
await writeWorld(bw, file);
for (let i = 0; i < Number(values.runs); i++) {
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  const run = await runShareguardScan(bw, file, {
    concurrency: Number(values.concurrency),
    tag: `one-${size}-${i}`,
    ...(values.workers ? { workers: Number(values.workers) } : {}),
    blastRadius: values['blast-radius']!,
  });
  const same = run.findings.length === expected.size && run.findings.every((id) => expected.has(id));
  process.stdout.write(
    `${size} workers=${values.workers ?? 'default'} scan ${(run.scanMs / 1000).toFixed(1)} s, wall ${(run.wallMs / 1000).toFixed(1)} s, ` +
      `CPU ${((run.cpuMs ?? 0) / 1000).toFixed(1)} s (simulator ${((run.simCpuMs ?? 0) / 1000).toFixed(1)} s), ` +
      `peak RSS ${run.maxRssMiB?.toFixed(0)} MiB, calling-thread heap ${run.heapUsedMaxMiB?.toFixed(0)}/${run.heapTotalMaxMiB?.toFixed(0)} MiB, ` +
      `${run.calls.total} requests, findings ${same ? '= the world’s' : `DIFFER (${run.findings.length} vs ${expected.size})`}; ` +
      `load average before ${load}\n`,
  );
}
