/**
 * Lower bound (b): a minimal client with no SDK. Raw HTTP (node:http, keep-alive), requests signed
 * with SigV4 by hand, as many in flight as the caller allows. It sends exactly the requests shareguard's
 * scan sends (same actions, parameters, page sizes and paging chains, the second AMI listing only when
 * the product makes it and the first found someone else's image) and reads each answer only as far as paging needs.
 */
import { createHash, createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { Limiter } from '../src/scan/limiter.ts';

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface RawScanOptions {
  endpoint: string;
  credentials: Creds;
  accounts: Array<{ id: string; home: boolean }>;
  roleName: string;
  homeRegion: string;
  /** Requests in flight at once. */
  concurrency: number;
  /** Whether to make the second AMI listing (by account id), as the product does or not. */
  amiDirect?: boolean;
}

export interface RawScanResult {
  wallMs: number;
  requests: number;
  byAction: Record<string, number>;
  /** Resources owned by another account, across all listings (shareguard's findings + trusted skipped). */
  sharedItems: number;
  errors: number;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const hmac = (key: string | Buffer, s: string) => createHmac('sha256', key).update(s).digest();

class Signer {
  private readonly keys = new Map<string, Buffer>();

  key(secret: string, date: string, region: string, service: string): Buffer {
    const id = `${secret}|${date}|${region}|${service}`;
    let k = this.keys.get(id);
    if (!k) {
      k = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
      this.keys.set(id, k);
    }
    return k;
  }

  /** SigV4 headers for a form-encoded POST to `/`. */
  headers(host: string, region: string, service: string, body: string, c: Creds): Record<string, string> {
    const amzDate = new Date()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    const date = amzDate.slice(0, 8);
    const contentType = 'application/x-www-form-urlencoded; charset=utf-8';
    const payloadHash = sha256(body);
    const names = c.sessionToken
      ? ['content-type', 'host', 'x-amz-date', 'x-amz-security-token']
      : ['content-type', 'host', 'x-amz-date'];
    const values: Record<string, string> = {
      'content-type': contentType,
      host,
      'x-amz-date': amzDate,
      ...(c.sessionToken ? { 'x-amz-security-token': c.sessionToken } : {}),
    };
    const signedHeaders = names.join(';');
    const canonical = `POST\n/\n\n${names.map((n) => `${n}:${values[n]}\n`).join('')}\n${signedHeaders}\n${payloadHash}`;
    const scope = `${date}/${region}/${service}/aws4_request`;
    const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256(canonical)}`;
    const signature = createHmac('sha256', this.key(c.secretAccessKey, date, region, service))
      .update(toSign)
      .digest('hex');
    return {
      ...values,
      'content-length': String(Buffer.byteLength(body)),
      authorization: `AWS4-HMAC-SHA256 Credential=${c.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    };
  }
}

const form = (params: Record<string, string | undefined>) =>
  Object.entries(params)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');

const first = (xml: string, tag: string) => {
  const m = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  return m?.[1];
};
const all = (xml: string, tag: string) => {
  const re = new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g');
  const out: string[] = [];
  for (let m = re.exec(xml); m; m = re.exec(xml)) out.push(m[1]!);
  return out;
};

export async function rawScan(o: RawScanOptions): Promise<RawScanResult> {
  const url = new URL(o.endpoint);
  const host = url.host;
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency });
  const limiter = new Limiter(o.concurrency);
  const signer = new Signer();
  const byAction: Record<string, number> = {};
  let sharedItems = 0;
  let errors = 0;

  const call = (
    service: 'sts' | 'ec2' | 'rds',
    region: string,
    creds: Creds,
    params: Record<string, string | undefined>,
  ): Promise<string> =>
    limiter.run(
      () =>
        new Promise<string>((resolve, reject) => {
          const action = params.Action!;
          byAction[action] = (byAction[action] ?? 0) + 1;
          const body = form(params);
          const req = request(
            {
              agent,
              hostname: url.hostname,
              port: url.port,
              method: 'POST',
              path: '/',
              headers: signer.headers(host, region, service, body, creds),
            },
            (res) => {
              let text = '';
              res.setEncoding('utf8');
              res.on('data', (c: string) => (text += c));
              res.on('end', () => {
                if (res.statusCode !== 200) {
                  errors++;
                  reject(new Error(`${action} ${res.statusCode}: ${text.slice(0, 300)}`));
                } else resolve(text);
              });
              res.on('error', reject);
            },
          );
          req.on('error', reject);
          req.end(body);
        }),
    );

  /** Follows a paging chain to its end; `token` names the answer's token element, `param` the request's. */
  const chain = async (
    service: 'ec2' | 'rds',
    region: string,
    creds: Creds,
    params: Record<string, string>,
    token: 'nextToken' | 'Marker',
    param: 'NextToken' | 'Marker',
    onPage: (xml: string) => void,
  ) => {
    let next: string | undefined;
    do {
      const xml = await call(service, region, creds, { ...params, [param]: next });
      onPage(xml);
      next = first(xml, token);
    } while (next);
  };

  const EC2 = { Version: '2016-11-15' };
  const RDS = { Version: '2014-10-31' };

  const target = async (account: string, region: string, creds: Creds) => {
    const images = async () => {
      let others = 0;
      await chain(
        'ec2',
        region,
        creds,
        {
          Action: 'DescribeImages',
          ...EC2,
          'ExecutableBy.1': 'self',
          IncludeDeprecated: 'true',
          MaxResults: '1000',
        },
        'nextToken',
        'NextToken',
        (xml) => (others += all(xml, 'imageOwnerId').filter((x) => x !== account).length),
      );
      sharedItems += others;
      if (others === 0 || o.amiDirect === false) return;
      await chain(
        'ec2',
        region,
        creds,
        {
          Action: 'DescribeImages',
          ...EC2,
          'ExecutableBy.1': account,
          IncludeDeprecated: 'true',
          MaxResults: '1000',
        },
        'nextToken',
        'NextToken',
        () => {},
      );
    };
    const snapshots = () =>
      chain(
        'ec2',
        region,
        creds,
        { Action: 'DescribeSnapshots', ...EC2, 'RestorableBy.1': 'self', MaxResults: '1000' },
        'nextToken',
        'NextToken',
        (xml) => (sharedItems += all(xml, 'ownerId').filter((x) => x !== account).length),
      );
    const rds = (action: string, arnTag: string) =>
      chain(
        'rds',
        region,
        creds,
        { Action: action, ...RDS, SnapshotType: 'shared', IncludeShared: 'true', MaxRecords: '100' },
        'Marker',
        'Marker',
        (xml) => (sharedItems += all(xml, arnTag).filter((arn) => arn.split(':')[4] !== account).length),
      );
    await Promise.all([
      images(),
      snapshots(),
      rds('DescribeDBSnapshots', 'DBSnapshotArn'),
      rds('DescribeDBClusterSnapshots', 'DBClusterSnapshotArn'),
    ]);
  };

  const scanAccount = async (a: { id: string; home: boolean }) => {
    let creds = o.credentials;
    if (!a.home) {
      const xml = await call('sts', o.homeRegion, o.credentials, {
        Action: 'AssumeRole',
        Version: '2011-06-15',
        RoleArn: `arn:aws:iam::${a.id}:role/${o.roleName}`,
        RoleSessionName: 'shareguard',
      });
      creds = {
        accessKeyId: first(xml, 'AccessKeyId')!,
        secretAccessKey: first(xml, 'SecretAccessKey')!,
        sessionToken: first(xml, 'SessionToken')!,
      };
    }
    const regionsXml = await call('ec2', o.homeRegion, creds, { Action: 'DescribeRegions', ...EC2 });
    const regions = [...new Set(all(regionsXml, 'regionName'))].sort();
    await Promise.all(regions.map((r) => target(a.id, r, creds)));
  };

  const t0 = performance.now();
  await Promise.all(o.accounts.map(scanAccount));
  const wallMs = performance.now() - t0;
  agent.destroy();
  const requests = Object.values(byAction).reduce((s, n) => s + n, 0);
  return { wallMs, requests, byAction, sharedItems, errors };
}

// CLI: `node bin/run-ts.js bench/raw-client.ts OPTIONS.json` prints a RawScanResult (JSON) with the
// client's own CPU time; run in its own process so the benchmark's heap does not slow it down.
if (import.meta.url === `file://${process.argv[1]}`) {
  const options = JSON.parse(await readFile(process.argv[2]!, 'utf8')) as RawScanOptions;
  const cpu0 = process.cpuUsage();
  const result = await rawScan(options);
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({ ...result, cpuMs: (cpu.user + cpu.system) / 1000 }));
}
