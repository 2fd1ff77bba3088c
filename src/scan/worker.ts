/**
 * A scan worker thread: its own SDK clients (connection pool, pace buckets, assumed-role cache), the
 * same per-account and per-target code as a single-threaded scan, accounts taken one at a time from
 * the calling thread, and everything it learns posted back as it happens (findings per listing, in a batch
 * per turn of the event loop), so no SDK object outlives its listing here. Started by `worker-pool.ts`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { AwsCredentialIdentity } from '@smithy/types';
import { AwsClients } from '../aws/clients.ts';
import type { MonitoredAccount } from '../aws/account.ts';
import type { ScanSink } from './scan.ts';
import { scanAccounts } from './thread-scan.ts';
import type { FromWorker, ToWorker, WorkerInit } from './worker-protocol.ts';

const port = parentPort;
if (!port) throw new Error('src/scan/worker.ts runs as a worker thread (see worker-pool.ts)');
const init = workerData as WorkerInit;
if (init.testHooks?.failWorkersAtStart) throw new Error(`test hook: worker ${init.index} fails to start`);
/**
 * Messages go out in batches, one per turn of the event loop: a scan posts a message per listing and per
 * target (85,000 on L), and `postMessage` one at a time took 5.2 % of a worker's CPU on L (profile at
 * 7c12682). Order is kept; `flush` sends what is queued at once. A worker that dies loses what it had not
 * flushed, which is what the calling thread already fails for it (worker-pool.ts, `failTaken`).
 */
let queued: FromWorker[] = [];
const flush = () => {
  if (queued.length === 0) return;
  const batch = queued;
  queued = [];
  port.postMessage(batch);
};
const post = (m: FromWorker) => {
  if (queued.push(m) === 1) setImmediate(flush);
};

let nextId = 0;
const pending = new Map<number, (m: ToWorker) => void>();
port.on('message', (m: ToWorker) => {
  const resolve = pending.get(m.id);
  pending.delete(m.id);
  resolve?.(m);
});
function ask(t: 'next' | 'creds'): Promise<ToWorker> {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    post({ t, id });
  });
}

// Home credentials come from the calling thread, so there is one provider chain (and one refresh) per scan.
const clients = new AwsClients(
  {
    ...init.settings,
    credentials: async (): Promise<AwsCredentialIdentity> => {
      const m = await ask('creds');
      if (m.t !== 'creds' || !m.credentials) throw new Error(m.t === 'creds' ? m.error : 'no credentials');
      return m.credentials;
    },
  },
  (service, code) => post({ t: 'awsError', service, ...(code ? { code } : {}) }),
);

let exhausted = false;
const next = async (): Promise<MonitoredAccount | undefined> => {
  if (exhausted) return undefined;
  const m = await ask('next');
  if (m.t !== 'account' || !m.account) {
    exhausted = true;
    return undefined;
  }
  return m.account;
};

const sink: ScanSink = {
  accountResolved: (account, regions) =>
    post({ t: 'resolved', accountId: account.id, regions: [...regions] }),
  accountFailed: (account, error) => post({ t: 'accountFailed', accountId: account.id, error }),
  listed: (target, kind, untrusted, trustedSkipped) =>
    post({ t: 'listed', ...target, kind, untrusted, trustedSkipped }),
  targetDone: (result) => post({ t: 'target', result }),
};

const crashOn = init.testHooks?.crashWorkerOnAccount;

await scanAccounts(
  next,
  {
    regions: init.regions,
    kinds: init.kinds,
    trust: init.trust,
    clients,
    concurrency: init.concurrency,
    ...(init.blastRadius ? { blastRadius: true } : {}),
  },
  sink,
  crashOn
    ? (account) => {
        // Test hook: an uncaught error, as a bug or an out-of-memory would end the thread.
        if (account.id === crashOn)
          setImmediate(() => {
            throw new Error(`test hook: worker ${init.index} dies after resolving ${account.id}`);
          });
      }
    : undefined,
);
clients.destroy();
post({ t: 'done' });
flush();
port.close();
