/**
 * Ranks a scan's findings by risk (src/domain/risk.ts) and orders them most risky first — the order
 * every output uses (table, JSON, messages, status, digest). Also `--min-risk`.
 */
import type { Config } from '../config/schema.ts';
import type { Finding, RiskLevel } from '../domain/finding.ts';
import { officialFamilies, type OfficialImageFamily } from '../domain/official-images.ts';
import { atLeast, compareByRisk, rankFindings } from '../domain/risk.ts';
import type { ScanResult } from './scan.ts';

export interface RankOptions {
  now: string;
  /** Owners seen before this scan; undefined without history (no store): no new-owner signal. */
  knownOwners?: ReadonlySet<string>;
}

/** The config's risk settings in the form `risk()` takes. */
export function riskSettingsFromConfig(config: Pick<Config, 'risk'>) {
  const extra: OfficialImageFamily[] = config.risk.patterns.map((p) => ({
    id: p.id,
    label: p.label,
    publisher: p.publisher ?? `published by ${[...p.aliases, ...p.owners].join(', ') || 'nobody listed'}`,
    patterns: p.patterns,
    owners: p.owners,
    aliases: p.aliases,
  }));
  return {
    settings: { recentDays: config.risk.recentDays, sprayAccounts: config.risk.sprayAccounts },
    families: officialFamilies(extra),
  };
}

/** Sets `risk`/`riskReasons` on every finding and sorts them most risky first (in place). */
export function rankScan(result: ScanResult, config: Pick<Config, 'risk'>, options: RankOptions): void {
  rankFindings(result.findings, {
    now: options.now,
    ...riskSettingsFromConfig(config),
    ...(options.knownOwners ? { knownOwners: options.knownOwners } : {}),
  });
  result.findings.sort(compareByRisk);
}

/** Keeps the findings at or above `min`; the summary counts what was left out. */
export function filterMinRisk(result: ScanResult, min: RiskLevel): ScanResult {
  const kept = result.findings.filter((f) => atLeast(f.risk, min));
  const below = result.findings.length - kept.length;
  return {
    ...result,
    findings: kept,
    summary: {
      ...result.summary,
      findings: kept.length,
      belowMinRisk: below,
      accountsWithFindings: new Set(kept.map((f: Finding) => f.accountId)).size,
    },
  };
}
