import { describe, expect, it } from 'vitest';
import { configPath } from '../../src/cli/args.ts';
import { UsageError } from '../../src/cli/usage.ts';
import { ConfigError } from '../../src/config/errors.ts';
import { CONFIG_YAML_SOURCE, loadConfig } from '../../src/config/load.ts';
import { DEMO_WORLD, shareguard } from '../cli/spawn.ts';

/** The whole configuration as text in SHAREGUARD_CONFIG_YAML (Fargate, Kubernetes: no file to mount). */
describe('SHAREGUARD_CONFIG_YAML (issue 22 item 5)', () => {
  const YAML = `accounts:\n  - id: '111111111111'\n    name: prod-app\nregions: [us-east-1]\ntrust:\n  accounts: [{ id: '999999999999' }]\n`;

  it('`config check` reads the configuration from the variable', async () => {
    const r = await shareguard(['config', 'check'], {
      SHAREGUARD_CONFIG_YAML: YAML,
      SHAREGUARD_CONFIG: '',
    }).exited;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      '$SHAREGUARD_CONFIG_YAML: OK — 1 account(s), us-east-1, kinds ami, ebs-snapshot, rds-snapshot, rds-cluster-snapshot, 1 trusted owner(s) + the monitored accounts\n',
    );
  });

  it('`scan --world` scans exactly what the text configures', async () => {
    const r = await shareguard(['scan', '--world', DEMO_WORLD, '--json'], {
      SHAREGUARD_CONFIG_YAML: YAML,
      SHAREGUARD_CONFIG: '',
    }).exited;
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout) as { targets: Array<{ accountId: string; region: string }> };
    expect(out.targets.map((t) => `${t.accountId} ${t.region}`)).toEqual(['111111111111 us-east-1']);
  });

  it('names the variable in every problem, and refuses it next to SHAREGUARD_CONFIG', async () => {
    const env = { SHAREGUARD_CONFIG_YAML: "accounts: [{ id: '12' }]\n" };
    expect(configPath(undefined, env)).toBe(CONFIG_YAML_SOURCE);
    const err = await loadConfig({ file: CONFIG_YAML_SOURCE, env }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(
      /^\$SHAREGUARD_CONFIG_YAML: .*accounts\[0\]\.id: expected a 12-digit AWS account id/s,
    );
    const broken = await loadConfig({
      file: CONFIG_YAML_SOURCE,
      env: { SHAREGUARD_CONFIG_YAML: 'accounts: [' },
    }).catch((e: unknown) => e);
    expect((broken as ConfigError).message).toMatch(/not valid YAML/);
    expect(() => configPath(undefined, { ...env, SHAREGUARD_CONFIG: 'x.yml' })).toThrow(UsageError);
    // --config on the command line wins over both.
    expect(configPath('cli.yml', { ...env, SHAREGUARD_CONFIG: 'x.yml' })).toBe('cli.yml');
  });
});
