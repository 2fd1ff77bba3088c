import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { commandNames, main } from '../../src/cli/index.ts';
import { COMMAND_HELP } from '../../src/cli/help.ts';
import { shareguard } from './spawn.ts';

/** main() in this process, with what it writes to stdout and stderr. */
async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(argv, {});
    return { code, stdout, stderr };
  } finally {
    vi.restoreAllMocks();
  }
}
afterEach(() => vi.restoreAllMocks());

/** What each command needs before its options are parsed (a subcommand). */
const BEFORE_OPTIONS: Record<string, string[]> = {
  config: ['check'],
  'allowed-amis': ['check'],
  guard: ['print'],
  store: ['init'],
};

describe('shareguard <command> --help / -h (issue 22 item 6)', () => {
  it('every command has its own help', () => {
    expect(Object.keys(COMMAND_HELP).sort()).toEqual(commandNames().sort());
  });

  for (const command of commandNames())
    it(`${command}: --help and -h print its usage and exit 0; an unknown option names the valid ones`, async () => {
      for (const flag of ['--help', '-h']) {
        const r = await run([command, ...(BEFORE_OPTIONS[command] ?? []), flag]);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toMatch(new RegExp(`^Usage: shareguard ${command}\\b`));
        expect(r.stdout).toContain('-h, --help');
        expect(r.stderr).toBe('');
      }
      const bad = await run([command, ...(BEFORE_OPTIONS[command] ?? []), '--no-such-option']);
      expect(bad.code).toBe(2);
      const m = /^shareguard (\S+): unknown option --no-such-option; valid options: (.+)\n/.exec(bad.stderr);
      expect(m, bad.stderr).not.toBeNull();
      expect(m![1]).toBe(command);
      expect(bad.stderr).toContain(`Run "shareguard ${command} --help" for its usage.`);
      // Every option the command accepts is described in its help.
      const help = COMMAND_HELP[command]!;
      for (const option of m![2]!.split(', ')) {
        const [long, short] = option.split('/');
        expect(help, `${command} help describes ${option}`).toMatch(
          new RegExp(`(^|\\s)(${short ? `${short}, ` : ''})?${long}\\b`, 'm'),
        );
      }
    });

  it('an option missing its value, and an argument where none is taken, say so', async () => {
    const missing = await run(['scan', '--config']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^shareguard scan: --config needs a value\n/);
    const extra = await run(['scan', 'extra']);
    expect(extra.stderr).toMatch(
      /^shareguard scan: unexpected argument "extra"; valid options: --config\/-c, /,
    );
  });

  it('--version prints the package version; the process exits 0', async () => {
    const { version } = JSON.parse(
      await readFile(join(import.meta.dirname, '../../package.json'), 'utf8'),
    ) as {
      version: string;
    };
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`shareguard ${version} (Node.js ${process.version})\n`);
  });

  it("`shareguard store --help` as a process: the store usage, exit 0 (was Node's raw parseArgs text)", async () => {
    const r = await shareguard(['store', '--help']).exited;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage: shareguard store init \[options\]\n/);
    expect(r.stderr).toBe('');
  });
});
