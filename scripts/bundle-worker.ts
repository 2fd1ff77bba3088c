#!/usr/bin/env node
/**
 * Part of `npm run build` (after `tsc`): replaces the compiled scan worker, `DIST/scan/worker.js`, with
 * one ES module holding the worker and everything it imports — our compiled code and the AWS SDK — with
 * the SDK's unused operation schemas dropped. Exits 1 when esbuild fails, 2 on a bad argument.
 *
 *   tsx scripts/bundle-worker.ts [DIST]        (default: dist)
 *
 * Why: each scan worker loads the SDK in its own V8 isolate. Loaded as packages, that is ≈ 60 MB a
 * worker, most of it `@aws-sdk/client-ec2`'s 2 MB CommonJS file (every one of EC2's 3,400 request and
 * response schemas is built at load) and the loader's work on ≈ 150 small files. Bundled with only the
 * schemas the scan uses it is ≈ 17 MB: two idle workers measured 116–122 MiB → 34 MiB of RSS, and an
 * L scan's peak 237–300 MiB → 209–211 MiB with ≈ 10 % less CPU (BENCHMARKS.md, memory). The sources
 * (tsx, vitest) start `src/scan/worker.ts` unbundled; `test/scripts/bundle-worker.test.ts` runs this
 * script and a scan through the result.
 *
 * The input is tsc's output, so our code is compiled by one compiler; esbuild only links it, reading
 * the SDK's ES module build (`module` field) that it can tree-shake, and chains tsc's source map.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';

/**
 * esbuild keeps any object literal with a computed key it cannot prove to be a primitive (the key's
 * `toString` could run code). The SDK's schema modules key every member's traits with a module-level
 * string constant (`{ [_xN]: _EBx }`), so without help not one unused schema is dropped. This replaces
 * such a key with the constant's literal when the constant is a `const` string declared at the top of
 * the same file — the value it already had — which lets esbuild see the schemas are pure. If the SDK
 * changes its layout the bundle is merely bigger; `inlined` records how many keys were rewritten.
 */
function inlineSchemaKeys(inlined: Map<string, number>): Plugin {
  return {
    name: 'inline-sdk-schema-keys',
    setup(b) {
      b.onLoad(
        { filter: /[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ },
        async (args) => {
          const source = await readFile(args.path, 'utf8');
          const constants = new Map<string, string>();
          for (const m of source.matchAll(/^const (_[\w$]+) = ("(?:[^"\\\n]|\\.)*");$/gm)) {
            if (m[1] && m[2]) constants.set(m[1], m[2]);
          }
          let count = 0;
          const contents = source.replace(/\[(_[\w$]+)\]:/g, (key, name: string) => {
            const literal = constants.get(name);
            if (literal === undefined) return key;
            count++;
            return `[${literal}]:`;
          });
          inlined.set(args.path, count);
          return { contents, loader: 'js' };
        },
      );
    },
  };
}

export interface BundledWorker {
  file: string;
  bytes: number;
  /** Schema keys inlined per SDK schema file (0 everywhere = the SDK changed its layout). */
  inlined: Map<string, number>;
}

export async function bundleWorker(dist: string): Promise<BundledWorker> {
  const file = join(dist, 'scan', 'worker.js');
  const inlined = new Map<string, number>();
  const result = await build({
    entryPoints: [file],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // The SDK's ES module build: the CommonJS one is a single file per package that cannot be tree-shaken.
    mainFields: ['module', 'main'],
    sourcemap: 'linked',
    write: false,
    outfile: file,
    allowOverwrite: true,
    logLevel: 'warning',
    legalComments: 'none',
    plugins: [inlineSchemaKeys(inlined)],
    // A few SDK dependencies are CommonJS and call `require` for Node built-ins; ES modules have none.
    banner: {
      js: "import { createRequire as __shareguardCreateRequire } from 'node:module'; const require = __shareguardCreateRequire(import.meta.url);",
    },
  });
  let bytes = 0;
  for (const out of result.outputFiles) {
    await writeFile(out.path, out.contents);
    if (out.path === resolve(file)) bytes = out.contents.byteLength;
  }
  return { file, bytes, inlined };
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename);
if (isMain) {
  const args = process.argv.slice(2);
  if (args.length > 1 || args.some((a) => a.startsWith('-'))) {
    process.stderr.write('usage: tsx scripts/bundle-worker.ts [DIST]\n');
    process.exit(2);
  }
  try {
    const { file, bytes, inlined } = await bundleWorker(args[0] ?? 'dist');
    const keys = [...inlined.values()].reduce((a, b) => a + b, 0);
    process.stdout.write(`${file}: ${(bytes / 1e6).toFixed(2)} MB, ${keys} SDK schema keys inlined\n`);
    if (inlined.size > 0 && keys === 0)
      process.stderr.write(
        'warning: no SDK schema key inlined — the SDK changed its schema layout; the bundle keeps every schema\n',
      );
  } catch (err) {
    process.stderr.write(`bundle-worker: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
