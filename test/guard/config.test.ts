import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { loadConfig } from '../../src/config/load.ts';
import { guardIamActions, guardRolePolicy } from '../../src/guard/iam-actions.ts';

async function load(text: string) {
  const dir = await mkdtemp(join(tmpdir(), 'sg-guard-config-'));
  const path = join(dir, 'shareguard.yml');
  await writeFile(path, `accounts: [{ id: '111111111111' }]\n${text}`);
  return loadConfig({ file: path, env: {} });
}

async function problems(text: string): Promise<string> {
  try {
    await load(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.join('\n');
  }
  throw new Error('expected a ConfigError');
}

describe('guard configuration', () => {
  it('is off by default, with the default policy name and no roles', async () => {
    const c = await load('');
    expect(c.guard).toEqual({
      mode: 'off',
      policyName: 'ShareGuardBlocked',
      attachToRoles: [],
      allowedAmis: 'off',
      allowedAmiProviders: { awsMarketplace: false, awsBackupVault: false },
    });
    expect(c.remediation.dryRun).toBe(false);
  });

  it('names the bad field and what was expected', async () => {
    expect(await problems('guard: { mode: scp }\n')).toMatch(/guard\.scp.*needs guard\.scp/);
    expect(await problems('guard: { mode: block }\n')).toMatch(/guard\.mode/);
    expect(
      await problems("guard: { mode: scp, scp: { managementAccount: '999999999999', targets: ['ou-x'] } }\n"),
    ).toMatch(/guard\.scp\.targets\[0\].*organization root/);
    expect(await problems('guard: { attachToRoles: ["a role"] }\n')).toMatch(
      /guard\.attachToRoles\[0\].*IAM role name/,
    );
  });

  it('generates the least-privilege guard role policy from the config', async () => {
    const c = await load('guard: { mode: iam-policy, attachToRoles: [WorkloadRole] }\n');
    const p = guardRolePolicy(c);
    const attach = p.Statement.find((s) => s.Sid === 'ShareGuardGuardAttach')!;
    expect(attach.Resource).toEqual(['arn:aws:iam::*:role/WorkloadRole']);
    expect(attach.Condition).toEqual({
      ArnLike: {
        'iam:PolicyARN': [
          'arn:aws:iam::*:policy/ShareGuardBlocked',
          'arn:aws:iam::*:policy/ShareGuardBlocked-*',
        ],
      },
    });
    const all = p.Statement.flatMap((s) => s.Action).sort();
    expect(all).toEqual(guardIamActions('iam-policy'));
  });
});
