import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { currentStoreDeadline } from '../deadline.ts';
import { isConditionalFailure, scopeDeadlineError, storeError } from '../errors.ts';
import { KEY_ATTRIBUTES } from '../table.ts';

/** A DynamoDB item as the document client returns it. */
export type Item = Record<string, unknown>;

/**
 * Default deadline of one store call, the SDK's retries included (docs/store.md "Timeouts"): a store
 * that hangs makes the call fail with a StoreError instead of holding a click, the reconciler or a
 * shutdown forever.
 */
export const DEFAULT_CALL_TIMEOUT_MS = 10_000;

type Send = DynamoDBDocumentClient['send'];
type SendOptions = { abortSignal?: AbortSignal } & Record<string, unknown>;

/** The DynamoDB operation a command is, for errors: `PutCommand` (lib-dynamodb) → `PutItem`. */
function operationOf(command: unknown): string {
  const name = (command as { constructor?: { name?: string } } | undefined)?.constructor?.name ?? 'call';
  const base = name.replace(/Command$/, '');
  return ITEM_OPERATIONS.has(base) ? `${base}Item` : base === 'TransactWrite' ? 'TransactWriteItems' : base;
}
const ITEM_OPERATIONS = new Set(['Put', 'Get', 'Update', 'Delete', 'BatchWrite', 'BatchGet']);

/**
 * The plumbing every record family shares: one table through the document client, with errors wrapped
 * so logs name the call and the table, and conditional failures reported as `false` rather than thrown.
 * Every request the document client sends carries an abort signal for the call's deadline: the store's
 * per-call timeout, or the time left in a `withStoreDeadline` scope (../deadline.ts) when that is less.
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
    const send = this.doc.send.bind(this.doc) as (
      command: unknown,
      options?: SendOptions,
    ) => Promise<unknown>;
    const bounded = async (command: unknown, options?: SendOptions) => {
      // The time left in a withStoreDeadline scope, when that is shorter than the store's own timeout.
      const scope = currentStoreDeadline();
      const byScope = scope !== undefined && scope.remainingMs < this.callTimeoutMs ? scope : undefined;
      if (byScope && byScope.remainingMs <= 0)
        throw scopeDeadlineError(operationOf(command), this.table, byScope.ms, false);
      const timeout = AbortSignal.timeout(byScope ? Math.ceil(byScope.remainingMs) : this.callTimeoutMs);
      const abortSignal = options?.abortSignal ? AbortSignal.any([timeout, options.abortSignal]) : timeout;
      try {
        return await send(command, { ...options, abortSignal });
      } catch (err) {
        if (byScope && timeout.aborted)
          throw scopeDeadlineError(operationOf(command), this.table, byScope.ms, true, err);
        throw err;
      }
    };
    // send's overloads (callbacks) are not used in this code base; the promise form is what callers get.
    this.doc.send = bounded as Send;
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
