import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * bin/shareguard.js picks what to run: dist/ when it is fresh or when there are no sources (an
 * install), the sources through tsx (a dev dependency) otherwise, and says what to do when neither
 * works. Checked in a scratch copy of bin/ with a stand-in dist/cli.js and no node_modules.
 */
const BIN_DIR = join(import.meta.dirname, '../../bin');
let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function layout(files: Record<string, string>): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'sg-bin-'));
  await cp(BIN_DIR, join(dir, 'bin'), { recursive: true });
  for (const [path, text] of Object.entries({ 'package.json': '{ "type": "module" }', ...files })) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

function run(root: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin/shareguard.js'), 'x'], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const DIST = `export async function main(argv) { process.stdout.write('dist ' + argv.join(' ')); return 0; }`;

describe('bin/shareguard.js', () => {
  it('leaves the AWS SDK its Node version warning (shareguard runs on a supported Node now)', async () => {
    for (const file of [
      'bin/shareguard.js',
      'bin/run-ts.js',
      'vitest.config.ts',
      'src/scan/worker-pool.ts',
      'Dockerfile',
    ])
      expect(await readFile(join(import.meta.dirname, '../..', file), 'utf8'), file).not.toContain(
        'NODE_VERSION_SUPPORT_WARNING_DISABLED',
      );
  });

  it('runs dist/ when there are no sources (an install or an image)', async () => {
    const r = await run(await layout({ 'dist/cli.js': DIST }));
    expect(r).toMatchObject({ code: 0, stdout: 'dist x' });
  });

  it('stale dist/ and no tsx: says what to do, exit 2, no stack trace', async () => {
    const root = await layout({ 'dist/cli.js': DIST });
    await new Promise((r) => setTimeout(r, 20));
    await mkdir(join(root, 'src'));
    await writeFile(join(root, 'src/cli.ts'), 'export {};\n'); // edited after the build
    const r = await run(root);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'shareguard: dist/ is older than src/, and tsx (a dev dependency) is not installed to run the sources.\n' +
        '  In a checkout: run `npm ci` (installs tsx and builds dist/), or `npm run build`.\n' +
        '  In production: build with `npm run build` and run `node dist/main.js`.\n',
    );
  });

  it('no dist/ and no tsx: the same advice', async () => {
    const r = await run(await layout({ 'src/cli.ts': 'export {};\n' }));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^shareguard: dist\/ is missing, and tsx \(a dev dependency\) is not installed/);
  });
});
