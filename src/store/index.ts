export { openStore, type OpenStoreOptions, type StoreConfig } from './open.ts';
export type {
  FinalOutcome,
  FindingPatch,
  ListDecisionsQuery,
  ListFindingsQuery,
  Store,
  StoreInfo,
  TransitionResult,
} from './store.ts';
export type { LastScan } from './last-scan.ts';
export { StoreConflictError, StoreError } from './errors.ts';
export { runStoreCommand } from './cli.ts';
