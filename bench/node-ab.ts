/**
 * The same commit's compiled build scanning one world on two Node binaries, alternating (issue 24 point 4:
 * what the move from Node 20 to Node 24 changed, apart from what the code changed between full runs):
 * `node bin/run-ts.js bench/node-ab.ts --size M --runs 3 --other /usr/bin/node [--blast-radius]`.
 * Only the scanner process changes Node; the simulator runs on this Node in both. Prints each run and the
 * medians; writes nothing but scratch files.
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { TMP } from './lib/proc.ts';
import { runShareguardScan, type ShareguardScanRun } from './shareguard-scan.ts';
import { generateWorld, oracle, SPECS, writeWorld, type SizeName } from './worlds.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: 'M' },
    runs: { type: 'string', default: '3' },
    other: { type: 'string', default: '/usr/bin/node' },
    'blast-radius': { type: 'boolean', default: false },
  },
  strict: true,
});
const size = values.size as SizeName;
if (!(size in SPECS)) throw new Error(`--size: expected one of ${Object.keys(SPECS).join(', ')}`);
const binaries = [process.execPath, values.other!];
const version = (bin: string) => execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
const versions = binaries.map(version);

const bw = generateWorld(SPECS[size]);
const expected = new Set(oracle(bw).untrusted.map((f) => f.id));
const file = join(TMP, `world-${size}.json`);
await writeWorld(bw, file);
const runs: ShareguardScanRun[][] = binaries.map(() => []);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const line = (v: string, r: ShareguardScanRun) =>
  `${v}: scan ${(r.scanMs / 1000).toFixed(2)} s, CPU ${((r.cpuMs ?? 0) / 1000).toFixed(2)} s, peak RSS ${r.maxRssMiB?.toFixed(0)} MiB`;

for (let i = 0; i < Number(values.runs); i++) {
  // Alternate which Node goes first, so a trend in the machine's load falls on both.
  const order = i % 2 === 0 ? [0, 1] : [1, 0];
  for (const k of order) {
    process.env.BENCH_SCANNER_NODE = binaries[k]!;
    const load = loadavg()[0]!.toFixed(2);
    const run = await runShareguardScan(bw, file, {
      concurrency: 64,
      tag: `ab-${size}-${k}-${i}`,
      blastRadius: values['blast-radius']!,
    });
    const same = run.findings.length === expected.size && run.findings.every((id) => expected.has(id));
    if (!same)
      throw new Error(
        `${versions[k]}: findings differ from the world's (${run.findings.length} vs ${expected.size})`,
      );
    runs[k]!.push(run);
    process.stdout.write(`${line(versions[k]!, run)}; load ${load}\n`);
  }
}
delete process.env.BENCH_SCANNER_NODE;
for (const [k, rs] of runs.entries())
  process.stdout.write(
    `median ${versions[k]}: scan ${(median(rs.map((r) => r.scanMs)) / 1000).toFixed(2)} s, CPU ${(median(rs.map((r) => r.cpuMs ?? 0)) / 1000).toFixed(2)} s, ` +
      `peak RSS ${median(rs.map((r) => r.maxRssMiB ?? 0)).toFixed(0)} MiB (${rs.length} runs, ${size}${values['blast-radius'] ? ', blast radius' : ', listing only'})\n`,
  );
