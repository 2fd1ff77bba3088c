// The compiled entry point (`node dist/main.js …`): what the Docker image runs, with no source tree and
// no TypeScript loader next to it. bin/shareguard.js is the command for checkouts and installs.
import { main } from './cli/index.ts';

process.exitCode = await main(process.argv.slice(2));
