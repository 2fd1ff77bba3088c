#!/usr/bin/env node
// The `shareguard` command. Runs the compiled build (dist/, made by `npm ci` through the `prepare`
// script) when it is at least as new as every source file, or when there are no sources (an install
// or an image that ships dist/ alone); otherwise the TypeScript sources through tsx (a dev dependency),
// so an edited checkout never runs stale code and there is no build step to remember.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = new URL('../dist/cli.js', import.meta.url);
const sources = `${root}src`;

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function buildIsFresh() {
  if (process.env.SHAREGUARD_FROM_SOURCE === '1') return false;
  if (!existsSync(built)) return false;
  if (!existsSync(sources)) return true;
  return statSync(built).mtimeMs >= newestSource(sources);
}

async function loadFromSource() {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    const why = existsSync(built) ? 'dist/ is older than src/' : 'dist/ is missing';
    process.stderr.write(
      `shareguard: ${why}, and tsx (a dev dependency) is not installed to run the sources.\n` +
        `  In a checkout: run \`npm ci\` (installs tsx and builds dist/), or \`npm run build\`.\n` +
        `  In production: build with \`npm run build\` and run \`node dist/main.js\`.\n`,
    );
    process.exit(2);
  }
  register();
  return import('../src/cli.ts');
}

const { main } = buildIsFresh() ? await import(built.href) : await loadFromSource();
process.exitCode = await main(process.argv.slice(2));
