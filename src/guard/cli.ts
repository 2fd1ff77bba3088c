import type { AwsCredentialIdentity } from '@smithy/types';
import type { Config } from '../config/schema.ts';
import { AwsClients } from '../aws/clients.ts';
import type { CoreDeps } from '../core/deps.ts';
import { partitionOf } from '../domain/ids.ts';
import type { GuardDocument } from '../domain/guard.ts';
import { createLogger } from '../log.ts';
import { awsSettingsFromConfig } from '../scan/from-config.ts';
import { monitoredAccountIdsNow } from '../scan/monitored-now.ts';
import { openStore } from '../store/index.ts';
import { applyGuard, guardInput, type GuardAccountResult, type GuardApplyResult } from './apply.ts';
import { checkGuardDrift, type DriftReport } from './drift.ts';
import { guardReconciler } from './reconciler.ts';
import { renderGuard } from './render.ts';

export interface GuardCommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIo: GuardCommandIo = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
};

export class GuardUsageError extends Error {}

/** `shareguard guard print|apply`; exit 0 done, 1 some account failed, 2 usage. */
export interface GuardCommandOptions {
  format?: string | undefined;
  account?: string | undefined;
  dryRun?: boolean | undefined;
}

/**
 * `shareguard guard print|apply|verify`; exit 0 done, 1 some account failed (verify: drift left
 * unrepaired or a scope unreadable). Throws GuardUsageError.
 */
export async function runGuardCommand(
  sub: string | undefined,
  values: GuardCommandOptions,
  config: Config,
  options: { credentials?: AwsCredentialIdentity; io?: GuardCommandIo } = {},
): Promise<number> {
  const io = options.io ?? defaultIo;
  if (sub !== 'print' && sub !== 'apply' && sub !== 'verify')
    throw new GuardUsageError(
      `unknown guard subcommand "${sub ?? '(none)'}": expected print, apply or verify`,
    );
  if (sub === 'verify' && (values.format || values.account || values.dryRun))
    throw new GuardUsageError('guard verify takes no --format, --account or --dry-run');
  if (sub === 'print' && values.dryRun) throw new GuardUsageError('--dry-run is for guard apply');
  if (sub === 'apply' && (values.format || values.account))
    throw new GuardUsageError('--format and --account are for guard print');
  const format = values.format ?? (config.guard.mode === 'scp' ? 'scp' : 'iam');
  if (format !== 'iam' && format !== 'scp')
    throw new GuardUsageError(`--format: expected iam or scp, got "${format}"`);
  // With `organization`, the accounts are discovered now (a failure throws: never an empty guard).
  const clients = new AwsClients(awsSettingsFromConfig(config, options.credentials));
  try {
    return await runWithClients(sub, values, config, format, clients, io);
  } finally {
    clients.destroy();
  }
}

async function runWithClients(
  sub: 'print' | 'apply' | 'verify',
  values: GuardCommandOptions,
  config: Config,
  format: 'iam' | 'scp',
  clients: AwsClients,
  io: GuardCommandIo,
): Promise<number> {
  const accounts = await monitoredAccountIdsNow({ config, clients });
  if (values.account !== undefined && !accounts.includes(values.account))
    throw new GuardUsageError(`--account: ${values.account} is not a monitored account`);

  const log = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
  const store = await openStore(config.store, {
    fallbackRegion: config.aws.homeRegion,
    log: (m) => log.info(m),
  });
  try {
    if (sub === 'print') {
      const input = await guardInput({ store });
      const base = { policyName: config.guard.policyName, partition: partitionOf(config.aws.homeRegion) };
      const docs = (policies: ReturnType<typeof renderGuard>) =>
        Object.fromEntries(policies.map((p): [string, GuardDocument] => [p.name, p.document]));
      let out: Record<string, unknown>;
      if (format === 'scp') {
        out = docs(renderGuard({ ...input, ...base }, 'scp'));
      } else {
        out = {};
        for (const id of values.account ? [values.account] : accounts) {
          const rendered = renderGuard(
            { resources: input.resources.filter((r) => r.accountId === id), owners: input.owners, ...base },
            'iam',
          );
          if (rendered.length) out[id] = docs(rendered);
        }
      }
      // Nothing blocked: say so rather than print an empty `{}` (issue 23).
      if (!Object.keys(out).length) {
        io.out('Nothing is blocked: no guard policy to print.');
        return 0;
      }
      io.out(JSON.stringify(out, null, 2));
      if (config.guard.mode !== 'iam-policy' && config.guard.mode !== 'scp')
        io.err(`guard.mode is ${config.guard.mode}: nothing is blocked until these policies are applied.`);
      return 0;
    }
    const deps: CoreDeps = {
      config: values.dryRun ? { ...config, remediation: { ...config.remediation, dryRun: true } } : config,
      store,
      clients,
      log,
    };
    if (sub === 'verify') {
      const report = await checkGuardDrift(deps);
      io.out(describeDrift(report));
      return report.failed.length || report.drift.some((d) => d.status === 'found') ? 1 : 0;
    }
    // A dry run reads only; a real apply goes through the reconciler (the guard's one writer).
    const result = values.dryRun
      ? await applyGuard(deps, { accountIds: accounts })
      : await applyThroughReconciler(deps, accounts);
    io.out(describeApply(result));
    return result.status === 'failed' || result.status === 'partial' ? 1 : 0;
  } finally {
    await store.close();
  }
}

async function applyThroughReconciler(deps: CoreDeps, accounts: string[]): Promise<GuardApplyResult> {
  const mode = deps.config.guard.mode;
  if (mode === 'off' || mode === 'print') return applyGuard(deps, { accountIds: accounts });
  const reconciler = guardReconciler(deps);
  const runs = await Promise.all(reconciler.scopesFor(accounts).map((s) => reconciler.reconcile(s)));
  const results: GuardAccountResult[] = runs.map(
    (r) => r.result ?? { accountId: r.scope, status: 'failed', policies: [], error: r.error ?? r.status },
  );
  const failed = results.filter((a) => a.status === 'failed').length;
  return {
    mode,
    dryRun: false,
    status: failed === 0 ? 'applied' : failed === results.length ? 'failed' : 'partial',
    accounts: results,
    rendered: [],
    calls: runs.flatMap((r) => r.calls),
  };
}

/** Terminal words for `guard verify` (scope ids, our policy names, AWS's errors). */
export function describeDrift(r: DriftReport): string {
  if (r.mode === 'off') return 'guard.mode is off: there is no guard to verify.';
  const lines = [`Guard (${r.mode}): ${r.checked} scope(s) checked against the store.`];
  if (!r.drift.length && !r.failed.length)
    lines.push('  No drift: every guard policy matches the store and is attached.');
  for (const d of r.drift)
    lines.push(
      `  ${d.scope}: ${d.status === 'repaired' ? 'drift repaired' : 'drift found'} — ${d.changes.join('; ')}${d.error ? ` (${d.error})` : ''}`,
    );
  for (const f of r.failed) lines.push(`  ${f.scope}: could not be checked — ${f.error}`);
  return lines.join('\n');
}

/** Terminal words for an apply (AWS strings here are ids and names we generated, and AWS's errors). */
export function describeApply(r: GuardApplyResult): string {
  if (r.status === 'off') return 'guard.mode is off: nothing applied.';
  if (r.status === 'printed')
    return 'guard.mode is print: nothing applied; not blocked until the printed policy is applied (shareguard guard print).';
  const lines = [`Guard (${r.mode})${r.dryRun ? ' — dry run, nothing changed' : ''}:`];
  for (const a of r.accounts) {
    lines.push(`  ${a.accountId}: ${a.status}${a.error ? ` — ${a.error}` : ''}`);
    for (const p of a.policies) {
      const extra = [
        p.attached.length ? `attached to ${p.attached.join(', ')}` : '',
        p.detached.length ? `detached from ${p.detached.join(', ')}` : '',
        p.prunedVersions.length ? `pruned ${p.prunedVersions.join(', ')}` : '',
      ].filter(Boolean);
      lines.push(
        `    ${p.name}: ${r.dryRun && p.change !== 'unchanged' ? `would be ${p.change}` : p.change}${extra.length ? ` (${extra.join('; ')})` : ''}`,
      );
    }
  }
  return lines.join('\n');
}
