import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { cmp } from '../../domain/finding.ts';
import type { DecisionRecord } from '../../domain/lifecycle.ts';
import { StoreConflictError, StoreError } from '../errors.ts';
import type { FinalOutcome, ListDecisionsQuery } from '../store.ts';
import { assertCanonicalTime, dayOf, keys } from '../table.ts';
import { toRecord, type Item, type TableClient } from './table-client.ts';

/** The append-only decision log (`DECISIONS#<day>` partitions, sorted by time). */
export class DynamoDecisions {
  constructor(private readonly t: TableClient) {}

  async append(rec: DecisionRecord): Promise<void> {
    assertCanonicalTime(rec.at, 'DecisionRecord.at');
    const item = { ...keys.decision(rec.at, rec.decisionId), type: 'decision', ...rec };
    const ok = await this.t.write('PutItem', () =>
      this.t.doc.send(
        new PutCommand({
          TableName: this.t.table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    );
    if (ok) return;
    const current = await this.get(rec);
    // An SDK retry of our own write that had landed: the same entry is there, which is what we wanted.
    if (current && sameJson(current, rec)) return;
    throw new StoreConflictError(`decision ${rec.decisionId} at ${rec.at} is already in the log`, current);
  }

  async complete(
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
    const ok = await this.t.write('UpdateItem', async () => {
      const out = await this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.table,
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
    const current = await this.get(rec);
    // An SDK retry of our own update that had landed.
    if (current && current.outcome === outcome && current.completedAt === completedAt) return current;
    throw new StoreConflictError(
      current
        ? `decision ${rec.decisionId} is not pending: its outcome is already "${current.outcome}"`
        : `decision ${rec.decisionId} at ${rec.at} is not in the log`,
      current,
    );
  }

  private async get(rec: DecisionRecord): Promise<DecisionRecord | undefined> {
    const out = await this.t.call('GetItem', () =>
      this.t.doc.send(
        new GetCommand({
          TableName: this.t.table,
          Key: keys.decision(rec.at, rec.decisionId),
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item ? toRecord<DecisionRecord>(out.Item) : undefined;
  }

  async list(q: ListDecisionsQuery): Promise<DecisionRecord[]> {
    const since = normaliseTime(q.since, 'since');
    const until = q.until === undefined ? new Date().toISOString() : normaliseTime(q.until, 'until');
    const limit = q.limit ?? Infinity;
    const out: DecisionRecord[] = [];
    if (since > until || limit <= 0) return out;
    // SK is `<at>#<id>`: `<until>#\uffff` sorts after every id written at exactly `until`.
    const lo = since;
    const hi = `${until}#\uffff`;
    for (const day of daysDescending(dayOf(since), dayOf(until))) {
      const items = await this.t.queryAll(
        {
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
