import { AsyncLocalStorage } from 'node:async_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { isConditionalFailure, storeError } from '../errors.ts';
import { KEY_ATTRIBUTES } from '../table.ts';

/** A DynamoDB item as the document client returns it. */
export type Item = Record<string, unknown>;

/**
 * Default deadline of one store call, the SDK's retries included (docs/store.md "Timeouts"): a store
 * that hangs makes the call fail with a StoreError instead of holding a click, the reconciler or a
 * shutdown forever.
 */
export const DEFAULT_CALL_TIMEOUT_MS = 10_000;

const deadlines = new AsyncLocalStorage<number>();

/**
 * Runs `fn` with every store call it makes (on any store, however deep) bounded by `ms` instead of the
 * store's default — the tighter of the two when scopes nest. For a write that must land, or be known to
 * have failed, inside Slack's 3 s: `withStoreDeadline(2_000, () => store.putIntent(intent))`.
 */
export function withStoreDeadline<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  if (!(ms > 0)) throw new RangeError(`withStoreDeadline: ms must be positive, got ${ms}`);
  const outer = deadlines.getStore();
  return deadlines.run(outer === undefined ? ms : Math.min(outer, ms), fn);
}

type Send = DynamoDBDocumentClient['send'];

/**
 * The plumbing every record family shares: one table through the document client, with errors wrapped
 * so logs name the call and the table, and conditional failures reported as `false` rather than thrown.
 * Every request the document client sends carries an abort signal for the call's deadline.
 */
export class TableClient {
  readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    readonly table: string,
    readonly callTimeoutMs: number = DEFAULT_CALL_TIMEOUT_MS,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, {
      // Optional domain fields are often present-but-undefined; DynamoDB rejects undefined.
      marshallOptions: { removeUndefinedValues: true },
    });
    // Every call site sends through `doc`; bounding `send` here bounds them all. The signal spans the
    // SDK's retries: an attempt started after the deadline fails at once.
    const send = this.doc.send.bind(this.doc) as (command: unknown, options?: object) => Promise<unknown>;
    const bounded = (command: unknown, options?: object) =>
      send(command, { abortSignal: AbortSignal.timeout(this.deadlineMs()), ...options });
    // send's overloads (callbacks) are not used in this code base; the promise form is what callers get.
    this.doc.send = bounded as Send;
  }

  /** The deadline for a call starting now: the store's, or a tighter one from `withStoreDeadline`. */
  deadlineMs(): number {
    const scoped = deadlines.getStore();
    return scoped === undefined ? this.callTimeoutMs : Math.min(scoped, this.callTimeoutMs);
  }

  async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw storeError(operation, this.table, err);
    }
  }

  /** True when the write happened, false when its condition was false; any other error is thrown. */
  async write(operation: string, fn: () => Promise<unknown>): Promise<boolean> {
    try {
      await fn();
      return true;
    } catch (err) {
      if (isConditionalFailure(err)) return false;
      throw storeError(operation, this.table, err);
    }
  }

  /** Every page of a Query (DynamoDB returns at most 1 MB per page), stopping once `max` items are in. */
  async queryAll(input: Omit<QueryCommandInput, 'TableName'>, max = Infinity): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const remaining = max - items.length;
      const page = await this.call('Query', () =>
        this.doc.send(
          new QueryCommand({
            ...input,
            TableName: this.table,
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

  destroy(): void {
    this.doc.destroy();
  }
}

/** The domain record inside an item: the item minus the layout's key attributes. */
export function toRecord<T>(item: Item): T {
  const rec: Item = { ...item };
  for (const k of KEY_ATTRIBUTES) delete rec[k];
  // The item was written from a T by this module; the table is ours alone.
  return rec as T;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
