import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { BlockedOwner, BlockedResource, GuardScopeState } from '../domain/guard.ts';
import type { DecisionIntent, IntentExtras, IntentResult, OutboxEntry } from '../domain/intent.ts';
import type {
  Actor,
  ApprovalRequest,
  DecisionRecord,
  FindingRecord,
  FindingState,
  TrustEntry,
} from '../domain/lifecycle.ts';
import type { MessageRef } from '../domain/message-ref.ts';
import { DynamoDecisions } from './dynamo/decisions.ts';
import { DynamoFindings } from './dynamo/findings.ts';
import { DynamoGuard, DynamoGuardRevisions } from './dynamo/guard.ts';
import { DynamoIntents } from './dynamo/intents.ts';
import { DynamoLeases } from './dynamo/leases.ts';
import { DynamoMeta } from './dynamo/meta.ts';
import { TableClient } from './dynamo/table-client.ts';
import { DynamoTrust } from './dynamo/trust.ts';
import type { LastScan } from './last-scan.ts';
import type {
  FinalOutcome,
  FindingPatch,
  IntentUpdate,
  Lease,
  LeaseNote,
  LeaseOptions,
  LeaseTaken,
  ListDecisionsQuery,
  ListFindingsQuery,
  Store,
  StoreInfo,
  TransitionResult,
} from './store.ts';

export interface DynamoStoreOptions {
  info: StoreInfo;
  /** Runs after the client is destroyed (stops dynalite for embedded/memory). */
  onClose?: () => Promise<void>;
  /** Deadline of one call, retries included (default DEFAULT_CALL_TIMEOUT_MS; docs/store.md "Timeouts"). */
  callTimeoutMs?: number;
}

/**
 * The Store over the DynamoDB API; the same code serves real DynamoDB and dynalite. Each record family
 * is its own module under dynamo/ (the table layout is in table.ts); this class only routes to them.
 */
export class DynamoStore implements Store {
  readonly info: StoreInfo;
  private readonly t: TableClient;
  private readonly findings: DynamoFindings;
  private readonly trust: DynamoTrust;
  private readonly guard: DynamoGuard;
  private readonly guardRevisions: DynamoGuardRevisions;
  private readonly decisions: DynamoDecisions;
  private readonly leases: DynamoLeases;
  private readonly intents: DynamoIntents;
  private readonly meta: DynamoMeta;
  private closed?: Promise<void>;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly options: DynamoStoreOptions,
  ) {
    this.info = options.info;
    this.t = new TableClient(client, options.info.tableName, options.callTimeoutMs);
    this.findings = new DynamoFindings(this.t);
    this.trust = new DynamoTrust(this.t);
    this.guard = new DynamoGuard(this.t);
    this.guardRevisions = new DynamoGuardRevisions(this.t);
    this.decisions = new DynamoDecisions(this.t);
    this.leases = new DynamoLeases(this.t);
    this.intents = new DynamoIntents(this.t);
    this.meta = new DynamoMeta(this.t);
  }

  getFinding(id: string): Promise<FindingRecord | undefined> {
    return this.findings.get(id);
  }
  getFindings(ids: readonly string[]): Promise<Map<string, FindingRecord>> {
    return this.findings.getMany(ids);
  }
  listFindings(q: ListFindingsQuery): Promise<FindingRecord[]> {
    return this.findings.list(q);
  }
  createFinding(rec: FindingRecord): Promise<boolean> {
    return this.findings.create(rec);
  }
  saveFinding(rec: FindingRecord): Promise<FindingRecord> {
    return this.findings.save(rec);
  }
  transitionFinding(
    id: string,
    from: readonly FindingState[],
    patch: FindingPatch,
  ): Promise<TransitionResult> {
    return this.findings.transition(id, from, patch);
  }
  setMessage(id: string, ref: MessageRef): Promise<void> {
    return this.findings.setMessage(id, ref);
  }
  putApproval(id: string, req: ApprovalRequest, replacing?: string): Promise<TransitionResult> {
    return this.findings.putApproval(id, req, replacing);
  }
  clearApproval(id: string, requestId: string): Promise<TransitionResult> {
    return this.findings.clearApproval(id, requestId);
  }

  listTrust(): Promise<TrustEntry[]> {
    return this.trust.list();
  }
  getTrust(accountId: string): Promise<TrustEntry | undefined> {
    return this.trust.get(accountId);
  }
  putTrust(entry: TrustEntry): Promise<boolean> {
    return this.trust.put(entry);
  }
  deleteTrust(accountId: string): Promise<boolean> {
    return this.trust.delete(accountId);
  }

  putBlockedResource(e: BlockedResource): Promise<void> {
    return this.guard.putResource(e);
  }
  deleteBlockedResource(findingId: string): Promise<boolean> {
    return this.guard.deleteResource(findingId);
  }
  listBlockedResources(q?: { accountId?: string }): Promise<BlockedResource[]> {
    return this.guard.listResources(q);
  }
  putBlockedOwner(e: BlockedOwner): Promise<boolean> {
    return this.guard.putOwner(e);
  }
  getBlockedOwner(ownerAccountId: string): Promise<BlockedOwner | undefined> {
    return this.guard.getOwner(ownerAccountId);
  }
  deleteBlockedOwner(ownerAccountId: string): Promise<boolean> {
    return this.guard.deleteOwner(ownerAccountId);
  }
  listBlockedOwners(): Promise<BlockedOwner[]> {
    return this.guard.listOwners();
  }
  bumpGuardRevision(): Promise<number> {
    return this.guardRevisions.bump();
  }
  getGuardRevision(): Promise<number> {
    return this.guardRevisions.current();
  }
  requestGuardScope(scope: string, generation: number): Promise<void> {
    return this.guardRevisions.request(scope, generation);
  }
  markGuardApplied(scope: string, revision: number, at: string): Promise<void> {
    return this.guardRevisions.applied(scope, revision, at);
  }
  noteGuardScope(
    scope: string,
    patch: { lastError?: string; at?: string; driftNotice?: string },
  ): Promise<void> {
    return this.guardRevisions.note(scope, patch);
  }
  getGuardScope(scope: string): Promise<GuardScopeState | undefined> {
    return this.guardRevisions.get(scope);
  }
  listGuardScopes(): Promise<GuardScopeState[]> {
    return this.guardRevisions.list();
  }

  appendDecision(rec: DecisionRecord): Promise<void> {
    return this.decisions.append(rec);
  }
  completeDecision(
    rec: DecisionRecord,
    outcome: FinalOutcome,
    detail?: string,
    completedAt?: string,
  ): Promise<DecisionRecord> {
    return this.decisions.complete(rec, outcome, detail, completedAt);
  }
  listDecisions(q: ListDecisionsQuery): Promise<DecisionRecord[]> {
    return this.decisions.list(q);
  }

  async acquireLease(name: string, holder: string, ttlMs: number, now?: number): Promise<boolean> {
    return (await this.leases.take(name, holder, ttlMs, now)).acquired;
  }
  takeLease(name: string, holder: string, ttlMs: number, opts: LeaseOptions = {}): Promise<LeaseTaken> {
    return this.leases.take(name, holder, ttlMs, opts.now, opts.note);
  }
  renewLease(name: string, holder: string, ttlMs: number, opts: LeaseOptions = {}): Promise<boolean> {
    return this.leases.renew(name, holder, ttlMs, opts.now, opts.note);
  }
  getLease(name: string): Promise<Lease | undefined> {
    return this.leases.get(name);
  }
  releaseLease(name: string, holder: string, keep?: LeaseNote): Promise<void> {
    return this.leases.release(name, holder, keep);
  }

  putIntent(intent: DecisionIntent): Promise<boolean> {
    return this.intents.put(intent);
  }
  getIntent(intentId: string): Promise<DecisionIntent | undefined> {
    return this.intents.get(intentId);
  }
  listPendingIntents(): Promise<DecisionIntent[]> {
    return this.intents.list('pending');
  }
  listAwaitingIntents(): Promise<DecisionIntent[]> {
    return this.intents.list('awaiting');
  }
  completeIntent(
    intentId: string,
    result: IntentResult,
    completedAt: string,
    from?: 'pending' | 'awaiting',
  ): Promise<boolean> {
    return this.intents.complete(intentId, result, completedAt, from);
  }
  noteIntentFailure(intentId: string, error: string): Promise<void> {
    return this.intents.noteFailure(intentId, error);
  }
  voidIntent(intentId: string, at: string): Promise<boolean> {
    return this.intents.void(intentId, at);
  }
  claimIntent(intentId: string, holder: string, leaseMs: number, now: number): Promise<boolean> {
    return this.intents.claim(intentId, holder, leaseMs, now);
  }
  confirmIntent(intentId: string, extras: IntentExtras, by: Actor, now: string): Promise<IntentUpdate> {
    return this.intents.confirm(intentId, extras, by, now);
  }
  rejectIntent(intentId: string, by: Actor): Promise<IntentUpdate> {
    return this.intents.reject(intentId, by);
  }
  putOutbox(e: OutboxEntry): Promise<void> {
    return this.intents.putOutbox(e);
  }
  listOutbox(): Promise<OutboxEntry[]> {
    return this.intents.listOutbox();
  }
  deleteOutbox(key: string): Promise<void> {
    return this.intents.deleteOutbox(key);
  }

  putLastScan(scan: LastScan): Promise<void> {
    return this.meta.putLastScan(scan);
  }
  getLastScan(): Promise<LastScan | undefined> {
    return this.meta.getLastScan();
  }
  getMeta(name: string): Promise<object | undefined> {
    return this.meta.get(name);
  }

  async close(): Promise<void> {
    this.closed ??= (async () => {
      // Destroying the client closes its keep-alive sockets, which an HTTP server's close waits for.
      this.t.destroy();
      this.client.destroy();
      await this.options.onClose?.();
    })();
    return this.closed;
  }
}
