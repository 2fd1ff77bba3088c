/**
 * The scan under real AWS latency (issue 24): the bench worlds answer in 25 ms flat, which makes every scan
 * CPU-bound; real AWS answers a Describe call in tens to hundreds of milliseconds, more the farther the
 * region. A latency world is the same world with a delay drawn per request from its region's range
 * (`latency.regions` of the simulator's world file, seeded; docs/simulator.md "Latency"); it is scanned
 * next to the same world with no latency at all, listing-only and with the blast radius, and the boto3 peer
 * runs under the same latency. Also runnable alone: `node bin/run-ts.js bench/latency.ts --size M`.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { ensureBoto3, runBoto3Peer } from './boto3-peer.ts';
import { startSimProcess, TMP } from './lib/proc.ts';
import { runShareguardScan, type ShareguardScanRun } from './shareguard-scan.ts';
import {
  amiDirectFromCalls,
  generateWorld,
  oracle,
  PAGE,
  pages,
  ROLE_NAME,
  SPECS,
  writeWorld,
  type BenchWorld,
  type Oracle,
  type SizeName,
} from './worlds.ts';

/**
 * Per-request latency by region, as seen from a deployment in us-east-1 (the bench's home region): the
 * nearest regions 40–70 ms, Europe 100–160 ms, Asia-Pacific up to 250 ms. STS and the home region's
 * DescribeRegions are signed for us-east-1.
 */
export const REGION_LATENCY: Record<string, { minMs: number; maxMs: number }> = {
  'us-east-1': { minMs: 40, maxMs: 60 },
  'us-east-2': { minMs: 45, maxMs: 70 },
  'ca-central-1': { minMs: 50, maxMs: 80 },
  'us-west-1': { minMs: 80, maxMs: 110 },
  'us-west-2': { minMs: 80, maxMs: 110 },
  'eu-west-1': { minMs: 100, maxMs: 130 },
  'eu-west-2': { minMs: 100, maxMs: 130 },
  'eu-west-3': { minMs: 105, maxMs: 140 },
  'eu-central-1': { minMs: 110, maxMs: 140 },
  'eu-north-1': { minMs: 120, maxMs: 160 },
  'sa-east-1': { minMs: 140, maxMs: 180 },
  'ap-northeast-1': { minMs: 170, maxMs: 210 },
  'ap-northeast-2': { minMs: 180, maxMs: 220 },
  'ap-northeast-3': { minMs: 170, maxMs: 210 },
  'ap-southeast-1': { minMs: 210, maxMs: 250 },
  'ap-southeast-2': { minMs: 200, maxMs: 240 },
  'ap-south-1': { minMs: 200, maxMs: 250 },
  '*': { minMs: 40, maxMs: 250 },
};
export const LATENCY_SEED = 24;

const mean = (region: string) => {
  const r = REGION_LATENCY[region] ?? REGION_LATENCY['*']!;
  return (r.minMs + r.maxMs) / 2;
};

/** The same world, answering with the regions' latency instead of the flat 25 ms. */
export function withLatency(bw: BenchWorld): BenchWorld {
  return {
    ...bw,
    world: { ...bw.world, latencyMs: 0, latency: { regions: REGION_LATENCY, seed: LATENCY_SEED } },
  };
}

/** The same world answering at once. */
export function withoutLatency(bw: BenchWorld): BenchWorld {
  const { latency: _none, ...world } = bw.world;
  return { ...bw, world: { ...world, latencyMs: 0 } };
}

export interface LatencyBound {
  /** The longest chain of dependent requests, each at its region's mean latency (unlimited parallelism). */
  criticalPathMs: number;
  critical: { account: string; region: string; sequentialCalls: number };
  /** Mean latency over the scan's requests (each account-region's requests at its region's mean). */
  meanLatencyMs: number;
  /** Requests of the listing-only scan. */
  requests: number;
  /**
   * requests × mean latency ÷ requests in flight: at the old fixed default of 64, and at what AWS's
   * per-account-region token buckets allow (every account-region's burst at once: they never bind here).
   */
  at64Ms: number;
  bucketsInFlight: number;
  bucketsMs: number;
}

/** The latency bound of a world's listing-only scan. */
export function latencyBound(bw: BenchWorld, o: Oracle, amiDirect: boolean, requests: number): LatencyBound {
  const homeMs = mean('us-east-1');
  const home = new Set(bw.accounts.filter((a) => a.home).map((a) => a.id));
  let worst = { ms: 0, account: '', region: '', sequentialCalls: 0 };
  let weighted = 0;
  let counted = 0;
  let inFlight = 0;
  for (const l of o.loads) {
    const img =
      pages(l.imagesSelf, PAGE.ami) + (amiDirect && l.imagesShared > 0 ? pages(l.imagesDirect, PAGE.ami) : 0);
    const snap = pages(l.snapshotsSelf, PAGE['ebs-snapshot']);
    const db = pages(l.db, PAGE.rds);
    const cl = pages(l.cluster, PAGE.rds);
    const before = home.has(l.account) ? 1 : 2; // AssumeRole (not for home) + DescribeRegions
    const chain = Math.max(img, snap, db, cl);
    const ms = before * homeMs + chain * mean(l.region);
    if (ms > worst.ms) worst = { ms, account: l.account, region: l.region, sequentialCalls: before + chain };
    const calls = img + snap + db + cl;
    weighted += calls * mean(l.region);
    counted += calls;
    // The kinds of an account-region go at once; each kind's pages follow one another.
    inFlight += 4;
  }
  const rest = requests - counted; // AssumeRole and DescribeRegions, in the home region
  const meanLatencyMs = (weighted + Math.max(0, rest) * homeMs) / Math.max(1, requests);
  return {
    criticalPathMs: worst.ms,
    critical: { account: worst.account, region: worst.region, sequentialCalls: worst.sequentialCalls },
    meanLatencyMs,
    requests,
    at64Ms: (requests * meanLatencyMs) / 64,
    bucketsInFlight: inFlight,
    bucketsMs: Math.max(worst.ms, (requests * meanLatencyMs) / inFlight),
  };
}

export interface LatencyRun {
  scanMs: number;
  wallMs: number;
  cpuMs?: number;
  maxRssMiB?: number;
  requests: number;
  /** DescribeImages requests (tell whether the product made the second AMI listing). */
  describeImages: number;
  findings: number;
  matchesWorld: boolean;
}

export interface LatencyPair {
  latency: LatencyRun;
  none: LatencyRun;
  /** Scan time with latency ÷ without. */
  ratio: number;
}

export interface LatencySection {
  size: SizeName;
  regions: Record<string, { minMs: number; maxMs: number }>;
  seed: number;
  bound: LatencyBound;
  listing: LatencyPair;
  blastRadius?: LatencyPair;
  /** The boto3 peer under the same latency (listing only). */
  peer?: { wallMs: number; processMs: number; threads: number; findings: number; matchesWorld: boolean };
  loadAvg?: number[];
}

function summarize(run: ShareguardScanRun, expected: ReadonlySet<string>): LatencyRun {
  const matches = run.findings.length === expected.size && run.findings.every((id) => expected.has(id));
  return {
    scanMs: run.scanMs,
    wallMs: run.wallMs,
    ...(run.cpuMs !== undefined ? { cpuMs: run.cpuMs } : {}),
    ...(run.maxRssMiB !== undefined ? { maxRssMiB: run.maxRssMiB } : {}),
    requests: run.calls.total ?? 0,
    describeImages: run.calls.DescribeImages ?? 0,
    findings: run.findings.length,
    matchesWorld: matches,
  };
}

export async function benchLatency(
  size: SizeName,
  opts: {
    log: (line: string) => void;
    problems: string[];
    blastRadius: boolean;
    boto3Threads?: number;
    workers?: number;
    /** aws.concurrency; unset: the product's default (adaptive from 64). */
    concurrency?: number;
  },
): Promise<LatencySection> {
  const base = generateWorld(SPECS[size]);
  const o = oracle(base);
  const expected = new Set(o.untrusted.map((f) => f.id));
  const slow = withLatency(base);
  const fast = withoutLatency(base);
  const slowFile = join(TMP, `world-${size}-latency.json`);
  const fastFile = join(TMP, `world-${size}-no-latency.json`);
  await writeWorld(slow, slowFile);
  await writeWorld(fast, fastFile);
  const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const pair = async (blastRadius: boolean): Promise<LatencyPair> => {
    const what = blastRadius ? 'with the blast radius' : 'listing only';
    const runs: LatencyRun[] = [];
    for (const [bw, file, tag] of [
      [slow, slowFile, 'latency'],
      [fast, fastFile, 'none'],
    ] as const) {
      const run = await runShareguardScan(bw, file, {
        concurrency: opts.concurrency ?? 64,
        tag: `${size}-${tag}-${blastRadius ? 'blast' : 'list'}`,
        ...(opts.workers ? { workers: opts.workers } : {}),
        blastRadius,
      });
      const r = summarize(run, expected);
      if (!r.matchesWorld)
        opts.problems.push(
          `${size} ${tag === 'latency' ? 'with' : 'without'} latency, ${what}: findings differ`,
        );
      opts.log(
        `  ${size} ${tag === 'latency' ? 'with latency   ' : 'without latency'} (${what}): scan ${secs(r.scanMs)}, ` +
          `CPU ${secs(r.cpuMs ?? 0)}, peak RSS ${r.maxRssMiB?.toFixed(0)} MiB, ${r.requests} requests, findings ${r.matchesWorld ? '= the world’s' : 'DIFFER'}`,
      );
      runs.push(r);
    }
    const [latency, none] = runs as [LatencyRun, LatencyRun];
    return { latency, none, ratio: latency.scanMs / none.scanMs };
  };
  const listing = await pair(false);
  const amiDirect = amiDirectFromCalls(base, o, listing.latency.describeImages);
  const section: LatencySection = {
    size,
    regions: REGION_LATENCY,
    seed: LATENCY_SEED,
    bound: latencyBound(base, o, amiDirect, listing.latency.requests),
    listing,
  };
  opts.log(
    `  ${size} latency bound: critical path ${secs(section.bound.criticalPathMs)}, ` +
      `${section.bound.requests} requests × ${section.bound.meanLatencyMs.toFixed(0)} ms ÷ 64 = ${secs(section.bound.at64Ms)}; ` +
      `scan with latency ${listing.ratio.toFixed(2)}× the scan without`,
  );
  if (opts.blastRadius) section.blastRadius = await pair(true);
  if (opts.boto3Threads) {
    const info = await ensureBoto3(opts.log);
    if (info.available) {
      const sim = await startSimProcess(slowFile, join(TMP, `sim-${size}-latency-boto3.log`));
      try {
        const peer = await runBoto3Peer(sim, {
          tag: `${size}-latency`,
          accounts: base.accounts.map((x) => ({ id: x.id, home: x.home })),
          trusted: [...base.trusted, ...base.accounts.map((x) => x.id)],
          roleName: ROLE_NAME,
          amiDirect,
          threads: opts.boto3Threads,
        });
        const matches =
          peer.findings.length === expected.size && peer.findings.every((id) => expected.has(id));
        if (!matches) opts.problems.push(`${size} with latency: the boto3 peer's findings differ`);
        section.peer = {
          wallMs: peer.wallMs,
          processMs: peer.processMs,
          threads: peer.threads,
          findings: peer.findings.length,
          matchesWorld: matches,
        };
        opts.log(`  ${size} with latency, boto3 peer: ${secs(peer.wallMs)} scan`);
      } catch (err) {
        opts.problems.push(
          `${size} with latency: boto3 peer failed: ${(err as Error).message.split('\n')[0]}`,
        );
      } finally {
        await sim.stop();
      }
    } else opts.log(`  boto3 peer skipped: ${info.note}`);
  }
  return section;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: 'M' },
      'blast-radius': { type: 'boolean', default: false },
      concurrency: { type: 'string' },
      boto3: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const problems: string[] = [];
  const section = await benchLatency(values.size as SizeName, {
    log: (l) => process.stderr.write(`${l}\n`),
    problems,
    blastRadius: values['blast-radius']!,
    ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}),
    ...(values.boto3 ? { boto3Threads: 16 } : {}),
  });
  process.stdout.write(`${JSON.stringify({ ...section, problems }, null, 2)}\n`);
}
