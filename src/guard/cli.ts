import type { AwsCredentialIdentity } from '@smithy/types';
import type { Config } from '../config/schema.ts';
import { AwsClients } from '../aws/clients.ts';
import type { CoreDeps } from '../core/deps.ts';
import { partitionOf } from '../domain/ids.ts';
import type { GuardDocument } from '../domain/guard.ts';
import { createLogger } from '../log.ts';
import { awsSettingsFromConfig, monitoredAccounts } from '../scan/from-config.ts';
import { openStore } from '../store/index.ts';
import { applyGuard, guardInput, type GuardApplyResult } from './apply.ts';
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

/** `shareguard guard print|apply`; exit 0 done, 1 some account failed. Throws GuardUsageError. */
export async function runGuardCommand(
  sub: string | undefined,
  values: GuardCommandOptions,
  config: Config,
  options: { credentials?: AwsCredentialIdentity; io?: GuardCommandIo } = {},
): Promise<number> {
  const io = options.io ?? defaultIo;
  if (sub !== 'print' && sub !== 'apply')
    throw new GuardUsageError(`unknown guard subcommand "${sub ?? '(none)'}": expected print or apply`);
  if (sub === 'print' && values.dryRun) throw new GuardUsageError('--dry-run is for guard apply');
  if (sub === 'apply' && (values.format || values.account))
    throw new GuardUsageError('--format and --account are for guard print');
  const format = values.format ?? (config.guard.mode === 'scp' ? 'scp' : 'iam');
  if (format !== 'iam' && format !== 'scp')
    throw new GuardUsageError(`--format: expected iam or scp, got "${format}"`);
  const accounts = monitoredAccounts(config).map((a) => a.id);
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
    const clients = new AwsClients(awsSettingsFromConfig(config, options.credentials));
    try {
      const deps: CoreDeps = {
        config: values.dryRun ? { ...config, remediation: { ...config.remediation, dryRun: true } } : config,
        store,
        clients,
        log,
      };
      const result = await applyGuard(deps, { accountIds: accounts });
      io.out(describeApply(result));
      return result.status === 'failed' || result.status === 'partial' ? 1 : 0;
    } finally {
      clients.destroy();
    }
  } finally {
    await store.close();
  }
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
