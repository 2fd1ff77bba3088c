#!/usr/bin/env node
// The `shareguard` command. Runs the compiled build (dist/, made by `npm ci` through the `prepare`
// script) when it is at least as new as every source file; otherwise the TypeScript sources directly
// through tsx, so an edited checkout never runs stale code and there is no build step to remember.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// shareguard targets Node 20 on purpose; the SDK's notice about its future Node 22 floor is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = new URL('../dist/cli.js', import.meta.url);

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
  try {
    return statSync(built).mtimeMs >= newestSource(`${root}src`);
  } catch {
    return false;
  }
}

let main;
if (buildIsFresh()) {
  ({ main } = await import(built.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli.ts'));
}
process.exitCode = await main(process.argv.slice(2));
