/**
 * A scan across threads: `threads` worker threads (worker.ts) each with their own SDK clients and a
 * heap capped from its share of the work, while the calling thread only hands out accounts and collects
 * what they find (it never loads the SDK clients for this: ≈ 90 MB a thread; BENCHMARKS.md, memory). Accounts are handed out one at a time to whichever thread asks, so
 * one account's account-regions stay in one thread (its pace buckets and cached AssumeRole answer are
 * that thread's) and a slow account never holds the others up. Every thread reports to the one
 * `ScanCollector`, which sorts at the end: the result does not depend on which thread scanned what.
 *
 * A worker that dies (a bug, its heap limit) fails the targets of the accounts it had taken, with the
 * reason; the other threads go on with the rest.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { MonitoredAccount } from '../aws/account.ts';
import type { Finding, ResourceKind } from '../domain/finding.ts';
import type { AwsErrorObserver, AwsSettings } from '../aws/clients.ts';
import type { ScanCollector, ScanDeps, ScanRequest } from './scan.ts';
import { regionTargetResult } from './target-result.ts';
import { concurrencyLimits, perThread } from './adaptive.ts';
import type { FromWorker, ToWorker, WorkerInit } from './worker-protocol.ts';

/**
 * Old-generation heap limit of a worker, from the work it may hold at once: a base for the SDK's code
 * and clients, plus room for one full page (1,000 AMIs or snapshots parsed into SDK objects, with their
 * XML, ≈ 4 MB) per request in flight at the starting concurrency. Findings leave the worker as each listing
 * ends, so the heap does not grow with the organization. The adaptive limit (adaptive.ts) goes above the
 * start only while the thread idles waiting for AWS: answers then arrive no faster than the thread handles
 * them, so the pages parsed at once stay as at the start. Without a limit V8 sizes the heap against the
 * machine's memory and collects lazily (BENCHMARKS.md, memory).
 */
export function workerHeapLimitMb(concurrency: number): number {
  return 64 + 4 * concurrency;
}

/**
 * Young generation of a worker: 16 MB (a ≈ 5 MB semi-space). Issue 11 measured ≈ −6 % CPU for a 48 MB one
 * (fewer of the SDK's short-lived objects promoted), but each worker commits it: on M at 38ad32e 48 MB
 * peaked at 262 MiB for the process with two workers, 16 MB at 209 MiB (+3 s of CPU on 39 s, at load
 * averages of 25). The peak RSS target (≤ 250 MB on L) wins over 6 % CPU.
 */
const YOUNG_GENERATION_MB = 16;

interface Taken {
  account: MonitoredAccount;
  regions?: string[];
  done: Set<string>;
  listed: Map<string, Set<ResourceKind>>;
}

export async function scanWithWorkers(
  request: ScanRequest,
  deps: ScanDeps & { settings: AwsSettings; threads: number },
  collector: ScanCollector,
): Promise<void> {
  let nextAccount = 0;
  const take = (): MonitoredAccount | undefined => request.accounts[nextAccount++];
  const limits = perThread(concurrencyLimits(deps.concurrency), deps.threads);
  const home = await homeCredentials(deps);
  const { credentials: _drop, ...settings } = deps.settings;
  const base = { ...settings, maxSockets: limits.max, workers: 1 };
  const strings = new Map<string, string>();

  const stopped = await Promise.all(
    Array.from({ length: deps.threads }, (_, i) =>
      runWorker(
        {
          index: i + 1,
          settings: base,
          regions: request.regions,
          kinds: request.kinds,
          trust: request.trust,
          concurrency: limits,
          ...(request.blastRadius ? { blastRadius: true } : {}),
          ...(deps.testHooks ? { testHooks: deps.testHooks } : {}),
        },
        take,
        home,
        collector,
        strings,
        'clients' in deps ? (service, code) => deps.clients.observeError(service, code) : undefined,
      ),
    ),
  );
  // Accounts no thread took: every worker stopped first (a worker that cannot load, or each one dying).
  // They fail with the workers' reasons; a scan that scanned nothing must not look like a clean one.
  const why = stopped.filter((reason) => reason !== undefined).join('; ');
  for (let account = take(); account; account = take())
    collector.accountFailed(account, `not scanned: every scan thread stopped before taking it (${why})`);
}

/**
 * The home credentials the workers ask for: the calling thread's clients' provider, the configured ones,
 * or the SDK's default chain (env, ini, SSO, instance metadata), memoized by the SDK so every worker
 * shares one resolution and refresh. The chain alone costs ≈ 11 MB, against ≈ 90 MB for the clients.
 */
async function homeCredentials(
  deps: ScanDeps & { settings: AwsSettings },
): Promise<AwsCredentialIdentityProvider> {
  if ('clients' in deps) return deps.clients.homeCredentialsProvider();
  const configured = deps.settings.credentials;
  if (configured) return typeof configured === 'function' ? configured : async () => configured;
  const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
  return fromNodeProviderChain();
}

function runWorker(
  init: WorkerInit,
  take: () => MonitoredAccount | undefined,
  home: AwsCredentialIdentityProvider,
  collector: ScanCollector,
  strings: Map<string, string>,
  onAwsError?: AwsErrorObserver,
): Promise<string | undefined> {
  const taken = new Map<string, Taken>();
  const worker = startWorker(init);
  let finished = false;
  let failure: string | undefined;
  const reply = (m: ToWorker) => worker.postMessage(m);

  const handle = (m: FromWorker) => {
    switch (m.t) {
      case 'next': {
        const account = take() ?? null;
        if (account) taken.set(account.id, { account, done: new Set(), listed: new Map() });
        reply({ t: 'account', id: m.id, account });
        break;
      }
      case 'creds':
        home().then(
          (credentials) => reply({ t: 'creds', id: m.id, credentials }),
          (err: unknown) => reply({ t: 'creds', id: m.id, error: (err as Error).message ?? String(err) }),
        );
        break;
      case 'resolved': {
        const t = taken.get(m.accountId)!;
        t.regions = m.regions;
        collector.accountResolved(t.account, m.regions);
        if (m.regions.length === 0) taken.delete(m.accountId);
        break;
      }
      case 'accountFailed':
        collector.accountFailed(taken.get(m.accountId)!.account, m.error);
        taken.delete(m.accountId);
        break;
      case 'listed': {
        const t = taken.get(m.accountId)!;
        let kinds = t.listed.get(m.region);
        if (!kinds) t.listed.set(m.region, (kinds = new Set()));
        kinds.add(m.kind);
        for (const f of m.untrusted) shareStrings(f, strings);
        collector.listed(m, m.kind, m.untrusted, m.trustedSkipped);
        break;
      }
      case 'target': {
        collector.targetDone(m.result);
        const t = taken.get(m.result.accountId)!;
        t.done.add(m.result.region);
        t.listed.delete(m.result.region);
        if (t.regions && t.done.size === t.regions.length) taken.delete(m.result.accountId);
        break;
      }
      case 'awsError':
        onAwsError?.(m.service, m.code);
        break;
      case 'done':
        finished = true;
        break;
    }
  };
  // A worker posts its messages in batches (worker.ts), in order.
  worker.on('message', (batch: FromWorker[]) => {
    for (const m of batch) handle(m);
  });
  worker.on('error', (err: Error & { code?: string }) => {
    failure ??=
      err.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? `reached its heap limit of ${workerHeapLimitMb(init.concurrency.start)} MB (${err.message})`
        : err.message;
  });
  // Resolves with why the worker stopped before finishing, if it did.
  return new Promise((resolve) => {
    worker.on('exit', (code) => {
      if (!finished || taken.size > 0) {
        const why = `scan worker ${init.index} stopped before finishing: ${failure ?? `exit code ${code}`}`;
        failTaken(taken, why, init.kinds, collector);
        resolve(why);
      } else resolve(undefined);
    });
  });
}

/** Fields most findings repeat (an account has many, an owner shares many). */
const REPEATED = [
  'kind',
  'accountId',
  'accountName',
  'region',
  'ownerAccountId',
  'ownerAlias',
  'engine',
  'sharedVia',
] as const;

/**
 * A finding posted by a worker arrives with its own copy of every string; the calling thread keeps every
 * finding until the scan ends, so the strings findings repeat are made to share one copy: 655 → 487 bytes
 * of heap per finding on M's findings (−26 %; ≈ −6 MB on L).
 */
function shareStrings(f: Finding, strings: Map<string, string>): void {
  const shared = (value: string): string => {
    const known = strings.get(value);
    if (known !== undefined) return known;
    strings.set(value, value);
    return value;
  };
  const fields = f as unknown as Record<string, unknown>;
  for (const key of REPEATED) {
    const value = fields[key];
    if (typeof value === 'string') fields[key] = shared(value);
  }
}

/** Every target of the accounts a dead worker had taken fails with the reason; listings already reported stay. */
function failTaken(
  taken: Map<string, Taken>,
  why: string,
  kinds: readonly ResourceKind[],
  collector: ScanCollector,
): void {
  for (const t of taken.values()) {
    if (!t.regions) {
      collector.accountFailed(t.account, why);
      continue;
    }
    for (const region of t.regions) {
      if (t.done.has(region)) continue;
      const listed = t.listed.get(region) ?? new Set<ResourceKind>();
      const failures = kinds.filter((k) => !listed.has(k)).map((kind) => ({ kind, error: why }));
      collector.targetDone(regionTargetResult(t.account, region, failures, kinds.length));
    }
  }
  taken.clear();
}

/**
 * tsx's ESM API module (`tsx/esm/api`, import condition). Resolved from its package.json because
 * `require.resolve` picks the CommonJS one, and the eval'd bootstrap has no module context to resolve from.
 */
function tsxApi(): string {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve('tsx/package.json');
  const manifest = require(manifestPath) as {
    exports: Record<string, { import?: { default?: string } } | string>;
  };
  const api = manifest.exports['./esm/api'];
  const file = typeof api === 'object' ? api.import?.default : undefined;
  if (!file) throw new Error('tsx/esm/api: no ESM entry in tsx/package.json');
  return pathToFileURL(join(dirname(manifestPath), file)).href;
}

/**
 * The compiled build starts dist/scan/worker.js; the sources (tsx, vitest) start worker.ts through
 * tsx's ESM hooks, registered inside the new thread before it imports the module.
 */
function startWorker(init: WorkerInit): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const resourceLimits = {
    maxOldGenerationSizeMb: workerHeapLimitMb(init.concurrency.start),
    maxYoungGenerationSizeMb: YOUNG_GENERATION_MB,
  };
  if (!fromSource)
    return new Worker(new URL('./worker.js', import.meta.url), { workerData: init, resourceLimits });
  const entry = new URL('./worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(tsxApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { eval: true, workerData: init, resourceLimits });
}
