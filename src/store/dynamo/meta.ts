import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { LastScan } from '../last-scan.ts';
import { keys } from '../table.ts';
import type { TableClient } from './table-client.ts';

/**
 * Named single items (`META#<name>`, the record under `value`): last write wins. The last scan lives at
 * `META#lastScan`, where the stringly `putMeta('lastScan', …)` of earlier versions wrote it, so a table
 * written by them reads the same.
 */
const LAST_SCAN = 'lastScan';

export class DynamoMeta {
  constructor(private readonly t: TableClient) {}

  async get(name: string): Promise<object | undefined> {
    const out = await this.t.call('GetItem', () =>
      this.t.doc.send(
        new GetCommand({ TableName: this.t.table, Key: keys.meta(name), ConsistentRead: true }),
      ),
    );
    const value: unknown = out.Item?.value;
    return value !== null && typeof value === 'object' ? value : undefined;
  }

  async put(name: string, value: object): Promise<void> {
    await this.t.call('PutItem', () =>
      this.t.doc.send(
        new PutCommand({ TableName: this.t.table, Item: { ...keys.meta(name), type: 'meta', value } }),
      ),
    );
  }

  async getLastScan(): Promise<LastScan | undefined> {
    const value = await this.get(LAST_SCAN);
    // Written by putLastScan (or the old putMeta) from a LastScan; anything without a time is not one.
    return value && typeof (value as { at?: unknown }).at === 'string' ? (value as LastScan) : undefined;
  }

  putLastScan(scan: LastScan): Promise<void> {
    return this.put(LAST_SCAN, scan);
  }
}
