// The AWS simulator (docs/simulator.md). Tests, the demo and benchmarks start it from here;
// production code never imports it.
export { start, BASE_ACCESS_KEY_ID, BASE_SECRET_ACCESS_KEY } from './server.ts';
export type { SimHandle, CallFilter } from './server.ts';
export type { Fault } from './faults.ts';
export { SimState } from './state.ts';
export type { AllowedImagesSettings, ImageCriterion } from './state.ts';
export { parseWorld, loadWorldFile, WorldError, worldSchema } from './world.ts';
export type {
  World,
  WorldAccount,
  WorldImage,
  WorldSnapshot,
  WorldDbSnapshot,
  WorldInstance,
  WorldVolume,
  WorldLaunchPermission,
  WorldRole,
  WorldManagedPolicy,
  WorldRecycleBinRule,
  WorldOrganizationPolicies,
  WorldScp,
  WorldRdsEvent,
  WorldDbRestored,
  PolicyDocument,
} from './world.ts';
export { evaluateDeny, policySize } from './policy/evaluate.ts';
export type { EvalRequest, EvalResult, PolicySource, MatchedStatement } from './policy/evaluate.ts';
export type { DenialRec, RecycleBinEntry } from './state.ts';
export { runSimCommand } from './cli.ts';
