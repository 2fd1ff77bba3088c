import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { cmp } from '../domain/finding.ts';
import type {
  DecisionOutcome,
  DecisionRecord,
  FindingRecord,
  FindingState,
  MessageRef,
  TrustEntry,
  ApprovalRequest,
} from '../domain/lifecycle.ts';
import type { BlockedOwner, BlockedResource } from '../domain/guard.ts';
import type { DecisionIntent, IntentResult, OutboxEntry } from '../domain/intent.ts';
import { StoreConflictError, StoreError, isConditionalFailure, storeError } from './errors.ts';
import { GSI1, KEY_ATTRIBUTES, assertCanonicalTime, dayOf, keys } from './table.ts';

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
   * concurrent callers exactly one gets `ok: true`. The others get the record as it is now.
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
  /** Gives the lease up if `holder` still holds it; does nothing otherwise. */
  releaseLease(name: string, holder: string): Promise<void>;

  /**
   * Decision intents (docs/store.md "Intents"): an acknowledged click, written before anything else.
   * `putIntent` creates it `pending`; true when written, or when the same intent is already there (an
   * SDK retry of a write that landed). False when another intent has this id.
   */
  putIntent(intent: DecisionIntent): Promise<boolean>;
  getIntent(intentId: string): Promise<DecisionIntent | undefined>;
  /** Pending intents, oldest first (GSI1: eventually consistent on DynamoDB; re-read before acting). */
  listPendingIntents(): Promise<DecisionIntent[]>;
  /** pending → done with its result, conditional on still pending; false when it was done already. */
  completeIntent(intentId: string, result: IntentResult, completedAt: string): Promise<boolean>;
  /** Counts a failed run on a pending intent (for logs and `status`); never fails on a done one. */
  noteIntentFailure(intentId: string, error: string): Promise<void>;

  /**
   * Messages that must be re-rendered from the store (docs/store.md "Outbox"), one per message.
   * Put overwrites (a newer failure replaces the entry; `attempts` is the caller's count).
   */
  putOutbox(e: OutboxEntry): Promise<void>;
  /** Sorted by key. */
  listOutbox(): Promise<OutboxEntry[]>;
  deleteOutbox(key: string): Promise<void>;

  /** Small named documents (the last scan's summary): last write wins. */
  putMeta<T extends object>(name: string, value: T): Promise<void>;
  getMeta<T extends object>(name: string): Promise<T | undefined>;

  close(): Promise<void>;
}

/** Item fields that are never part of a domain record. */
type Item = Record<string, unknown>;

const BATCH_GET_MAX = 100;
const BATCH_GET_PARALLEL = 4;
const BATCH_GET_ATTEMPTS = 8;

export interface DynamoStoreOptions {
  info: StoreInfo;
  /** Runs after the client is destroyed (stops dynalite for embedded/memory). */
  onClose?: () => Promise<void>;
}

/** The Store over the DynamoDB API; the same code serves real DynamoDB and dynalite. */
export class DynamoStore implements Store {
  readonly info: StoreInfo;
  private readonly doc: DynamoDBDocumentClient;
  private readonly table: string;
  private closed?: Promise<void>;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly options: DynamoStoreOptions,
  ) {
    this.info = options.info;
    this.table = options.info.tableName;
    this.doc = DynamoDBDocumentClient.from(client, {
      // Optional domain fields are often present-but-undefined; DynamoDB rejects undefined.
      marshallOptions: { removeUndefinedValues: true },
    });
  }

  // ---- findings ----

  async getFinding(id: string): Promise<FindingRecord | undefined> {
    const out = await this.call('GetItem', () =>
      this.doc.send(new GetCommand({ TableName: this.table, Key: keys.finding(id), ConsistentRead: true })),
    );
    return out.Item ? toRecord<FindingRecord>(out.Item) : undefined;
  }

  async getFindings(ids: readonly string[]): Promise<Map<string, FindingRecord>> {
    // BatchGetItem refuses duplicate keys in one request.
    const unique = [...new Set(ids)];
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += BATCH_GET_MAX) chunks.push(unique.slice(i, i + BATCH_GET_MAX));
    const result = new Map<string, FindingRecord>();
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++] ?? [];
        for (const item of await this.batchGet(chunk.map((id) => keys.finding(id)))) {
          const rec = toRecord<FindingRecord>(item);
          result.set(rec.finding.id, rec);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(BATCH_GET_PARALLEL, chunks.length) }, worker));
    return result;
  }

  /** One BatchGetItem of at most 100 keys, retrying UnprocessedKeys with backoff. */
  private async batchGet(pending: Item[]): Promise<Item[]> {
    const items: Item[] = [];
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > BATCH_GET_ATTEMPTS) {
        throw new StoreError(
          `DynamoDB BatchGetItem on table "${this.table}": ${pending.length} key(s) still unprocessed after ${BATCH_GET_ATTEMPTS} attempts (throttled)`,
        );
      }
      if (attempt > 1) await sleep(Math.min(2000, 50 * 2 ** (attempt - 2)) * (0.5 + Math.random() / 2));
      const out = await this.call('BatchGetItem', () =>
        this.doc.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: pending, ConsistentRead: true } } }),
        ),
      );
      items.push(...(out.Responses?.[this.table] ?? []));
      pending = out.UnprocessedKeys?.[this.table]?.Keys ?? [];
    }
    return items;
  }

  async listFindings(q: ListFindingsQuery): Promise<FindingRecord[]> {
    const out: FindingRecord[] = [];
    for (const state of new Set(q.states)) {
      const input: QueryCommandInput = {
        TableName: this.table,
        IndexName: GSI1,
        KeyConditionExpression:
          q.ownerAccountId === undefined ? 'GSI1PK = :pk' : 'GSI1PK = :pk AND begins_with(GSI1SK, :owner)',
        ExpressionAttributeValues: {
          ':pk': keys.stateIndex(state),
          ...(q.ownerAccountId === undefined ? {} : { ':owner': `${q.ownerAccountId}#` }),
        },
      };
      for (const item of await this.queryAll(input)) out.push(toRecord<FindingRecord>(item));
    }
    return out.sort(
      (a, b) => cmp(a.finding.ownerAccountId, b.finding.ownerAccountId) || cmp(a.finding.id, b.finding.id),
    );
  }

  async createFinding(rec: FindingRecord): Promise<boolean> {
    return this.write('PutItem', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: findingItem({ ...rec, version: 1 }),
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    );
  }

  async saveFinding(rec: FindingRecord): Promise<FindingRecord> {
    const next: FindingRecord = { ...rec, version: rec.version + 1 };
    const ok = await this.write('PutItem', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: findingItem(next),
          ...(rec.version === 0
            ? { ConditionExpression: 'attribute_not_exists(PK)' }
            : {
                ConditionExpression: '#version = :expected',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': rec.version },
              }),
        }),
      ),
    );
    if (ok) return next;
    const current = await this.getFinding(rec.finding.id);
    throw new StoreConflictError(
      `finding ${rec.finding.id} changed since it was read: expected version ${rec.version}, ` +
        (current ? `stored version is ${current.version}` : 'it no longer exists'),
      current,
    );
  }

  async transitionFinding(
    id: string,
    from: readonly FindingState[],
    patch: FindingPatch,
  ): Promise<TransitionResult> {
    if (from.length === 0) throw new StoreError('transitionFinding: `from` lists no state');
    const names: Record<string, string> = { '#state': 'state', '#version': 'version' };
    const values: Record<string, unknown> = { ':one': 1 };
    from.forEach((s, i) => (values[`:from${i}`] = s));
    const sets = ['#version = #version + :one'];
    const removes: string[] = [];
    Object.entries(patch).forEach(([field, value], i) => {
      if (
        field === 'finding' ||
        field === 'version' ||
        (KEY_ATTRIBUTES as readonly string[]).includes(field)
      ) {
        throw new StoreError(`transitionFinding: "${field}" cannot be patched`);
      }
      const name = field === 'state' ? '#state' : `#f${i}`;
      names[name] = field;
      if (value === undefined) {
        if (REQUIRED_FINDING_FIELDS.has(field))
          throw new StoreError(`transitionFinding: "${field}" cannot be removed`);
        removes.push(name);
      } else {
        values[`:f${i}`] = value;
        sets.push(`${name} = :f${i}`);
      }
    });
    if (patch.state !== undefined) {
      // The index partition follows the state, so listFindings sees the new state.
      values[':gsi1pk'] = keys.stateIndex(patch.state);
      sets.push('GSI1PK = :gsi1pk');
    }
    let attributes: Item | undefined;
    const ok = await this.write('UpdateItem', async () => {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.finding(id),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: `attribute_exists(PK) AND #state IN (${from.map((_, i) => `:from${i}`).join(', ')})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      attributes = out.Attributes;
    });
    if (ok && attributes) return { ok: true, record: toRecord<FindingRecord>(attributes) };
    const current = await this.getFinding(id);
    // An SDK retry of a write that had landed fails its own condition: recognise it by the decision id.
    const mine = patch.decision?.decisionId;
    if (
      current &&
      mine !== undefined &&
      current.decision?.decisionId === mine &&
      current.state === patch.state
    ) {
      return { ok: true, record: current };
    }
    return current ? { ok: false, current } : { ok: false };
  }

  async putApproval(id: string, req: ApprovalRequest, replacing?: string): Promise<TransitionResult> {
    const values: Record<string, unknown> = { ':req': req, ':one': 1, ':open': 'open' };
    if (replacing) values[':rid'] = replacing;
    return this.approvalWrite(id, {
      UpdateExpression: 'SET #approval = :req, #version = #version + :one',
      ConditionExpression: `attribute_exists(PK) AND #state = :open AND ${
        replacing ? '#approval.#rid = :rid' : 'attribute_not_exists(#approval)'
      }`,
      ExpressionAttributeNames: {
        '#approval': 'approval',
        '#version': 'version',
        '#state': 'state',
        ...(replacing ? { '#rid': 'requestId' } : {}),
      },
      ExpressionAttributeValues: values,
    });
  }

  async clearApproval(id: string, requestId: string): Promise<TransitionResult> {
    return this.approvalWrite(id, {
      UpdateExpression: 'REMOVE #approval SET #version = #version + :one',
      ConditionExpression: 'attribute_exists(PK) AND #approval.#rid = :rid',
      ExpressionAttributeNames: { '#approval': 'approval', '#version': 'version', '#rid': 'requestId' },
      ExpressionAttributeValues: { ':rid': requestId, ':one': 1 },
    });
  }

  private async approvalWrite(
    id: string,
    update: {
      UpdateExpression: string;
      ConditionExpression: string;
      ExpressionAttributeNames: Record<string, string>;
      ExpressionAttributeValues: Record<string, unknown>;
    },
  ): Promise<TransitionResult> {
    let attributes: Item | undefined;
    const ok = await this.write('UpdateItem', async () => {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.finding(id),
          ...update,
          ReturnValues: 'ALL_NEW',
        }),
      );
      attributes = out.Attributes;
    });
    if (ok && attributes) return { ok: true, record: toRecord<FindingRecord>(attributes) };
    const current = await this.getFinding(id);
    return current ? { ok: false, current } : { ok: false };
  }

  async setMessage(id: string, ref: MessageRef): Promise<void> {
    const ok = await this.write('UpdateItem', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.finding(id),
          // The version moves too, so a saveFinding holding an older copy cannot drop the message.
          UpdateExpression: 'SET #message = :m, #version = #version + :one',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeNames: { '#message': 'message', '#version': 'version' },
          ExpressionAttributeValues: { ':m': ref, ':one': 1 },
        }),
      ),
    );
    if (!ok) throw new StoreError(`setMessage: finding ${id} does not exist`);
  }

  // ---- intents ----

  async putIntent(intent: DecisionIntent): Promise<boolean> {
    assertCanonicalTime(intent.at, 'DecisionIntent.at');
    const item = {
      ...keys.intent(intent.intentId),
      ...keys.intentGsi(intent.status, intent.at, intent.intentId),
      type: 'intent',
      ...intent,
    };
    const ok = await this.write('PutItem', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    );
    if (ok) return true;
    const current = await this.getIntent(intent.intentId);
    return current !== undefined && current.at === intent.at && current.findingId === intent.findingId;
  }

  async getIntent(intentId: string): Promise<DecisionIntent | undefined> {
    const out = await this.call('GetItem', () =>
      this.doc.send(
        new GetCommand({ TableName: this.table, Key: keys.intent(intentId), ConsistentRead: true }),
      ),
    );
    return out.Item ? toRecord<DecisionIntent>(out.Item) : undefined;
  }

  async listPendingIntents(): Promise<DecisionIntent[]> {
    const items = await this.queryAll({
      TableName: this.table,
      IndexName: GSI1,
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.intentIndex('pending') },
    });
    return items
      .map((i) => toRecord<DecisionIntent>(i))
      .sort((a, b) => cmp(a.at, b.at) || cmp(a.intentId, b.intentId));
  }

  async completeIntent(intentId: string, result: IntentResult, completedAt: string): Promise<boolean> {
    const ok = await this.write('UpdateItem', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.intent(intentId),
          UpdateExpression: 'SET #status = :done, #result = :result, #completedAt = :at, GSI1PK = :gsi1pk',
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#result': 'result',
            '#completedAt': 'completedAt',
          },
          ExpressionAttributeValues: {
            ':done': 'done',
            ':pending': 'pending',
            ':result': result,
            ':at': completedAt,
            ':gsi1pk': keys.intentIndex('done'),
          },
        }),
      ),
    );
    if (ok) return true;
    // An SDK retry of our own update that had landed.
    const current = await this.getIntent(intentId);
    return current?.status === 'done' && current.completedAt === completedAt;
  }

  async noteIntentFailure(intentId: string, error: string): Promise<void> {
    await this.write('UpdateItem', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.intent(intentId),
          UpdateExpression: 'SET #attempts = if_not_exists(#attempts, :zero) + :one, #lastError = :err',
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: {
            '#attempts': 'attempts',
            '#lastError': 'lastError',
            '#status': 'status',
          },
          ExpressionAttributeValues: {
            ':zero': 0,
            ':one': 1,
            ':err': error.slice(0, 1000),
            ':pending': 'pending',
          },
        }),
      ),
    );
  }

  // ---- outbox ----

  async putOutbox(e: OutboxEntry): Promise<void> {
    await this.call('PutItem', () =>
      this.doc.send(
        new PutCommand({ TableName: this.table, Item: { ...keys.outbox(e.key), type: 'outbox', ...e } }),
      ),
    );
  }

  async listOutbox(): Promise<OutboxEntry[]> {
    const items = await this.queryAll({
      TableName: this.table,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.outboxPartition },
      ConsistentRead: true,
    });
    return items.map((i) => toRecord<OutboxEntry>(i));
  }

  async deleteOutbox(key: string): Promise<void> {
    await this.call('DeleteItem', () =>
      this.doc.send(new DeleteCommand({ TableName: this.table, Key: keys.outbox(key) })),
    );
  }

  // ---- meta ----

  async putMeta<T extends object>(name: string, value: T): Promise<void> {
    await this.call('PutItem', () =>
      this.doc.send(
        new PutCommand({ TableName: this.table, Item: { ...keys.meta(name), type: 'meta', value } }),
      ),
    );
  }

  async getMeta<T extends object>(name: string): Promise<T | undefined> {
    const out = await this.call('GetItem', () =>
      this.doc.send(new GetCommand({ TableName: this.table, Key: keys.meta(name), ConsistentRead: true })),
    );
    return out.Item ? (out.Item.value as T) : undefined;
  }

  // ---- trust ----

  async listTrust(): Promise<TrustEntry[]> {
    const items = await this.queryAll({
      TableName: this.table,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.trustPartition },
      ConsistentRead: true,
    });
    return items.map((i) => toRecord<TrustEntry>(i));
  }

  async getTrust(accountId: string): Promise<TrustEntry | undefined> {
    const out = await this.call('GetItem', () =>
      this.doc.send(
        new GetCommand({ TableName: this.table, Key: keys.trust(accountId), ConsistentRead: true }),
      ),
    );
    return out.Item ? toRecord<TrustEntry>(out.Item) : undefined;
  }

  async putTrust(entry: TrustEntry): Promise<boolean> {
    return this.write('PutItem', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.trust(entry.accountId), type: 'trust', ...entry },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    );
  }

  async deleteTrust(accountId: string): Promise<boolean> {
    return this.write('DeleteItem', () =>
      this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: keys.trust(accountId),
          ConditionExpression: 'attribute_exists(PK)',
        }),
      ),
    );
  }

  // ---- guard ----

  async putBlockedResource(e: BlockedResource): Promise<void> {
    await this.call('PutItem', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.blockedResource(e.accountId, e.findingId), type: 'blocked-resource', ...e },
        }),
      ),
    );
  }

  async deleteBlockedResource(findingId: string): Promise<boolean> {
    return this.write('DeleteItem', () =>
      this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: keys.blockedResource(accountOfFindingId(findingId), findingId),
          ConditionExpression: 'attribute_exists(PK)',
        }),
      ),
    );
  }

  async listBlockedResources(q: { accountId?: string } = {}): Promise<BlockedResource[]> {
    const items = await this.queryAll({
      TableName: this.table,
      KeyConditionExpression:
        q.accountId === undefined ? 'PK = :pk' : 'PK = :pk AND begins_with(SK, :account)',
      ExpressionAttributeValues: {
        ':pk': keys.blockedResourcePartition,
        ...(q.accountId === undefined ? {} : { ':account': `${q.accountId}#` }),
      },
      ConsistentRead: true,
    });
    return items.map((i) => toRecord<BlockedResource>(i));
  }

  async putBlockedOwner(e: BlockedOwner): Promise<boolean> {
    const out = await this.call('PutItem', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.blockedOwner(e.ownerAccountId), type: 'blocked-owner', ...e },
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    return !out.Attributes;
  }

  async getBlockedOwner(ownerAccountId: string): Promise<BlockedOwner | undefined> {
    const out = await this.call('GetItem', () =>
      this.doc.send(
        new GetCommand({
          TableName: this.table,
          Key: keys.blockedOwner(ownerAccountId),
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item ? toRecord<BlockedOwner>(out.Item) : undefined;
  }

  async deleteBlockedOwner(ownerAccountId: string): Promise<boolean> {
    return this.write('DeleteItem', () =>
      this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: keys.blockedOwner(ownerAccountId),
          ConditionExpression: 'attribute_exists(PK)',
        }),
      ),
    );
  }

  async listBlockedOwners(): Promise<BlockedOwner[]> {
    const items = await this.queryAll({
      TableName: this.table,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.blockedOwnerPartition },
      ConsistentRead: true,
    });
    return items.map((i) => toRecord<BlockedOwner>(i));
  }

  // ---- decisions ----

  async appendDecision(rec: DecisionRecord): Promise<void> {
    assertCanonicalTime(rec.at, 'DecisionRecord.at');
    const item = { ...keys.decision(rec.at, rec.decisionId), type: 'decision', ...rec };
    const ok = await this.write('PutItem', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    );
    if (ok) return;
    const current = await this.getDecision(rec);
    // An SDK retry of our own write that had landed: the same entry is there, which is what we wanted.
    if (current && sameJson(current, rec)) return;
    throw new StoreConflictError(`decision ${rec.decisionId} at ${rec.at} is already in the log`, current);
  }

  async completeDecision(
    rec: DecisionRecord,
    outcome: FinalOutcome,
    detail?: string,
    completedAt: string = new Date().toISOString(),
  ): Promise<DecisionRecord> {
    assertCanonicalTime(rec.at, 'DecisionRecord.at');
    const names: Record<string, string> = { '#outcome': 'outcome', '#completedAt': 'completedAt' };
    const values: Record<string, unknown> = {
      ':pending': 'pending',
      ':outcome': outcome,
      ':completedAt': completedAt,
    };
    let update = 'SET #outcome = :outcome, #completedAt = :completedAt';
    if (detail !== undefined) {
      names['#detail'] = 'detail';
      values[':detail'] = detail;
      update += ', #detail = :detail';
    }
    let attributes: Item | undefined;
    const ok = await this.write('UpdateItem', async () => {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.decision(rec.at, rec.decisionId),
          UpdateExpression: update,
          ConditionExpression: '#outcome = :pending',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      attributes = out.Attributes;
    });
    if (ok && attributes) return toRecord<DecisionRecord>(attributes);
    const current = await this.getDecision(rec);
    // An SDK retry of our own update that had landed.
    if (current && current.outcome === outcome && current.completedAt === completedAt) return current;
    throw new StoreConflictError(
      current
        ? `decision ${rec.decisionId} is not pending: its outcome is already "${current.outcome}"`
        : `decision ${rec.decisionId} at ${rec.at} is not in the log`,
      current,
    );
  }

  private async getDecision(rec: DecisionRecord): Promise<DecisionRecord | undefined> {
    const out = await this.call('GetItem', () =>
      this.doc.send(
        new GetCommand({
          TableName: this.table,
          Key: keys.decision(rec.at, rec.decisionId),
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item ? toRecord<DecisionRecord>(out.Item) : undefined;
  }

  async listDecisions(q: ListDecisionsQuery): Promise<DecisionRecord[]> {
    const since = normaliseTime(q.since, 'since');
    const until = q.until === undefined ? new Date().toISOString() : normaliseTime(q.until, 'until');
    const limit = q.limit ?? Infinity;
    const out: DecisionRecord[] = [];
    if (since > until || limit <= 0) return out;
    // SK is `<at>#<id>`: `<until>#\uffff` sorts after every id written at exactly `until`.
    const lo = since;
    const hi = `${until}#\uffff`;
    for (const day of daysDescending(dayOf(since), dayOf(until))) {
      const items = await this.queryAll(
        {
          TableName: this.table,
          KeyConditionExpression: 'PK = :pk AND SK BETWEEN :lo AND :hi',
          ExpressionAttributeValues: {
            ':pk': keys.decisionPartition(day),
            ':lo': lo,
            ':hi': hi,
            ...(q.findingId === undefined ? {} : { ':findingId': q.findingId }),
          },
          ...(q.findingId === undefined
            ? {}
            : {
                FilterExpression: '#findingId = :findingId',
                ExpressionAttributeNames: { '#findingId': 'findingId' },
              }),
          ScanIndexForward: false,
          ConsistentRead: true,
        },
        limit - out.length,
      );
      for (const item of items) out.push(toRecord<DecisionRecord>(item));
      if (out.length >= limit) break;
    }
    return out;
  }

  // ---- leases ----

  async acquireLease(
    name: string,
    holder: string,
    ttlMs: number,
    now: number = Date.now(),
  ): Promise<boolean> {
    if (!(ttlMs > 0)) throw new StoreError(`acquireLease: ttlMs must be positive, got ${ttlMs}`);
    const expiresAt = now + ttlMs;
    return this.write('PutItem', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...keys.lease(name),
            type: 'lease',
            name,
            holder,
            acquiredAt: new Date(now).toISOString(),
            expiresAt,
            // For people reading the table; the condition compares the number.
            expiresAtIso: new Date(expiresAt).toISOString(),
          },
          ConditionExpression: 'attribute_not_exists(PK) OR #expiresAt < :now OR #holder = :holder',
          ExpressionAttributeNames: { '#expiresAt': 'expiresAt', '#holder': 'holder' },
          ExpressionAttributeValues: { ':now': now, ':holder': holder },
        }),
      ),
    );
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    // A lease someone else took over after ours expired is theirs: the condition leaves it alone.
    await this.write('DeleteItem', () =>
      this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: keys.lease(name),
          ConditionExpression: '#holder = :holder',
          ExpressionAttributeNames: { '#holder': 'holder' },
          ExpressionAttributeValues: { ':holder': holder },
        }),
      ),
    );
  }

  async close(): Promise<void> {
    this.closed ??= (async () => {
      // Destroying the client closes its keep-alive sockets, which an HTTP server's close waits for.
      this.doc.destroy();
      this.client.destroy();
      await this.options.onClose?.();
    })();
    return this.closed;
  }

  // ---- plumbing ----

  /** Every page of a Query (DynamoDB returns at most 1 MB per page), stopping once `max` items are in. */
  private async queryAll(input: QueryCommandInput, max = Infinity): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const remaining = max - items.length;
      const page = await this.call('Query', () =>
        this.doc.send(
          new QueryCommand({
            ...input,
            // With a filter, Limit counts items read before filtering: let pages run to 1 MB instead.
            ...(Number.isFinite(remaining) && !input.FilterExpression ? { Limit: remaining } : {}),
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start && items.length < max);
    return items.length > max ? items.slice(0, max) : items;
  }

  private async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw storeError(operation, this.table, err);
    }
  }

  /** True when the write happened, false when its condition was false; any other error is thrown. */
  private async write(operation: string, fn: () => Promise<unknown>): Promise<boolean> {
    try {
      await fn();
      return true;
    } catch (err) {
      if (isConditionalFailure(err)) return false;
      throw storeError(operation, this.table, err);
    }
  }
}

const REQUIRED_FINDING_FIELDS = new Set(['state', 'firstSeenAt', 'lastSeenAt']);

function findingItem(rec: FindingRecord): Item {
  return {
    ...keys.finding(rec.finding.id),
    ...keys.findingGsi(rec.state, rec.finding.ownerAccountId, rec.finding.id),
    type: 'finding',
    ...rec,
  };
}

/** The domain record inside an item: the item minus the layout's key attributes. */
/** Finding ids are `kind:account:region:resourceId` (domain/finding.ts). */
function accountOfFindingId(findingId: string): string {
  const account = findingId.split(':')[1];
  if (!account || !/^\d{12}$/.test(account)) {
    throw new StoreError(`"${findingId}" is not a finding id (kind:account:region:resource)`);
  }
  return account;
}

function toRecord<T>(item: Item): T {
  const rec: Item = { ...item };
  for (const k of KEY_ATTRIBUTES) delete rec[k];
  // The item was written from a T by this module; the table is ours alone.
  return rec as T;
}

function normaliseTime(value: string, what: string): string {
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new StoreError(`listDecisions: ${what} is not a time: "${value}"`);
  return new Date(t).toISOString();
}

/** `yyyy-mm-dd` days from `last` back to `first`, both included. */
function daysDescending(first: string, last: string): string[] {
  const days: string[] = [];
  const stop = Date.parse(`${first}T00:00:00.000Z`);
  for (let t = Date.parse(`${last}T00:00:00.000Z`); t >= stop; t -= 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

/** Order-insensitive comparison of two plain JSON records. */
function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== undefined)
        .sort(([a], [b]) => cmp(a, b))
        .map(([k, x]) => [k, sortKeys(x)]),
    );
  }
  return v;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
