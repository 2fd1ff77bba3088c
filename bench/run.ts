/**
 * `npm run bench` (S, M and L; M and L also under real AWS latency; `serve` scanning L) and
 * `npm run bench -- --quick` (S and M, M also under latency; the article's CLI procedure on a sample of S's accounts). Writes bench/results/{full,quick}.json and regenerates BENCHMARKS.md.
 * See BENCHMARKS.md for the method.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, freemem, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureAwsCli, runArticleProcedure, type ArticleResult, type CliInfo } from './article-cli.ts';
import { ensureBoto3, runBoto3Peer, type PeerInfo } from './boto3-peer.ts';
import { writeBenchConfig } from './lib/config.ts';
import { buildIsFresh, ROOT, runNode, startSimProcess, TMP, type SimProcess } from './lib/proc.ts';
import type { RawScanResult } from './raw-client.ts';
import {
  renderReport,
  type BenchResult,
  type ScanSection,
  type Target,
  type WorldSummary,
} from './report.ts';
import { REMEDIATIONS } from '../src/remediate/registry.ts';
import { categoryOf } from '../src/aws/pace.ts';
import { sequentialScan } from './sequential.ts';
import { benchLatency } from './latency.ts';
import { serveMemory } from './serve-memory.ts';
import { runShareguardScan, type ShareguardScanRun } from './shareguard-scan.ts';
import type { ClickResult, RenderResult } from './slack.ts';
import {
  amiDirectFromCalls,
  boundA,
  expectedCalls,
  generateWorld,
  oracle,
  PAGE,
  pages,
  ROLE_NAME,
  SPECS,
  usageExpectation,
  writeWorld,
  type BenchWorld,
  type Oracle,
  type SizeName,
} from './worlds.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    /** shareguard's aws.concurrency in the benchmark config (the product's default is 64). */
    concurrency: { type: 'string', default: '64' },
    /** Accounts of S the article's procedure runs on in --quick (the rest is extrapolated). */
    'article-accounts': { type: 'string', default: '3' },
    'no-write-md': { type: 'boolean', default: false },
    /** Only regenerate BENCHMARKS.md from the results already in bench/results/. */
    'report-only': { type: 'boolean', default: false },
    /** Measure the TypeScript sources through tsx instead of the compiled build (dist/). */
    'from-source': { type: 'boolean', default: false },
    /** shareguard's aws.workers (default: not set, the product's default of one thread per core). */
    workers: { type: 'string' },
    /** Threads of the boto3 peer's ThreadPoolExecutor. */
    'boto3-threads': { type: 'string', default: '16' },
    /** Skip the boto3 peer. */
    'no-boto3': { type: 'boolean', default: false },
  },
  strict: true,
});
const QUICK = values.quick!;
const CONCURRENCY = Number(values.concurrency);
const ARTICLE_SAMPLE = Number(values['article-accounts']);
const WORKERS = values.workers ? Number(values.workers) : undefined;
const BOTO3_THREADS = Number(values['boto3-threads']);
let peerInfo: PeerInfo | undefined;
const name = QUICK ? 'quick' : 'full';
const startedAt = Date.now();
const problems: string[] = [];

const log = (line: string) => process.stderr.write(`${line}\n`);
const secs = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

async function machine() {
  let os = `${platform()} ${release()}`;
  try {
    const rel = await readFile('/etc/os-release', 'utf8');
    os = `${/PRETTY_NAME="?([^"\n]+)"?/.exec(rel)?.[1] ?? os} (kernel ${release()})`;
  } catch {
    // not Linux
  }
  return {
    nproc: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemoryGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os,
    /** 1-minute load average when the run started (other work on the machine skews every figure). */
    loadAvgStart: Math.round(loadavg()[0]! * 100) / 100,
  };
}

function summarizeWorld(bw: BenchWorld, o: Oracle, worldBytes: number): WorldSummary {
  const multiPage = o.loads
    .map((l) => ({
      account: l.account,
      region: l.region,
      pages: {
        imagesSelf: pages(l.imagesSelf, PAGE.ami),
        imagesDirect: l.imagesShared ? pages(l.imagesDirect, PAGE.ami) : 0,
        snapshots: pages(l.snapshotsSelf, PAGE['ebs-snapshot']),
        db: pages(l.db, PAGE.rds),
        cluster: pages(l.cluster, PAGE.rds),
      },
    }))
    .filter((t) => Object.values(t.pages).some((p) => p > 1));
  const byKind: Record<string, number> = {};
  for (const f of o.untrusted) byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
  return {
    size: bw.spec.name,
    seed: bw.spec.seed,
    accounts: bw.world.accounts.length,
    regions: bw.spec.regions.length,
    accountRegions: o.loads.length,
    latencyMs: bw.world.latencyMs ?? 0,
    throttleScale: bw.world.throttle?.scale ?? 0,
    records: {
      images: bw.world.images.length,
      snapshots: bw.world.snapshots.length,
      dbSnapshots: bw.world.dbSnapshots.length,
      dbClusterSnapshots: bw.world.dbClusterSnapshots.length,
    },
    usage: {
      instances: bw.world.instances.length,
      volumes: bw.world.volumes.length,
      restoreEvents: bw.world.rdsEvents?.length ?? 0,
    },
    sharedIn: o.shares.length,
    untrustedFindings: o.untrusted.length,
    untrustedByKind: byKind,
    untrustedDeprecatedAmis: o.untrusted.filter((f) => f.deprecated).length,
    trustedOwners: bw.trusted.length,
    untrustedOwners: bw.untrusted.length,
    multiPageTargets: multiPage,
    expectedCalls: expectedCalls(bw, o),
    worldFileMiB: worldBytes / 2 ** 20,
  };
}

function setDiff(a: readonly string[], b: readonly string[]) {
  const sa = new Set(a);
  const sb = new Set(b);
  return { onlyA: a.filter((x) => !sb.has(x)), onlyB: b.filter((x) => !sa.has(x)) };
}

async function withSim<T>(file: string, tag: string, fn: (sim: SimProcess) => Promise<T>): Promise<T> {
  const sim = await startSimProcess(file, join(TMP, `sim-${tag}.log`));
  try {
    return await fn(sim);
  } finally {
    await sim.stop();
  }
}

async function rawBound(
  bw: BenchWorld,
  file: string,
  tag: string,
  concurrencies: number[],
  amiDirect: boolean,
) {
  const runs: Array<RawScanResult & { concurrency: number; cpuMs: number; simCpuMs?: number }> = [];
  for (const concurrency of concurrencies) {
    const run = await withSim(file, `${tag}-raw${concurrency}`, async (sim) => {
      const optionsFile = join(TMP, `raw-${tag}-${concurrency}.json`);
      await writeFile(
        optionsFile,
        JSON.stringify({
          endpoint: sim.endpoint,
          credentials: { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey },
          accounts: bw.accounts.map((a) => ({ id: a.id, home: a.home })),
          roleName: ROLE_NAME,
          homeRegion: 'us-east-1',
          concurrency,
          amiDirect,
        }),
      );
      const c0 = await sim.cpuMs();
      const out = await runNode([
        join(ROOT, 'bin/run-ts.js'),
        join(ROOT, 'bench/raw-client.ts'),
        optionsFile,
      ]);
      const c1 = await sim.cpuMs();
      const r = JSON.parse(out) as RawScanResult & { cpuMs: number };
      return { ...r, concurrency, ...(c0 !== undefined && c1 !== undefined ? { simCpuMs: c1 - c0 } : {}) };
    });
    log(`    raw client, ${concurrency} in flight: ${secs(run.wallMs)} (${run.requests} requests)`);
    runs.push(run);
  }
  const best = runs.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
  return { runs, bestMs: best.wallMs, bestConcurrency: best.concurrency };
}

function slim(run: ShareguardScanRun) {
  const { findings, ...rest } = run;
  return { ...rest, findings: findings.length };
}

async function benchScan(size: SizeName): Promise<ScanSection & { world: WorldSummary }> {
  log(
    `\n== world ${size} (load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')})`,
  );
  const bw = generateWorld(SPECS[size]);
  const o = oracle(bw);
  const file = join(TMP, `world-${size}.json`);
  const bytes = await writeWorld(bw, file);
  const world = summarizeWorld(bw, o, bytes);
  log(
    `  ${world.accounts} accounts × ${world.regions} regions, ${world.sharedIn} shared-in resources, ` +
      `${world.untrustedFindings} untrusted; ${world.multiPageTargets.length} account-regions with several pages`,
  );
  const expectedIds = o.untrusted.map((f) => f.id);
  const section: ScanSection & { world: WorldSummary } = {
    world,
    loadAvg: loadavg().map((x) => Math.round(x * 100) / 100),
  } as ScanSection & { world: WorldSummary };

  // shareguard: the real CLI, its own process, a fresh simulator each time.
  const repeats = size === 'S' ? 3 : 1;
  const runs: ShareguardScanRun[] = [];
  for (let i = 0; i < repeats; i++) {
    // Listing only: the same requests as the raw client and the boto3 peer (the blast radius is apart, below).
    const run = await runShareguardScan(bw, file, {
      concurrency: CONCURRENCY,
      tag: `${size}-${i}`,
      ...(WORKERS ? { workers: WORKERS } : {}),
      blastRadius: false,
    });
    log(
      `  shareguard scan #${i + 1}: ${secs(run.wallMs)} wall, scan ${secs(run.scanMs)}, peak RSS ${run.maxRssMiB?.toFixed(0)} MiB, ` +
        `${run.findings.length} findings, ${run.calls.total} AWS requests`,
    );
    runs.push(run);
  }
  const ref = runs[0]!;
  // The bench follows the product: whether its scan makes the second AMI listing decides what the
  // world needs, the lower bounds and the peer's calls.
  const amiDirect = amiDirectFromCalls(bw, o, ref.calls.DescribeImages ?? 0);
  world.amiDirectListing = amiDirect;
  world.expectedCalls = expectedCalls(bw, o, amiDirect);
  world.secondAmiListingRequests =
    expectedCalls(bw, o, true).DescribeImages! - expectedCalls(bw, o, false).DescribeImages!;
  const needed = Object.values(world.expectedCalls).reduce((x, y) => x + y, 0);
  if (ref.calls.total !== needed)
    problems.push(`${size}: shareguard sent ${ref.calls.total} requests, the world needs ${needed}`);
  const a = boundA(bw, o, amiDirect);
  section.boundA = a;
  const vsOracle = setDiff(ref.findings, expectedIds);
  const consistent = runs.every(
    (r) => setDiff(r.findings, ref.findings).onlyA.length === 0 && r.findings.length === ref.findings.length,
  );
  if (vsOracle.onlyA.length || vsOracle.onlyB.length || !consistent)
    problems.push(
      `${size}: shareguard's findings differ from the world's (${vsOracle.onlyB.length} missing, ${vsOracle.onlyA.length} extra)`,
    );
  section.shareguard = {
    concurrency: CONCURRENCY,
    ...(WORKERS ? { workers: WORKERS } : {}),
    runs: runs.map(slim),
    wallMs: median(runs.map((r) => r.wallMs)),
    scanMs: median(runs.map((r) => r.scanMs)),
    maxRssMiB: Math.max(...runs.map((r) => r.maxRssMiB ?? 0)),
    findings: ref.findings.length,
    trustedSkipped: ref.trustedSkipped,
    matchesWorld: vsOracle.onlyA.length === 0 && vsOracle.onlyB.length === 0 && consistent,
    requests: ref.calls,
  };

  // The blast radius (issue 9, the product's default): the same scan with `scan.blastRadius: true`, next
  // to the listing-only one. M and L.
  if (size !== 'S') {
    const run = await runShareguardScan(bw, file, {
      concurrency: CONCURRENCY,
      tag: `${size}-blast`,
      ...(WORKERS ? { workers: WORKERS } : {}),
      blastRadius: true,
    });
    const expected = usageExpectation(bw, o);
    const extra: Record<string, number> = {};
    for (const k of new Set([...Object.keys(run.calls), ...Object.keys(ref.calls)])) {
      const d = (run.calls[k] ?? 0) - (ref.calls[k] ?? 0);
      if (d) extra[k] = d;
    }
    const expectedExtra = Object.values(expected.calls).reduce((x, y) => x + y, 0);
    const d = setDiff(run.findings, ref.findings);
    const sameFindings = d.onlyA.length === 0 && d.onlyB.length === 0;
    if (!sameFindings)
      problems.push(
        `${size}: the scan with the blast radius found other findings (${d.onlyB.length} missing, ${d.onlyA.length} extra)`,
      );
    if ((extra.total ?? 0) !== expectedExtra)
      problems.push(
        `${size}: the blast radius added ${extra.total ?? 0} requests, the world needs ${expectedExtra} (${JSON.stringify(extra)} vs ${JSON.stringify(expected.calls)})`,
      );
    if (run.findingsInUse !== expected.findingsInUse || run.usageUnknown)
      problems.push(
        `${size}: the blast radius showed ${run.findingsInUse} findings in use (the world has ${expected.findingsInUse}), ${run.usageUnknown} partly unknown`,
      );
    section.blastRadius = {
      run: slim(run),
      scanMs: run.scanMs,
      wallMs: run.wallMs,
      maxRssMiB: run.maxRssMiB ?? 0,
      extraRequests: extra,
      expectedExtraRequests: expected.calls,
      findingsInUse: run.findingsInUse,
      expectedFindingsInUse: expected.findingsInUse,
      usageUnknown: run.usageUnknown,
      sameFindings,
      ratio: {
        scan: run.scanMs / ref.scanMs,
        wall: run.wallMs / ref.wallMs,
        ...(run.cpuMs !== undefined && ref.cpuMs ? { cpu: run.cpuMs / ref.cpuMs } : {}),
      },
    };
    log(
      `  shareguard scan with the blast radius: ${secs(run.wallMs)} wall, scan ${secs(run.scanMs)} ` +
        `(${section.blastRadius.ratio.scan.toFixed(2)}× the listing-only scan), +${extra.total ?? 0} requests ` +
        `(expected +${expectedExtra}), ${run.findingsInUse} findings in use (expected ${expected.findingsInUse}), peak RSS ${run.maxRssMiB?.toFixed(0)} MiB`,
    );
  }

  // The sequential SDK loop (S only).
  if (size === 'S') {
    const seq = await withSim(file, `${size}-seq`, async (sim) => {
      const configFile = join(TMP, `config-${size}-seq.yml`);
      await writeBenchConfig(configFile, bw, { endpoint: sim.endpoint, concurrency: CONCURRENCY });
      const r = await sequentialScan(configFile, {
        accessKeyId: sim.accessKeyId,
        secretAccessKey: sim.secretAccessKey,
      });
      return { ...r, requests: await sim.calls() };
    });
    const d = setDiff(seq.findings, ref.findings);
    log(
      `  sequential SDK loop: ${secs(seq.wallMs)}, ${seq.findings.length} findings, ${d.onlyA.length + d.onlyB.length} differences`,
    );
    if (d.onlyA.length || d.onlyB.length)
      problems.push(`${size}: the sequential loop and shareguard disagree`);
    section.sequential = {
      wallMs: seq.wallMs,
      findings: seq.findings.length,
      requests: seq.requests,
      equalToShareguard: d.onlyA.length === 0 && d.onlyB.length === 0,
      onlySequential: d.onlyA.slice(0, 10),
      onlyShareguard: d.onlyB.slice(0, 10),
    };
  }

  // Lower bound (b): the raw client.
  const concurrencies = size === 'S' ? [16, 64, 256] : size === 'M' ? [64, 256, 512] : [256, 512, 1024];
  const raw = await rawBound(bw, file, size, concurrencies, amiDirect);
  for (const r of raw.runs) {
    if (r.requests !== ref.calls.total)
      problems.push(`${size}: raw client sent ${r.requests} requests, shareguard ${ref.calls.total}`);
    if (r.sharedItems !== o.shares.length)
      problems.push(`${size}: raw client saw ${r.sharedItems} shared items, expected ${o.shares.length}`);
  }
  section.boundB = raw;
  section.bound = { ms: Math.max(a.ms, raw.bestMs), which: raw.bestMs >= a.ms ? 'b' : 'a' };
  section.ratio = {
    scan: section.shareguard.scanMs / section.bound.ms,
    wall: section.shareguard.wallMs / section.bound.ms,
  };
  log(
    `  lower bound: (a) ${secs(a.ms)}, (b) ${secs(raw.bestMs)} → shareguard's scan is ${section.ratio.scan.toFixed(1)}× the bound ` +
      `(${section.ratio.wall.toFixed(1)}× with process start)`,
  );

  // The boto3 peer: S and M always, L in the full run.
  if (!values['no-boto3'] && (size !== 'L' || !QUICK)) {
    peerInfo ??= await ensureBoto3(log);
    if (!peerInfo.available) log(`  boto3 peer skipped: ${peerInfo.note}`);
    else {
      const peer = await withSim(file, `${size}-boto3`, async (sim) => {
        const r = await runBoto3Peer(sim, {
          tag: size,
          accounts: bw.accounts.map((x) => ({ id: x.id, home: x.home })),
          // The same trust as shareguard's config: the vendors and the monitored accounts.
          trusted: [...bw.trusted, ...bw.accounts.map((x) => x.id)],
          roleName: ROLE_NAME,
          amiDirect,
          threads: BOTO3_THREADS,
        });
        return { ...r, simRequests: await sim.calls() };
      }).catch((err: unknown) => {
        // The peer failing (or stopped) must not cost the world shareguard's figures.
        problems.push(`${size}: boto3 peer failed: ${(err as Error).message.split('\n')[0]}`);
        log(`  ✗ boto3 peer failed: ${(err as Error).message}`);
        return undefined;
      });
      if (!peer) return section;
      const d = setDiff(peer.findings, expectedIds);
      const sameFindings = d.onlyA.length === 0 && d.onlyB.length === 0 && peer.errorCount === 0;
      if (!sameFindings)
        problems.push(
          `${size}: the boto3 peer's findings differ from the world's (${d.onlyB.length} missing, ${d.onlyA.length} extra, ${peer.errorCount} errors: ${peer.errors[0] ?? ''})`,
        );
      const { findings, ...rest } = peer;
      section.peer = {
        ...rest,
        findings: findings.length,
        matchesWorld: sameFindings,
        ratio: {
          scan: peer.wallMs / section.shareguard.scanMs,
          wall: peer.processMs / section.shareguard.wallMs,
        },
      };
      log(
        `  boto3 peer (${BOTO3_THREADS} threads): ${secs(peer.wallMs)} scan, ${secs(peer.processMs)} end to end, ${peer.simRequests} requests, ` +
          `${findings.length} findings${sameFindings ? ' = the world’s' : ' ≠ the world’s'} → shareguard is ${section.peer.ratio.scan.toFixed(1)}× faster`,
      );
    }
  }
  return section;
}

async function benchArticle(cli: CliInfo): Promise<NonNullable<BenchResult['article']>> {
  const bw = generateWorld(SPECS.S);
  const o = oracle(bw);
  const file = join(TMP, 'world-S.json');
  const sample = QUICK ? bw.accounts.slice(0, Math.max(1, ARTICLE_SAMPLE)) : bw.accounts;
  const regions = [...bw.spec.regions];
  const result: ArticleResult = await withSim(file, 'S-article', (sim) =>
    runArticleProcedure({
      endpoint: sim.endpoint,
      credentials: { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey },
      accounts: sample.map((a) => ({ id: a.id, home: a.home, regions })),
      // The person greps out the owners they trust and their own accounts (shareguard trusts both).
      excluded: [...bw.trusted, ...bw.accounts.map((a) => a.id)],
      roleName: ROLE_NAME,
      homeRegion: 'us-east-1',
    }),
  );
  const sampleIds = new Set(sample.map((a) => a.id));
  const expected = o.untrusted.filter((f) => sampleIds.has(f.account));
  const d = setDiff(
    result.findings,
    expected.map((f) => f.id),
  );
  const byId = new Map(expected.map((f) => [f.id, f]));
  const missed = { rdsDbSnapshots: 0, deprecatedAmis: 0, other: 0 };
  for (const id of d.onlyB) {
    const f = byId.get(id)!;
    if (f.kind === 'rds-snapshot') missed.rdsDbSnapshots++;
    else if (f.kind === 'ami' && f.deprecated) missed.deprecatedAmis++;
    else missed.other++;
  }
  // Commands for all of S: one assume-role per account but the home one, three per account-region.
  const fullCommands = bw.accounts.filter((a) => !a.home).length + bw.accounts.length * regions.length * 3;
  const estimatedFullMs = (result.wallMs / result.commands) * fullCommands;
  log(
    `  article's CLI procedure: ${result.commands} commands in ${secs(result.wallMs)}` +
      (QUICK
        ? ` (${sample.length} of ${bw.accounts.length} accounts; all of S ≈ ${secs(estimatedFullMs)})`
        : '') +
      `; misses ${d.onlyB.length} of ${expected.length} untrusted findings`,
  );
  if (result.failedCommands)
    problems.push(`article: ${result.failedCommands} CLI commands failed: ${result.firstError}`);
  return {
    cli,
    accountsRun: sample.length,
    accountsTotal: bw.accounts.length,
    extrapolated: sample.length < bw.accounts.length,
    commands: result.commands,
    assumeRoles: result.assumeRoles,
    failedCommands: result.failedCommands,
    wallMs: result.wallMs,
    perCommandMs: {
      mean: result.wallMs / result.commands,
      median: median(result.perCommandMs),
    },
    fullCommands,
    fullMs: QUICK ? estimatedFullMs : result.wallMs,
    found: result.findings.length,
    expected: expected.length,
    missed: { total: d.onlyB.length, ...missed },
    extra: d.onlyA.length,
    extraExamples: d.onlyA.slice(0, 5),
  };
}

/**
 * AWS calls that change something, per decided (removed) AMI finding, as the remediation registry says:
 * the bench's AMIs come from an owner shareguard has no role in, so the first rung that applies is the
 * recipient cancel, and the ladder stops once the AMI is gone (docs/aws.md "The removal ladder"). The
 * checks that follow are Describe calls, not counted.
 */
export function removalCallsPerFinding(): number {
  const actions = REMEDIATIONS['cancel-as-recipient'].iamActions.remediation ?? [];
  return actions.filter((a) => categoryOf(a.split(':')[1] ?? a) === 'mutate').length;
}

/** Every call in the round but the checks (DescribeImages) and credentials (AssumeRole). */
const mutatingCalls = (x: ClickResult['rounds'][number]) =>
  x.awsCalls.total - x.awsCalls.describeImages - (x.awsCalls.assumeRole ?? 0);

function evaluate(r: BenchResult): Target[] {
  const t: Target[] = [];
  const L = r.scan.L;
  t.push({
    id: 'L-vs-bound',
    label: 'L scanned within 3× the raw-HTTP bound',
    target: '≤ 3.0×',
    value: L
      ? `${L.ratio.scan.toFixed(2)}× (${secs(L.shareguard.scanMs)} vs ${secs(L.bound.ms)})`
      : 'not run (--quick)',
    pass: L ? L.ratio.scan <= 3 : null,
  });
  for (const size of ['M', 'L'] as const) {
    const sc = r.scan[size];
    const p = sc?.peer;
    t.push({
      id: `${size}-vs-boto3`,
      label: `${size} at least 12× faster than the boto3 peer`,
      target: '≥ 12×',
      value: p
        ? `${p.ratio.scan.toFixed(1)}× (${secs(p.wallMs)} vs ${secs(sc.shareguard.scanMs)}, scans; ${p.ratio.wall.toFixed(1)}× end to end)`
        : !sc
          ? 'not run (--quick)'
          : r.peer && !r.peer.available
            ? `skipped: ${r.peer.note ?? 'no boto3'}`
            : 'not run',
      pass: p ? p.ratio.scan >= 12 : null,
    });
  }
  for (const size of ['M', 'L'] as const) {
    const b = r.scan[size]?.blastRadius;
    t.push({
      id: `${size}-blast-radius`,
      label: `${size} scanned with the blast radius within 1.3× the listing-only scan`,
      target: '≤ 1.3×',
      value: b
        ? `${b.ratio.scan.toFixed(2)}× (${secs(b.scanMs)} vs ${secs(r.scan[size]!.shareguard.scanMs)}; +${b.extraRequests.total ?? 0} requests` +
          `${b.ratio.cpu !== undefined ? `; scanner CPU ${b.ratio.cpu.toFixed(2)}×` : ''})`
        : r.scan[size]
          ? 'not run'
          : 'not run (--quick)',
      pass: b ? b.ratio.scan <= 1.3 : null,
    });
  }
  t.push({
    id: 'L-rss',
    label: 'Peak RSS of the scan on L',
    target: '≤ 250 MB',
    value: L
      ? `${(L.shareguard.maxRssMiB * 1.048576).toFixed(0)} MB (${L.shareguard.maxRssMiB.toFixed(0)} MiB)`
      : 'not run (--quick)',
    pass: L ? L.shareguard.maxRssMiB * 1.048576 <= 250 : null,
  });
  for (const size of ['M', 'L'] as const) {
    const l = r.latency?.[size];
    t.push({
      id: `${size}-latency`,
      label: `${size} with real AWS latency (40–250 ms by region) within 1.2× the same scan without latency (listing only)`,
      target: '≤ 1.2×',
      value: l
        ? `${l.listing.ratio.toFixed(2)}× (${secs(l.listing.latency.scanMs)} vs ${secs(l.listing.none.scanMs)}` +
          `${l.blastRadius ? `; with the blast radius ${l.blastRadius.ratio.toFixed(2)}×` : ''})`
        : size === 'L' && r.name === 'quick'
          ? 'not run (--quick)'
          : 'not run',
      pass: l ? l.listing.ratio <= 1.2 : null,
    });
  }
  t.push({
    id: 'serve-rss',
    label: '`shareguard serve` scanning L: peak RSS',
    target: '≤ 400 MB',
    value: r.serve
      ? `${(r.serve.peakRssMiB * 1.048576).toFixed(0)} MB (${r.serve.peakRssMiB.toFixed(0)} MiB)`
      : r.name === 'quick'
        ? 'not run (--quick)'
        : 'not run',
    pass: r.serve ? r.serve.peakRssMiB * 1.048576 <= 400 : null,
  });
  const S = r.scan.S;
  const art = r.article;
  const speedup = art && S ? art.fullMs / S.shareguard.wallMs : undefined;
  t.push({
    id: 'S-vs-article',
    label: 'S at least 100× faster than the article’s CLI procedure',
    target: '≥ 100×',
    value:
      speedup !== undefined && S && art
        ? `${speedup.toFixed(0)}× (${secs(art.fullMs)}${art.extrapolated ? ' extrapolated' : ''} vs ${secs(S.shareguard.wallMs)} end to end; ` +
          `${(art.fullMs / S.shareguard.scanMs).toFixed(0)}× vs the scan alone)`
        : 'not run (no AWS CLI)',
    pass: speedup !== undefined ? speedup >= 100 : null,
  });
  const c = r.slack.clicks;
  t.push({
    id: 'click-p99',
    label: 'Remove click ack p99 (200 concurrent; all rounds)',
    target: '≤ 250 ms',
    value: c ? `${c.ackMs.p99.toFixed(0)} ms (p50 ${c.ackMs.p50.toFixed(0)} ms)` : 'not run',
    pass: c ? c.ackMs.p99 <= 250 : null,
  });
  const per = removalCallsPerFinding();
  t.push({
    id: 'click-calls',
    label: `AWS calls that change something for 200 clicks on 50 findings (${per} per decided finding, from the kinds registry)`,
    target: `exactly ${50 * per}`,
    value: c
      ? `${c.rounds.map(mutatingCalls).join(' / ')} in ${c.rounds.length} rounds (${c.rounds.map((x) => x.awsCalls.cancelImageLaunchPermission).join(' / ')} CancelImageLaunchPermission; +${c.awsCalls.describeImages} DescribeImages checks each${c.awsCalls.assumeRole ? `, ≤ ${c.awsCalls.assumeRole} AssumeRole` : ''})`
      : 'not run',
    pass: c ? c.rounds.every((x) => mutatingCalls(x) === 50 * per) : null,
  });
  return t;
}

/**
 * The form of the product users run: `npm ci` builds dist/ (the `prepare` script) and bin/shareguard.js
 * runs it when it is fresh. Builds it when missing or stale, unless --from-source.
 */
function productForm(): 'compiled build (dist/)' | 'sources through tsx' {
  if (values['from-source']) {
    process.env.SHAREGUARD_FROM_SOURCE = '1';
    return 'sources through tsx';
  }
  if (!buildIsFresh()) {
    log('dist/ is missing or older than src/: npm run build…');
    try {
      execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    } catch (err) {
      problems.push(
        `npm run build failed (${(err as Error).message.split('\n')[0]}); measured the sources through tsx`,
      );
    }
  }
  return buildIsFresh() ? 'compiled build (dist/)' : 'sources through tsx';
}

async function main() {
  await mkdir(TMP, { recursive: true });
  const form = productForm();
  const commit = git(['rev-parse', 'HEAD']);
  const dirty = git([
    'status',
    '--porcelain',
    '--',
    'src',
    'bin',
    'bench',
    'package.json',
    'package-lock.json',
  ])
    .split('\n')
    .filter((l) => l && !l.includes('bench/results/'));
  const result: BenchResult = {
    name,
    command: QUICK ? 'npm run bench -- --quick' : 'npm run bench',
    options: {
      concurrency: CONCURRENCY,
      workers: WORKERS ?? 'default (one per core)',
      boto3Threads: BOTO3_THREADS,
      product: form,
      ...(QUICK ? { articleAccounts: ARTICLE_SAMPLE } : {}),
    },
    git: { commit, dirty },
    date: new Date(startedAt).toISOString(),
    machine: await machine(),
    durationS: 0,
    worlds: {},
    scan: {},
    slack: {},
    targets: [],
    problems,
  };
  log(
    `shareguard benchmarks (${result.command}) at ${commit.slice(0, 12)}${dirty.length ? ' (uncommitted changes!)' : ''}`,
  );

  const guard = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (err) {
      problems.push(`${what}: ${(err as Error).message.split('\n')[0]}`);
      log(`  ✗ ${what} failed: ${(err as Error).stack ?? String(err)}`);
      return undefined;
    }
  };

  for (const size of QUICK ? (['S', 'M'] as const) : (['S', 'M', 'L'] as const)) {
    const s = await guard(`scan ${size}`, () => benchScan(size));
    if (s) {
      const { world, ...rest } = s;
      result.worlds[size] = world;
      result.scan[size] = rest;
    }
    if (size !== 'S') {
      // Under real AWS latency (issue 24): M in both runs, L in the full run.
      log(`\n== world ${size} with real AWS latency`);
      const l = await guard(`latency ${size}`, () =>
        benchLatency(size, {
          log,
          problems,
          blastRadius: true,
          concurrency: CONCURRENCY,
          ...(WORKERS ? { workers: WORKERS } : {}),
          ...(values['no-boto3'] ? {} : { boto3Threads: BOTO3_THREADS }),
        }),
      );
      if (l)
        (result.latency ??= {})[size] = { ...l, loadAvg: loadavg().map((x) => Math.round(x * 100) / 100) };
    }
    if (size === 'L') {
      log('\n== shareguard serve scanning L (embedded store): peak RSS');
      const bw = generateWorld(SPECS.L);
      const file = join(TMP, 'world-L.json');
      await writeWorld(bw, file);
      const v = await guard('serve memory', () => serveMemory(bw, file, { blastRadius: true, log }));
      if (v) {
        result.serve = v;
        if (v.findings !== v.expectedFindings)
          problems.push(
            `serve memory: the scan recorded ${v.findings} findings, the world has ${v.expectedFindings}`,
          );
        log(`  peak RSS ${v.peakRssMiB.toFixed(0)} MiB (${v.idleRssMiB.toFixed(0)} MiB before the scan)`);
      }
    }
    if (size === 'S') {
      log('\n== the article’s procedure with the AWS CLI (S)');
      const cli = await ensureAwsCli(log);
      if (!cli.available) {
        log(`  skipped: ${cli.note ?? 'no AWS CLI'}`);
        result.articleSkipped = cli;
      } else {
        log(`  ${cli.version}${cli.installedByBench ? ' (installed by the bench)' : ''}`);
        const a = await guard('article procedure', () => benchArticle(cli));
        if (a) result.article = a;
      }
    }
  }

  log('\n== Slack: 200 concurrent Remove clicks against shareguard serve');
  result.slack.loadAvg = loadavg().map((x) => Math.round(x * 100) / 100);
  // Each Slack part in its own process: the benchmark's own heap (the worlds) must not slow them down.
  const slackPart = async (what: 'clicks' | 'render') =>
    JSON.parse(
      await runNode([join(ROOT, 'bin/run-ts.js'), join(ROOT, 'bench/slack.ts'), what], undefined, log),
    ) as unknown;
  const clicks = await guard('clicks', async () => (await slackPart('clicks')) as ClickResult);
  if (clicks) {
    result.slack.clicks = clicks;
    for (const [i, r] of clicks.rounds.entries())
      log(
        `  round ${i + 1}: ack p50 ${r.ackMs.p50.toFixed(0)} ms, p99 ${r.ackMs.p99.toFixed(0)} ms; ` +
          `${r.awsCalls.cancelImageLaunchPermission} CancelImageLaunchPermission calls; all outcomes shown after ${secs(r.allDoneMs)}`,
      );
    for (const r of clicks.rounds)
      if (mutatingCalls(r) !== 50 * removalCallsPerFinding() || r.launchPermissionsLeft !== 0)
        problems.push(
          `clicks: ${mutatingCalls(r)} AWS calls that change something (expected ${50 * removalCallsPerFinding()}), ${r.launchPermissionsLeft} launch permissions left`,
        );
  }
  log('\n== Slack: rendering for 10,000 findings');
  const render = await guard('render', async () => (await slackPart('render')) as RenderResult);
  if (render) {
    result.slack.render = render;
    log(
      `  scan posts: ${render.scanPosts.messages} messages in ${render.scanPosts.ms.median.toFixed(1)} ms; ` +
        `summary ${render.summary.ms.median.toFixed(2)} ms; digest ${render.digest.ms.median.toFixed(1)} ms`,
    );
  }

  if (peerInfo) result.peer = peerInfo;
  result.machine.loadAvgEnd = Math.round(loadavg()[0]! * 100) / 100;
  result.targets = evaluate(result);
  result.durationS = Math.round((Date.now() - startedAt) / 100) / 10;
  const out = join(ROOT, 'bench/results', `${name}.json`);
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);

  log(`\n== targets (${result.command}, ${result.durationS} s)`);
  for (const t of result.targets)
    log(
      `  ${t.pass === null ? 'n/a ' : t.pass ? 'PASS' : 'MISS'}  ${t.label}: ${t.value} (target ${t.target})`,
    );
  if (problems.length) log(`\nproblems:\n  ${problems.join('\n  ')}`);
  log(`\nwrote ${out}`);

  if (!values['no-write-md']) await writeMarkdown();
  process.exitCode = problems.length ? 1 : 0;
}

async function writeMarkdown() {
  const results: Partial<Record<'quick' | 'full', BenchResult>> = {};
  for (const n of ['full', 'quick'] as const) {
    try {
      results[n] = JSON.parse(
        await readFile(join(ROOT, 'bench/results', `${n}.json`), 'utf8'),
      ) as BenchResult;
    } catch {
      // not run yet
    }
  }
  let baseline: BenchResult | undefined;
  try {
    baseline = JSON.parse(
      await readFile(join(ROOT, 'bench/results/baseline-node20-full.json'), 'utf8'),
    ) as BenchResult;
  } catch {
    // no baseline kept: no comparison
  }
  await writeFile(join(ROOT, 'BENCHMARKS.md'), renderReport(results, baseline));
  log('wrote BENCHMARKS.md');
}

if (values['report-only']) await writeMarkdown();
else await main();
