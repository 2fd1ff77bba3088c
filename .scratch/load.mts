import { EC2Client, DescribeImagesCommand, DescribeSnapshotsCommand, paginateDescribeImages, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { RDSClient, DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import { STSClient, AssumeRoleCommand } from '@aws-sdk/client-sts';
import { readFileSync } from 'node:fs';
const [endpoint, pid] = process.argv.slice(2);
const cpu = () => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
const REGIONS = ['us-east-1','us-east-2','us-west-1','us-west-2','eu-west-1','eu-west-2','eu-west-3','eu-central-1','eu-north-1','ap-northeast-1','ap-northeast-2','ap-northeast-3','ap-southeast-1','ap-southeast-2','ap-south-1','sa-east-1','ca-central-1'];
const acct = (i: number) => String(100000000000 + i);
const stsC = new STSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIASHAREGUARDSIM001', secretAccessKey: 'x' } });
const c0 = cpu(); const t = performance.now(); let reqs = 0, items = 0;
await Promise.all(Array.from({ length: 200 }, async (_, k) => {
  const c = (await stsC.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${acct(k)}:role/x`, RoleSessionName: 'perf' }))).Credentials!;
  const creds = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey! };
  for (const region of REGIONS) {
    const e = new EC2Client({ endpoint, region, credentials: creds });
    const r = new RDSClient({ endpoint, region, credentials: creds });
    for await (const p of paginateDescribeImages({ client: e, pageSize: 1000 }, { ExecutableUsers: ['self'], IncludeDeprecated: true })) { items += p.Images!.length; reqs++; }
    items += (await e.send(new DescribeImagesCommand({ ExecutableUsers: [acct(k)], MaxResults: 1000 }))).Images!.length; reqs++;
    items += (await e.send(new DescribeSnapshotsCommand({ RestorableByUserIds: ['self'], MaxResults: 1000 }))).Snapshots!.length; reqs++;
    items += (await e.send(new DescribeInstancesCommand({ MaxResults: 1000, Filters: [{ Name: 'image-id', Values: ['ami-00000000000000001', 'ami-00000000000000002'] }] }))).Reservations!.length; reqs++;
    items += (await r.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'shared', IncludeShared: true }))).DBSnapshots!.length; reqs++;
  }
}));
const ms = performance.now() - t; const used = cpu() - c0;
console.log({ reqs, items, wallMs: Math.round(ms), serverCpuMs: used, serverCpuPerReqMs: +(used / reqs).toFixed(3) });
