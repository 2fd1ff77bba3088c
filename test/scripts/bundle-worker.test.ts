import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorker, type BundledWorker } from '../../scripts/bundle-worker.ts';
import { BIN, DEMO_WORLD } from '../cli/spawn.ts';

/**
 * The compiled build is what `shareguard` runs in production (bin/shareguard.js) and its scan workers
 * start the bundled `dist/scan/worker.js`; every other test runs the sources. This builds the product
 * as `npm run build` does, into a scratch directory inside the repository (so the compiled CLI finds
 * node_modules), and scans the demo organization through it.
 */
const ROOT = join(import.meta.dirname, '../..');
const OUT = join(ROOT, '.scratch', `build-test-${process.pid}`);
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let bundled: BundledWorker;
beforeAll(async () => {
  await rm(OUT, { recursive: true, force: true });
  const tsc = await run([TSC, '-p', 'tsconfig.build.json', '--outDir', OUT]);
  expect(tsc.code, tsc.stdout + tsc.stderr).toBe(0);
  bundled = await bundleWorker(OUT);
}, 180_000);
afterAll(async () => {
  await rm(OUT, { recursive: true, force: true });
});

describe('the bundled scan worker (npm run build)', () => {
  it('imports nothing but Node built-ins and carries only the SDK schemas the scan uses', async () => {
    const code = await readFile(bundled.file, 'utf8');
    const imported = [...code.matchAll(/^import\s[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]);
    expect(imported.length).toBeGreaterThan(0);
    expect(imported.filter((s) => !s?.startsWith('node:'))).toEqual([]);
    // A CommonJS `require` of a package left for run time would fail: the bundle ships alone.
    expect(code).not.toMatch(/__require\(["'](?!node:)/);
    // The listings' schemas are in; an EC2 operation the scan never calls is not (tree-shaken).
    expect(code).toContain('DescribeImagesRequest$');
    expect(code).toContain('DescribeDBClusterSnapshotsMessage$');
    expect(code).not.toContain('WithdrawByoipCidrRequest$');
    expect([...bundled.inlined.values()].every((n) => n > 0)).toBe(true);
    // Stack traces point at our TypeScript sources through the chained source map.
    const map = JSON.parse(await readFile(`${bundled.file}.map`, 'utf8')) as { sources: string[] };
    const sources = map.sources.map((source) => resolve(dirname(bundled.file), source));
    expect(sources).toContain(join(ROOT, 'src/scan/worker.ts'));
  });

  it('scans the demo organization in two workers with the same result as the sources in one thread', async () => {
    const config = (workers: number) => ({
      aws: { workers },
      accounts: [
        '000000000000',
        '111111111111',
        '222222222222',
        '333333333333',
        '777777777777',
        '555555555555',
      ].map((id, i) => (i === 0 ? { id, role: 'none' } : { id })),
      regions: 'all',
      trust: { monitoredAccounts: true, accounts: [{ id: '999999999999' }] },
      scan: { blastRadius: true },
    });
    await mkdir(OUT, { recursive: true });
    // The built CLI from a file, as bin/shareguard.js runs it (workers inherit `node -e`'s code).
    const launcher = join(OUT, 'run-built.mjs');
    await writeFile(
      launcher,
      `const { main } = await import(${JSON.stringify(pathToFileURL(join(OUT, 'cli.js')).href)});\n` +
        'process.exitCode = await main(process.argv.slice(2));\n',
    );
    const scan = async (entry: 'built' | 'source', workers: number) => {
      const file = join(OUT, `config-${entry}-${workers}.json`);
      await writeFile(file, JSON.stringify(config(workers)));
      const args = ['scan', '--config', file, '--world', DEMO_WORLD, '--json'];
      const r =
        entry === 'built'
          ? await run([launcher, ...args])
          : await run([BIN, ...args], { SHAREGUARD_FROM_SOURCE: '1' });
      expect(r.code, r.stderr).toBe(1); // untrusted findings
      const {
        durationMs: _t,
        startedAt: _s,
        ...json
      } = JSON.parse(r.stdout) as {
        durationMs: number;
        startedAt: string;
        findings: unknown[];
      };
      return json;
    };
    const built = await scan('built', 2);
    const source = await scan('source', 1);
    expect(built.findings.length).toBeGreaterThan(0);
    expect(built).toEqual(source);
  }, 120_000);
});
