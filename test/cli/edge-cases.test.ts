import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_WORLD, shareguard, STACK } from './spawn.ts';

describe('the command line refuses bad input with one clear line (issue 8 items 9, 10)', () => {
  it.each(['constructor', 'toString'])(
    '`shareguard %s` is a usage error, not a stack trace',
    async (word) => {
      const r = await shareguard([word]).exited;
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`unknown command "${word}"`);
      expect(r.stderr).not.toMatch(STACK);
    },
  );

  it('`demo --bogus` names the option and exits 2', async () => {
    const r = await shareguard(['demo', '--bogus']).exited;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--bogus/);
    expect(r.stderr).not.toMatch(STACK);
  });

  it('`--endpoint ftp://…` is refused, naming aws.endpoint', async () => {
    const r = await shareguard(['scan', '--world', DEMO_WORLD, '--endpoint', 'ftp://example.com']).exited;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/aws\.endpoint: expected an http\(s\) URL/);
    expect(r.stderr).not.toMatch(STACK);
  });

  it('`config check` on a file that is not a shareguard config does not echo its content', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sg-shadow-'));
    const file = join(dir, 'shadow');
    await writeFile(file, 'root:$6$s3cr3thash$abc:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n');
    const r = await shareguard(['config', 'check', '--config', file]).exited;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a shareguard configuration/);
    expect(r.stderr).not.toMatch(/s3cr3t|root|daemon/);
  });

  it('`config check` still names a mistyped setting, but not keys that are not setting names', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sg-typo-'));
    const file = join(dir, 'shareguard.yml');
    await writeFile(
      file,
      "accounts: [{ id: '111111111111' }]\nregoins: all\n'secret: value with spaces': 1\n",
    );
    const r = await shareguard(['config', 'check', '--config', file]).exited;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"regoins"/);
    expect(r.stderr).toMatch(/1 key that are not setting names \(not shown\)/);
    expect(r.stderr).not.toMatch(/value with spaces/);
  });
});
