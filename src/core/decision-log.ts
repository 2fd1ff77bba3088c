import type { DecisionRecord } from '../domain/lifecycle.ts';
import { StoreConflictError } from '../store/errors.ts';
import type { CoreDeps } from './deps.ts';

/**
 * Appends a decision's pending log entry once (docs/store.md "Intents": re-runs by the intent's id). When an
 * entry with this id is already there — an earlier run of the same intent wrote it before a crash — that
 * entry stands and is returned with `existed: true`; any other conflict or failure is thrown.
 */
export async function appendDecisionOnce(
  deps: CoreDeps,
  decision: DecisionRecord,
): Promise<{ decision: DecisionRecord; existed: boolean }> {
  try {
    await deps.store.appendDecision(decision);
    return { decision, existed: false };
  } catch (err) {
    const current =
      err instanceof StoreConflictError ? (err.current as DecisionRecord | undefined) : undefined;
    if (current?.decisionId !== decision.decisionId) throw err;
    return { decision: current, existed: true };
  }
}
