import { EC2Client, DescribeImagesCommand, CancelImageLaunchPermissionCommand, DescribeRegionsCommand, DescribeSnapshotsCommand, DeregisterImageCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { RDSClient, DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import { STSClient, AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { start } from '../src/sim/index.ts';
const world = {
  homeAccount: '000000000000',
  accounts: [{ id: '111111111111', regions: ['us-east-1'], assumeRole: 'allow', organization: 'arn:aws:organizations::999999999999:organization/o-abc123' }],
  images: [
    { id: 'ami-0001', region: 'us-east-1', owner: '999999999999', name: 'a&b', creationDate: '2024-05-01T00:00:00.000Z', launchPermissions: [{ userId: '111111111111' }] },
    { id: 'ami-0002', region: 'us-east-1', owner: '999999999999', name: 'org', creationDate: '2024-05-01T00:00:00.000Z', deprecationTime: '2025-01-01T00:00:00.000Z', launchPermissions: [{ organizationArn: 'arn:aws:organizations::999999999999:organization/o-abc123' }] },
  ],
  snapshots: [{ id: 'snap-1', region: 'us-east-1', owner: '999999999999', description: 'x', startTime: '2024-05-01T00:00:00Z', volumeSize: 8, encrypted: false, createVolumePermissions: [{ userId: '111111111111' }] }],
  dbSnapshots: [{ id: 'orders-2024-05-01', region: 'us-east-1', owner: '999999999999', engine: 'postgres', createTime: '2024-05-01T00:00:00.000Z', restore: ['111111111111'] }],
  dbClusterSnapshots: [],
  instances: [{ id: 'i-1', account: '111111111111', region: 'us-east-1', imageId: 'ami-0001' }],
  volumes: [],
};
const sim = await start({ world });
const base = { endpoint: sim.endpoint, region: 'us-east-1', credentials: { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey } };
const sts = new STSClient(base);
console.log(await sts.send(new GetCallerIdentityCommand({})));
const ar = await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::111111111111:role/x', RoleSessionName: 'scan' }));
console.log(ar.Credentials, ar.AssumedRoleUser);
const creds = { accessKeyId: ar.Credentials!.AccessKeyId!, secretAccessKey: ar.Credentials!.SecretAccessKey!, sessionToken: ar.Credentials!.SessionToken! };
const ec2 = new EC2Client({ ...base, credentials: creds });
const r = await ec2.send(new DescribeImagesCommand({ ExecutableUsers: ['self'], IncludeDeprecated: true }));
console.log(JSON.stringify(r.Images, null, 1), r.NextToken);
console.log((await ec2.send(new DescribeRegionsCommand({}))).Regions);
console.log((await ec2.send(new DescribeSnapshotsCommand({ RestorableByUserIds: ['self'] }))).Snapshots);
console.log(JSON.stringify((await ec2.send(new DescribeInstancesCommand({}))).Reservations));
console.log(await ec2.send(new CancelImageLaunchPermissionCommand({ ImageId: 'ami-0001' })));
try { await ec2.send(new CancelImageLaunchPermissionCommand({ ImageId: 'ami-0002' })); } catch (e: any) { console.log('ERR', e.name, e.message, e.$metadata.httpStatusCode, e.Code); }
try { await ec2.send(new DeregisterImageCommand({ ImageId: 'ami-0002', DryRun: true })); } catch (e: any) { console.log('ERR', e.name, e.message, e.$metadata.httpStatusCode); }
console.log(sim.state.image('ami-0001'));
const rds = new RDSClient({ ...base, credentials: creds });
console.log(await rds.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'shared', IncludeShared: true })));
try { await rds.send(new DescribeDBSnapshotsCommand({ MaxRecords: 5 })); } catch (e: any) { console.log('ERR', e.name, e.message, e.$metadata.httpStatusCode); }
const bad = new EC2Client({ ...base, credentials: { accessKeyId: 'AKIANOPE', secretAccessKey: 'x' } });
try { await bad.send(new DescribeRegionsCommand({})); } catch (e: any) { console.log('ERR', e.name, e.message, e.$metadata.httpStatusCode); }
console.log(sim.calls(), sim.calls({ action: 'DescribeImages' }));
await sim.stop();
