/**
 * The real guard behind the Block rung's port. Until the guard module (src/guard) is merged, only
 * `guard.mode: off` exists and the port is never asked to write or apply anything.
 */
import type { CoreDeps } from '../core/deps.ts';
import type { GuardPort } from './guard-port.ts';
import { guardModeOf } from './registry.ts';

export function guardPortFor(deps: CoreDeps, _dryRun: boolean): GuardPort {
  const mode = guardModeOf(deps.config);
  const missing = async (): Promise<never> => {
    throw new Error(`guard.mode is ${mode} but this build has no guard module`);
  };
  return { mode, putBlockedResource: missing, apply: missing, verify: missing };
}
