/**
 * A scan across threads: the calling thread scans too, and `threads − 1` worker threads (worker.ts)
 * each with their own SDK clients. Accounts are handed out one at a time to whichever thread asks, so
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
import type { ResourceKind } from '../domain/finding.ts';
import { scanAccounts, type ScanCollector, type ScanDeps, type ScanRequest } from './scan.ts';
import { regionTargetResult } from './target-result.ts';
import type { FromWorker, ToWorker, WorkerInit } from './worker-protocol.ts';

/**
 * Old-generation heap limit of a worker, from the work it may hold at once: a base for the SDK's code
 * and clients, plus room for one full page (1,000 AMIs or snapshots parsed into SDK objects, with their
 * XML, ≈ 4 MB) per request in flight. Findings leave the worker as each listing ends, so the heap does
 * not grow with the organization. Without a limit V8 sizes the heap against the machine's memory and
 * collects lazily (BENCHMARKS.md, memory).
 */
export function workerHeapLimitMb(concurrency: number): number {
  return 64 + 4 * concurrency;
}

/**
 * Young generation of a worker: 48 MB is a 16 MB semi-space (V8 sizes the young generation as three
 * semi-spaces). Node's default, 16 MB, makes the scan's short-lived SDK objects survive into the old
 * generation; a larger young generation saved ≈ 6 % CPU on M and L (issue 11, `--max-semi-space-size`).
 */
const YOUNG_GENERATION_MB = 48;

interface Taken {
  account: MonitoredAccount;
  regions?: string[];
  done: Set<string>;
  listed: Map<string, Set<ResourceKind>>;
}

export async function scanWithWorkers(
  request: ScanRequest,
  deps: ScanDeps & { threads: number },
  collector: ScanCollector,
): Promise<void> {
  let nextAccount = 0;
  const take = (): MonitoredAccount | undefined => request.accounts[nextAccount++];
  const perThread = Math.max(1, Math.ceil(deps.concurrency / deps.threads));
  const home = deps.clients.homeCredentialsProvider();
  const { credentials: _drop, ...settings } = deps.clients.settings;
  const base = { ...settings, maxSockets: perThread, workers: 1 };

  const workers = Array.from({ length: deps.threads - 1 }, (_, i) =>
    runWorker(
      {
        index: i + 1,
        settings: base,
        regions: request.regions,
        kinds: request.kinds,
        trust: request.trust,
        concurrency: perThread,
        ...(request.blastRadius ? { blastRadius: true } : {}),
        ...(deps.testHooks ? { testHooks: deps.testHooks } : {}),
      },
      take,
      home,
      collector,
    ),
  );
  const own = { ...request, clients: deps.clients, concurrency: perThread };
  if (deps.testHooks?.mainThreadIdle) {
    await Promise.all(workers);
    await scanAccounts(take, own, collector);
  } else {
    await Promise.all([scanAccounts(take, own, collector), ...workers]);
  }
}

function runWorker(
  init: WorkerInit,
  take: () => MonitoredAccount | undefined,
  home: AwsCredentialIdentityProvider,
  collector: ScanCollector,
): Promise<void> {
  const taken = new Map<string, Taken>();
  const worker = startWorker(init);
  let finished = false;
  let failure: string | undefined;
  const reply = (m: ToWorker) => worker.postMessage(m);

  worker.on('message', (m: FromWorker) => {
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
      case 'done':
        finished = true;
        break;
    }
  });
  worker.on('error', (err: Error & { code?: string }) => {
    failure ??=
      err.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? `reached its heap limit of ${workerHeapLimitMb(init.concurrency)} MB (${err.message})`
        : err.message;
  });
  return new Promise((resolve) => {
    worker.on('exit', (code) => {
      if (!finished || taken.size > 0) {
        const why = `scan worker ${init.index} stopped before finishing: ${failure ?? `exit code ${code}`}`;
        failTaken(taken, why, init.kinds, collector);
      }
      resolve();
    });
  });
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
    maxOldGenerationSizeMb: workerHeapLimitMb(init.concurrency),
    maxYoungGenerationSizeMb: YOUNG_GENERATION_MB,
  };
  const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  if (!fromSource)
    return new Worker(new URL('./worker.js', import.meta.url), { workerData: init, resourceLimits, env });
  const entry = new URL('./worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(tsxApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { eval: true, workerData: init, resourceLimits, env });
}
