/**
 * The simulator's launch templates, Auto Scaling and Image Builder (issue 23, docs/simulator.md), through
 * the real SDK clients: AWS's rules for describing every template's $Latest/$Default, filters, paging,
 * the Query and REST-JSON protocols, errors, and world validation naming the bad field.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  paginateDescribeAutoScalingGroups,
} from '@aws-sdk/client-auto-scaling';
import {
  DescribeLaunchTemplateVersionsCommand,
  paginateDescribeLaunchTemplateVersions,
} from '@aws-sdk/client-ec2';
import {
  GetImageRecipeCommand,
  ImagebuilderClient,
  paginateListImageRecipes,
} from '@aws-sdk/client-imagebuilder';
import { parseWorld, start, type SimHandle } from '../../src/testing/sim/index.ts';
import { baseCreds, ec2 } from '../support/sim-clients.ts';
import { account, emptyWorld, type World } from '../helpers/world.ts';

const HOME = '000000000000';
const OTHER = '111111111111';
const R = 'us-east-1';
const AMI = 'ami-0000000000000aaa1';

let sim: SimHandle | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

function world(): World {
  const w = emptyWorld([account(HOME, [R]), account(OTHER, [R])], HOME);
  w.launchTemplates = Array.from({ length: 5 }, (_, i) => ({
    id: `lt-000000000000000${i + 1}`,
    account: HOME,
    region: R,
    name: `tpl${i + 1}`,
    versions: [
      { number: 1, imageId: AMI },
      { number: 2, imageId: i === 0 ? 'resolve:ssm:/golden' : 'ami-0000000000000bbb2', default: i === 4 },
    ],
  }));
  w.launchTemplates.push({
    id: 'lt-0000000000000009',
    account: OTHER,
    region: R,
    name: 'tpl1',
    versions: [{ number: 1, imageId: AMI }],
  });
  w.ssmParameters = [{ account: HOME, region: R, name: '/golden', value: AMI }];
  w.autoScalingGroups = Array.from({ length: 3 }, (_, i) => ({
    name: `g${i}`,
    account: HOME,
    region: R,
    launchTemplate: { name: 'tpl1', ...(i ? { version: '$Latest' } : {}) },
  }));
  w.imageRecipes = Array.from({ length: 3 }, (_, i) => ({
    name: `r${i}`,
    version: '1.0.0',
    account: HOME,
    region: R,
    parentImage: AMI,
    blockDeviceSnapshotIds: ['snap-0000000000000ccc1'],
  }));
  return w;
}

const opts = () => ({ endpoint: sim!.endpoint, region: R, credentials: baseCreds(sim!), maxAttempts: 1 });

describe('launch templates, Auto Scaling, Image Builder in the simulator', () => {
  it('DescribeLaunchTemplateVersions: every template’s $Latest and $Default, paged, own account only', async () => {
    sim = await start({ world: world() });
    const client = ec2(sim, baseCreds(sim));
    const rows: string[] = [];
    for await (const page of paginateDescribeLaunchTemplateVersions(
      { client, pageSize: 2 },
      { Versions: ['$Latest', '$Default'], ResolveAlias: true },
    ))
      for (const v of page.LaunchTemplateVersions ?? [])
        rows.push(
          `${v.LaunchTemplateName} v${v.VersionNumber}${v.DefaultVersion ? ' default' : ''} ${v.LaunchTemplateData?.ImageId}`,
        );
    expect(rows).toEqual([
      `tpl1 v1 default ${AMI}`,
      `tpl1 v2 ${AMI}`, // resolve:ssm:/golden, resolved
      `tpl2 v1 default ${AMI}`,
      'tpl2 v2 ami-0000000000000bbb2',
      `tpl3 v1 default ${AMI}`,
      'tpl3 v2 ami-0000000000000bbb2',
      `tpl4 v1 default ${AMI}`,
      'tpl4 v2 ami-0000000000000bbb2',
      'tpl5 v2 default ami-0000000000000bbb2',
    ]);
    // Without ResolveAlias the parameter comes back as written; the image-id filter; numbers need a template.
    const raw = await client.send(
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: 'lt-0000000000000001', Versions: ['2'] }),
    );
    expect(raw.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.ImageId).toBe('resolve:ssm:/golden');
    const filtered = await client.send(
      new DescribeLaunchTemplateVersionsCommand({
        Versions: ['$Latest'],
        Filters: [{ Name: 'image-id', Values: ['ami-0000000000000bbb2'] }],
      }),
    );
    expect(filtered.LaunchTemplateVersions?.map((v) => v.LaunchTemplateName)).toEqual([
      'tpl2',
      'tpl3',
      'tpl4',
      'tpl5',
    ]);
    await expect(
      client.send(new DescribeLaunchTemplateVersionsCommand({ Versions: ['1'] })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
    await expect(
      client.send(
        new DescribeLaunchTemplateVersionsCommand({
          Versions: ['$Latest'],
          Filters: [{ Name: 'block-device-mapping.snapshot-id', Values: ['snap-0000000000000ccc1'] }],
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(
      client.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: 'lt-0000000000000009' })),
    ).rejects.toMatchObject({ name: 'InvalidLaunchTemplateId.NotFound' });
    client.destroy();
  });

  it('Auto Scaling (Query) and Image Builder (REST-JSON): paged listings and their errors', async () => {
    sim = await start({ world: world() });
    const asg = new AutoScalingClient(opts());
    const groups: string[] = [];
    for await (const page of paginateDescribeAutoScalingGroups({ client: asg, pageSize: 2 }, {}))
      for (const g of page.AutoScalingGroups ?? [])
        groups.push(
          `${g.AutoScalingGroupName} ${g.LaunchTemplate?.LaunchTemplateId} ${g.LaunchTemplate?.Version}`,
        );
    expect(groups).toEqual([
      'g0 lt-0000000000000001 $Default',
      'g1 lt-0000000000000001 $Latest',
      'g2 lt-0000000000000001 $Latest',
    ]);
    await expect(asg.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 101 }))).rejects.toMatchObject({
      name: 'ValidationError',
    });

    const ib = new ImagebuilderClient(opts());
    const recipes: string[] = [];
    for await (const page of paginateListImageRecipes({ client: ib, pageSize: 2 }, {}))
      for (const r of page.imageRecipeSummaryList ?? []) recipes.push(`${r.name} ${r.parentImage}`);
    expect(recipes).toEqual([`r0 ${AMI}`, `r1 ${AMI}`, `r2 ${AMI}`]);
    const full = await ib.send(
      new GetImageRecipeCommand({
        imageRecipeArn: `arn:aws:imagebuilder:${R}:${HOME}:image-recipe/r1/1.0.0`,
      }),
    );
    expect(full.imageRecipe?.blockDeviceMappings?.[0]?.ebs?.snapshotId).toBe('snap-0000000000000ccc1');
    await expect(
      ib.send(
        new GetImageRecipeCommand({
          imageRecipeArn: `arn:aws:imagebuilder:${R}:${HOME}:image-recipe/no/1.0.0`,
        }),
      ),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(sim.calls({ action: 'ListImageRecipes', account: HOME })).toBe(2);
    asg.destroy();
    ib.destroy();
  });

  it('refuses a bad world naming the field', () => {
    const w = world();
    w.launchTemplates![0]!.versions.push({ number: 1, imageId: AMI });
    w.autoScalingGroups!.push({
      name: 'g0',
      account: HOME,
      region: R,
      launchTemplate: { id: 'lt-0000000000000001' },
    });
    expect(() => parseWorld(w)).toThrow(
      /launchTemplates\[0\]\.versions\[2\]\.number: duplicate version number/,
    );
    expect(() => parseWorld(w)).toThrow(/autoScalingGroups\[3\]\.name: duplicate in its account and region/);
    const bad = world();
    bad.launchTemplates![0]!.versions[0]!.imageId = 'not-an-ami';
    expect(() => parseWorld(bad)).toThrow(/launchTemplates\[0\]\.versions\[0\]\.imageId: expected an AMI id/);
  });
});
