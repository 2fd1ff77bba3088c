import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { isConditionalFailure, storeError } from '../errors.ts';
import { KEY_ATTRIBUTES } from '../table.ts';

/** A DynamoDB item as the document client returns it. */
export type Item = Record<string, unknown>;

/**
 * The plumbing every record family shares: one table through the document client, with errors wrapped
 * so logs name the call and the table, and conditional failures reported as `false` rather than thrown.
 */
export class TableClient {
  readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    readonly table: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, {
      // Optional domain fields are often present-but-undefined; DynamoDB rejects undefined.
      marshallOptions: { removeUndefinedValues: true },
    });
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
