import type { Actor, DecisionOutcome, FindingState } from './lifecycle.ts';
import type { MessageRef } from './message-ref.ts';

/**
 * The clicks that become decision intents (issue 8 item 1; Block account from a finding: issue 20;
 * Unblock and Unblock account, from a button or `/shared-scan unblock`).
 */
export const INTENT_ACTIONS = [
  'trust',
  'remove',
  'delete-at-source',
  'revoke-org-share',
  'block-account',
  'unblock',
  'unblock-account',
] as const;
export type IntentAction = (typeof INTENT_ACTIONS)[number];

/**
 * Why core did not carry a decision out. Typed, never words or markup: only `src/slack/` (and the
 * CLI) turn it into text, so mentions and dates are rendered once, by the renderer (issue 8 item 8).
 */
export type Refusal =
  | { code: 'unknown-finding'; findingId: string }
  | {
      code: 'already-decided';
      state: FindingState;
      resourceId: string;
      accountId: string;
      ownerAccountId: string;
      /** Who decided and when, when the finding records it. */
      by?: Actor;
      at?: string;
    }
  | { code: 'not-monitored'; accountId: string }
  | { code: 'nothing-applies'; resourceId: string }
  | { code: 'no-owner-role'; ownerAccountId: string }
  | { code: 'not-authorized'; reason: string }
  | { code: 'trusted-by-config'; accountId: string }
  | { code: 'not-trusted'; accountId: string }
  /** Block account refused for its owner (core/block-account.ts `BlockRefusalCode`). */
  | {
      code: 'block-refused';
      ownerAccountId: string;
      reason: 'monitored-account' | 'trusted-by-config' | 'on-trust-list' | 'not-blocked';
    }
  /** Unblock refused for a finding (core/unblock.ts): it is neither on the guard nor blocked. */
  | { code: 'not-blocked'; resourceId: string };

/** Where a decision's answer goes when it is refused (the click's response_url lives 30 minutes). */
export interface IntentReply {
  responseUrl?: string;
  channel?: string;
  /** Who is told (ephemeral) when not the decider: under the two-person rule, the confirmer. */
  userId?: string;
}

/**
 * What a decision carries besides who took it (issue 10): the approver's reason, for Trust an expiry,
 * under the two-person rule the second approver (`by` asked). Stored on the intent so a decision from
 * the reason modal or a Confirm is resumed after a crash with all of it (core/decisions.ts
 * `DecisionExtras` is this type).
 */
export interface IntentExtras {
  reason?: string;
  /** Trust only: the trust entry lapses at this time (ISO). */
  trustExpiresAt?: string;
  confirmedBy?: Actor;
}

export const INTENT_STATUSES = ['awaiting', 'pending', 'done', 'void'] as const;
export type IntentStatus = (typeof INTENT_STATUSES)[number];

/**
 * An acknowledged click, written to the store before anything else (docs/store.md "Intents"). Its id
 * is the decision id of everything it leads to (decision log entry, the finding's `decision`), so a
 * retried or resumed intent converges on the same records instead of making new ones.
 */
export interface DecisionIntent {
  intentId: string;
  action: IntentAction;
  /** The finding decided; empty for Unblock account, which names an owner (`ownerAccountId`) instead. */
  findingId: string;
  /** Unblock account only: the owner taken off the guard (`/shared-scan unblock <account>`). */
  ownerAccountId?: string;
  by: Actor;
  /** When the click arrived; a `toISOString()` time. */
  at: string;
  status: IntentStatus;
  reply?: IntentReply;
  /** Reason, trust expiry, second approver: absent for a one-click decision without them. */
  extras?: IntentExtras;
  /**
   * Under the two-person rule the intent is the request (docs/store.md "Two-person requests"):
   * `awaiting` a second approver until `approval.expiresAt`; a Confirm moves it to `pending` with
   * `extras.confirmedBy` in one conditional write, a Reject to `pending` with `rejectedBy` (the runner
   * then takes the request off the finding). `void`: written after its deadline, the clicker was told
   * "not recorded", so it is never carried out.
   */
  approval?: { expiresAt: string };
  rejectedBy?: Actor;
  /** The replica running it and until when (a lease: another replica takes over only after expiry). */
  claim?: { holder: string; expiresAt: number };
  /** Set when done. */
  result?: IntentResult;
  completedAt?: string;
  /** Runs that failed before this one (a store or network failure mid-way). */
  attempts?: number;
  lastError?: string;
}

export type IntentResult =
  | { status: 'done'; outcome: Exclude<DecisionOutcome, 'pending'> }
  | { status: 'refused'; refusal: Refusal }
  /** A two-person request that ended without the decision: rejected, or lapsed. */
  | { status: 'rejected'; by: Actor }
  | { status: 'expired' };

/** A message that could not be updated: re-rendered from the store later (docs/store.md "Outbox"). */
export interface OutboxEntry {
  /** `<channel>|<ts>`: one entry per message, however many findings it shows. */
  key: string;
  findingId: string;
  ref: MessageRef;
  at: string;
  attempts: number;
  lastError?: string;
}

export const outboxKey = (ref: MessageRef): string => `${ref.channel}|${ref.ts}`;
