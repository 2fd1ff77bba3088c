import type { Config } from '../config/schema.ts';
import { withoutCredentials } from '../redact.ts';
import { StoreError } from './errors.ts';
import { dynamoClientFor, openStore, regionFor } from './open.ts';
import { createTable, enablePointInTimeRecovery, type PointInTimeRecoveryResult } from './table.ts';

const USAGE = `Usage:
  shareguard store init     create the DynamoDB table (store.kind dynamodb) with point-in-time recovery on,
                            or the embedded store's table

The table name, region and endpoint come from the config's store section
(SHAREGUARD_TABLE, SHAREGUARD_DYNAMODB_ENDPOINT, AWS_REGION). An existing table with the right layout is fine.`;

const PITR_TEXT: Record<PointInTimeRecoveryResult, string> = {
  enabled: 'point-in-time recovery turned on',
  already: 'point-in-time recovery already on',
  unsupported: 'point-in-time recovery not available at this endpoint (a local emulator; DynamoDB has it)',
};

export interface StoreCommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const defaultIo: StoreCommandIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/**
 * `shareguard store <subcommand>`; `argv` is what follows `store`. Returns the exit code:
 * 0 done, 1 the store refused (message on stderr), 2 usage.
 */
export async function runStoreCommand(
  argv: string[],
  config: Config,
  io: StoreCommandIo = defaultIo,
): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') {
    (sub === undefined ? io.err : io.out)(USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'init') {
    io.err(`unknown store subcommand "${sub}"\n${USAGE}`);
    return 2;
  }
  if (rest.length > 0) {
    io.err(`store init takes no arguments, got: ${rest.join(' ')}`);
    return 2;
  }
  const cfg = config.store;
  try {
    if (cfg.kind === 'dynamodb') {
      const opts = { fallbackRegion: config.aws.homeRegion };
      const region = regionFor(cfg, opts);
      const where = `in ${region}${cfg.endpoint ? ` (endpoint ${withoutCredentials(cfg.endpoint)})` : ''}`;
      io.out(`Creating DynamoDB table "${cfg.tableName}" ${where}…`);
      const client = dynamoClientFor(cfg, opts);
      try {
        const result = await createTable(client, cfg.tableName);
        const pitr = PITR_TEXT[await enablePointInTimeRecovery(client, cfg.tableName)];
        io.out(
          result === 'created'
            ? `Created table "${cfg.tableName}" ${where}: on-demand billing, keys PK/SK, index GSI1 (GSI1PK/GSI1SK), ${pitr}.`
            : `Table "${cfg.tableName}" already exists ${where} with the expected layout; ${pitr}.`,
        );
      } finally {
        client.destroy();
      }
      return 0;
    }
    const store = await openStore(cfg);
    await store.close();
    io.out(
      cfg.kind === 'embedded'
        ? `Embedded store ready: table "${cfg.tableName}" in ${cfg.dataDir} (created when missing).`
        : 'The memory store lives only as long as the process and needs no init; it opens fine.',
    );
    return 0;
  } catch (err) {
    if (err instanceof StoreError) {
      io.err(`store init failed: ${err.message}`);
      return 1;
    }
    throw err;
  }
}
