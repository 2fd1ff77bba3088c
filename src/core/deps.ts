import type { Config } from '../config/schema.ts';
import type { AwsClients } from '../aws/clients.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/index.ts';

/** What the core services need; built once by `serve` (or the demo, or a test). */
export interface CoreDeps {
  config: Config;
  store: Store;
  clients: AwsClients;
  log: Logger;
  now?: () => Date;
}

export const nowIso = (deps: Pick<CoreDeps, 'now'>): string =>
  (deps.now ? deps.now() : new Date()).toISOString();
