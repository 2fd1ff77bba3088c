#!/usr/bin/env node
// Runs the TypeScript sources directly (no build step to forget): tsx registers its ESM loader,
// then the CLI module takes over.
import { register } from 'tsx/esm/api';

// shareguard targets Node 20 on purpose; the SDK's notice about its future Node 22 floor is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
