/**
 * The store's port: what the rest of shareguard may ask of it. The one adapter is DynamoStore
 * (dynamo-store.ts, one module per record family under dynamo/), serving real DynamoDB and dynalite.
 */
import type {
  DecisionOutcome,
  DecisionRecord,
  FindingRecord,
  FindingState,
  TrustEntry,
  ApprovalRequest,
  Actor,
} from '../domain/lifecycle.ts';
import type { MessageRef } from '../domain/message-ref.ts';
import type { BlockedOwner, BlockedResource, GuardScopeState } from '../domain/guard.ts';
import type { DecisionIntent, IntentExtras, IntentResult, OutboxEntry } from '../domain/intent.ts';
import type { LastScan } from './last-scan.ts';

/** A conditional move of an intent: the new intent, or (condition false) the intent as it is now. */
export type IntentUpdate = { ok: true; intent: DecisionIntent } | { ok: false; current?: DecisionIntent };

/** Fields a transition may set. A key present with the value `undefined` removes that attribute. */
export type FindingPatch = Partial<Omit<FindingRecord, 'finding' | 'version'>>;

export type TransitionResult = { ok: true; record: FindingRecord } | { ok: false; current?: FindingRecord };

export type FinalOutcome = Exclude<DecisionOutcome, 'pending'>;

export interface ListFindingsQuery {
  states: readonly FindingState[];
  ownerAccountId?: string;
}

export interface ListDecisionsQuery {
  /** Inclusive lower bound on `at` (anything `Date.parse` reads; normalised to UTC). */
  since: string;
  /** Inclusive upper bound on `at`; now when absent. */
  until?: string;
  findingId?: string;
  limit?: number;
}

export interface StoreInfo {
  kind: 'embedded' | 'memory' | 'dynamodb';
  tableName: string;
  /** The HTTP endpoint the SDK talks to (dynalite's local URL for embedded/memory). */
  endpoint?: string;
  region: string;
}

/** What a lease's holder is doing, for whoever takes it over (small: a message ref, a day's status). */
export type LeaseNote = Record<string, string | number>;

export interface Lease {
  name: string;
  holder: string;
  /** Epoch ms; the lease is free once `expiresAt < now`. */
  expiresAt: number;
  acquiredAt: string;
  note?: LeaseNote;
}

export interface LeaseOptions {
  /** The caller's clock (epoch ms); default Date.now(). */
  now?: number;
  note?: LeaseNote;
}

export type LeaseTaken = { acquired: false } | { acquired: true; replaced?: Lease };

/**
 * Findings, trust list, decision log and leases, in one DynamoDB table. Every write is a single-item
 * (conditional) write: dynalite has no transactions. Reads of single items and partitions are strongly
 * consistent; the state index (GSI1, used by listFindings) is eventually consistent on real DynamoDB.
 */
export interface Store {
  readonly info: StoreInfo;

  getFinding(id: string): Promise<FindingRecord | undefined>;
  /** Missing ids are absent from the map. */
  getFindings(ids: readonly string[]): Promise<Map<string, FindingRecord>>;
  /** Findings in any of `states` (optionally of one owner), sorted by owner then id. */
  listFindings(q: ListFindingsQuery): Promise<FindingRecord[]>;
  /** Stores `rec` with version 1; false (and nothing written) when the finding already exists. */
  createFinding(rec: FindingRecord): Promise<boolean>;
  /**
   * Replaces the whole record if the stored version is still `rec.version` (version 0: only if absent)
   * and returns it with version + 1. Throws StoreConflictError when someone wrote in between.
   */
  saveFinding(rec: FindingRecord): Promise<FindingRecord>;
  /**
   * One conditional UpdateItem: applies `patch` only if the finding's state is one of `from`, so of N
   * concurrent callers exactly one gets `ok: true`. The others get the record as it is now. Throws a
   * StoreError when some `from → patch.state` is not in domain/lifecycle.ts FINDING_TRANSITIONS.
   */
  transitionFinding(
    id: string,
    from: readonly FindingState[],
    patch: FindingPatch,
  ): Promise<TransitionResult>;
  /** Records where the finding is shown in Slack. Throws StoreError if the finding does not exist. */
  setMessage(id: string, ref: MessageRef): Promise<void>;
  /**
   * Two-person rule (docs/store.md "Approval requests"): puts `req` on the finding if it is `open` and
   * carries no request, or (with `replacing`) only a request with that id — so of concurrent first
   * approvers exactly one asks. One conditional UpdateItem.
   */
  putApproval(id: string, req: ApprovalRequest, replacing?: string): Promise<TransitionResult>;
  /**
   * Takes the request `requestId` off the finding (Confirm, Reject, expiry): of concurrent callers
   * exactly one gets `ok: true`. One conditional UpdateItem.
   */
  clearApproval(id: string, requestId: string): Promise<TransitionResult>;

  listTrust(): Promise<TrustEntry[]>;
  getTrust(accountId: string): Promise<TrustEntry | undefined>;
  /** False (entry unchanged) when the account is already trusted. */
  putTrust(entry: TrustEntry): Promise<boolean>;
  /** False when the account was not trusted. */
  deleteTrust(accountId: string): Promise<boolean>;

  /**
   * The guard's inputs (docs/store.md "Guard"): resources put on the guard by a Remove decision, one
   * per finding, and owners blocked by "Block account". The guard policies are derived from these.
   * Put overwrites (a retried decision replaces its own entry).
   */
  putBlockedResource(e: BlockedResource): Promise<void>;
  /** False when the finding was not on the guard. */
  deleteBlockedResource(findingId: string): Promise<boolean>;
  /** Sorted by account, then finding id. */
  listBlockedResources(q?: { accountId?: string }): Promise<BlockedResource[]>;
  /** True when the owner was not blocked before (the entry is replaced either way). */
  putBlockedOwner(e: BlockedOwner): Promise<boolean>;
  getBlockedOwner(ownerAccountId: string): Promise<BlockedOwner | undefined>;
  /** False when the owner was not blocked. */
  deleteBlockedOwner(ownerAccountId: string): Promise<boolean>;
  /** Sorted by owner account id. */
  listBlockedOwners(): Promise<BlockedOwner[]>;
  /**
   * The guard's convergence (docs/store.md "Guard"): a revision counter bumped after every change of
   * the desired state above (returns the new revision), and per scope (an account, or `organization`)
   * the revision last requested of it and the one its policies were last written from.
   */
  bumpGuardRevision(): Promise<number>;
  getGuardRevision(): Promise<number>;
  /** Raises the scope's `requested` (never lowers it). */
  requestGuardScope(scope: string, generation: number): Promise<void>;
  /** Raises the scope's `applied` (never lowers it) and clears its `lastError`. */
  markGuardApplied(scope: string, revision: number, at: string): Promise<void>;
  noteGuardScope(
    scope: string,
    patch: { lastError?: string; at?: string; driftNotice?: string },
  ): Promise<void>;
  getGuardScope(scope: string): Promise<GuardScopeState | undefined>;
  /** Sorted by scope. */
  listGuardScopes(): Promise<GuardScopeState[]>;

  /** Appends to the decision log (never overwrites); `at` must be a toISOString() time. */
  appendDecision(rec: DecisionRecord): Promise<void>;
  /**
   * Sets the outcome of a `pending` decision (identified by `rec.decisionId` and `rec.at`).
   * Throws StoreConflictError if it is not pending (already completed, or absent).
   */
  completeDecision(
    rec: DecisionRecord,
    outcome: FinalOutcome,
    detail?: string,
    completedAt?: string,
  ): Promise<DecisionRecord>;
  /** Decisions with `since <= at <= until`, newest first. One Query per UTC day in the range. */
  listDecisions(q: ListDecisionsQuery): Promise<DecisionRecord[]>;

  /**
   * Takes or renews the lease: succeeds if nobody holds it, the holder's lease expired (`expiresAt < now`)
   * or `holder` already holds it. Expiry is compared in the condition; no TTL involved.
   */
  acquireLease(name: string, holder: string, ttlMs: number, now?: number): Promise<boolean>;
  /**
   * `acquireLease` that also says whose lease it replaced: `replaced` is another holder's expired lease
   * (with its note), so the new holder can finish what the old one left (a stale progress message).
   */
  takeLease(name: string, holder: string, ttlMs: number, opts?: LeaseOptions): Promise<LeaseTaken>;
  /** Heartbeat: extends (and re-notes) the lease if `holder` still holds it; false when it was lost. */
  renewLease(name: string, holder: string, ttlMs: number, opts?: LeaseOptions): Promise<boolean>;
  /** The lease as stored, expired or not; undefined when there is none. */
  getLease(name: string): Promise<Lease | undefined>;
  /**
   * Gives the lease up if `holder` still holds it; does nothing otherwise. With `keep`, the item stays
   * (expired) with that note, for whoever takes the lease next.
   */
  releaseLease(name: string, holder: string, keep?: LeaseNote): Promise<void>;

  /**
   * Decision intents (docs/store.md "Intents"): an acknowledged click, written before the ack.
   * `putIntent` creates it (`pending`, or `awaiting` a second approver); true when written, or when
   * the same click's intent is already there (an SDK retry of a write that landed, a redelivered
   * click). False when another intent has this id. Its caller bounds it with `withStoreDeadline`: past
   * the deadline it throws a StoreTimeoutError (then `voidIntent` makes sure it is never carried out).
   */
  putIntent(intent: DecisionIntent): Promise<boolean>;
  getIntent(intentId: string): Promise<DecisionIntent | undefined>;
  /** Pending intents, oldest first (GSI1: eventually consistent on DynamoDB; re-read before acting). */
  listPendingIntents(): Promise<DecisionIntent[]>;
  /** Two-person requests awaiting a second approver, oldest first (GSI1, like the pending ones). */
  listAwaitingIntents(): Promise<DecisionIntent[]>;
  /**
   * `from` → done with its result, conditional on still being in `from` (default pending; a lapsed
   * request: awaiting); false when it was not.
   */
  completeIntent(
    intentId: string,
    result: IntentResult,
    completedAt: string,
    from?: 'pending' | 'awaiting',
  ): Promise<boolean>;
  /** Counts a failed run on a pending intent and drops its claim; never fails on a done one. */
  noteIntentFailure(intentId: string, error: string): Promise<void>;
  /** A pending intent nobody claimed (or none yet: a tombstone) becomes `void`; false when too late. */
  voidIntent(intentId: string, at: string): Promise<boolean>;
  /** The lease on running a pending intent (conditional write; expiry compared in the condition). */
  claimIntent(intentId: string, holder: string, leaseMs: number, now: number): Promise<boolean>;
  /** awaiting → pending with `confirmedBy` (not the requester, not lapsed), in one conditional write. */
  confirmIntent(intentId: string, extras: IntentExtras, by: Actor, now: string): Promise<IntentUpdate>;
  /** awaiting → pending with `rejectedBy`, in one conditional write. */
  rejectIntent(intentId: string, by: Actor): Promise<IntentUpdate>;

  /**
   * Messages that must be re-rendered from the store (docs/store.md "Outbox"), one per message.
   * Put overwrites (a newer failure replaces the entry; `attempts` is the caller's count).
   */
  putOutbox(e: OutboxEntry): Promise<void>;
  /** Sorted by key. */
  listOutbox(): Promise<OutboxEntry[]>;
  deleteOutbox(key: string): Promise<void>;

  /** The last scan's summary (one item; the newest scan replaces it). */
  putLastScan(scan: LastScan): Promise<void>;
  getLastScan(): Promise<LastScan | undefined>;
  /** A small named document, undefined when absent (the health check reads one to reach the table). */
  getMeta(name: string): Promise<object | undefined>;

  close(): Promise<void>;
}
