/**
 * Issue 24 point 4: the benchmark on the new Node against the last full run on Node 20. The baseline is the
 * results file of that run, kept as it was written (`bench/results/baseline-node20-*.json`); the table
 * puts the same figures side by side. Between the two runs both Node and the code changed, so the table
 * alone does not say which moved a figure — the prose next to it (and `bench/node-ab.ts`, the same commit
 * on both Nodes) does.
 */
import type { BenchResult } from './report.ts';

const sec = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const change = (before: number | undefined, after: number | undefined) =>
  before && after
    ? `${after >= before ? '+' : '−'}${Math.abs((after / before - 1) * 100).toFixed(0)} %`
    : '—';

interface Row {
  label: string;
  before?: number;
  after?: number;
  show: (v: number) => string;
}

function rows(b: BenchResult, a: BenchResult): Row[] {
  const out: Row[] = [];
  for (const size of ['S', 'M', 'L'] as const) {
    const x = b.scan[size];
    const y = a.scan[size];
    if (!x || !y) continue;
    const cpu = (sec: BenchResult['scan'][typeof size]) =>
      sec
        ? median(sec.shareguard.runs.map((r) => r.cpuMs).filter((v): v is number => v !== undefined))
        : undefined;
    out.push(
      {
        label: `${size} listing: scan time`,
        before: x.shareguard.scanMs,
        after: y.shareguard.scanMs,
        show: sec,
      },
      { label: `${size} listing: scanner CPU`, before: cpu(x), after: cpu(y), show: sec },
      {
        label: `${size} listing: peak RSS`,
        before: x.shareguard.maxRssMiB,
        after: y.shareguard.maxRssMiB,
        show: (v) => `${v.toFixed(0)} MiB`,
      },
    );
    if (x.blastRadius && y.blastRadius)
      out.push(
        {
          label: `${size} with blast radius: scan time`,
          before: x.blastRadius.scanMs,
          after: y.blastRadius.scanMs,
          show: sec,
        },
        {
          label: `${size} with blast radius: scanner CPU`,
          before: x.blastRadius.run.cpuMs,
          after: y.blastRadius.run.cpuMs,
          show: sec,
        },
      );
  }
  if (b.slack.clicks && a.slack.clicks)
    out.push({
      label: 'Remove clicks: ack p99',
      before: b.slack.clicks.ackMs.p99,
      after: a.slack.clicks.ackMs.p99,
      show: (v) => `${v.toFixed(0)} ms`,
    });
  return out;
}

/** The side-by-side table, or '' when the baseline is missing or ran on the same Node major. */
export function nodeComparison(baseline: BenchResult | undefined, current: BenchResult | undefined): string {
  if (!baseline || !current) return '';
  const major = (r: BenchResult) => r.machine.node.replace(/^v/, '').split('.')[0];
  if (major(baseline) === major(current)) return '';
  const head =
    `| | ${baseline.machine.node} at \`${baseline.git.commit.slice(0, 7)}\` (load ${baseline.machine.loadAvgStart}→${baseline.machine.loadAvgEnd}) ` +
    `| ${current.machine.node} at \`${current.git.commit.slice(0, 7)}\` (load ${current.machine.loadAvgStart}→${current.machine.loadAvgEnd}) | change |\n|---|---|---|---|`;
  const body = rows(baseline, current)
    .map(
      (r) =>
        `| ${r.label} | ${r.before !== undefined ? r.show(r.before) : '—'} | ${r.after !== undefined ? r.show(r.after) : '—'} | ${change(r.before, r.after)} |`,
    )
    .join('\n');
  return `${head}\n${body}`;
}
