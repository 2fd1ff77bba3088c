/**
 * How risky a finding is, and why (docs/risk.md). Pure: everything it needs is in the finding and the
 * context, so the scan, the store and the tests all get the same answer.
 *
 * Each signal adds its weight to a score; the level comes from the score:
 *   critical ≥ 80 · high ≥ 50 · medium ≥ 20 · low below.
 * Weights (RISK_WEIGHTS) are chosen so that
 *   - an impersonation of an official image alone is high, and critical once anything uses it (60 + 50);
 *   - anything in use is at least high (50), and so is anything an Auto Scaling group launches (50);
 *   - a launch template or Image Builder recipe naming it is medium alone (30), high with one more signal;
 *   - the lesser signals (public, spray, new owner, unencrypted database, deprecated) make a finding
 *     medium alone, and high or critical only together with others.
 */
import {
  RISK_LEVELS,
  compareFindings,
  type Finding,
  type InUse,
  type RiskLevel,
  type RiskReason,
} from './finding.ts';
import { impersonates, officialFamilies, type CompiledFamilies } from './official-images.ts';

export const RISK_WEIGHTS = {
  /** An AMI named like an official vendor image, from an owner the vendor does not publish from. */
  impersonation: 60,
  /** Instances, volumes, own AMIs, copies or restores already use it in the monitored account. */
  'in-use': 50,
  /** Auto Scaling groups launch from it: their next scale-out runs it without anyone choosing to (issue 23). */
  'auto-scaling': 50,
  /** Launch templates or Image Builder recipes name it: the next launch or build from them runs it. */
  'launch-template': 30,
  /** An unencrypted snapshot of a database engine: whoever restores it may load real data into the owner's copy. */
  'unencrypted-database': 25,
  /** Created in the last `recentDays` by an owner never seen before. */
  'new-owner': 20,
  /** The owner shares into at least `sprayAccounts` monitored accounts at once. */
  spray: 20,
  /** The owner also made it public. */
  public: 15,
  /** Deprecated, yet still launchable. */
  deprecated: 10,
} as const satisfies Record<string, number>;

export type RiskReasonCode = keyof typeof RISK_WEIGHTS;

export const RISK_THRESHOLDS: Record<Exclude<RiskLevel, 'low'>, number> = {
  critical: 80,
  high: 50,
  medium: 20,
};

export interface RiskSettings {
  /** "Recently created" for the new-owner signal. */
  recentDays: number;
  /** Monitored accounts one owner must share into for the spray signal. */
  sprayAccounts: number;
}

export const DEFAULT_RISK_SETTINGS: RiskSettings = { recentDays: 30, sprayAccounts: 3 };

export interface RiskContext {
  /** The time "recent" and "deprecated" are judged against (ISO). */
  now: string;
  settings?: RiskSettings;
  /** Official image families (built-in plus config). */
  families?: CompiledFamilies;
  /**
   * Owners seen before this scan. Undefined when there is no history (a CLI scan without a store):
   * then nobody is "never seen before" and the new-owner signal is not applied.
   */
  knownOwners?: ReadonlySet<string>;
  /** Monitored accounts each owner shares into, in this scan (`ownerSpread(findings)`). */
  spread?: ReadonlyMap<string, number>;
}

export interface RiskAssessment {
  level: RiskLevel;
  score: number;
  /** Heaviest first. */
  reasons: RiskReason[];
}

const DAY_MS = 24 * 60 * 60_000;

const DB_ENGINE_KINDS = new Set<Finding['kind']>(['rds-snapshot', 'rds-cluster-snapshot']);

export function levelOf(score: number): RiskLevel {
  if (score >= RISK_THRESHOLDS.critical) return 'critical';
  if (score >= RISK_THRESHOLDS.high) return 'high';
  if (score >= RISK_THRESHOLDS.medium) return 'medium';
  return 'low';
}

/** Everything using it, counted; terminated instances are not use. */
export function usageCount(u: InUse | undefined): number {
  if (!u) return 0;
  return u.instances.count + u.volumes.count + u.images.count + u.copies.count + u.restores.count;
}

const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;

/** "2 running instances, 1 volume, 1 own AMI": what uses it, in words (plain text, no markup). */
export function usageWords(u: InUse): string {
  const parts: string[] = [];
  if (u.instances.count) {
    const running = u.instances.items.filter((i) => i.state === 'running').length;
    const allRunning = running === u.instances.count;
    parts.push(allRunning ? plural(running, 'running instance') : plural(u.instances.count, 'instance'));
  }
  if (u.volumes.count) parts.push(plural(u.volumes.count, 'volume'));
  if (u.images.count) parts.push(plural(u.images.count, 'own AMI'));
  if (u.copies.count) parts.push(plural(u.copies.count, 'own copy', 'own copies'));
  if (u.restores.count) parts.push(plural(u.restores.count, 'restore'));
  return parts.join(', ');
}

/** What would launch from it next (launch templates, Auto Scaling groups, Image Builder recipes), counted. */
export function launcherCount(u: InUse | undefined): number {
  if (!u) return 0;
  return (u.launchTemplates?.count ?? 0) + (u.autoScalingGroups?.count ?? 0) + (u.imageRecipes?.count ?? 0);
}

/** "3 launch templates, 1 Auto Scaling group, 1 Image Builder recipe" (plain text). */
export function launcherWords(u: InUse): string {
  const parts: string[] = [];
  if (u.launchTemplates?.count) parts.push(plural(u.launchTemplates.count, 'launch template'));
  if (u.autoScalingGroups?.count) parts.push(plural(u.autoScalingGroups.count, 'Auto Scaling group'));
  if (u.imageRecipes?.count) parts.push(plural(u.imageRecipes.count, 'Image Builder recipe'));
  return parts.join(', ');
}

/**
 * "3 launch templates and 1 Auto Scaling group would fail to launch; 1 Image Builder recipe would fail to
 * build" — what a Remove breaks; undefined when nothing would.
 */
export function failToLaunchWords(u: InUse | undefined): string | undefined {
  if (!u || launcherCount(u) === 0) return undefined;
  const launch: string[] = [];
  if (u.launchTemplates?.count) launch.push(plural(u.launchTemplates.count, 'launch template'));
  if (u.autoScalingGroups?.count) launch.push(plural(u.autoScalingGroups.count, 'Auto Scaling group'));
  const parts = launch.length ? [`${launch.join(' and ')} would fail to launch`] : [];
  if (u.imageRecipes?.count)
    parts.push(`${plural(u.imageRecipes.count, 'Image Builder recipe')} would fail to build`);
  return parts.join('; ');
}

/** The risk of one finding. */
export function risk(finding: Finding, context: RiskContext): RiskAssessment {
  const settings = context.settings ?? DEFAULT_RISK_SETTINGS;
  const now = Date.parse(context.now);
  const reasons: RiskReason[] = [];
  const add = (code: RiskReasonCode, text: string) =>
    reasons.push({ code, text, weight: RISK_WEIGHTS[code] });

  if (finding.kind === 'ami') {
    const verdict = impersonates(finding, context.families ?? officialFamilies());
    if (verdict)
      add(
        'impersonation',
        `impersonates ${verdict.family.label} (${verdict.family.publisher}; this one is from ${finding.ownerAccountId})`,
      );
  }
  if (usageCount(finding.inUse) > 0) add('in-use', `in use: ${usageWords(finding.inUse!)}`);
  const u = finding.inUse;
  if (u?.autoScalingGroups?.count)
    add(
      'auto-scaling',
      `${plural(u.autoScalingGroups.count, 'Auto Scaling group launches', 'Auto Scaling groups launch')} from it`,
    );
  const named = (u?.launchTemplates?.count ?? 0) + (u?.imageRecipes?.count ?? 0);
  if (named)
    add(
      'launch-template',
      `named by ${[
        u?.launchTemplates?.count ? plural(u.launchTemplates.count, 'launch template') : '',
        u?.imageRecipes?.count ? plural(u.imageRecipes.count, 'Image Builder recipe') : '',
      ]
        .filter(Boolean)
        .join(' and ')}`,
    );
  if (DB_ENGINE_KINDS.has(finding.kind) && finding.encrypted === false)
    add('unencrypted-database', `unencrypted ${finding.engine ?? 'database'} snapshot`);
  if (context.knownOwners && !context.knownOwners.has(finding.ownerAccountId) && finding.createdAt) {
    const age = now - Date.parse(finding.createdAt);
    if (age >= 0 && age <= settings.recentDays * DAY_MS)
      add('new-owner', `created ${Math.floor(age / DAY_MS)} days ago by an owner never seen before`);
  }
  const spread = context.spread?.get(finding.ownerAccountId) ?? 0;
  if (spread >= settings.sprayAccounts)
    add('spray', `its owner shares into ${spread} monitored accounts at once`);
  if (finding.public) add('public', 'also public');
  if (finding.deprecationTime && Date.parse(finding.deprecationTime) <= now)
    add('deprecated', 'deprecated, yet still launchable');

  reasons.sort((a, b) => b.weight - a.weight);
  const score = reasons.reduce((s, r) => s + r.weight, 0);
  return { level: levelOf(score), score, reasons };
}

/** How many monitored accounts each owner shares into (input to the spray signal). */
export function ownerSpread(findings: readonly Finding[]): Map<string, number> {
  const accounts = new Map<string, Set<string>>();
  for (const f of findings) {
    let s = accounts.get(f.ownerAccountId);
    if (!s) accounts.set(f.ownerAccountId, (s = new Set()));
    s.add(f.accountId);
  }
  return new Map([...accounts].map(([owner, s]) => [owner, s.size]));
}

/** Sets `risk` and `riskReasons` on each finding (in place: findings are the scan's own objects). */
export function rankFindings(findings: Finding[], context: Omit<RiskContext, 'spread'>): void {
  const spread = ownerSpread(findings);
  for (const f of findings) {
    const r = risk(f, { ...context, spread });
    f.risk = r.level;
    f.riskReasons = r.reasons;
  }
}

export function riskScore(f: Pick<Finding, 'riskReasons'>): number {
  return (f.riskReasons ?? []).reduce((s, r) => s + r.weight, 0);
}

/** Index of a level, 0 = critical; unranked findings sort after low. */
export function riskRank(level: RiskLevel | undefined): number {
  return level === undefined ? RISK_LEVELS.length : RISK_LEVELS.indexOf(level);
}

/** Most risky first (level, then score), then the usual deterministic order. */
export function compareByRisk(a: Finding, b: Finding): number {
  return riskRank(a.risk) - riskRank(b.risk) || riskScore(b) - riskScore(a) || compareFindings(a, b);
}

/** True when `level` is at or above `threshold` (critical is above high). */
export function atLeast(level: RiskLevel | undefined, threshold: RiskLevel): boolean {
  return riskRank(level) <= riskRank(threshold);
}

export function parseRiskLevel(v: string): RiskLevel | undefined {
  return (RISK_LEVELS as readonly string[]).includes(v) ? (v as RiskLevel) : undefined;
}
