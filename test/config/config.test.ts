import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { loadConfig } from '../../src/config/load.ts';

async function file(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sg-config-'));
  const path = join(dir, 'shareguard.yml');
  await writeFile(path, text);
  return path;
}

async function problems(text: string, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  try {
    await loadConfig({ file: await file(text), env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('fills defaults for a minimal file', async () => {
    const config = await loadConfig({ file: await file("accounts: [{ id: '111111111111' }]\n") });
    expect(config.regions).toBe('all');
    expect(config.kinds).toEqual(['ami', 'ebs-snapshot', 'rds-snapshot', 'rds-cluster-snapshot']);
    expect(config.trust.monitoredAccounts).toBe(true);
    expect(config.aws.homeRegion).toBe('us-east-1');
    expect(config.store.kind).toBe('embedded');
  });

  it('reports every bad field with its path', async () => {
    const found = await problems(`
accounts:
  - id: '11111'
  - id: '222222222222'
    role: { name: 'ok', externalId: 'x', extra: 1 }
regions: [us-east-1, mars-north-9x]
kinds: [ami, lambda]
trust:
  accounts: [{ id: 'abc' }]
aws:
  endpoint: not a url
schedule:
  scan: every six hours
  timezone: Mars/Olympus
`);
    const text = found.join('\n');
    expect(text).toMatch(/accounts\[0\]\.id: expected a 12-digit AWS account id/);
    expect(text).toMatch(/accounts\[1\]\.role/);
    expect(text).toMatch(/regions/);
    expect(text).toMatch(/kinds\[1\]/);
    expect(text).toMatch(/trust\.accounts\[0\]\.id: expected a 12-digit/);
    expect(text).toMatch(/aws\.endpoint/);
    expect(text).toMatch(/schedule\.scan: expected a cron expression/);
    expect(text).toMatch(/schedule\.timezone: expected an IANA time zone/);
    // Every bad field, named by its path, and nothing else.
    expect(found).toEqual([
      'aws.endpoint: expected an http(s) URL such as https://ec2.example.com',
      'accounts[0].id: expected a 12-digit AWS account id',
      'accounts[1].role.externalId: Too small: expected string to have >=2 characters',
      'accounts[1].role: unrecognized keys: "extra"',
      'regions[1]: expected an AWS region name such as us-east-1',
      'kinds[1]: Invalid option: expected one of "ami"|"ebs-snapshot"|"rds-snapshot"|"rds-cluster-snapshot"',
      'trust.accounts[0].id: expected a 12-digit AWS account id',
      'schedule.scan: expected a cron expression such as "0 */6 * * *"',
      'schedule.timezone: expected an IANA time zone such as UTC or Europe/Berlin',
    ]);
  });

  it('refuses unknown keys and duplicate accounts', async () => {
    expect(await problems('acounts: []\n')).toEqual([
      'not a shareguard configuration: none of its top-level keys is a setting: "acounts" (did you mean accounts?) (settings: aws, accounts, organization, regions, kinds, trust, slack, scan, risk, store, remediation, schedule, guard)',
    ]);
    // Nothing close: no guess, only the settings.
    expect(await problems('hello: world\n')).toEqual([
      'not a shareguard configuration: none of its top-level keys is a setting (settings: aws, accounts, organization, regions, kinds, trust, slack, scan, risk, store, remediation, schedule, guard)',
    ]);
    expect(await problems("accounts: [{ id: '111111111111' }, { id: '111111111111' }]\n")).toEqual([
      'accounts: account 111111111111 is listed more than once',
    ]);
  });

  it('says where YAML is broken', async () => {
    expect(await problems('accounts: [\n  - id: x\n')).toEqual([
      'not valid YAML (line 2): Block collections are not allowed within flow collections at line 2, column 3:',
    ]);
  });

  it('takes the environment over the file, and flags over both', async () => {
    const path = await file("accounts: [{ id: '111111111111', name: prod }]\nregions: [us-east-1]\n");
    const config = await loadConfig({
      file: path,
      env: { SHAREGUARD_REGIONS: 'eu-west-1,ap-northeast-1', SHAREGUARD_AWS_ENDPOINT: 'http://127.0.0.1:9' },
      overrides: { accounts: ['111111111111', '222222222222'], trust: ['999999999999'] },
    });
    expect(config.regions).toEqual(['eu-west-1', 'ap-northeast-1']);
    expect(config.aws.endpoint).toBe('http://127.0.0.1:9');
    expect(config.accounts).toEqual([{ id: '111111111111', name: 'prod' }, { id: '222222222222' }]);
    expect(config.trust.accounts).toEqual([{ id: '999999999999' }]);
  });
});
