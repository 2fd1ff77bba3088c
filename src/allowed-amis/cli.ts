/** `shareguard allowed-amis check|apply` and `shareguard guard print --format declarative` (issue 9). */
import type { AwsCredentialIdentity } from '@smithy/types';
import type { Config } from '../config/schema.ts';
import { AwsClients } from '../aws/clients.ts';
import { createLogger } from '../log.ts';
import { openStore } from '../store/index.ts';
import { awsSettingsFromConfig } from '../scan/from-config.ts';
import type { CoreDeps } from '../core/deps.ts';
import { declarativePolicy } from './declarative.ts';
import { syncAllowedAmis, trustProviders, type AllowedAmisReport } from './sync.ts';

async function withDeps<T>(
  config: Config,
  credentials: AwsCredentialIdentity | undefined,
  fn: (deps: CoreDeps) => Promise<T>,
): Promise<T> {
  const log = createLogger();
  const store = await openStore(config.store, { fallbackRegion: config.aws.homeRegion });
  const clients = new AwsClients(awsSettingsFromConfig(config, credentials));
  try {
    return await fn({ config, store, clients, log });
  } finally {
    clients.destroy();
    await store.close();
  }
}

export function formatAllowedAmisReport(r: AllowedAmisReport): string {
  const lines = r.targets.map(
    (t) =>
      `  ${t.outcome.padEnd(18)} ${t.accountId} ${t.region}${t.state ? ` (${t.state})` : ''}${t.detail ? `: ${t.detail}` : ''}`,
  );
  return [r.summary, `Providers from the trust list: ${r.providers.join(', ') || '(none)'}`, ...lines].join(
    '\n',
  );
}

/** Exit code: 0 in step (or changed), 1 drift or something not changed, 3 failures. */
export async function runAllowedAmis(
  sub: 'check' | 'apply',
  config: Config,
  credentials: AwsCredentialIdentity | undefined,
  out: NodeJS.WritableStream,
): Promise<number> {
  if (config.guard.allowedAmis === 'off') {
    out.write('Allowed AMIs: off (set guard.allowedAmis to audit or enforce)\n');
    return 0;
  }
  const report = await withDeps(config, credentials, (deps) =>
    syncAllowedAmis(deps, {
      apply: sub === 'apply',
      by: { userId: 'cli', userName: 'shareguard CLI' },
      reason: `allowed-amis ${sub}`,
    }),
  );
  out.write(`${formatAllowedAmisReport(report)}\n`);
  if (report.counts.failed) return 3;
  const notInStep =
    report.counts.drift +
    report.counts['not-set-up'] +
    report.counts['over-limit'] +
    report.counts['declarative-policy'];
  return notInStep ? 1 : 0;
}

/** The organization-wide declarative policy for the trust list as it is now (config + store). */
export async function printDeclarativePolicy(
  config: Config,
  credentials: AwsCredentialIdentity | undefined,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const providers = await withDeps(config, credentials, (deps) => trustProviders(deps));
  const mode = config.guard.allowedAmis === 'enforce' ? 'enforce' : 'audit';
  const policy = declarativePolicy(providers, mode);
  out.write(`${policy.text}\n`);
  for (const p of policy.problems) err.write(`warning: ${p}\n`);
  return policy.problems.length ? 1 : 0;
}
