/**
 * The process's Prometheus metrics (`GET /metrics` on the health port, docs/operations.md). This module
 * owns the one registry; other modules call the small record functions below and never touch prom-client.
 * Label values come from closed sets (actions, outcomes, risk levels, states, AWS and Slack error codes),
 * never from attacker-controlled strings, so the series stay few and the text stays plain.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { FINDING_STATES, type FindingRecord, type FindingState } from './domain/lifecycle.ts';
import { RISK_LEVELS, type RiskLevel } from './domain/finding.ts';

const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'shareguard_process_' });

const scans = new Counter({
  name: 'shareguard_scans_total',
  help: 'Scans finished, by outcome: ok (every target scanned), partial (some targets failed), failed (no result).',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
const scanDuration = new Histogram({
  name: 'shareguard_scan_duration_seconds',
  help: 'Wall time of scans that produced a result.',
  buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 3600],
  registers: [registry],
});
const scanTargetsFailed = new Gauge({
  name: 'shareguard_scan_targets_failed',
  help: 'Account-regions (or whole accounts) the last scan could not list, by AWS error code.',
  labelNames: ['code'] as const,
  registers: [registry],
});
const lastScan = new Gauge({
  name: 'shareguard_last_scan_timestamp_seconds',
  help: 'When the last scan that produced a result finished (Unix time).',
  registers: [registry],
});
const decisions = new Counter({
  name: 'shareguard_decisions_total',
  help: 'Decisions carried out, by action (trust, remove, …) and outcome (done, refused, interrupted).',
  labelNames: ['action', 'outcome'] as const,
  registers: [registry],
});
const awsErrors = new Counter({
  name: 'shareguard_aws_errors_total',
  help: 'AWS calls that failed after the SDK retries, by service and error code (scan worker threads included).',
  labelNames: ['service', 'code'] as const,
  registers: [registry],
});
const slackRetries = new Counter({
  name: 'shareguard_slack_retries_total',
  help: 'Slack Web API attempts that failed and were retried, by reason (ratelimited, http, network).',
  labelNames: ['reason'] as const,
  registers: [registry],
});
const guardDrift = new Gauge({
  name: 'shareguard_guard_drift',
  help: 'Targets whose guard state drifted from what shareguard wants, at the last check, by guard part.',
  labelNames: ['guard'] as const,
  registers: [registry],
});
const findings = new Gauge({
  name: 'shareguard_findings',
  help: 'Findings in the store by risk and state (read from the store at most once a minute).',
  labelNames: ['risk', 'state'] as const,
  registers: [registry],
});
const outboxDepth = new Gauge({
  name: 'shareguard_outbox_depth',
  help: 'Slack messages waiting in the store outbox to be re-rendered (read at most once a minute).',
  registers: [registry],
});

/** An AWS or Slack error code as a label: letters, digits, `.`, `_`, `-`, at most 64 characters. */
export function codeLabel(code: string | undefined): string {
  if (!code) return 'unknown';
  const clean = code.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 64);
  return clean || 'unknown';
}

export type ScanOutcome = 'ok' | 'partial' | 'failed';

/** One scan finished: its outcome; with a result, its duration and its failed targets' error codes. */
export function recordScan(
  outcome: ScanOutcome,
  result?: { durationMs: number; failedCodes: readonly string[]; finishedAt?: Date },
): void {
  scans.inc({ outcome });
  if (!result) return;
  scanDuration.observe(result.durationMs / 1000);
  lastScan.set((result.finishedAt ?? new Date()).getTime() / 1000);
  scanTargetsFailed.reset();
  for (const code of result.failedCodes) scanTargetsFailed.inc({ code: codeLabel(code) });
}

export type DecisionOutcome = 'done' | 'refused' | 'rejected' | 'interrupted';

export function recordDecision(action: string, outcome: DecisionOutcome): void {
  decisions.inc({ action: codeLabel(action), outcome });
}

export function recordAwsError(service: string, code: string | undefined): void {
  awsErrors.inc({ service: codeLabel(service), code: codeLabel(code) });
}

export type SlackRetryReason = 'ratelimited' | 'http' | 'network';

export function recordSlackRetry(reason: SlackRetryReason): void {
  slackRetries.inc({ reason });
}

/** Drift found by the last check of one guard part (`allowed-amis`, `iam-policy`, `scp`). */
export function recordGuardDrift(guard: string, drifted: number): void {
  guardDrift.set({ guard: codeLabel(guard) }, drifted);
}

/** Where the store-derived gauges come from (serve wires its store in; nothing until then). */
export interface StoreGauges {
  findings(): Promise<readonly FindingRecord[]>;
  outboxDepth(): Promise<number>;
}

const STORE_REFRESH_MS = 60_000;
let storeSource: StoreGauges | undefined;
let storeReadAt = -Infinity;
let storeRead: Promise<void> | undefined;

/** Serve calls this once its store is open; `undefined` detaches it (shutdown, tests). */
export function setStoreGauges(source: StoreGauges | undefined): void {
  storeSource = source;
  storeReadAt = -Infinity;
}

/** Findings counted by risk and state; every pair present, so a count that drops to 0 says 0. */
export function countFindings(records: readonly FindingRecord[]): Map<string, number> {
  const counts = new Map<string, number>();
  const key = (risk: RiskLevel | 'unranked', state: FindingState) => `${risk}\u0000${state}`;
  for (const risk of [...RISK_LEVELS, 'unranked' as const])
    for (const state of FINDING_STATES) counts.set(key(risk, state), 0);
  for (const r of records) {
    const k = key(r.finding.risk ?? 'unranked', r.state);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

async function refreshStoreGauges(now: number): Promise<void> {
  const source = storeSource;
  if (!source || now - storeReadAt < STORE_REFRESH_MS) return;
  storeReadAt = now;
  // A store that cannot answer leaves the last values: /metrics itself never fails on it.
  const [records, depth] = await Promise.all([
    source.findings().catch(() => undefined),
    source.outboxDepth().catch(() => undefined),
  ]);
  if (records) {
    findings.reset();
    for (const [k, n] of countFindings(records)) {
      const [risk, state] = k.split('\u0000') as [string, string];
      findings.set({ risk, state }, n);
    }
  }
  if (depth !== undefined) outboxDepth.set(depth);
}

/** The exposition text (Prometheus text format 0.0.4). */
export async function metricsText(now = Date.now()): Promise<string> {
  storeRead ??= refreshStoreGauges(now).finally(() => (storeRead = undefined));
  await storeRead;
  return registry.metrics();
}

/** `GET /metrics`. */
export function metricsHandler() {
  return (_req: IncomingMessage, res: ServerResponse): void => {
    void metricsText().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
        res.end(text);
      },
      (err: Error) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`metrics failed: ${err.message}\n`);
      },
    );
  };
}
