/**
 * The boto3 peer (bench/boto3_peer.py): Debian's python3-boto3, installed with apt when missing (and
 * possible), run in its own process against a fresh simulator.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanEnv, ROOT, TMP, type SimProcess } from './lib/proc.ts';

export const PYTHON = '/usr/bin/python3';

export interface PeerInfo {
  available: boolean;
  /** `boto3 x, botocore y, Python z`. */
  version?: string;
  /** What `apt-cache policy python3-boto3` offers here. */
  debianCandidate?: string;
  installedByBench: boolean;
  note?: string;
}

export interface PeerRun {
  wallMs: number;
  /** Spawn to exit, Python's start and imports included. */
  processMs: number;
  cpuMs: number;
  maxRssMiB: number;
  findings: string[];
  byAction: Record<string, number>;
  requests: number;
  errorCount: number;
  errors: string[];
  threads: number;
  simCpuMs?: number;
}

function sh(command: string, env: NodeJS.ProcessEnv = process.env) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn('/bin/bash', ['-c', command], { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', (err) => resolve({ code: -1, stdout, stderr: stderr + err.message }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const probe = () =>
  sh(
    `${PYTHON} -c 'import sys, boto3, botocore; print("boto3 %s, botocore %s, Python %s" % (boto3.__version__, botocore.__version__, sys.version.split()[0]))'`,
  );

/** Debian's python3-boto3, installed with apt-get when `import boto3` fails under /usr/bin/python3. */
export async function ensureBoto3(log: (line: string) => void): Promise<PeerInfo> {
  const policy = await sh('apt-cache policy python3-boto3 2>/dev/null');
  const debianCandidate = /Candidate:\s*(\S+)/.exec(policy.stdout)?.[1];
  let installedByBench = false;
  let v = await probe();
  if (v.code !== 0) {
    log(
      `boto3 is missing; apt-cache policy python3-boto3 offers ${debianCandidate ?? 'nothing'}; installing…`,
    );
    const install = await sh(
      'export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq python3-boto3 >/dev/null',
    );
    v = await probe();
    if (install.code !== 0 || v.code !== 0)
      return {
        available: false,
        installedByBench: false,
        ...(debianCandidate ? { debianCandidate } : {}),
        note: `could not install python3-boto3 with apt-get (exit ${install.code}): ${install.stderr.trim().slice(-300)}`,
      };
    installedByBench = true;
  }
  return {
    available: true,
    version: v.stdout.trim(),
    ...(debianCandidate ? { debianCandidate } : {}),
    installedByBench,
  };
}

export async function runBoto3Peer(
  sim: SimProcess,
  o: {
    tag: string;
    accounts: Array<{ id: string; home: boolean }>;
    trusted: string[];
    roleName: string;
    amiDirect: boolean;
    threads: number;
  },
): Promise<PeerRun> {
  const optionsFile = join(TMP, `boto3-${o.tag}.json`);
  await writeFile(
    optionsFile,
    JSON.stringify({
      endpoint: sim.endpoint,
      credentials: { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey },
      accounts: o.accounts,
      trusted: o.trusted,
      roleName: o.roleName,
      homeRegion: 'us-east-1',
      amiDirect: o.amiDirect,
      threads: o.threads,
    }),
  );
  const c0 = await sim.cpuMs();
  const t0 = performance.now();
  const r = await sh(`${PYTHON} bench/boto3_peer.py ${optionsFile}`, cleanEnv());
  const processMs = performance.now() - t0;
  const c1 = await sim.cpuMs();
  if (r.code !== 0) throw new Error(`boto3 peer exited with ${r.code}: ${r.stderr.slice(-1500)}`);
  const out = JSON.parse(r.stdout) as Omit<PeerRun, 'processMs' | 'simCpuMs'>;
  return {
    ...out,
    processMs,
    ...(c0 !== undefined && c1 !== undefined ? { simCpuMs: c1 - c0 } : {}),
  };
}
