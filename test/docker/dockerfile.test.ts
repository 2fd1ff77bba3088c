import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalSlackApi, startLocalSocketMode } from '../../src/testing/slack-api/index.ts';
import { execForm, parseCopy, readDockerfile, replayStage, type Replayed, type Stage } from './dockerfile.ts';

/**
 * The image (issue 22 item 4) without a Docker engine: the Dockerfile's stages are replayed into
 * directories (test/docker/dockerfile.ts) — the build stage's `npm ci` with its `prepare` build, the
 * production dependencies, the runtime stage's COPY and RUN steps — and the runtime directory is run
 * with the image's own ENTRYPOINT, ENV and HEALTHCHECK.
 */
const ROOT = join(import.meta.dirname, '../..');
let stages: Stage[];
let ignore: (path: string) => boolean;
let image: Replayed;
const roots: string[] = [];

function run(
  argv: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): {
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
  kill(): void;
  stderr(): string;
} {
  const [cmd, ...args] = argv;
  // `node` in the image is this Node (the test runs on the same major: CI's Node 24).
  const child = spawn(cmd === 'node' ? process.execPath : cmd!, args, {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return {
    exited: new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    }),
    kill: () => child.kill('SIGTERM'),
    stderr: () => stderr,
  };
}

/** Only the image's environment (plus PATH): nothing of the test's own leaks in. */
const imageEnv = (extra: Record<string, string> = {}) => ({
  PATH: process.env.PATH ?? '',
  ...image.env,
  ...extra,
});

beforeAll(async () => {
  ({ stages, ignore } = await readDockerfile(ROOT));
  const done = new Map<number, Promise<Replayed>>();
  image = await replayStage(stages, stages.length - 1, ROOT, ignore, done);
  for (const d of done.values()) roots.push((await d).root);
}, 600_000);
afterAll(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

describe('Dockerfile and .dockerignore', () => {
  it('every stage is on the current Node LTS; the SDK warning is not silenced', () => {
    expect(stages.map((s) => s.from)).toEqual(stages.map(() => 'node:24-bookworm-slim'));
    for (const s of stages)
      for (const step of s.steps) expect(step.args).not.toMatch(/NODE_VERSION_SUPPORT_WARNING_DISABLED/);
  });

  it('the build context is an allow-list: only what a COPY names is sent', () => {
    const sources = stages.flatMap((s) =>
      s.steps
        .filter((x) => x.op === 'COPY' && !x.args.includes('--from='))
        .flatMap((x) => parseCopy(x.args).sources),
    );
    for (const source of sources) expect(ignore(source), source).toBe(true);
    for (const kept of [
      'node_modules/tsx/package.json',
      'dist/cli.js',
      '.git/config',
      '.shareguard/data/x',
      'test/cli/cli.test.ts',
      'shareguard.yml',
      'bench/run.ts',
      '.ci/node/x',
      'scripts/check-cycles.ts',
    ])
      expect(ignore(kept), kept).toBe(false);
  });

  it('the runtime stage starts from dist/ with a HEALTHCHECK, and runs no npm (no cache in the image)', () => {
    const last = stages.at(-1)!;
    expect(last.steps.filter((s) => s.op === 'RUN').map((s) => s.args)).not.toContainEqual(
      expect.stringMatching(/npm/),
    );
    expect(image.entrypoint).toEqual(['node', 'dist/main.js']);
    expect(image.cmd).toEqual(['serve']);
    expect(image.healthcheck).toEqual(['node', 'dist/healthcheck.js']);
    expect(last.steps.find((s) => s.op === 'VOLUME')?.args).toBe('/app/.shareguard');
    expect(execForm(last.steps.find((s) => s.op === 'ENTRYPOINT')!.args)[1]).toMatch(/^dist\//);
  });

  it('the replayed image holds no sources, no tsx/esbuild/TypeScript and no npm cache', async () => {
    const top = (await readdir(image.root)).sort();
    expect(top).toEqual([
      '.shareguard',
      'demo',
      'dist',
      'manifest.http.yml',
      'manifest.yml',
      'node_modules',
      'package.json',
    ]);
    for (const gone of ['tsx', 'esbuild', 'typescript', 'vitest', '@esbuild', '.cache'])
      expect(existsSync(join(image.root, 'node_modules', gone)), gone).toBe(false);
    expect(existsSync(join(image.root, 'dist/main.js'))).toBe(true);
    expect(existsSync(join(image.root, 'dist/scan/worker.js'))).toBe(true); // the bundled worker
  });

  it('`scan --world demo/world.json` runs from the image with its entrypoint', async () => {
    const r = await run(
      [...image.entrypoint!, 'scan', '--world', 'demo/world.json', '--json'],
      image.root,
      imageEnv(),
    ).exited;
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as {
      findings: unknown[];
      targets: Array<{ accountId: string; status: string }>;
    };
    expect(out.findings.length).toBeGreaterThan(0);
    expect(out.targets.filter((t) => t.status === 'error').map((t) => t.accountId)).toEqual(['555555555555']);
  });

  it('`serve` from the image answers its HEALTHCHECK on the default port (Socket Mode)', async () => {
    const socket = await startLocalSocketMode();
    const slack = await startLocalSlackApi({ methods: socket.methods });
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = String((probe.address() as AddressInfo).port);
    await new Promise((r) => probe.close(r));
    const env = imageEnv({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_APP_TOKEN: 'xapp-1',
      SLACK_API_URL: slack.url,
      PORT: port,
    });
    const args = [
      '--world',
      'demo/world.json',
      '--channel',
      'C0SEC',
      '--approvers',
      'U0ALICE',
      '--no-schedule',
    ];
    const serve = run([...image.entrypoint!, ...image.cmd!, ...args], image.root, env);
    try {
      for (let i = 0; i < 300 && !serve.stderr().includes('"shareguard is ready"'); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(serve.stderr()).toContain('"shareguard is ready"');
      const check = await run(image.healthcheck!, image.root, env).exited;
      expect(check.code, check.stderr).toBe(0);
      expect(check.stdout).toMatch(/^200 \{"ok":true,"status":"ok","mode":"socket"/);
      // The embedded store wrote into the volume's directory, nowhere else.
      expect((await readdir(join(image.root, '.shareguard'))).length).toBeGreaterThan(0);
    } finally {
      serve.kill();
      await serve.exited;
      await slack.close();
      await socket.close();
    }
    // Nothing listens any more: the HEALTHCHECK says so.
    const down = await run(image.healthcheck!, image.root, env).exited;
    expect(down.code).toBe(1);
  });
});
