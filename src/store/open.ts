import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Config } from '../config/schema.ts';
import { withoutCredentials } from '../redact.ts';
import { startDynalite, type LocalCredentials } from './embedded.ts';
import { StoreError } from './errors.ts';
import { DynamoStore } from './dynamo-store.ts';
import type { Store } from './store.ts';
import { createTable } from './table.ts';

export type StoreConfig = Config['store'];

export interface OpenStoreOptions {
  log?: (msg: string) => void;
  /** Region when neither store.region nor AWS_REGION / AWS_DEFAULT_REGION is set (e.g. aws.homeRegion). */
  fallbackRegion?: string;
  /** Deadline of one store call, the SDK's retries included (default 10 s; docs/store.md "Timeouts"). */
  callTimeoutMs?: number;
  /**
   * embedded/memory: the only credentials the local server accepts. Default: random for each open, so
   * no other process can use the store (docs/store.md). Tests that reach the table directly set them.
   */
  localCredentials?: LocalCredentials;
}

/**
 * embedded/memory: dynalite runs in this process, so it cannot hang on its own — only when the whole
 * process stalls (a CPU-bound moment, a loaded machine), and then failing the store call helps nobody.
 * Their deadline is generous; STORE_TIMEOUT_MS / `callTimeoutMs` still set it explicitly.
 */
const LOCAL_CALL_TIMEOUT_MS = 60_000;

/**
 * Opens the store. All three kinds run the same code: the DynamoDB SDK over HTTP.
 * - `dynamodb`: real DynamoDB (or `endpoint`); the table must exist (`shareguard store init`).
 * - `embedded`: dynalite in this process, on disk under `dataDir` (decisions survive restarts); table created.
 * - `memory`: dynalite in memory; table created; gone on close.
 */
export async function openStore(cfg: StoreConfig, opts: OpenStoreOptions = {}): Promise<Store> {
  const log = opts.log ?? (() => {});
  if (cfg.kind === 'dynamodb') {
    const region = regionFor(cfg, opts);
    const client = dynamoClientFor(cfg, opts);
    log(
      `store: DynamoDB table ${cfg.tableName} in ${region}${cfg.endpoint ? ` via ${withoutCredentials(cfg.endpoint)}` : ''}`,
    );
    return new DynamoStore(client, {
      ...(opts.callTimeoutMs ? { callTimeoutMs: opts.callTimeoutMs } : {}),
      info: {
        kind: 'dynamodb',
        tableName: cfg.tableName,
        region,
        ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
      },
    });
  }

  const local = await startDynalite(cfg.kind === 'embedded' ? cfg.dataDir : undefined, opts.localCredentials);
  const region = cfg.region ?? 'us-east-1';
  const client = new DynamoDBClient({
    region,
    endpoint: local.endpoint,
    credentials: local.credentials,
  });
  const store = new DynamoStore(client, {
    callTimeoutMs: opts.callTimeoutMs ?? LOCAL_CALL_TIMEOUT_MS,
    info: { kind: cfg.kind, tableName: cfg.tableName, region, endpoint: local.endpoint },
    onClose: () => local.stop(),
  });
  try {
    await createTable(client, cfg.tableName);
  } catch (err) {
    await store.close();
    throw err;
  }
  log(
    cfg.kind === 'embedded'
      ? `store: embedded dynalite at ${local.endpoint}, data in ${local.path}`
      : `store: in-memory dynalite at ${local.endpoint} (nothing is kept after exit)`,
  );
  return store;
}

/** The region for the `dynamodb` kind: store.region, else the environment, else the fallback. */
export function regionFor(cfg: StoreConfig, opts: OpenStoreOptions = {}): string {
  const region =
    cfg.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? opts.fallbackRegion;
  if (!region) {
    throw new StoreError('store.kind is dynamodb but no region is known: set store.region, or AWS_REGION');
  }
  return region;
}

/** A client for real DynamoDB (credentials from the SDK's default chain), as the `dynamodb` kind uses. */
export function dynamoClientFor(cfg: StoreConfig, opts: OpenStoreOptions = {}): DynamoDBClient {
  return new DynamoDBClient({
    region: regionFor(cfg, opts),
    ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
  });
}
