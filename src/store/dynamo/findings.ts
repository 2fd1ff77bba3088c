import { BatchGetCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { cmp } from '../../domain/finding.ts';
import type { ApprovalRequest, FindingRecord, FindingState } from '../../domain/lifecycle.ts';
import type { MessageRef } from '../../domain/message-ref.ts';
import { StoreConflictError, StoreError } from '../errors.ts';
import type { FindingPatch, ListFindingsQuery, TransitionResult } from '../store.ts';
import { GSI1, keys } from '../table.ts';
import { sleep, toRecord, type Item, type TableClient } from './table-client.ts';
import { buildTransitionUpdate, type ConditionalUpdate } from './transition-update.ts';

const BATCH_GET_MAX = 100;
const BATCH_GET_PARALLEL = 4;
const BATCH_GET_ATTEMPTS = 8;

/** Finding records (`FINDING#<id>`, indexed by state on GSI1): the Store's finding methods. */
export class DynamoFindings {
  constructor(private readonly t: TableClient) {}

  async get(id: string): Promise<FindingRecord | undefined> {
    const out = await this.t.call('GetItem', () =>
      this.t.doc.send(
        new GetCommand({ TableName: this.t.table, Key: keys.finding(id), ConsistentRead: true }),
      ),
    );
    return out.Item ? toRecord<FindingRecord>(out.Item) : undefined;
  }

  async getMany(ids: readonly string[]): Promise<Map<string, FindingRecord>> {
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
    const table = this.t.table;
    const items: Item[] = [];
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > BATCH_GET_ATTEMPTS) {
        throw new StoreError(
          `DynamoDB BatchGetItem on table "${table}": ${pending.length} key(s) still unprocessed after ${BATCH_GET_ATTEMPTS} attempts (throttled)`,
        );
      }
      if (attempt > 1) await sleep(Math.min(2000, 50 * 2 ** (attempt - 2)) * (0.5 + Math.random() / 2));
      const out = await this.t.call('BatchGetItem', () =>
        this.t.doc.send(
          new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }),
        ),
      );
      items.push(...(out.Responses?.[table] ?? []));
      pending = out.UnprocessedKeys?.[table]?.Keys ?? [];
    }
    return items;
  }

  async list(q: ListFindingsQuery): Promise<FindingRecord[]> {
    const out: FindingRecord[] = [];
    for (const state of new Set(q.states)) {
      const items = await this.t.queryAll({
        IndexName: GSI1,
        KeyConditionExpression:
          q.ownerAccountId === undefined ? 'GSI1PK = :pk' : 'GSI1PK = :pk AND begins_with(GSI1SK, :owner)',
        ExpressionAttributeValues: {
          ':pk': keys.stateIndex(state),
          ...(q.ownerAccountId === undefined ? {} : { ':owner': `${q.ownerAccountId}#` }),
        },
      });
      for (const item of items) out.push(toRecord<FindingRecord>(item));
    }
    return out.sort(
      (a, b) => cmp(a.finding.ownerAccountId, b.finding.ownerAccountId) || cmp(a.finding.id, b.finding.id),
    );
  }

  async create(rec: FindingRecord): Promise<boolean> {
    return this.t.write('PutItem', () =>
      this.t.doc.send(
        new PutCommand({
          TableName: this.t.table,
          Item: findingItem({ ...rec, version: 1 }),
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    );
  }

  async save(rec: FindingRecord): Promise<FindingRecord> {
    const next: FindingRecord = { ...rec, version: rec.version + 1 };
    const ok = await this.t.write('PutItem', () =>
      this.t.doc.send(
        new PutCommand({
          TableName: this.t.table,
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
    const current = await this.get(rec.finding.id);
    throw new StoreConflictError(
      `finding ${rec.finding.id} changed since it was read: expected version ${rec.version}, ` +
        (current ? `stored version is ${current.version}` : 'it no longer exists'),
      current,
    );
  }

  async transition(
    id: string,
    from: readonly FindingState[],
    patch: FindingPatch,
  ): Promise<TransitionResult> {
    const result = await this.update(id, buildTransitionUpdate(from, patch));
    if (result.ok) return result;
    const current = result.current;
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
    return result;
  }

  async putApproval(id: string, req: ApprovalRequest, replacing?: string): Promise<TransitionResult> {
    const values: Record<string, unknown> = { ':req': req, ':one': 1, ':open': 'open' };
    if (replacing) values[':rid'] = replacing;
    return this.update(id, {
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
    return this.update(id, {
      UpdateExpression: 'REMOVE #approval SET #version = #version + :one',
      ConditionExpression: 'attribute_exists(PK) AND #approval.#rid = :rid',
      ExpressionAttributeNames: { '#approval': 'approval', '#version': 'version', '#rid': 'requestId' },
      ExpressionAttributeValues: { ':rid': requestId, ':one': 1 },
    });
  }

  async setMessage(id: string, ref: MessageRef): Promise<void> {
    const ok = await this.t.write('UpdateItem', () =>
      this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.table,
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

  /** One conditional UpdateItem returning the new record, or (condition false) the record as it is now. */
  private async update(id: string, update: ConditionalUpdate): Promise<TransitionResult> {
    let attributes: Item | undefined;
    const ok = await this.t.write('UpdateItem', async () => {
      const out = await this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.table,
          Key: keys.finding(id),
          ...update,
          ReturnValues: 'ALL_NEW',
        }),
      );
      attributes = out.Attributes;
    });
    if (ok && attributes) return { ok: true, record: toRecord<FindingRecord>(attributes) };
    const current = await this.get(id);
    return current ? { ok: false, current } : { ok: false };
  }
}

function findingItem(rec: FindingRecord): Item {
  return {
    ...keys.finding(rec.finding.id),
    ...keys.findingGsi(rec.state, rec.finding.ownerAccountId, rec.finding.id),
    type: 'finding',
    ...rec,
  };
}
