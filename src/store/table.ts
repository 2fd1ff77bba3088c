import {
  CreateTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  UpdateContinuousBackupsCommand,
  waitUntilTableExists,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import type { IntentStatus } from '../domain/intent.ts';
import type { FindingState } from '../domain/lifecycle.ts';
import { StoreError, storeError } from './errors.ts';

/**
 * The single-table layout (docs/store.md has the picture). Every item has PK and SK; findings also
 * carry GSI1PK/GSI1SK so open findings, or one owner's, are a Query on GSI1 rather than a Scan.
 *
 * | item      | PK                       | SK                        | GSI1PK         | GSI1SK          |
 * |-----------|--------------------------|---------------------------|----------------|-----------------|
 * | finding   | FINDING#<id>             | FINDING                   | STATE#<state>  | <owner>#<id>    |
 * | trust     | TRUST                    | <accountId>               |                |                 |
 * | decision  | DECISIONS#<yyyy-mm-dd>   | <iso time>#<decisionId>   |                |                 |
 * | lease     | LEASE#<name>             | LEASE                     |                |                 |
 * | blocked   | GUARD#RESOURCE           | <accountId>#<findingId>   |                |                 |
 * | blocked   | GUARD#OWNER              | <ownerAccountId>          |                |                 |
 * | guard rev | GUARD#REVISION           | REVISION                  |                |                 |
 * | guard scope | GUARD#SCOPE            | <accountId>|organization  |                |                 |
 * | intent    | INTENT#<intentId>        | INTENT                    | INTENTS#<status> | <at>#<intentId> |
 * | outbox    | OUTBOX                   | <channel>|<ts>            |                |                 |
 */
export const GSI1 = 'GSI1';

export const keys = {
  finding: (id: string) => ({ PK: `FINDING#${id}`, SK: 'FINDING' }),
  findingGsi: (state: FindingState, ownerAccountId: string, id: string) => ({
    GSI1PK: `STATE#${state}`,
    GSI1SK: `${ownerAccountId}#${id}`,
  }),
  stateIndex: (state: FindingState) => `STATE#${state}`,
  trustPartition: 'TRUST',
  trust: (accountId: string) => ({ PK: 'TRUST', SK: accountId }),
  decisionPartition: (day: string) => `DECISIONS#${day}`,
  decision: (at: string, decisionId: string) => ({ PK: `DECISIONS#${dayOf(at)}`, SK: `${at}#${decisionId}` }),
  lease: (name: string) => ({ PK: `LEASE#${name}`, SK: 'LEASE' }),
  meta: (name: string) => ({ PK: `META#${name}`, SK: 'META' }),
  blockedResourcePartition: 'GUARD#RESOURCE',
  blockedResource: (accountId: string, findingId: string) => ({
    PK: 'GUARD#RESOURCE',
    SK: `${accountId}#${findingId}`,
  }),
  blockedOwnerPartition: 'GUARD#OWNER',
  blockedOwner: (ownerAccountId: string) => ({ PK: 'GUARD#OWNER', SK: ownerAccountId }),
  guardRevision: { PK: 'GUARD#REVISION', SK: 'REVISION' },
  guardScopePartition: 'GUARD#SCOPE',
  guardScope: (scope: string) => ({ PK: 'GUARD#SCOPE', SK: scope }),
  intent: (intentId: string) => ({ PK: `INTENT#${intentId}`, SK: 'INTENT' }),
  intentIndex: (status: IntentStatus) => `INTENTS#${status}`,
  intentGsi: (status: IntentStatus, at: string, intentId: string) => ({
    GSI1PK: `INTENTS#${status}`,
    GSI1SK: `${at}#${intentId}`,
  }),
  outboxPartition: 'OUTBOX',
  outbox: (key: string) => ({ PK: 'OUTBOX', SK: key }),
} as const;

/** Attributes the layout adds to an item; stripped when it is read back into a domain record. */
export const KEY_ATTRIBUTES = ['PK', 'SK', 'GSI1PK', 'GSI1SK', 'type'] as const;

/** `2024-05-01` from `2024-05-01T12:00:00.000Z`. */
export function dayOf(iso: string): string {
  return iso.slice(0, 10);
}

/**
 * The decision log orders entries by their `at` string, so it must be the canonical UTC form
 * (`Date.prototype.toISOString`): `2024-05-01T12:00:00+02:00` would sort and partition wrongly.
 */
export function assertCanonicalTime(iso: string, what: string): void {
  const t = Date.parse(iso);
  if (Number.isNaN(t) || new Date(t).toISOString() !== iso) {
    throw new StoreError(`${what} must be an ISO 8601 UTC time as produced by toISOString(), got "${iso}"`);
  }
}

export function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'PK', AttributeType: 'S' },
      { AttributeName: 'SK', AttributeType: 'S' },
      { AttributeName: 'GSI1PK', AttributeType: 'S' },
      { AttributeName: 'GSI1SK', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'PK', KeyType: 'HASH' },
      { AttributeName: 'SK', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: GSI1,
        KeySchema: [
          { AttributeName: 'GSI1PK', KeyType: 'HASH' },
          { AttributeName: 'GSI1SK', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

export type CreateTableResult = 'created' | 'exists';

/**
 * Creates the table (on-demand billing) and waits until it is ACTIVE. An existing table is fine as long as
 * its keys and GSI1 match the layout; one that does not is an error (it belongs to something else).
 */
export async function createTable(
  client: DynamoDBClient,
  tableName: string,
  opts: { maxWaitSeconds?: number } = {},
): Promise<CreateTableResult> {
  let result: CreateTableResult = 'created';
  try {
    await client.send(new CreateTableCommand(tableDefinition(tableName)));
  } catch (err) {
    // ResourceInUseException: the table exists (or is being created by someone else right now).
    if (!(err instanceof Error && err.name === 'ResourceInUseException'))
      throw storeError('CreateTable', tableName, err);
    result = 'exists';
  }
  try {
    await waitUntilTableExists(
      { client, maxWaitTime: opts.maxWaitSeconds ?? 300, minDelay: 1, maxDelay: 5 },
      { TableName: tableName },
    );
  } catch (err) {
    throw storeError('DescribeTable (waiting for ACTIVE)', tableName, err);
  }
  if (result === 'exists') await verifyTable(client, tableName);
  return result;
}

/** Throws a StoreError naming each difference when the table's keys or GSI1 do not match the layout. */
export async function verifyTable(client: DynamoDBClient, tableName: string): Promise<TableDescription> {
  let table: TableDescription | undefined;
  try {
    table = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (err) {
    throw storeError('DescribeTable', tableName, err);
  }
  if (!table) throw new StoreError(`DescribeTable "${tableName}" returned no table`);
  const problems = layoutProblems(table);
  if (problems.length > 0) {
    throw new StoreError(
      `DynamoDB table "${tableName}" exists but does not have shareguard's layout: ${problems.join('; ')}`,
    );
  }
  return table;
}

function layoutProblems(table: TableDescription): string[] {
  const problems: string[] = [];
  const keyText = (ks: { AttributeName?: string; KeyType?: string }[] | undefined) =>
    (ks ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).join(',');
  if (keyText(table.KeySchema) !== 'PK:HASH,SK:RANGE') {
    problems.push(`key schema is ${keyText(table.KeySchema) || '(none)'}, expected PK:HASH,SK:RANGE`);
  }
  const gsi = table.GlobalSecondaryIndexes?.find((g) => g.IndexName === GSI1);
  if (!gsi) problems.push(`no global secondary index "${GSI1}"`);
  else {
    if (keyText(gsi.KeySchema) !== 'GSI1PK:HASH,GSI1SK:RANGE') {
      problems.push(`${GSI1} key schema is ${keyText(gsi.KeySchema)}, expected GSI1PK:HASH,GSI1SK:RANGE`);
    }
    if (gsi.Projection?.ProjectionType !== 'ALL') {
      problems.push(`${GSI1} projects ${gsi.Projection?.ProjectionType ?? 'nothing'}, expected ALL`);
    }
  }
  return problems;
}

/** `enabled`: turned on now; `already`: it was on; `unsupported`: the endpoint has no such API (dynalite). */
export type PointInTimeRecoveryResult = 'enabled' | 'already' | 'unsupported';

/**
 * Turns on point-in-time recovery (off unless enabled, docs/store.md "Backups"): the decision log is the
 * record of what was done in AWS. A table just created answers ContinuousBackupsUnavailableException
 * for a while: retried. A local emulator without the API answers UnknownOperationException: reported,
 * not an error.
 */
export async function enablePointInTimeRecovery(
  client: DynamoDBClient,
  tableName: string,
  opts: { retries?: number; delayMs?: number } = {},
): Promise<PointInTimeRecoveryResult> {
  const retries = opts.retries ?? 20;
  for (let attempt = 0; ; attempt++) {
    try {
      const out = await client.send(new DescribeContinuousBackupsCommand({ TableName: tableName }));
      const status =
        out.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus;
      if (status === 'ENABLED') return 'already';
      await client.send(
        new UpdateContinuousBackupsCommand({
          TableName: tableName,
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        }),
      );
      return 'enabled';
    } catch (err) {
      const name = err instanceof Error ? err.name : '';
      if (name === 'UnknownOperationException') return 'unsupported';
      if (name !== 'ContinuousBackupsUnavailableException' || attempt >= retries)
        throw storeError('UpdateContinuousBackups (point-in-time recovery)', tableName, err);
      await new Promise((r) => setTimeout(r, opts.delayMs ?? 3_000));
    }
  }
}
