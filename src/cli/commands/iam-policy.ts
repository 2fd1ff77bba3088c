import {
  botIdentityPolicy,
  guardActionsPolicy,
  ownerRolePolicy,
  scannerRolePolicy,
} from '../../aws/iam-policy.ts';
import { loadConfig } from '../../config/load.ts';
import { RESOURCE_KINDS } from '../../domain/finding.ts';
import { guardRolePolicy } from '../../guard/iam-actions.ts';
import { commaList, configPath, overridesFrom, parse } from '../args.ts';
import { EXIT, UsageError } from '../usage.ts';

/** `shareguard iam-policy`: the IAM policy JSON for one of shareguard's identities. */
export async function iamPolicyCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parse(args, {
    config: { type: 'string', short: 'c' },
    kinds: { type: 'string' },
    'scan-only': { type: 'boolean' },
    for: { type: 'string' },
    'home-account': { type: 'string' },
    'organization-id': { type: 'string' },
  });
  const target = values.for ?? 'scanner';
  const TARGETS = ['scanner', 'remediation', 'owner', 'guard', 'bot'];
  if (!TARGETS.includes(target))
    throw new UsageError(`--for: expected one of ${TARGETS.join(', ')}, got "${target}"`);
  const file = configPath(values.config, env);
  const config = file
    ? await loadConfig({ file, env, overrides: overridesFrom({ kinds: values.kinds }) })
    : undefined;
  if (target === 'bot') {
    if (!config) throw new UsageError('--for bot needs the config (the monitored accounts and their roles)');
    const policy = botIdentityPolicy(config, {
      ...(values['home-account']
        ? { homeAccount: accountIdFlag('home-account', values['home-account']) }
        : {}),
      ...(values['organization-id'] ? { organizationId: orgIdFlag(values['organization-id']) } : {}),
    });
    process.stdout.write(`${JSON.stringify(policy, null, 2)}\n`);
    return EXIT.ok;
  }
  const kinds = config?.kinds ?? commaList(values.kinds) ?? [...RESOURCE_KINDS];
  const unknown = kinds.filter((k) => !(RESOURCE_KINDS as readonly string[]).includes(k));
  if (unknown.length)
    throw new UsageError(
      `--kinds: unknown kind ${unknown.join(', ')}; expected ${RESOURCE_KINDS.join(', ')}`,
    );
  const typed = kinds as (typeof RESOURCE_KINDS)[number][];
  // scanner: listing (+ the recipient-side rungs unless --scan-only); remediation: the same, in full;
  // owner: the owner-side rungs (sandbox accounts' roles); guard: what the guard calls.
  const policy =
    target === 'owner'
      ? ownerRolePolicy(typed)
      : target === 'guard'
        ? config && config.guard.mode !== 'off'
          ? guardRolePolicy(config)
          : guardActionsPolicy(typed)
        : scannerRolePolicy(typed, {
            remediation: target === 'remediation' || !values['scan-only'],
            blastRadius: config?.scan.blastRadius ?? true,
            allowedAmis: (config?.guard.allowedAmis ?? 'off') !== 'off',
          });
  process.stdout.write(`${JSON.stringify(policy, null, 2)}\n`);
  return EXIT.ok;
}

function accountIdFlag(name: string, v: string): string {
  if (!/^\d{12}$/.test(v)) throw new UsageError(`--${name}: expected a 12-digit AWS account id, got "${v}"`);
  return v;
}

function orgIdFlag(v: string): string {
  if (!/^o-[a-z0-9]{10,32}$/.test(v))
    throw new UsageError(`--organization-id: expected an organization id such as o-a1b2c3d4e5, got "${v}"`);
  return v;
}
