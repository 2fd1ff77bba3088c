import {
  DeleteDBClusterSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  ModifyDBSnapshotAttributeCommand,
  paginateDescribeDBSnapshots,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type SimHandle } from '../../src/testing/sim/index.ts';
import { A, assume, baseCreds, C, failure, OUTSIDER, rdsClient, smallWorld } from './helpers.ts';

let sim: SimHandle;
let asA: RDSClient;
let asC: RDSClient;

beforeAll(async () => {
  sim = await start({ world: smallWorld() });
  asA = rdsClient(sim, await assume(sim, A));
  asC = rdsClient(sim, await assume(sim, C));
});
afterAll(async () => {
  await sim.stop();
});

const ownerOf = (arn: string) => arn.split(':')[4];

describe('RDS snapshots', () => {
  it('SnapshotType=shared + IncludeShared=true: snapshots shared with A, identified by ARN carrying the owner', async () => {
    const out = await asA.send(
      new DescribeDBSnapshotsCommand({ SnapshotType: 'shared', IncludeShared: true }),
    );
    const got = out.DBSnapshots!.map((s) => [
      s.DBSnapshotIdentifier,
      ownerOf(s.DBSnapshotArn!),
      s.SnapshotType,
    ]);
    expect(got).toEqual([
      [`arn:aws:rds:us-east-1:${C}:snapshot:cshared`, C, 'shared'],
      [`arn:aws:rds:us-east-1:${OUTSIDER}:snapshot:orders-2024-05-01`, OUTSIDER, 'shared'],
    ]);
    expect(out.DBSnapshots![0]).toMatchObject({ Engine: 'postgres', Status: 'available' });
    expect(out.DBSnapshots![0]!.SnapshotCreateTime).toEqual(new Date('2024-05-01T00:00:00.000Z'));
  });

  it("without the flags: A's own; SnapshotType=shared alone: nothing; public ones only when asked", async () => {
    const own = await asA.send(new DescribeDBSnapshotsCommand({}));
    expect(own.DBSnapshots!.map((s) => [s.DBSnapshotIdentifier, s.DBSnapshotArn])).toEqual([
      ['mine-2024-05-01', `arn:aws:rds:us-east-1:${A}:snapshot:mine-2024-05-01`],
    ]);
    const sharedOnly = await asA.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'shared' }));
    expect(sharedOnly.DBSnapshots).toEqual([]);
    const pub = await asA.send(
      new DescribeDBSnapshotsCommand({ SnapshotType: 'public', IncludePublic: true }),
    );
    expect(pub.DBSnapshots!.map((s) => s.SnapshotType)).toEqual(['public']);
  });

  it('cluster snapshots alike', async () => {
    const out = await asA.send(
      new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'shared', IncludeShared: true }),
    );
    expect(out.DBClusterSnapshots!.map((s) => s.DBClusterSnapshotArn)).toEqual([
      `arn:aws:rds:us-east-1:${C}:cluster-snapshot:caurora`,
      `arn:aws:rds:us-east-1:${OUTSIDER}:cluster-snapshot:aurora-2024-05-01`,
    ]);
    expect(out.DBClusterSnapshots![0]!.DBClusterSnapshotIdentifier).toBe(
      out.DBClusterSnapshots![0]!.DBClusterSnapshotArn,
    );
  });

  it('MaxRecords outside 20–100 is InvalidParameterValue', async () => {
    for (const MaxRecords of [19, 101]) {
      expect(await failure(asA.send(new DescribeDBSnapshotsCommand({ MaxRecords })))).toMatchObject({
        name: 'InvalidParameterValue',
        status: 400,
      });
    }
  });

  it('Delete and ModifyAttribute: owner only, else DBSnapshotNotFound / DBClusterSnapshotNotFoundFault', async () => {
    const arn = `arn:aws:rds:us-east-1:${C}:snapshot:cshared`;
    for (const id of ['cshared', arn]) {
      expect(
        await failure(asA.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: id }))),
      ).toMatchObject({
        name: 'DBSnapshotNotFoundFault',
        status: 404,
      });
    }
    expect(
      await failure(
        asA.send(
          new ModifyDBSnapshotAttributeCommand({
            DBSnapshotIdentifier: arn,
            AttributeName: 'restore',
            ValuesToRemove: [A],
          }),
        ),
      ),
    ).toMatchObject({ name: 'DBSnapshotNotFoundFault' });
    expect(
      await failure(
        asA.send(
          new ModifyDBClusterSnapshotAttributeCommand({
            DBClusterSnapshotIdentifier: 'caurora',
            AttributeName: 'restore',
            ValuesToRemove: [A],
          }),
        ),
      ),
    ).toMatchObject({ name: 'DBClusterSnapshotNotFoundFault' });
    expect(sim.state.dbSnapshot('cshared')!.restore).toEqual([A, '444444444444']);
  });

  it('the owner removes a share, and deletes', async () => {
    const out = await asC.send(
      new ModifyDBSnapshotAttributeCommand({
        DBSnapshotIdentifier: 'cshared',
        AttributeName: 'restore',
        ValuesToRemove: [A],
        ValuesToAdd: ['all'],
      }),
    );
    expect(out.DBSnapshotAttributesResult).toEqual({
      DBSnapshotIdentifier: 'cshared',
      DBSnapshotAttributes: [{ AttributeName: 'restore', AttributeValues: ['444444444444', 'all'] }],
    });
    const attrs = await asC.send(
      new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: 'cshared' }),
    );
    expect(attrs.DBSnapshotAttributesResult!.DBSnapshotAttributes![0]!.AttributeValues).toEqual([
      '444444444444',
      'all',
    ]);
    const shared = await asA.send(
      new DescribeDBSnapshotsCommand({ SnapshotType: 'shared', IncludeShared: true }),
    );
    expect(shared.DBSnapshots!.map((s) => s.DBSnapshotIdentifier)).not.toContain(
      `arn:aws:rds:us-east-1:${C}:snapshot:cshared`,
    );
    // C's "orders-2024-05-01" is not the outsider's snapshot of the same name.
    const deleted = await asC.send(
      new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'orders-2024-05-01' }),
    );
    expect(deleted.DBSnapshot).toMatchObject({
      Status: 'deleted',
      DBSnapshotArn: `arn:aws:rds:us-east-1:${C}:snapshot:orders-2024-05-01`,
    });
    expect(
      sim.state.dbSnapshot(`arn:aws:rds:us-east-1:${OUTSIDER}:snapshot:orders-2024-05-01`),
    ).toBeDefined();
    await asC.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: 'caurora' }));
    expect(sim.state.dbClusterSnapshot('caurora')).toBeUndefined();
  });

  it('pages shared snapshots with MaxRecords 20 and Marker, each once', async () => {
    const owners = ['555555555555', '666666666666', '777777777777'];
    const dbSnapshots = Array.from({ length: 75 }, (_, i) => ({
      id: `snap${String(i).padStart(3, '0')}`,
      region: 'us-east-1',
      owner: owners[i % 3]!,
      engine: 'mysql',
      createTime: '2024-01-01T00:00:00Z',
      restore: i < 45 ? [A] : ['888888888888'],
    }));
    const big = await start({
      world: {
        homeAccount: A,
        accounts: [{ id: A, regions: ['us-east-1'], assumeRole: 'allow' }],
        images: [],
        snapshots: [],
        dbSnapshots,
        dbClusterSnapshots: [],
        instances: [],
        volumes: [],
      },
    });
    try {
      const client = rdsClient(big, baseCreds(big));
      const seen: string[] = [];
      let pages = 0;
      for await (const page of paginateDescribeDBSnapshots(
        { client, pageSize: 20 },
        { SnapshotType: 'shared', IncludeShared: true },
      )) {
        pages++;
        seen.push(...page.DBSnapshots!.map((s) => s.DBSnapshotArn!));
      }
      expect(pages).toBe(3);
      expect(seen).toHaveLength(45);
      expect(new Set(seen).size).toBe(45);
      expect(new Set(seen.map(ownerOf))).toEqual(new Set(owners));
    } finally {
      await big.stop();
    }
  });
});
