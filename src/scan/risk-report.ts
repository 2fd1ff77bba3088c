/** The risk and blast-radius parts of the CLI report (issue 9), kept apart from report.ts. */
import { RISK_LEVELS, type Finding, type RiskLevel } from '../domain/finding.ts';
import type { ScanResult } from './scan.ts';

export function riskCell(f: Finding): string {
  return f.risk ?? '';
}

/** "2 inst, 1 vol, 1 asg, 3 lt" / "-" / "?" (lookup failed) / "" (not looked up). */
export function inUseCell(f: Finding): string {
  const u = f.inUse;
  if (!u) return '';
  const parts: string[] = [];
  if (u.instances.count) parts.push(`${u.instances.count} inst`);
  if (u.volumes.count) parts.push(`${u.volumes.count} vol`);
  if (u.images.count) parts.push(`${u.images.count} ami`);
  if (u.copies.count) parts.push(`${u.copies.count} copy`);
  if (u.restores.count) parts.push(`${u.restores.count} restore`);
  // Issue 23: what would launch from it next.
  if (u.autoScalingGroups?.count) parts.push(`${u.autoScalingGroups.count} asg`);
  if (u.launchTemplates?.count) parts.push(`${u.launchTemplates.count} lt`);
  if (u.imageRecipes?.count) parts.push(`${u.imageRecipes.count} recipe`);
  const any = parts.length > 0;
  const known = any ? parts.join(', ') : '-';
  return u.unknown?.length ? `${any ? `${known}+` : ''}?` : known;
}

export function riskCounts(findings: readonly Finding[]): Record<RiskLevel, number> {
  const out = Object.fromEntries(RISK_LEVELS.map((l) => [l, 0])) as Record<RiskLevel, number>;
  for (const f of findings) if (f.risk) out[f.risk]++;
  return out;
}

/** " · 1 critical, 2 high · 1 AMI in use but not listed (1 hidden by Allowed AMIs) · 3 below --min-risk". */
export function riskSummaryText(result: ScanResult): string {
  const parts: string[] = [];
  if (result.findings.some((f) => f.risk)) {
    const c = riskCounts(result.findings);
    const levels = RISK_LEVELS.filter((l) => c[l]).map((l) => `${c[l]} ${l}`);
    if (levels.length) parts.push(levels.join(', '));
  }
  const s = result.summary;
  if (s.notListedInUse)
    parts.push(
      `${s.notListedInUse} AMI${s.notListedInUse === 1 ? '' : 's'} in use but not listed` +
        (s.hiddenByAllowedAmis ? ` (${s.hiddenByAllowedAmis} hidden by Allowed AMIs)` : ''),
    );
  if (s.belowMinRisk) parts.push(`${s.belowMinRisk} below --min-risk`);
  return parts.length ? ` · ${parts.join(' · ')}` : '';
}

export function usageErrorLines(result: ScanResult): string[] {
  return result.targets.flatMap((t) =>
    t.status === 'account-failed'
      ? []
      : (t.usageErrors ?? []).map(
          (e) => `  ? ${t.accountId}${t.accountName ? ` (${t.accountName})` : ''} ${t.region}: ${e}`,
        ),
  );
}

/**
 * Exit code with `--fail-on LEVEL`: 1 only when a finding is at or above LEVEL; otherwise 3 when some
 * target failed, else 0 (the same meanings as without it: README "Exit codes").
 */
export function failOnExitCode(result: ScanResult, failOn: RiskLevel): number {
  const rank = (l: RiskLevel | undefined) => (l === undefined ? RISK_LEVELS.length : RISK_LEVELS.indexOf(l));
  if (result.findings.some((f) => rank(f.risk) <= rank(failOn))) return 1;
  if (result.summary.targetsFailed) return 3;
  return 0;
}
