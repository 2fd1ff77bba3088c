import type { MonitoredAccount } from '../aws/account.ts';
import type { AwsClients } from '../aws/clients.ts';
import type { Config } from '../config/schema.ts';
import { resolveAccountSet } from './account-set.ts';
import { monitoredAccounts, type AccountSet } from './from-config.ts';

/**
 * "The monitored accounts now", for every path that acts across them (guard apply/verify/drift, Block
 * account, Unblock, Allowed AMIs): without `organization` the config's `accounts:`; with it the
 * organization's ACTIVE accounts in scope minus `exclude`, plus config accounts outside it
 * (`accountSet`; docs/aws.md "Organizations"). One answer per scan: each scan's discovery replaces the cached
 * set, and between scans it is re-discovered once it is older than `MAX_AGE_MS`, so a path never acts on
 * the config's list alone while the scan covers the organization. A discovery failure throws
 * (`OrganizationDiscoveryError`): a caller must not claim a block over an empty set.
 */
const MAX_AGE_MS = 5 * 60_000;

interface Cached {
  config: Config;
  at: number;
  set: Promise<AccountSet>;
}

// Keyed by the clients: one per running process (serve, a CLI run, a test bed), dropped with it.
const cache = new WeakMap<AwsClients, Cached>();

type Deps = { config: Config; clients: AwsClients; now?: () => Date };

const nowMs = (deps: Deps) => (deps.now ? deps.now() : new Date()).getTime();

/** Records the set a scan just discovered, so the guard paths that follow act on the same accounts. */
export function rememberAccountSet(deps: Deps, set: AccountSet): void {
  if (deps.config.organization)
    cache.set(deps.clients, { config: deps.config, at: nowMs(deps), set: Promise.resolve(set) });
}

// A derived config (a dry run's copy) with the same account settings shares the discovered set.
const sameAccountsConfig = (a: Config, b: Config) =>
  a.organization === b.organization && a.accounts === b.accounts && a.aws === b.aws;

async function accountSetNow(deps: Deps): Promise<AccountSet> {
  if (!deps.config.organization) return resolveAccountSet(deps.config, deps.clients);
  const hit = cache.get(deps.clients);
  if (hit && sameAccountsConfig(hit.config, deps.config) && nowMs(deps) - hit.at < MAX_AGE_MS) return hit.set;
  const set = resolveAccountSet(deps.config, deps.clients);
  cache.set(deps.clients, { config: deps.config, at: nowMs(deps), set });
  // A failed discovery is not remembered: the next caller tries again.
  set.catch(() => {
    if (cache.get(deps.clients)?.set === set) cache.delete(deps.clients);
  });
  return set;
}

export async function monitoredAccountsNow(deps: Deps): Promise<MonitoredAccount[]> {
  if (!deps.config.organization) return monitoredAccounts(deps.config);
  return (await accountSetNow(deps)).accounts;
}

export async function monitoredAccountIdsNow(deps: Deps): Promise<string[]> {
  return (await monitoredAccountsNow(deps)).map((a) => a.id);
}
