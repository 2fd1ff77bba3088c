import type { Finding, ResourceKind } from '../domain/finding.ts';
import type { OrganizationSummary, ScanResult } from './scan.ts';
import {
  failureText,
  isFailed,
  type BlastRadiusNotes,
  type FailedTarget,
  type TargetResult,
} from './target-result.ts';
import { cap, terminalSafe } from '../terminal.ts';

/** Widest a table column gets; longer cells end in `…` (a 5,000-character name must not make 5,000-column rows). */
export const MAX_COLUMN_WIDTH = 64;
/** Resource ids and ARNs are shown whole (AWS bounds them; a cut ARN cannot be copied into a command). */
const MAX_RESOURCE_WIDTH = 400;
/** Longest failure line (AWS error text included). */
const MAX_FAILURE_WIDTH = 300;

/** A table cell: one line, no terminal control, at most `MAX_COLUMN_WIDTH` wide. */
export function cell(s: string, max = MAX_COLUMN_WIDTH): string {
  return cap(terminalSafe(s), max);
}
import { inUseCell, riskCell, riskCounts, riskSummaryText, usageErrorLines } from './risk-report.ts';

/** The `--json` contract: only untrusted findings; fields keep their meaning, more may be added. */
export function scanResultJson(result: ScanResult): object {
  return {
    findings: result.findings,
    targets: result.targets.map(targetJson),
    summary: {
      findings: result.summary.findings,
      trustedSkipped: result.summary.trustedSkipped,
      targetsScanned: result.summary.targetsScanned,
      targetsFailed: result.summary.targetsFailed,
      // issue 9: present only when the scan ranked findings / looked up the blast radius / filtered.
      ...(result.findings.some((f) => f.risk) ? { byRisk: riskCounts(result.findings) } : {}),
      ...(result.summary.notListedInUse !== undefined
        ? {
            notListedInUse: result.summary.notListedInUse,
            hiddenByAllowedAmis: result.summary.hiddenByAllowedAmis ?? 0,
          }
        : {}),
      ...(result.summary.belowMinRisk !== undefined ? { belowMinRisk: result.summary.belowMinRisk } : {}),
      ...(result.summary.organization ? { organization: result.summary.organization } : {}),
    },
    startedAt: result.startedAt,
    durationMs: result.durationMs,
  };
}

/**
 * A target in the `--json` output (README "`--json` output"). The shape from before targets were a union
 * (src/scan/target-result.ts), kept because other tools read it: `status` is `ok` or `error`, a failed
 * account-region lists its `failedKinds`, and an account that failed as a whole has `region: "*"`.
 */
export interface TargetJson extends BlastRadiusNotes {
  accountId: string;
  accountName?: string;
  /** `*` when the whole account failed (role not assumable, regions not listable). */
  region: string;
  status: 'ok' | 'error';
  error?: string;
  failedKinds?: ResourceKind[];
}

export function targetJson(t: TargetResult): TargetJson {
  const who = t.accountName
    ? { accountId: t.accountId, accountName: t.accountName }
    : { accountId: t.accountId };
  if (t.status === 'account-failed') return { ...who, region: '*', status: 'error', error: t.error };
  const { usageErrors, notListedInUse, hiddenByAllowedAmis } = t;
  const notes: BlastRadiusNotes = {
    ...(usageErrors ? { usageErrors } : {}),
    ...(notListedInUse !== undefined ? { notListedInUse } : {}),
    ...(hiddenByAllowedAmis !== undefined ? { hiddenByAllowedAmis } : {}),
  };
  if (t.status === 'ok') return { ...who, region: t.region, status: 'ok', ...notes };
  const failedKinds = t.failures.map((f) => f.kind);
  return { ...who, region: t.region, status: 'error', error: failureText(t), failedKinds, ...notes };
}

function accountCell(f: Finding): string {
  return f.accountName ? `${f.accountName} ${f.accountId}` : f.accountId;
}

function notes(f: Finding): string {
  const n: string[] = [];
  if (f.deprecationTime && Date.parse(f.deprecationTime) <= Date.now()) n.push('deprecated');
  if (f.public) n.push('public');
  if (f.imageAllowed === false) n.push('not-allowed');
  if (f.notListed) n.push('not-listed');
  return n.join(',');
}

export function formatTable(findings: readonly Finding[]): string {
  const ranked = findings.some((f) => f.risk);
  const header = [
    ...(ranked ? ['RISK'] : []),
    'KIND',
    'ACCOUNT',
    'REGION',
    'RESOURCE',
    'OWNER',
    'SHARED VIA',
    'NAME',
    'CREATED',
    'IN USE',
    'NOTES',
  ];
  const resourceColumn = header.indexOf('RESOURCE');
  const rows = findings.map((f) =>
    [
      ...(ranked ? [riskCell(f)] : []),
      f.kind,
      accountCell(f),
      f.region,
      f.resourceId,
      f.ownerAccountId,
      f.sharedVia,
      f.name ?? '',
      f.createdAt?.slice(0, 10) ?? '',
      inUseCell(f),
      notes(f),
    ].map((c, i) => cell(c, i === resourceColumn ? MAX_RESOURCE_WIDTH : MAX_COLUMN_WIDTH)),
  );
  // A loop, not Math.max(...column): spreading 125,000+ values overflows the call stack.
  const widths = header.map((h) => h.length);
  for (const r of rows) for (let i = 0; i < r.length; i++) widths[i] = Math.max(widths[i]!, r[i]!.length);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function failureCell(t: FailedTarget): string {
  const who = t.accountName ? `${t.accountId} (${t.accountName})` : t.accountId;
  const where = t.status === 'account-failed' ? 'all regions' : t.region;
  return cell(`${who} ${where}: ${failureText(t)}`, MAX_FAILURE_WIDTH);
}

/** "3 untrusted shared resources in 2 of 3 accounts (51 account-regions scanned, 1 failed: …)". */
export function formatSummary(result: ScanResult): string {
  const s = result.summary;
  const noun = s.findings === 1 ? 'untrusted shared resource' : 'untrusted shared resources';
  const failed = result.targets.filter(isFailed);
  const failedText = failed.length
    ? `, ${failed.length} failed: ${failed
        .slice(0, 3)
        .map((t) =>
          cell(
            `${t.accountId}${t.status === 'account-failed' ? '' : ` ${t.region}`} ${failureText(t).split(':')[0]}`.trim(),
          ),
        )
        .join(', ')}${failed.length > 3 ? ', …' : ''}`
    : '';
  return (
    `${s.findings} ${noun} in ${s.accountsWithFindings} of ${s.accountsScanned} accounts ` +
    `(${s.targetsScanned} account-regions scanned${failedText}; ${s.trustedSkipped} trusted shares skipped; ` +
    `${(result.durationMs / 1000).toFixed(1)} s)${riskSummaryText(result)}` +
    (s.organization ? `\n${organizationText(s.organization)}` : '')
  );
}

/** "12 accounts from the organization, 3 new accounts monitored; not scanned: 1 SUSPENDED, 2 excluded". */
export function organizationText(o: OrganizationSummary): string {
  const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  const notScanned = [
    ...Object.entries(o.skipped)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([state, n]) => `${n} ${state}`),
    ...(o.excluded ? [`${o.excluded} excluded`] : []),
  ];
  return (
    `${plural(o.accounts, 'account')} from the organization` +
    (o.newAccounts ? `, ${plural(o.newAccounts, 'new account')} monitored` : '') +
    (notScanned.length ? `; not scanned: ${notScanned.join(', ')}` : '')
  );
}

export function formatScanReport(result: ScanResult): string {
  const parts: string[] = [];
  if (result.findings.length) parts.push(formatTable(result.findings));
  else parts.push('No untrusted shared resources found.');
  const failed = result.targets.filter(isFailed);
  if (failed.length)
    parts.push(['Failed targets:', ...failed.map((t) => `  ✗ ${failureCell(t)}`)].join('\n'));
  const usage = usageErrorLines(result);
  if (usage.length)
    parts.push(['Blast radius unknown (lookups failed; findings kept):', ...usage].join('\n'));
  parts.push(formatSummary(result));
  return parts.join('\n\n');
}

/** CLI exit codes: 0 clean, 1 untrusted findings, 3 nothing found but some targets failed. */
export function scanExitCode(result: ScanResult): number {
  if (result.findings.length) return 1;
  if (result.summary.targetsFailed) return 3;
  return 0;
}

/**
 * Writes the `--json` document in pieces, one finding a line, so an organization-sized result is never
 * one giant string in memory (the same document as JSON.stringify of scanResultJson, laid out compactly).
 */
export async function writeScanJson(result: ScanResult, out: NodeJS.WritableStream): Promise<void> {
  const { findings, ...rest } = scanResultJson(result) as { findings: unknown[] } & Record<string, unknown>;
  await writeChunk(out, '{\n  "findings": [');
  const BATCH = 500;
  for (let i = 0; i < findings.length; i += BATCH) {
    const lines = findings.slice(i, i + BATCH).map((f, j) => `${i + j ? ',' : ''}\n    ${JSON.stringify(f)}`);
    await writeChunk(out, lines.join(''));
  }
  await writeChunk(out, findings.length ? '\n  ]' : ']');
  for (const [key, value] of Object.entries(rest))
    await writeChunk(out, `,\n  ${JSON.stringify(key)}: ${JSON.stringify(value)}`);
  await writeChunk(out, '\n}\n');
}

/**
 * Writes one chunk and waits for `drain` when the stream asks for it. Both listeners are removed
 * whichever fires first: a listener left behind per backpressure event piles up (MaxListenersExceeded).
 */
export function writeChunk(out: NodeJS.WritableStream, chunk: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (out.write(chunk)) return resolve();
    const onDrain = () => {
      out.off('error', onError);
      resolve();
    };
    const onError = (err: Error) => {
      out.off('drain', onDrain);
      reject(err);
    };
    out.once('drain', onDrain);
    out.once('error', onError);
  });
}

/** A failed target as one log entry (serve logs one line each): the account, region, error and its code. */
export interface FailedTargetLogEntry {
  accountId: string;
  accountName?: string;
  /** `*` when the whole account failed (role not assumable, regions not listable). */
  region: string;
  error: string;
  /** The AWS error code the error starts with (`AccessDenied: …`), else `unknown`. */
  code: string;
}

export function failedTargetLogEntries(targets: readonly TargetResult[]): FailedTargetLogEntry[] {
  return targets.filter(isFailed).map((t) => {
    const error = failureText(t);
    const code = /^(?:[a-z-]+: )?([A-Za-z][\w.]*)(?::|$)/.exec(error)?.[1] ?? 'unknown';
    return {
      accountId: t.accountId,
      ...(t.accountName ? { accountName: t.accountName } : {}),
      region: t.status === 'account-failed' ? '*' : t.region,
      error,
      code,
    };
  });
}
