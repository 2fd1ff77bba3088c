/** A store call failed for a reason other than a lost race (network, permissions, missing table, bad input). */
export class StoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/** A conditional write lost: someone else wrote the item in between (or it is not in the expected state). */
export class StoreConflictError extends StoreError {
  constructor(
    message: string,
    /** What is stored now, when it could be read back. */
    readonly current?: unknown,
  ) {
    super(message);
    this.name = 'StoreConflictError';
  }
}

/**
 * A store call that ran out of time (docs/store.md "Timeouts"): its own per-call timeout, or the
 * deadline of a `withStoreDeadline` scope. A write that timed out may still land: it was sent.
 */
export class StoreTimeoutError extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreTimeoutError';
  }
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

/**
 * A call stopped by a `withStoreDeadline` scope: aborted when the scope's time ran out, or not sent
 * because it had already (`sent: false`).
 */
export function scopeDeadlineError(
  operation: string,
  tableName: string,
  ms: number,
  sent: boolean,
  cause?: unknown,
): StoreTimeoutError {
  const what = WRITES.has(operation) ? 'take the write' : 'answer';
  const where = `DynamoDB ${operation} on table "${tableName}"`;
  return new StoreTimeoutError(
    `the store did not ${what} within ${ms} ms (${sent ? where : `${where} not sent: the deadline had passed`})`,
    cause === undefined ? {} : { cause },
  );
}

const TABLE_MISSING_HINT = 'create it with `shareguard store init` (or the CloudFormation in docs/store.md)';

/** True when DynamoDB refused a write because its ConditionExpression was false. */
export function isConditionalFailure(err: unknown): boolean {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}

/** Wraps an SDK error with what the store was doing, so logs say which call on which table failed. */
export function storeError(operation: string, tableName: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const name = err instanceof Error ? err.name : 'Error';
  const message = err instanceof Error ? err.message : String(err);
  // The call's deadline (docs/store.md "Timeouts") aborted it: say so rather than "AbortError".
  if (name === 'AbortError' || name === 'TimeoutError')
    return new StoreTimeoutError(
      `DynamoDB ${operation} on table "${tableName}" did not answer in time (${name})`,
      {
        cause: err,
      },
    );
  if (name === 'ResourceNotFoundException') {
    return new StoreError(`DynamoDB table "${tableName}" not found (${operation}): ${TABLE_MISSING_HINT}`, {
      cause: err,
    });
  }
  return new StoreError(`DynamoDB ${operation} on table "${tableName}" failed: ${name}: ${message}`, {
    cause: err,
  });
}
