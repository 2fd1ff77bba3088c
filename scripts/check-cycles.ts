#!/usr/bin/env node
/**
 * `npm run check:cycles` (in CI after lint): exits 1 when modules under a directory (default `src/`)
 * import each other in a cycle, naming every cycle; 0 when there is none; 2 on a bad argument.
 *
 *   tsx scripts/check-cycles.ts [DIR] [--include-dynamic]
 *
 * What counts as an import (an edge of the graph):
 * - `import … from './x.ts'`, `import './x.ts'`, `export … from './x.ts'`: static, so the imported
 *   module is evaluated first; in a cycle one of the two reads the other's bindings before that module
 *   finished evaluating (the TDZ error, or `undefined` where a class or constant was expected).
 * - NOT `import type …` / `export type … from …`: erased from the output, nothing loads at run time.
 *   (`import { type A } from …` IS an edge: under `verbatimModuleSyntax` it compiles to
 *   `import {} from …`, which still loads the module.)
 * - NOT `import('./x.ts')`, unless `--include-dynamic`: a lazy import runs after both modules finished
 *   evaluating, so it cannot bite that way, and it is how the product keeps a module off a path on
 *   purpose (the simulator behind `--world`, the demo, the scan's worker pool). `--include-dynamic`
 *   shows those dependency cycles too, for a stricter look; CI does not use it.
 * Only relative specifiers resolving to a file under the checked directory are followed; packages and
 * `node:` modules cannot be part of a cycle of ours. Parsed with the TypeScript compiler API, so imports
 * in comments or strings are not mistaken for imports.
 *
 * One cycle is reported per strongly connected component (the modules that all reach each other): a
 * shortest path through it, and the component's other members when it has more. Breaking every
 * component breaks every cycle.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export type Graph = Map<string, string[]>;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(m|c)?tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** `./x.ts`, `./x.js` (compiled name), `./x` and `./x/index.ts`, relative to the importing file. */
function resolveRelative(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return undefined;
  const base = resolve(dirname(from), specifier);
  const candidates = [base, base.replace(/\.(m|c)?js$/, '.$1ts'), `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

export interface ScanOptions {
  /** Count `import('…')` with a literal specifier as an edge too. */
  includeDynamic?: boolean;
}

/** The specifiers a module imports at run time (see the header for what counts). */
export function runtimeImports(fileName: string, text: string, options: ScanOptions = {}): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      if (!node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier))
        found.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node)) {
      if (!node.isTypeOnly && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier))
        found.push(node.moduleSpecifier.text);
    } else if (
      options.includeDynamic &&
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every module under `root` and the modules under `root` it imports. */
export function importGraph(root: string, options: ScanOptions = {}): Graph {
  const files = sourceFiles(resolve(root));
  const inside = new Set(files);
  const graph: Graph = new Map();
  for (const file of files) {
    const targets = runtimeImports(file, readFileSync(file, 'utf8'), options)
      .map((s) => resolveRelative(file, s))
      .filter((t): t is string => t !== undefined && inside.has(t));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Tarjan's strongly connected components that contain a cycle (more than one module, or a self-import). */
function cyclicComponents(graph: Graph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  // Iterative, so a deep import chain cannot overflow the call stack.
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; next: number }[] = [{ node: start, next: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length) {
      const frame = work[work.length - 1]!;
      const edges = graph.get(frame.node) ?? [];
      if (frame.next < edges.length) {
        const to = edges[frame.next++]!;
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, next: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        const selfImport = (graph.get(frame.node) ?? []).includes(frame.node);
        if (component.length > 1 || selfImport) components.push(component.sort());
      }
    }
  }
  return components;
}

/** A shortest path from `start` back to itself inside one component (breadth-first). */
function cycleThrough(graph: Graph, component: string[], start: string): string[] {
  const members = new Set(component);
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const node = queue.shift()!;
    for (const to of graph.get(node) ?? []) {
      if (!members.has(to)) continue;
      if (to === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
        return [...path, start];
      }
      if (!previous.has(to)) {
        previous.set(to, node);
        queue.push(to);
      }
    }
  }
  return [start, start]; // unreachable for a cyclic component
}

export interface Cycle {
  /** `a → b → … → a`, a shortest cycle through the component's first member. */
  path: string[];
  /** Every module of the strongly connected component, sorted (a superset of `path`'s). */
  component: string[];
}

/** Every cycle of the graph: one per cyclic component, sorted by the component's first module. */
export function findCycles(graph: Graph): Cycle[] {
  return cyclicComponents(graph)
    .map((component) => ({ path: cycleThrough(graph, component, component[0]!), component }))
    .sort((a, b) => a.component[0]!.localeCompare(b.component[0]!));
}

function main(argv: string[]): number {
  const flags = argv.filter((a) => a.startsWith('-'));
  const dirs = argv.filter((a) => !a.startsWith('-'));
  const unknown = flags.filter((f) => f !== '--include-dynamic');
  const root = dirs[0] ?? 'src';
  if (unknown.length || dirs.length > 1 || !existsSync(root) || !statSync(root).isDirectory()) {
    process.stderr.write('usage: check-cycles [DIR (default src)] [--include-dynamic]\n');
    return 2;
  }
  const graph = importGraph(root, { includeDynamic: flags.includes('--include-dynamic') });
  const cycles = findCycles(graph);
  const name = (file: string) => relative(process.cwd(), file);
  if (cycles.length === 0) {
    process.stdout.write(`check-cycles: no import cycles among the ${graph.size} modules under ${root}\n`);
    return 0;
  }
  process.stderr.write(`check-cycles: ${cycles.length} import cycle(s) under ${root}:\n`);
  for (const { path, component } of cycles) {
    process.stderr.write(`  ${path.map(name).join(' → ')}\n`);
    const others = component.filter((m) => !path.includes(m));
    if (others.length)
      process.stderr.write(`    (the same cycle also runs through ${others.map(name).join(', ')})\n`);
  }
  process.stderr.write(
    'Break each: move what both sides need into a module of its own, or make one side `import type`.\n',
  );
  return 1;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  process.exitCode = main(process.argv.slice(2));
}
