// The AWS simulator (docs/simulator.md). Tests, the demo and benchmarks start it from here;
// production code never imports it.
export { start } from './server.ts';
export type { SimHandle } from './server.ts';
export { SimState } from './state.ts';
export { parseWorld, loadWorldFile, WorldError } from './world.ts';
export type { World, WorldAccount, WorldImage, WorldSnapshot, WorldDbSnapshot } from './world.ts';
