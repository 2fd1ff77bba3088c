export { openStore } from './open.ts';
export type { Store } from './store.ts';
export { StoreError } from './errors.ts';
export { runStoreCommand } from './cli.ts';
export { withStoreDeadline } from './deadline.ts';
