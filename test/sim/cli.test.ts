import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSimCommand } from '../../src/testing/sim/cli.ts';
import { smallWorld } from './helpers.ts';

function io(until?: Promise<unknown>) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), until } };
}

describe('shareguard sim', () => {
  it('refuses a bad world with its field errors (exit 2)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sim-cli-'));
    const file = join(dir, 'w.json');
    const w = smallWorld() as { accounts: { id: string }[] };
    w.accounts[1]!.id = 'abc';
    await writeFile(file, JSON.stringify(w));
    const t = io();
    expect(await runSimCommand(['--world', file], t.io)).toBe(2);
    expect(t.err.join('\n')).toContain('accounts[1].id: expected 12 digits');
  });

  it('refuses missing or unknown arguments (exit 2)', async () => {
    const t = io();
    expect(await runSimCommand([], t.io)).toBe(2);
    expect(await runSimCommand(['--world', 'x', '--bogus'], t.io)).toBe(2);
    expect(await runSimCommand(['--world', 'x', '--port', 'eighty'], t.io)).toBe(2);
    expect(await runSimCommand(['--world', '/nonexistent/world.json'], t.io)).toBe(2);
  });

  it('starts, prints one JSON line with endpoint and credentials, and stops', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sim-cli-'));
    const file = join(dir, 'w.json');
    await writeFile(file, JSON.stringify(smallWorld()));
    let release!: () => void;
    const t = io(new Promise<void>((r) => (release = r)));
    const running = runSimCommand(['--world', file, '--port', '0'], t.io);
    while (t.out.length === 0) await new Promise((r) => setTimeout(r, 10));
    const line = JSON.parse(t.out[0]!) as { endpoint: string; accessKeyId: string; homeAccount: string };
    expect(line.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(line.homeAccount).toBe('000000000000');
    const state = (await (await fetch(`${line.endpoint}/_sim/state`)).json()) as { homeAccount: string };
    expect(state.homeAccount).toBe('000000000000');
    release();
    expect(await running).toBe(0);
  });
});
