import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { StoreError } from '../errors.ts';
import { keys } from '../table.ts';
import type { TableClient } from './table-client.ts';

/** Leases (`LEASE#<name>`): expiry is compared in the condition, no TTL (dynalite has none). */
export class DynamoLeases {
  constructor(private readonly t: TableClient) {}

  async acquire(name: string, holder: string, ttlMs: number, now: number = Date.now()): Promise<boolean> {
    if (!(ttlMs > 0)) throw new StoreError(`acquireLease: ttlMs must be positive, got ${ttlMs}`);
    const expiresAt = now + ttlMs;
    return this.t.write('PutItem', () =>
      this.t.doc.send(
        new PutCommand({
          TableName: this.t.table,
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

  async release(name: string, holder: string): Promise<void> {
    // A lease someone else took over after ours expired is theirs: the condition leaves it alone.
    await this.t.write('DeleteItem', () =>
      this.t.doc.send(
        new DeleteCommand({
          TableName: this.t.table,
          Key: keys.lease(name),
          ConditionExpression: '#holder = :holder',
          ExpressionAttributeNames: { '#holder': 'holder' },
          ExpressionAttributeValues: { ':holder': holder },
        }),
      ),
    );
  }
}
