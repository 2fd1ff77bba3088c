import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';

export const BIN = join(import.meta.dirname, '../../bin/shareguard.js');
export const DEMO_WORLD = join(import.meta.dirname, '../../demo/world.json');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `shareguard …` as a child process; `exited` resolves when it ends. */
export function shareguard(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): {
  child: ChildProcessWithoutNullStreams;
  exited: Promise<Exit>;
  stderr(): string;
  waitFor(re: RegExp): Promise<string>;
} {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const watchers: Array<{ re: RegExp; resolve: (line: string) => void }> = [];
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    for (const w of [...watchers]) {
      const line = stderr.split('\n').find((l) => w.re.test(l));
      if (line !== undefined) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  const exited = new Promise<Exit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    exited,
    stderr: () => stderr,
    waitFor: (re) =>
      new Promise<string>((resolve, reject) => {
        const line = stderr.split('\n').find((l) => re.test(l));
        if (line !== undefined) return resolve(line);
        watchers.push({ re, resolve });
        void exited.then((e) => reject(new Error(`exited (${e.code}) before ${re}: ${e.stderr}`)));
      }),
  };
}

/** No stack trace: no `at fn (file:line:col)` frames and no `Error:` dump. */
export const STACK = /\n\s+at .+:\d+:\d+|node:internal/;
