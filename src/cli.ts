// The CLI's entry: bin/shareguard.js runs this (compiled: dist/cli.js). One module per command lives
// in src/cli/commands/, dispatched by src/cli/index.ts.
export { main } from './cli/index.ts';
