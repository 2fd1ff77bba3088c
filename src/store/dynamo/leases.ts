import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { StoreError } from '../errors.ts';
import type { Lease, LeaseNote, LeaseTaken } from '../store.ts';
import { keys } from '../table.ts';
import type { TableClient } from './table-client.ts';

/**
 * Leases (`LEASE#<name>`): expiry is compared in the condition, no TTL (dynalite has none). A lease may
 * carry a small `note` (what its holder is doing, e.g. the scan's progress message) so whoever takes it
 * over after its holder died can finish that work (docs/store.md "Leases").
 */
export class DynamoLeases {
  constructor(private readonly t: TableClient) {}

  async take(
    name: string,
    holder: string,
    ttlMs: number,
    now: number = Date.now(),
    note?: LeaseNote,
  ): Promise<LeaseTaken> {
    if (!(ttlMs > 0)) throw new StoreError(`acquireLease: ttlMs must be positive, got ${ttlMs}`);
    const expiresAt = now + ttlMs;
    let previous: Record<string, unknown> | undefined;
    const acquired = await this.t.write('PutItem', async () => {
      const out = await this.t.doc.send(
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
            ...(note ? { note } : {}),
          },
          ConditionExpression: 'attribute_not_exists(PK) OR #expiresAt < :now OR #holder = :holder',
          ExpressionAttributeNames: { '#expiresAt': 'expiresAt', '#holder': 'holder' },
          ExpressionAttributeValues: { ':now': now, ':holder': holder },
          ReturnValues: 'ALL_OLD',
        }),
      );
      previous = out.Attributes;
    });
    if (!acquired) return { acquired: false };
    const replaced = previous && toLease(previous);
    return replaced && replaced.holder !== holder ? { acquired: true, replaced } : { acquired: true };
  }

  /** Heartbeat: pushes the expiry out (and sets the note) if `holder` still holds the lease. */
  async renew(
    name: string,
    holder: string,
    ttlMs: number,
    now: number = Date.now(),
    note?: LeaseNote,
  ): Promise<boolean> {
    if (!(ttlMs > 0)) throw new StoreError(`renewLease: ttlMs must be positive, got ${ttlMs}`);
    const expiresAt = now + ttlMs;
    return this.t.write('UpdateItem', () =>
      this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.table,
          Key: keys.lease(name),
          UpdateExpression: `SET #expiresAt = :e, #expiresAtIso = :iso${note ? ', #note = :note' : ''}`,
          ConditionExpression: '#holder = :holder',
          ExpressionAttributeNames: {
            '#expiresAt': 'expiresAt',
            '#expiresAtIso': 'expiresAtIso',
            '#holder': 'holder',
            ...(note ? { '#note': 'note' } : {}),
          },
          ExpressionAttributeValues: {
            ':e': expiresAt,
            ':iso': new Date(expiresAt).toISOString(),
            ':holder': holder,
            ...(note ? { ':note': note } : {}),
          },
        }),
      ),
    );
  }

  async get(name: string): Promise<Lease | undefined> {
    const out = await this.t.call('GetItem', () =>
      this.t.doc.send(
        new GetCommand({ TableName: this.t.table, Key: keys.lease(name), ConsistentRead: true }),
      ),
    );
    return out.Item ? toLease(out.Item) : undefined;
  }

  /**
   * Gives the lease up if `holder` still holds it; does nothing otherwise. With `keep`, the item stays,
   * expired, carrying that note (work the next holder must know about, e.g. a digest still due).
   */
  async release(name: string, holder: string, keep?: LeaseNote): Promise<void> {
    // A lease someone else took over after ours expired is theirs: the condition leaves it alone.
    if (keep) {
      await this.t.write('UpdateItem', () =>
        this.t.doc.send(
          new UpdateCommand({
            TableName: this.t.table,
            Key: keys.lease(name),
            UpdateExpression: 'SET #expiresAt = :zero, #expiresAtIso = :iso, #note = :note',
            ConditionExpression: '#holder = :holder',
            ExpressionAttributeNames: {
              '#expiresAt': 'expiresAt',
              '#expiresAtIso': 'expiresAtIso',
              '#holder': 'holder',
              '#note': 'note',
            },
            ExpressionAttributeValues: {
              ':zero': 0,
              ':iso': new Date(0).toISOString(),
              ':holder': holder,
              ':note': keep,
            },
          }),
        ),
      );
      return;
    }
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

/** The lease as this module wrote it (the table is ours alone). */
function toLease(item: Record<string, unknown>): Lease {
  const note = item['note'];
  return {
    name: String(item['name']),
    holder: String(item['holder']),
    expiresAt: Number(item['expiresAt']),
    acquiredAt: String(item['acquiredAt']),
    ...(note && typeof note === 'object' ? { note: note as LeaseNote } : {}),
  };
}
