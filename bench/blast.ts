/**
 * `node bin/run-ts.js bench/blast.ts M` (or L): one world's listing-only scan and its scan with the
 * blast radius, side by side — the requests they make (checked against `usageExpectation()`), the
 * findings in use, time and CPU; `launchers` says how many of the extra requests look up what would
 * launch a finding next (launch templates, Auto Scaling groups, Image Builder recipes: issue 23). A targeted run of what `npm run bench` measures for the blast radius
 * (bench/run.ts), for working on src/aws/usage/ without the whole bench. Builds dist/ when stale.
 */
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { buildIsFresh, ROOT, TMP } from './lib/proc.ts';
import { runShareguardScan } from './shareguard-scan.ts';
import { generateWorld, oracle, SPECS, usageExpectation, writeWorld, type SizeName } from './worlds.ts';

const size = (process.argv[2] ?? 'M') as SizeName;
if (!(size in SPECS)) throw new Error(`world: one of ${Object.keys(SPECS).join(', ')}, not ${size}`);
if (!buildIsFresh()) execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
await mkdir(TMP, { recursive: true });
const bw = generateWorld(SPECS[size]);
const o = oracle(bw);
const file = join(TMP, `world-${size}.json`);
await writeWorld(bw, file);

const concurrency = 64;
const off = await runShareguardScan(bw, file, { concurrency, tag: `${size}-blast-off`, blastRadius: false });
const on = await runShareguardScan(bw, file, { concurrency, tag: `${size}-blast-on`, blastRadius: true });
const expected = usageExpectation(bw, o);
const extra: Record<string, number> = {};
for (const k of new Set([...Object.keys(on.calls), ...Object.keys(off.calls)])) {
  const d = (on.calls[k] ?? 0) - (off.calls[k] ?? 0);
  if (d) extra[k] = d;
}
const expectedTotal = Object.values(expected.calls).reduce((x, y) => x + y, 0);
const sameFindings =
  on.findings.length === off.findings.length &&
  new Set([...on.findings, ...off.findings]).size === off.findings.length;
// Issue 23: the lookups of what would launch a finding next (launch templates, Auto Scaling, Image
// Builder), reported apart from the rest of the blast radius.
const LAUNCHER_CALLS = [
  'DescribeLaunchTemplateVersions',
  'DescribeAutoScalingGroups',
  'DescribeLaunchConfigurations',
  'ListImageRecipes',
  'GetImageRecipe',
];
const launcherRequests = Object.fromEntries(LAUNCHER_CALLS.map((k) => [k, extra[k] ?? 0]));
const launcherTotal = Object.values(launcherRequests).reduce((x, y) => x + y, 0);
const ratio = (a?: number, b?: number) => (a !== undefined && b ? (a / b).toFixed(2) : 'n/a');
const report = {
  world: size,
  requests: { off: off.calls.total, on: on.calls.total, extra, expected: expected.calls, expectedTotal },
  requestsMatch: extra.total === expectedTotal,
  launchers: {
    requests: launcherRequests,
    total: launcherTotal,
    shareOfExtra: extra.total ? +(launcherTotal / extra.total).toFixed(3) : 0,
    world: {
      launchTemplates: bw.world.launchTemplates?.length ?? 0,
      autoScalingGroups: bw.world.autoScalingGroups?.length ?? 0,
      imageRecipes: bw.world.imageRecipes?.length ?? 0,
    },
  },
  findingsInUse: { shown: on.findingsInUse, world: expected.findingsInUse, unknown: on.usageUnknown },
  sameFindings,
  scanMs: { off: off.scanMs, on: on.scanMs, ratio: ratio(on.scanMs, off.scanMs) },
  scannerCpuMs: { off: off.cpuMs, on: on.cpuMs, ratio: ratio(on.cpuMs, off.cpuMs) },
  simCpuMs: { off: off.simCpuMs, on: on.simCpuMs },
  maxRssMiB: { off: off.maxRssMiB, on: on.maxRssMiB },
};
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
if (!report.requestsMatch || !sameFindings || on.findingsInUse !== expected.findingsInUse || on.usageUnknown)
  process.exitCode = 1;
