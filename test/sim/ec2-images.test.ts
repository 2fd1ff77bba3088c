import {
  CancelImageLaunchPermissionCommand,
  DeregisterImageCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DisableAllowedImagesSettingsCommand,
  DisableImageCommand,
  EnableAllowedImagesSettingsCommand,
  GetAllowedImagesSettingsCommand,
  ModifyImageAttributeCommand,
  paginateDescribeImages,
  ReplaceImageCriteriaInAllowedImagesSettingsCommand,
  type DescribeImagesCommandInput,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type SimHandle } from '../../src/testing/sim/index.ts';
import { A, assume, C, ec2, failure, ORG, OU1, OUTSIDER, smallWorld, type Creds } from './helpers.ts';

let sim: SimHandle;
let credsA: Creds;
let credsC: Creds;
let asA: EC2Client;

async function ids(client: EC2Client, input: DescribeImagesCommandInput): Promise<string[]> {
  const out = await client.send(new DescribeImagesCommand(input));
  return (out.Images ?? []).map((i) => i.ImageId!).sort();
}

beforeAll(async () => {
  sim = await start({ world: smallWorld() });
  credsA = await assume(sim, A);
  credsC = await assume(sim, C);
  asA = ec2(sim, credsA);
});
afterAll(async () => {
  await sim.stop();
});

describe('DescribeImages visibility', () => {
  it('ExecutableBy=self: own, direct, organization and OU shares; not public-only, deprecated or disabled', async () => {
    expect(await ids(asA, { ExecutableUsers: ['self'] })).toEqual(
      [
        'ami-amazon',
        'ami-cowned',
        'ami-direct',
        'ami-future',
        'ami-org',
        'ami-ou',
        'ami-own',
        'ami-pubdirect',
      ].sort(),
    );
  });

  it("ExecutableBy=<A's own id> is the same scope as self: organization and OU shares included (AWS)", async () => {
    expect(await ids(asA, { ExecutableUsers: [A] })).toEqual(await ids(asA, { ExecutableUsers: ['self'] }));
    expect(await ids(asA, { ExecutableUsers: [A] })).toEqual(expect.arrayContaining(['ami-org', 'ami-ou']));
  });

  it('ExecutableBy=<another id>: images A sees whose launch permissions name that id directly', async () => {
    // ami-other names 444… but is not visible to A; ami-cowned names A, not C.
    expect(await ids(asA, { ExecutableUsers: ['444444444444'] })).toEqual([]);
    const asC = ec2(sim, credsC);
    expect(await ids(asC, { ExecutableUsers: [A] })).toEqual(['ami-cowned', 'ami-pubdirect']);
  });

  it('deprecated only with IncludeDeprecated; disabled only with IncludeDisabled and only to the owner', async () => {
    const withDeprecated = await ids(asA, { ExecutableUsers: ['self'], IncludeDeprecated: true });
    expect(withDeprecated).toContain('ami-deprecated');
    const withDisabled = await ids(asA, { ExecutableUsers: ['self'], IncludeDisabled: true });
    expect(withDisabled).toContain('ami-disabled');
    expect(withDisabled).not.toContain('ami-xdisabled');
  });

  it('carries the fields the product reads', async () => {
    const out = await asA.send(
      new DescribeImagesCommand({ ImageIds: ['ami-deprecated'], IncludeDeprecated: true }),
    );
    expect(out.Images).toHaveLength(1);
    expect(out.Images![0]).toMatchObject({
      ImageId: 'ami-deprecated',
      OwnerId: OUTSIDER,
      State: 'available',
      Public: false,
      Name: 'name-ami-deprecated',
      CreationDate: '2024-05-01T00:00:00.000Z',
      DeprecationTime: '2020-01-01T00:00:00.000Z',
    });
    const amazon = await asA.send(new DescribeImagesCommand({ ImageIds: ['ami-amazon'] }));
    expect(amazon.Images![0]!.ImageOwnerAlias).toBe('amazon');
  });

  it('Owners, ImageIds and the image-id, owner-id and block-device-mapping.snapshot-id filters', async () => {
    expect(await ids(asA, { Owners: ['self'] })).toEqual(['ami-own']);
    expect(await ids(asA, { Owners: ['amazon'] })).toEqual(['ami-amazon']);
    expect(await ids(asA, { Owners: [OUTSIDER], ExecutableUsers: ['self'] })).toEqual(
      ['ami-direct', 'ami-future', 'ami-org', 'ami-ou', 'ami-pubdirect'].sort(),
    );
    expect(await ids(asA, { ImageIds: ['ami-org', 'ami-public'] })).toEqual(['ami-org', 'ami-public']);
    expect(await ids(asA, { Filters: [{ Name: 'image-id', Values: ['ami-direct', 'ami-other'] }] })).toEqual([
      'ami-direct',
    ]);
    expect(
      await ids(asA, { ExecutableUsers: ['self'], Filters: [{ Name: 'owner-id', Values: [C] }] }),
    ).toEqual(['ami-cowned']);
    expect(
      await ids(asA, { Filters: [{ Name: 'block-device-mapping.snapshot-id', Values: ['snap-cowned'] }] }),
    ).toEqual(['ami-cowned']);
    expect(await ids(asA, { Filters: [{ Name: 'name', Values: ['name-ami-o*'] }] })).toEqual([
      'ami-org',
      'ami-ou',
      'ami-own',
    ]);
    // Without scope: everything A may launch, public images included.
    expect(await ids(asA, {})).toContain('ami-public');
    expect(await ids(asA, { ExecutableUsers: ['all'] })).toEqual(['ami-pubdirect', 'ami-public']);
  });

  it('an asked-for image A cannot see is InvalidAMIID.NotFound; bad parameters are refused', async () => {
    expect(await failure(asA.send(new DescribeImagesCommand({ ImageIds: ['ami-other'] })))).toMatchObject({
      name: 'InvalidAMIID.NotFound',
      status: 400,
    });
    expect(await failure(asA.send(new DescribeImagesCommand({ MaxResults: 4 })))).toMatchObject({
      name: 'InvalidParameterValue',
    });
    expect(await failure(asA.send(new DescribeImagesCommand({ MaxResults: 1001 })))).toMatchObject({
      name: 'InvalidParameterValue',
    });
    expect(
      await failure(asA.send(new DescribeImagesCommand({ Filters: [{ Name: 'colour', Values: ['red'] }] }))),
    ).toMatchObject({ name: 'InvalidParameterValue' });
    expect(await failure(asA.send(new DescribeImagesCommand({ ExecutableUsers: ['bob'] })))).toMatchObject({
      name: 'InvalidUserID.Malformed',
    });
  });

  it('Allowed AMIs enabled (from the world) hides images of providers not allowed', async () => {
    const eu = ec2(sim, credsA, { region: 'eu-west-1' });
    const out = await eu.send(new DescribeImagesCommand({ ExecutableUsers: ['self'] }));
    expect(out.Images!.map((i) => [i.ImageId, i.ImageAllowed])).toEqual([['ami-euamazon', true]]);
    const settings = await eu.send(new GetAllowedImagesSettingsCommand({}));
    expect(settings).toMatchObject({
      State: 'enabled',
      ImageCriteria: [{ ImageProviders: ['amazon'] }],
      ManagedBy: 'account',
    });
  });

  it('Allowed AMIs audit-mode marks each image; criteria can be replaced; disable restores', async () => {
    await asA.send(new EnableAllowedImagesSettingsCommand({ AllowedImagesSettingsState: 'audit-mode' }));
    await asA.send(
      new ReplaceImageCriteriaInAllowedImagesSettingsCommand({
        ImageCriteria: [{ ImageProviders: ['amazon', C] }, { ImageNames: ['name-ami-ou'] }],
      }),
    );
    const out = await asA.send(new DescribeImagesCommand({ ExecutableUsers: ['self'] }));
    const allowed = Object.fromEntries(out.Images!.map((i) => [i.ImageId, i.ImageAllowed]));
    expect(allowed).toEqual({
      'ami-amazon': true,
      'ami-cowned': true,
      'ami-direct': false,
      'ami-future': false,
      'ami-org': false,
      'ami-ou': true,
      'ami-own': true, // own images are always allowed
      'ami-pubdirect': false,
    });
    await asA.send(new EnableAllowedImagesSettingsCommand({ AllowedImagesSettingsState: 'enabled' }));
    expect(await ids(asA, { ExecutableUsers: ['self'] })).toEqual([
      'ami-amazon',
      'ami-cowned',
      'ami-ou',
      'ami-own',
    ]);
    const got = await asA.send(new GetAllowedImagesSettingsCommand({}));
    expect(got.ImageCriteria).toEqual([{ ImageProviders: ['amazon', C] }, { ImageNames: ['name-ami-ou'] }]);
    const off = await asA.send(new DisableAllowedImagesSettingsCommand({}));
    expect(off.AllowedImagesSettingsState).toBe('disabled');
    const after = await asA.send(new DescribeImagesCommand({ ExecutableUsers: ['self'] }));
    expect(after.Images!.every((i) => i.ImageAllowed === undefined)).toBe(true);
    expect(sim.state.allowedImagesSettings(A, 'us-east-1').state).toBe('disabled');
  });
});

describe('image actions', () => {
  it('CancelImageLaunchPermission removes the direct permission; the image disappears for A', async () => {
    const out = await asA.send(new CancelImageLaunchPermissionCommand({ ImageId: 'ami-direct' }));
    expect(out.Return).toBe(true);
    expect(sim.state.image('ami-direct')!.launchPermissions).toEqual([]);
    expect(await ids(asA, { ExecutableUsers: ['self'] })).not.toContain('ami-direct');
    // Public + direct: only the direct permission goes.
    await asA.send(new CancelImageLaunchPermissionCommand({ ImageId: 'ami-pubdirect' }));
    expect(sim.state.image('ami-pubdirect')!.launchPermissions).toEqual([{ group: 'all' }]);
  });

  it('CancelImageLaunchPermission: org/OU-only, public, not shared and absent images are InvalidAMIID.NotFound', async () => {
    for (const id of ['ami-org', 'ami-ou', 'ami-public', 'ami-other', 'ami-nothere', 'ami-direct']) {
      expect(await failure(asA.send(new CancelImageLaunchPermissionCommand({ ImageId: id })))).toMatchObject({
        name: 'InvalidAMIID.NotFound',
      });
    }
    expect(sim.state.image('ami-org')!.launchPermissions).toEqual([{ organizationArn: ORG }]);
  });

  it('DeregisterImage, ModifyImageAttribute and DisableImage are for the owner only (AuthFailure)', async () => {
    for (const cmd of [
      new DeregisterImageCommand({ ImageId: 'ami-cowned' }),
      new ModifyImageAttributeCommand({
        ImageId: 'ami-cowned',
        LaunchPermission: { Remove: [{ UserId: A }] },
      }),
      new DisableImageCommand({ ImageId: 'ami-cowned' }),
    ]) {
      // Each command has its own output type; the union is fine to send.
      expect(await failure(asA.send(cmd as DeregisterImageCommand))).toMatchObject({ name: 'AuthFailure' });
    }
    expect(sim.state.image('ami-cowned')!.launchPermissions).toEqual([{ userId: A }]);
  });

  it('the owner modifies launch permissions (both wire forms), reads them, disables and deregisters', async () => {
    const asC = ec2(sim, credsC);
    await asC.send(
      new ModifyImageAttributeCommand({
        ImageId: 'ami-cowned',
        LaunchPermission: {
          Add: [{ OrganizationArn: ORG }, { OrganizationalUnitArn: OU1 }, { Group: 'all' }],
        },
      }),
    );
    await asC.send(
      new ModifyImageAttributeCommand({
        ImageId: 'ami-cowned',
        Attribute: 'launchPermission',
        OperationType: 'remove',
        UserIds: [A],
        UserGroups: ['all'],
      }),
    );
    expect(sim.state.image('ami-cowned')!.launchPermissions).toEqual([
      { organizationArn: ORG },
      { organizationalUnitArn: OU1 },
    ]);
    const attr = await asC.send(
      new DescribeImageAttributeCommand({ ImageId: 'ami-cowned', Attribute: 'launchPermission' }),
    );
    expect(attr.LaunchPermissions).toEqual([{ OrganizationArn: ORG }, { OrganizationalUnitArn: OU1 }]);
    expect(
      await failure(
        asC.send(
          new ModifyImageAttributeCommand({
            ImageId: 'ami-cowned',
            LaunchPermission: { Add: [{ UserId: 'x' }] },
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidAMIAttributeItemValue' });

    await asC.send(new DisableImageCommand({ ImageId: 'ami-cowned' }));
    expect(sim.state.image('ami-cowned')).toMatchObject({ state: 'disabled', launchPermissions: [] });
    expect(await ids(asA, { ExecutableUsers: ['self'], IncludeDisabled: true })).not.toContain('ami-cowned');

    const gone = await asC.send(
      new DeregisterImageCommand({ ImageId: 'ami-cowned', DeleteAssociatedSnapshots: true }),
    );
    expect(gone.Return).toBe(true);
    expect(gone.DeleteSnapshotResults).toEqual([{ SnapshotId: 'snap-cowned', ReturnCode: 'success' }]);
    expect(sim.state.image('ami-cowned')).toBeUndefined();
    expect(sim.state.snapshot('snap-cowned')).toBeUndefined();
  });

  it('DryRun answers DryRunOperation when allowed and UnauthorizedOperation otherwise, changing nothing', async () => {
    expect(await failure(asA.send(new DescribeImagesCommand({ DryRun: true })))).toMatchObject({
      name: 'DryRunOperation',
      status: 412,
    });
    expect(
      await failure(asA.send(new DeregisterImageCommand({ ImageId: 'ami-own', DryRun: true }))),
    ).toMatchObject({
      name: 'DryRunOperation',
    });
    expect(sim.state.image('ami-own')).toBeDefined();
    expect(
      await failure(asA.send(new DeregisterImageCommand({ ImageId: 'ami-amazon', DryRun: true }))),
    ).toMatchObject({ name: 'UnauthorizedOperation', status: 403 });
    expect(
      await failure(
        asA.send(new CancelImageLaunchPermissionCommand({ ImageId: 'ami-amazon', DryRun: true })),
      ),
    ).toMatchObject({ name: 'DryRunOperation' });
    expect(sim.state.image('ami-amazon')!.launchPermissions).toEqual([{ userId: A }]);
  });
});

describe('DescribeImages paging', () => {
  let big: SimHandle;
  beforeAll(async () => {
    const images: object[] = [];
    const perm = (i: number) =>
      i % 3 === 0 ? [{ userId: A }] : i % 3 === 1 ? [{ organizationArn: ORG }] : [];
    for (let i = 0; i < 2600; i++) {
      const id = `ami-${i.toString(16).padStart(17, '0')}`;
      // 2,500 visible to A (a third each: direct, org, own), 100 that are not.
      const owner = i >= 2500 ? OUTSIDER : i % 3 === 2 ? A : OUTSIDER;
      const launchPermissions = i >= 2500 ? [{ userId: '444444444444' }] : perm(i);
      images.push({
        id,
        region: 'us-east-1',
        owner,
        name: `n${i}`,
        creationDate: '2024-01-01T00:00:00Z',
        launchPermissions,
      });
    }
    big = await start({
      world: {
        homeAccount: A,
        accounts: [{ id: A, regions: ['us-east-1'], assumeRole: 'allow', organization: ORG }],
        images,
        snapshots: [],
        dbSnapshots: [],
        dbClusterSnapshots: [],
        instances: [],
        volumes: [],
      },
    });
  });
  afterAll(async () => {
    await big.stop();
  });

  it('returns 2,500 AMIs exactly once through the SDK paginator with MaxResults 1000', async () => {
    const client = ec2(big, { accessKeyId: big.accessKeyId, secretAccessKey: big.secretAccessKey });
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeImages(
      { client, pageSize: 1000 },
      { ExecutableUsers: ['self'] },
    )) {
      pages++;
      seen.push(...page.Images!.map((i) => i.ImageId!));
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(2500);
    expect(new Set(seen).size).toBe(2500);
    expect(big.calls({ action: 'DescribeImages' })).toBe(3);
  });

  it('keeps paging stable while images are removed between pages', async () => {
    const client = ec2(big, { accessKeyId: big.accessKeyId, secretAccessKey: big.secretAccessKey });
    const first = await client.send(new DescribeImagesCommand({ Owners: ['self'], MaxResults: 100 }));
    const firstIds = first.Images!.map((i) => i.ImageId!);
    // Deregister something already returned: the next page must neither skip nor repeat.
    await client.send(new DeregisterImageCommand({ ImageId: firstIds[0]! }));
    const rest: string[] = [];
    let token = first.NextToken;
    while (token) {
      const p = await client.send(
        new DescribeImagesCommand({ Owners: ['self'], MaxResults: 1000, NextToken: token }),
      );
      rest.push(...p.Images!.map((i) => i.ImageId!));
      token = p.NextToken;
    }
    expect(firstIds.length + rest.length).toBe(833);
    expect(new Set([...firstIds, ...rest]).size).toBe(833);
  });
});
