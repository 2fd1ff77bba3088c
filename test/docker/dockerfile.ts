/**
 * Just enough of Docker to replay a Dockerfile without an engine (none runs on CI's machines): its
 * instructions per stage, `.dockerignore` matching, and a replay of a stage's COPY and RUN steps into a
 * directory standing in for its WORKDIR. test/docker/dockerfile.test.ts uses it on the project's own
 * Dockerfile; `.ci/run` builds the real image where `docker info` works.
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

export interface Instruction {
  op: string;
  /** The rest of the line (continuations joined). */
  args: string;
}

export interface Stage {
  from: string;
  name?: string;
  steps: Instruction[];
}

/** The stages of a Dockerfile, in order; comments and line continuations handled. */
export function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (!current && (line.trim().startsWith('#') || !line.trim())) continue;
    if (line.endsWith('\\')) current += `${line.slice(0, -1)} `;
    else {
      logical.push(current + line);
      current = '';
    }
  }
  const stages: Stage[] = [];
  for (const l of logical) {
    const m = /^\s*(\w+)\s+(.*)$/.exec(l);
    if (!m) throw new Error(`cannot read Dockerfile line: ${l}`);
    const op = m[1]!.toUpperCase();
    const args = m[2]!.trim();
    if (op === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ from: f![1]!, ...(f![2] ? { name: f![2] } : {}), steps: [] });
    } else {
      if (!stages.length) throw new Error(`${op} before FROM`);
      stages.at(-1)!.steps.push({ op, args });
    }
  }
  return stages;
}

/** A JSON-array (exec form) argument: `["node", "dist/main.js"]`. */
export function execForm(args: string): string[] {
  const parsed = JSON.parse(args) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string'))
    throw new Error(`expected the exec form ["…"], got ${args}`);
  return parsed as string[];
}

export interface Copy {
  from?: string;
  sources: string[];
  dest: string;
}

export function parseCopy(args: string): Copy {
  const words = args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const rest = words.filter((w) => !w.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  return { ...(from ? { from } : {}), sources: rest.slice(0, -1), dest: rest.at(-1)! };
}

/** `ENV A=1 B=2` as a record (the `KEY=value` form only). */
export function parseEnv(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of args.split(/\s+/)) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`ENV: expected KEY=value, got ${pair}`);
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

/**
 * `.dockerignore` as Docker reads it: patterns in order, `!` re-includes, the last match wins, and a
 * pattern that matches a directory matches everything under it.
 */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l).replace(/^\/+|\/+$/g, '');
      const re = new RegExp(
        `^${pattern
          .split('**')
          .map((part) =>
            part
              .replace(/[.+^${}()|[\]\\]/g, '\\$&')
              .replace(/\*/g, '[^/]*')
              .replace(/\?/g, '[^/]'),
          )
          .join('.*')}$`,
      );
      return { negate, re };
    });
  /** True when the path (relative, `/`-separated) is sent to the builder. */
  return (path: string) => {
    const parts = path.split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let included = true;
    for (const r of rules) if (prefixes.some((p) => r.re.test(p))) included = r.negate;
    return included;
  };
}

function sh(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`RUN ${command} exited ${code}:\n${out.slice(-4000)}`)),
    );
  });
}

export interface Replayed {
  /** The directory standing in for the stage's WORKDIR. */
  root: string;
  workdir: string;
  env: Record<string, string>;
  entrypoint?: string[];
  cmd?: string[];
  healthcheck?: string[];
}

/**
 * Replays stage `index` of `stages` (COPY from the context through `.dockerignore`, COPY --from an
 * earlier stage by replaying it, RUN through `sh` with the WORKDIR path mapped to the directory) and
 * returns where it landed. What needs root in a container is left out: `chown` (the files already
 * belong to whoever runs the test). `npm ci` prefers the local npm cache (no registry round trips
 * for what CI's own `npm ci` fetched already).
 */
export async function replayStage(
  stages: Stage[],
  index: number,
  context: string,
  ignore: (path: string) => boolean,
  done = new Map<number, Promise<Replayed>>(),
): Promise<Replayed> {
  const cached = done.get(index);
  if (cached) return cached;
  const work = (async () => {
    const stage = stages[index]!;
    const root = await mkdtemp(join(tmpdir(), `sg-docker-${stage.name ?? index}-`));
    let workdir = '/';
    const out: Replayed = { root, workdir, env: {} };
    const local = (p: string) => join(root, relative(workdir, p.startsWith('/') ? p : join(workdir, p)));
    for (const step of stage.steps) {
      switch (step.op) {
        case 'WORKDIR':
          workdir = step.args;
          out.workdir = workdir;
          break;
        case 'ENV':
          Object.assign(out.env, parseEnv(step.args));
          break;
        case 'COPY': {
          const copy = parseCopy(step.args);
          const intoDir = copy.dest.endsWith('/') || copy.sources.length > 1;
          let fromRoot = context;
          let fromWorkdir = '/';
          if (copy.from) {
            const at = stages.findIndex((s) => s.name === copy.from);
            if (at < 0 || at >= index)
              throw new Error(`COPY --from=${copy.from}: no earlier stage of that name`);
            const earlier = await replayStage(stages, at, context, ignore, done);
            fromRoot = earlier.root;
            fromWorkdir = earlier.workdir;
          }
          for (const source of copy.sources) {
            const path = copy.from ? join(fromRoot, relative(fromWorkdir, source)) : join(context, source);
            if (!copy.from && !ignore(source))
              throw new Error(`COPY ${source}: excluded by .dockerignore, the build would fail`);
            // Docker copies a directory's contents to the destination, and a file into it when the
            // destination is a directory (`./`, or several sources).
            const isDir = (await stat(path)).isDirectory();
            const name = source.split('/').filter(Boolean).at(-1)!;
            const target = !isDir && intoDir ? join(local(copy.dest), name) : local(copy.dest);
            await mkdir(join(target, '..'), { recursive: true });
            await cp(path, target, {
              recursive: true,
              filter: (src) => copy.from !== undefined || ignore(relative(context, src)),
            });
          }
          break;
        }
        case 'RUN': {
          const command = step.args
            .split('&&')
            .map((c) => c.trim())
            .filter((c) => !c.startsWith('chown '))
            .map((c) => (c.startsWith('npm ci') ? `${c} --prefer-offline` : c))
            .join(' && ')
            .replaceAll(workdir === '/' ? '\u0000' : workdir, root);
          await sh(command, root, { ...process.env, ...out.env });
          break;
        }
        case 'ENTRYPOINT':
          out.entrypoint = execForm(step.args);
          break;
        case 'CMD':
          out.cmd = execForm(step.args);
          break;
        case 'HEALTHCHECK': {
          const m = /\bCMD\s+(\[.*\])$/.exec(step.args);
          if (!m) throw new Error(`HEALTHCHECK: expected CMD in exec form, got ${step.args}`);
          out.healthcheck = execForm(m[1]!);
          break;
        }
        case 'USER':
        case 'VOLUME':
        case 'EXPOSE':
          break;
        default:
          throw new Error(`the replay does not know ${step.op}: teach test/docker/dockerfile.ts`);
      }
    }
    return out;
  })();
  done.set(index, work);
  return work;
}

export async function readDockerfile(
  context: string,
): Promise<{ stages: Stage[]; ignore: (p: string) => boolean }> {
  const [dockerfile, ignoreText] = await Promise.all([
    readFile(join(context, 'Dockerfile'), 'utf8'),
    readFile(join(context, '.dockerignore'), 'utf8'),
  ]);
  return { stages: parseDockerfile(dockerfile), ignore: dockerignore(ignoreText) };
}
