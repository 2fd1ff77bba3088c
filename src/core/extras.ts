import type { Actor } from '../domain/lifecycle.ts';

/**
 * The fields of `DecisionExtras` a decision record / summary keeps (absent ones left out). Its own
 * module so decisions.ts and ladder.ts both use it without importing each other at run time.
 */
export function extrasOf(e: { reason?: string; confirmedBy?: Actor } | undefined): {
  reason?: string;
  confirmedBy?: Actor;
} {
  return {
    ...(e?.reason ? { reason: e.reason } : {}),
    ...(e?.confirmedBy ? { confirmedBy: e.confirmedBy } : {}),
  };
}
