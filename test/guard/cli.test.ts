import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.ts';
import { GuardUsageError, runGuardCommand } from '../../src/guard/cli.ts';
import { openStore } from '../../src/store/index.ts';
import { A, ALICE, B, EVIL } from './helpers.ts';

async function configWithBlocked() {
  const dataDir = await mkdtemp(join(tmpdir(), 'sg-guard-cli-'));
  const config = resolveConfig(
    { accounts: [{ id: A }, { id: B }], store: { kind: 'embedded', dataDir }, guard: { mode: 'print' } },
    { source: 'test' },
  );
  const store = await openStore(config.store, { fallbackRegion: 'us-east-1' });
  const at = '2026-12-01T12:00:00.000Z';
  await store.putBlockedOwner({ ownerAccountId: EVIL, decisionId: 'd1', by: ALICE, at });
  await store.putBlockedResource({
    findingId: `ebs-snapshot:${B}:us-east-1:snap-1`,
    kind: 'ebs-snapshot',
    accountId: B,
    region: 'us-east-1',
    resourceId: 'snap-1',
    resourceArn: 'arn:aws:ec2:us-east-1::snapshot/snap-1',
    ownerAccountId: '666666666666',
    decisionId: 'd2',
    by: ALICE,
    at,
  });
  await store.close();
  return config;
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

describe('shareguard guard print', () => {
  it('says "nothing is blocked" (not `{}`) when nothing is', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sg-guard-cli-'));
    const config = resolveConfig(
      { accounts: [{ id: A }], store: { kind: 'embedded', dataDir }, guard: { mode: 'print' } },
      { source: 'test' },
    );
    const c = capture();
    expect(await runGuardCommand('print', { format: 'iam' }, config, { io: c.io })).toBe(0);
    expect(c.out).toEqual(['Nothing is blocked: no guard policy to print.']);
  });

  it('prints the guard derived from the store: per account (iam) or for the organization (scp)', async () => {
    const config = await configWithBlocked();
    const iam = capture();
    expect(await runGuardCommand('print', { format: 'iam' }, config, { io: iam.io })).toBe(0);
    const byAccount = JSON.parse(iam.out.join('\n')) as Record<
      string,
      Record<string, { Statement: { Sid: string; Resource: string[] }[] }>
    >;
    expect(Object.keys(byAccount)).toEqual([A, B]);
    expect(Object.keys(byAccount[A]!)).toEqual(['ShareGuardBlocked']);
    expect(byAccount[A]!.ShareGuardBlocked!.Statement.map((s) => s.Sid)).not.toContain(
      'DenyBlockedSnapshots',
    );
    expect(
      byAccount[B]!.ShareGuardBlocked!.Statement.find((s) => s.Sid === 'DenyBlockedSnapshots')!.Resource,
    ).toEqual(['arn:aws:ec2:*::snapshot/snap-1']);
    expect(iam.err.join('\n')).toMatch(/nothing is blocked until these policies are applied/);

    const scp = capture();
    expect(await runGuardCommand('print', { format: 'scp' }, config, { io: scp.io })).toBe(0);
    const org = JSON.parse(scp.out.join('\n')) as Record<string, unknown>;
    expect(Object.keys(org)).toEqual(['ShareGuardBlocked']);
    expect(JSON.stringify(org)).toContain('snap-1');

    const one = capture();
    await runGuardCommand('print', { account: B }, config, { io: one.io });
    expect(Object.keys(JSON.parse(one.out.join('\n')) as object)).toEqual([B]);
  });

  it('refuses unknown subcommands and flags with a usage error', async () => {
    const config = await configWithBlocked();
    await expect(runGuardCommand('show', {}, config)).rejects.toThrow(GuardUsageError);
    await expect(runGuardCommand('print', { format: 'json' }, config)).rejects.toThrow(
      /--format: expected iam or scp/,
    );
    await expect(runGuardCommand('print', { account: '999999999999' }, config)).rejects.toThrow(
      /not a monitored account/,
    );
  });
});
