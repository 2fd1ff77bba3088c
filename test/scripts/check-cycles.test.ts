import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { findCycles, importGraph } from '../../scripts/check-cycles.ts';

const ROOT = join(import.meta.dirname, '../..');
const SCRIPT = join(ROOT, 'scripts/check-cycles.ts');
const TSX = join(ROOT, 'node_modules/.bin/tsx');

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A small source tree: file name → content. */
async function fixture(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sg-cycles-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

/** The cycles as paths relative to the fixture, e.g. `a.ts → b.ts → a.ts`. */
function cyclesIn(dir: string, options: { includeDynamic?: boolean } = {}): string[] {
  return findCycles(importGraph(dir, options)).map((c) =>
    c.path.map((f) => f.slice(dir.length + 1)).join(' → '),
  );
}

async function runScript(dir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(TSX, [SCRIPT, dir], { cwd: dir });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const CYCLIC = {
  'a.ts': "import { b } from './b.ts';\nexport const a = () => b;\n",
  'b.ts': "import { c } from './sub/c.ts';\nexport const b = c;\n",
  'sub/c.ts': "export { a } from '../a.ts';\nexport const c = 1;\n",
  'd.ts':
    "import { a } from './a.ts';\nimport { readFile } from 'node:fs';\nexport const d = [a, readFile];\n",
};

const ACYCLIC = {
  'a.ts': "import { b } from './b.ts';\nexport const a = b;\nexport type A = string;\n",
  // Type-only imports are erased: not a cycle. An import in a comment is not an import.
  'b.ts':
    "import type { A } from './a.ts';\nexport type { A as B } from './a.ts';\n// import { a } from './a.ts';\nexport const b: A = 'b';\n",
  'c.ts': "import './b.ts';\nimport { a } from './a.ts';\nexport const c = a;\n",
};

describe('check-cycles', () => {
  it('finds a cycle through import, export … from and a subdirectory, and names its modules in order', async () => {
    const dir = await fixture(CYCLIC);
    expect(cyclesIn(dir)).toEqual(['a.ts → b.ts → sub/c.ts → a.ts']);
  });

  it('finds nothing where the only way back is a type-only import or a comment', async () => {
    const dir = await fixture(ACYCLIC);
    expect(cyclesIn(dir)).toEqual([]);
  });

  it('counts `import { type X }`: under verbatimModuleSyntax it still loads the module', async () => {
    const dir = await fixture({
      'a.ts': "import { b } from './b.ts';\nexport type A = string;\nexport const a = b;\n",
      'b.ts': "import { type A } from './a.ts';\nexport const b: A = 'b';\n",
    });
    expect(cyclesIn(dir)).toEqual(['a.ts → b.ts → a.ts']);
  });

  it('counts a lazy import() only with includeDynamic (the old CLI ↔ demo shape)', async () => {
    const dir = await fixture({
      'cli.ts': "export async function main() {\n  return (await import('./demo.ts')).runDemo();\n}\n",
      'demo.ts': "import { main } from './cli.ts';\nexport const runDemo = () => main;\n",
    });
    expect(cyclesIn(dir)).toEqual([]);
    expect(cyclesIn(dir, { includeDynamic: true })).toEqual(['cli.ts → demo.ts → cli.ts']);
  });

  it('reports a module importing itself, and each separate cycle once', async () => {
    const dir = await fixture({
      'self.ts': "import './self.ts';\n",
      'x.ts': "import './y.ts';\n",
      'y.ts': "import './x.ts';\n",
      'p.ts': "import './q.ts';\n",
      'q.ts': "import './p.ts';\nimport './x.ts';\n",
    });
    expect(cyclesIn(dir)).toEqual(['p.ts → q.ts → p.ts', 'self.ts → self.ts', 'x.ts → y.ts → x.ts']);
  });

  it('as a command: exit 1 naming the cycle, exit 0 when there is none', async () => {
    const cyclic = await runScript(await fixture(CYCLIC));
    expect(cyclic.code).toBe(1);
    expect(cyclic.stderr).toContain('1 import cycle(s)');
    expect(cyclic.stderr).toContain('a.ts → b.ts → sub/c.ts → a.ts');

    const clean = await runScript(await fixture(ACYCLIC));
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('no import cycles among the 3 modules');
  });
});
