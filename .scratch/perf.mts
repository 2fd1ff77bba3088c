import { EC2Client, DescribeImagesCommand, DescribeSnapshotsCommand, paginateDescribeImages } from '@aws-sdk/client-ec2';
import { RDSClient, DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import { STSClient, AssumeRoleCommand } from '@aws-sdk/client-sts';
import { start } from '../src/sim/index.ts';
const REGIONS = ['us-east-1','us-east-2','us-west-1','us-west-2','eu-west-1','eu-west-2','eu-west-3','eu-central-1','eu-north-1','ap-northeast-1','ap-northeast-2','ap-northeast-3','ap-southeast-1','ap-southeast-2','ap-south-1','sa-east-1','ca-central-1'];
const acct = (i: number) => String(100000000000 + i);
const ORG = 'arn:aws:organizations::999999999999:organization/o-perf';
const N = 50000;
let seed = 1; const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const pick = <T,>(a: T[]) => a[Math.floor(rnd() * a.length)]!;
const accounts = Array.from({ length: 1000 }, (_, i) => ({ id: acct(i), regions: REGIONS, assumeRole: 'allow', organization: ORG, ous: [`arn:aws:organizations::999999999999:ou/o-perf/ou-perf-${String(i % 20).padStart(8, '0')}`] }));
const hex = (i: number) => i.toString(16).padStart(17, '0');
const images = Array.from({ length: N }, (_, i) => ({ id: `ami-${hex(i)}`, region: pick(REGIONS), owner: i % 2 ? '999999999999' : acct(i % 1000), name: `img${i}`, creationDate: '2024-01-01T00:00:00Z',
  launchPermissions: i % 50 === 0 ? [{ organizationArn: ORG }] : [{ userId: acct(Math.floor(rnd() * 1000)) }, { userId: acct(Math.floor(rnd() * 1000)) }] }));
const snapshots = Array.from({ length: N }, (_, i) => ({ id: `snap-${hex(i)}`, region: pick(REGIONS), owner: '999999999999', description: '', startTime: '2024-01-01T00:00:00Z', volumeSize: 8, encrypted: false, createVolumePermissions: [{ userId: acct(Math.floor(rnd() * 1000)) }] }));
const rdsx = (prefix: string) => Array.from({ length: N }, (_, i) => ({ id: `${prefix}${i}`, region: pick(REGIONS), owner: '999999999999', engine: 'postgres', createTime: '2024-01-01T00:00:00Z', restore: [acct(Math.floor(rnd() * 1000))] }));
const instances = Array.from({ length: N }, (_, i) => ({ id: `i-${hex(i)}`, account: acct(i % 1000), region: pick(REGIONS), imageId: `ami-${hex(i)}` }));
const volumes = Array.from({ length: N }, (_, i) => ({ id: `vol-${hex(i)}`, account: acct(i % 1000), region: pick(REGIONS), snapshotId: `snap-${hex(i)}` }));
const world = { homeAccount: acct(0), accounts, images, snapshots, dbSnapshots: rdsx('db'), dbClusterSnapshots: rdsx('cl'), instances, volumes };
import { writeFileSync } from 'node:fs'; writeFileSync('/tmp/simx/bigworld.json', JSON.stringify(world)); import { parseWorld, SimState } from '../src/sim/index.ts';
let t = performance.now(); const pw = parseWorld(world); console.log('parse ms', Math.round(performance.now()-t)); t = performance.now(); new SimState(pw); console.log('state ms', Math.round(performance.now()-t)); t = performance.now();
const sim = await start({ world });
console.log('start (validate+index) ms', Math.round(performance.now() - t));
const base = { endpoint: sim.endpoint, credentials: { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey } };
const stsC = new STSClient({ ...base, region: 'us-east-1' });
t = performance.now();
let total = 0, reqs = 0;
// 100 accounts × 17 regions × (images self + own-id, snapshots, db, cluster)
await Promise.all(Array.from({ length: 100 }, async (_, k) => {
  const c = (await stsC.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${acct(k)}:role/x`, RoleSessionName: 'perf' }))).Credentials!;
  const creds = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey! };
  for (const region of REGIONS) {
    const e = new EC2Client({ endpoint: sim.endpoint, region, credentials: creds });
    const r = new RDSClient({ endpoint: sim.endpoint, region, credentials: creds });
    for await (const p of paginateDescribeImages({ client: e, pageSize: 1000 }, { ExecutableUsers: ['self'], IncludeDeprecated: true })) { total += p.Images!.length; reqs++; }
    total += (await e.send(new DescribeImagesCommand({ ExecutableUsers: [acct(k)], MaxResults: 1000 }))).Images!.length; reqs++;
    total += (await e.send(new DescribeSnapshotsCommand({ RestorableByUserIds: ['self'], MaxResults: 1000 }))).Snapshots!.length; reqs++;
    total += (await r.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'shared', IncludeShared: true }))).DBSnapshots!.length; reqs++;
  }
}));
const ms = performance.now() - t;
console.log('requests', reqs, 'items', total, 'ms', Math.round(ms), 'req/s', Math.round(reqs / ms * 1000));
console.log('calls', sim.calls());
t = performance.now();
const st = await fetch(`${sim.endpoint}/_sim/state`); const txt = await st.text();
console.log('state bytes', txt.length, 'ms', Math.round(performance.now() - t));
console.log('rss MB', Math.round(process.memoryUsage().rss / 1e6));
await sim.stop();
