/**
 * The seed article's manual procedure (2021, "許可していないアカウントからリソースが共有がされている時の対応"),
 * run for real with the AWS CLI against the simulator: for each account (credentials from
 * `aws sts assume-role`) and each of its regions, its three commands, each piped to `grep -v` the
 * account ids that may share:
 *
 *   aws ec2 describe-images --executable-users self --query 'Images[*].[ImageId,Name,OwnerId]' --output text | grep -v …
 *   aws ec2 describe-snapshots --restorable-by-user-ids self --query 'Snapshots[*].[SnapshotId,OwnerId]' --output text | grep -v …
 *   aws rds describe-db-cluster-snapshots --include-shared --snapshot-type shared --query 'DBClusterSnapshots[*].[DBClusterSnapshotArn]' --output text | grep -v …
 *
 * One command after the other, as a person (or a shell loop) runs them.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findingId } from '../src/domain/finding.ts';
import { cleanEnv } from './lib/proc.ts';

export const AWS_CLI = '/usr/bin/aws';

export interface CliInfo {
  available: boolean;
  /** `aws --version`. */
  version?: string;
  major?: 1 | 2;
  /** What `apt-cache policy awscli` offers here. */
  debianCandidate?: string;
  installedByBench: boolean;
  note?: string;
}

function sh(
  command: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn('/bin/bash', ['-c', command], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', (err) => resolve({ code: -1, stdout, stderr: stderr + err.message, ms: 0 }));
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - t0 }));
  });
}

/** Debian's AWS CLI at /usr/bin/aws, installed with apt when missing (and possible). */
export async function ensureAwsCli(log: (line: string) => void): Promise<CliInfo> {
  const policy = await sh('apt-cache policy awscli 2>/dev/null');
  const debianCandidate = /Candidate:\s*(\S+)/.exec(policy.stdout)?.[1];
  let installedByBench = false;
  if (!existsSync(AWS_CLI)) {
    log(`${AWS_CLI} is missing; apt-cache policy awscli offers ${debianCandidate ?? 'nothing'}; installing…`);
    const install = await sh(
      'export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq awscli >/dev/null',
    );
    if (install.code !== 0 || !existsSync(AWS_CLI)) {
      return {
        available: false,
        installedByBench: false,
        ...(debianCandidate ? { debianCandidate } : {}),
        note: `could not install awscli with apt-get (exit ${install.code}): ${install.stderr.trim().slice(-300)}`,
      };
    }
    installedByBench = true;
  }
  const v = await sh(`${AWS_CLI} --version`, cleanEnv());
  const version = (v.stdout || v.stderr).trim();
  const major = /aws-cli\/1\./.test(version) ? 1 : 2;
  return {
    available: v.code === 0,
    version,
    major,
    ...(debianCandidate ? { debianCandidate } : {}),
    installedByBench,
    ...(major === 1 ? { note: 'Debian offers only AWS CLI v1 here; the procedure ran with v1.' } : {}),
  };
}

export interface ArticleOptions {
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  accounts: Array<{ id: string; home: boolean; regions: string[] }>;
  /** Account ids the person greps out: the trusted owners and the monitored accounts themselves. */
  excluded: string[];
  roleName: string;
  homeRegion: string;
}

export interface ArticleResult {
  wallMs: number;
  commands: number;
  assumeRoles: number;
  /** Wall time per command, ms (assume-role and listing commands). */
  perCommandMs: number[];
  failedCommands: number;
  firstError?: string;
  /** Finding ids (shareguard's id format) of what the procedure printed. */
  findings: string[];
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export async function runArticleProcedure(o: ArticleOptions): Promise<ArticleResult> {
  const perCommandMs: number[] = [];
  const findings: string[] = [];
  let failed = 0;
  let firstError: string | undefined;
  let assumeRoles = 0;
  const grep = `grep -v ${o.excluded.map((id) => `-e ${id}`).join(' ')}`;
  const common = `--endpoint-url ${q(o.endpoint)} --output text`;
  const t0 = performance.now();
  for (const account of o.accounts) {
    let env = cleanEnv({
      AWS_ACCESS_KEY_ID: o.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: o.credentials.secretAccessKey,
      AWS_PAGER: '',
    });
    if (!account.home) {
      assumeRoles++;
      const r = await sh(
        `${AWS_CLI} sts assume-role --role-arn arn:aws:iam::${account.id}:role/${o.roleName} ` +
          `--role-session-name article --region ${o.homeRegion} --endpoint-url ${q(o.endpoint)} --output json`,
        env,
      );
      perCommandMs.push(r.ms);
      if (r.code !== 0) {
        failed++;
        firstError ??= r.stderr.trim().slice(0, 300);
        continue;
      }
      const c = (
        JSON.parse(r.stdout) as {
          Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
        }
      ).Credentials;
      env = {
        ...env,
        AWS_ACCESS_KEY_ID: c.AccessKeyId,
        AWS_SECRET_ACCESS_KEY: c.SecretAccessKey,
        AWS_SESSION_TOKEN: c.SessionToken,
      };
    }
    for (const region of account.regions) {
      const commands: Array<{ cmd: string; parse: (line: string) => string | undefined }> = [
        {
          cmd: `${AWS_CLI} ec2 describe-images --executable-users self --query ${q('Images[*].[ImageId,Name,OwnerId]')} --region ${region} ${common}`,
          parse: (line) => {
            const id = line.split('\t')[0];
            return id?.startsWith('ami-') ? findingId('ami', account.id, region, id) : undefined;
          },
        },
        {
          cmd: `${AWS_CLI} ec2 describe-snapshots --restorable-by-user-ids self --query ${q('Snapshots[*].[SnapshotId,OwnerId]')} --region ${region} ${common}`,
          parse: (line) => {
            const id = line.split('\t')[0];
            return id?.startsWith('snap-') ? findingId('ebs-snapshot', account.id, region, id) : undefined;
          },
        },
        {
          cmd: `${AWS_CLI} rds describe-db-cluster-snapshots --include-shared --snapshot-type shared --query ${q('DBClusterSnapshots[*].[DBClusterSnapshotArn]')} --region ${region} ${common}`,
          parse: (line) => {
            const arn = line.trim();
            return arn.startsWith('arn:')
              ? findingId('rds-cluster-snapshot', account.id, region, arn)
              : undefined;
          },
        },
      ];
      for (const c of commands) {
        // The CLI's own errors go to a separate stream; grep's "nothing left" (exit 1) is not a failure.
        const r = await sh(`set -o pipefail; ${c.cmd} | { ${grep} || true; }`, env);
        perCommandMs.push(r.ms);
        if (r.code !== 0) {
          failed++;
          firstError ??= r.stderr.trim().slice(0, 300);
          continue;
        }
        for (const line of r.stdout.split('\n')) {
          const id = line ? c.parse(line) : undefined;
          if (id) findings.push(id);
        }
      }
    }
  }
  return {
    wallMs: performance.now() - t0,
    commands: perCommandMs.length,
    assumeRoles,
    perCommandMs,
    failedCommands: failed,
    ...(firstError ? { firstError } : {}),
    findings,
  };
}
