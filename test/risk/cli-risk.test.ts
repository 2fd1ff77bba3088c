/** `scan --min-risk` / `--fail-on` for CI: what is reported and the exit code, through the real CLI. */
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { account, emptyWorld, image } from '../helpers/world.ts';

const BIN = join(import.meta.dirname, '../../bin/shareguard.js');
const A = '111111111111';
const R = 'us-east-1';

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

let worldFile = '';
beforeAll(async () => {
  const world = emptyWorld([account('000000000000', [R]), account(A, [R])]);
  // high: impersonates Red Hat; medium: public and deprecated; low: nothing special.
  world.images.push(
    image(1, R, '444444444444', [{ userId: A }], { name: 'RHEL-9.4.0_HVM-20240605-x86_64-82-Hourly2-GP3' }),
    image(2, R, '444444444444', [{ userId: A }, { group: 'all' }], {
      name: 'tools',
      deprecationTime: '2025-01-01T00:00:00.000Z',
    }),
    image(3, R, '666666666666', [{ userId: A }], { name: 'build-42' }),
  );
  const dir = await mkdtemp(join(tmpdir(), 'sg-risk-'));
  worldFile = join(dir, 'world.json');
  await writeFile(worldFile, JSON.stringify(world));
});

const scan = (...extra: string[]) =>
  run(['scan', '--world', worldFile, '--accounts', A, '--kinds', 'ami', '--json', ...extra]);

describe('scan --min-risk / --fail-on', () => {
  it('ranks every finding, most risky first, with risk and riskReasons in --json', async () => {
    const { code, stdout } = await scan();
    expect(code).toBe(1);
    const out = JSON.parse(stdout);
    expect(out.findings.map((f: { name: string; risk: string }) => [f.name, f.risk])).toEqual([
      ['RHEL-9.4.0_HVM-20240605-x86_64-82-Hourly2-GP3', 'high'],
      ['tools', 'medium'],
      ['build-42', 'low'],
    ]);
    expect(out.findings[0].riskReasons[0]).toMatchObject({ code: 'impersonation', weight: 60 });
    expect(out.findings[0].riskReasons[0].text).toBe(
      'impersonates Red Hat Enterprise Linux (Red Hat publishes from 309956199498; this one is from 444444444444)',
    );
    expect(out.summary.byRisk).toEqual({ critical: 0, high: 1, medium: 1, low: 1 });
  });

  it('--min-risk keeps findings at or above the level and counts the rest', async () => {
    const { code, stdout } = await scan('--min-risk', 'medium');
    expect(code).toBe(1);
    const out = JSON.parse(stdout);
    expect(out.findings.map((f: { name: string }) => f.name)).toEqual([
      'RHEL-9.4.0_HVM-20240605-x86_64-82-Hourly2-GP3',
      'tools',
    ]);
    expect(out.summary).toMatchObject({ findings: 2, belowMinRisk: 1 });
  });

  it('--fail-on exits 1 only at or above the level', async () => {
    expect((await scan('--fail-on', 'high')).code).toBe(1);
    expect((await scan('--fail-on', 'critical')).code).toBe(0);
    expect((await scan('--min-risk', 'critical')).code).toBe(0);
  });

  it('refuses an unknown level with exit code 2', async () => {
    const { code, stderr } = await scan('--fail-on', 'severe');
    expect(code).toBe(2);
    expect(stderr).toContain('--fail-on: expected critical, high, medium or low, got "severe"');
  });
});
