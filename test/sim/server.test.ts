import {
  DescribeImagesCommand,
  DescribeRegionsCommand,
  GetAllowedImagesSettingsCommand,
} from '@aws-sdk/client-ec2';
import { DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type SimHandle } from '../../src/testing/sim/index.ts';
import {
  A,
  assume,
  B,
  baseCreds,
  ec2,
  failure,
  HOME,
  rawQuery,
  rdsClient,
  smallWorld,
  sts,
} from './helpers.ts';

let sim: SimHandle;

beforeAll(async () => {
  sim = await start({ world: smallWorld() });
});
afterAll(async () => {
  await sim.stop();
});

describe('credentials and accounts', () => {
  it('the base key acts as homeAccount; AssumeRole keys act as the assumed account', async () => {
    const home = await sts(sim, baseCreds(sim)).send(new GetCallerIdentityCommand({}));
    expect(home.Account).toBe(HOME);
    const out = await sts(sim, baseCreds(sim)).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${A}:role/Scan`,
        RoleSessionName: 'sg',
        DurationSeconds: 900,
      }),
    );
    expect(out.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${A}:assumed-role/Scan/sg`);
    const expires = out.Credentials!.Expiration!.getTime() - Date.now();
    expect(expires).toBeGreaterThan(800_000);
    expect(expires).toBeLessThanOrEqual(900_000);
    const c = out.Credentials!;
    const me = await sts(sim, {
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    }).send(new GetCallerIdentityCommand({}));
    expect(me).toMatchObject({ Account: A, Arn: `arn:aws:sts::${A}:assumed-role/Scan/sg` });
  });

  it('AssumeRole is AccessDenied for a denying account and for an account not in the world', async () => {
    for (const account of [B, '444444444444']) {
      expect(
        await failure(
          sts(sim, baseCreds(sim)).send(
            new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/Scan`, RoleSessionName: 'sg' }),
          ),
        ),
      ).toMatchObject({ name: 'AccessDenied', status: 403 });
    }
    expect(
      await failure(
        sts(sim, baseCreds(sim)).send(new AssumeRoleCommand({ RoleArn: 'nope', RoleSessionName: 'sg' })),
      ),
    ).toMatchObject({ name: 'ValidationError' });
  });

  it('unknown keys: AuthFailure (EC2), InvalidClientTokenId (RDS, STS)', async () => {
    const bad = { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' };
    expect(await failure(ec2(sim, bad).send(new DescribeRegionsCommand({})))).toMatchObject({
      name: 'AuthFailure',
    });
    expect(await failure(rdsClient(sim, bad).send(new DescribeDBSnapshotsCommand({})))).toMatchObject({
      name: 'InvalidClientTokenId',
      status: 403,
    });
    expect(await failure(sts(sim, bad).send(new GetCallerIdentityCommand({})))).toMatchObject({
      name: 'InvalidClientTokenId',
    });
    const unsigned = await rawQuery(sim, 'Action=DescribeRegions&Version=2016-11-15', { accessKeyId: null });
    expect(unsigned.status).toBe(401);
    expect(unsigned.text).toContain('<Code>AuthFailure</Code>');
  });

  it('a region the account does not have answers AuthFailure (EC2 and RDS); STS is global', async () => {
    const creds = await assume(sim, A);
    expect(
      await failure(ec2(sim, creds, { region: 'ap-south-2' }).send(new DescribeImagesCommand({}))),
    ).toMatchObject({
      name: 'AuthFailure',
    });
    expect(
      await failure(rdsClient(sim, creds, { region: 'ap-south-2' }).send(new DescribeDBSnapshotsCommand({}))),
    ).toMatchObject({ name: 'AuthFailure' });
    const me = await sts(sim, creds, 'ap-south-2').send(new GetCallerIdentityCommand({}));
    expect(me.Account).toBe(A);
  });
});

describe('protocol edges', () => {
  it("unknown actions answer InvalidAction with HTTP 400 in each service's error shape", async () => {
    const e = await rawQuery(sim, 'Action=CreateKeyPair&Version=2016-11-15');
    expect(e.status).toBe(400);
    expect(e.text).toMatch(/<Response><Errors><Error><Code>InvalidAction<\/Code>/);
    const r = await rawQuery(sim, 'Action=CreateDBInstance&Version=2014-10-31', { service: 'rds' });
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/<ErrorResponse [^>]*><Error><Type>Sender<\/Type><Code>InvalidAction<\/Code>/);
    const iam = await rawQuery(sim, 'Action=ListRoles&Version=2010-05-08', { service: 'iam' });
    expect(iam.status).toBe(400);
    expect(iam.text).toContain('<Code>InvalidAction</Code>');
    const none = await rawQuery(sim, 'Version=2016-11-15');
    expect(none.text).toContain('<Code>MissingAction</Code>');
  });

  it('an exception inside an action answers InternalError 500 and the server keeps running', async () => {
    const client = ec2(sim, baseCreds(sim));
    const original = sim.state.allowedSettings.bind(sim.state);
    sim.state.allowedSettings = () => {
      throw new Error('boom');
    };
    try {
      expect(await failure(client.send(new GetAllowedImagesSettingsCommand({})))).toMatchObject({
        name: 'InternalError',
        status: 500,
      });
    } finally {
      sim.state.allowedSettings = original;
    }
    expect((await client.send(new GetAllowedImagesSettingsCommand({}))).State).toBe('disabled');
  });
});

describe('test hooks', () => {
  it('faults fail an action for an account/region a given number of times', async () => {
    const creds = await assume(sim, A);
    const client = ec2(sim, creds);
    sim.faults.add({
      action: 'DescribeImages',
      account: A,
      region: 'us-east-1',
      code: 'UnauthorizedOperation',
      times: 2,
    });
    const other = ec2(sim, creds, { region: 'eu-west-1' });
    await other.send(new DescribeImagesCommand({ ExecutableUsers: ['self'] })); // other region: unaffected
    for (let i = 0; i < 2; i++) {
      expect(await failure(client.send(new DescribeImagesCommand({})))).toMatchObject({
        name: 'UnauthorizedOperation',
        status: 403,
      });
    }
    await client.send(new DescribeImagesCommand({}));

    // A transient 500 twice: the SDK's own retry gets through on the third attempt.
    sim.faults.add({
      action: 'DescribeImages',
      code: 'InternalError',
      message: 'try again',
      status: 500,
      times: 2,
    });
    const before = sim.calls({ action: 'DescribeImages', account: A });
    const retrying = ec2(sim, creds, { maxAttempts: 3 });
    const out = await retrying.send(new DescribeImagesCommand({}));
    expect(out.$metadata.attempts).toBe(3);
    expect(sim.calls({ action: 'DescribeImages', account: A }) - before).toBe(3);

    sim.faults.add({ action: 'DescribeRegions', code: 'Nope', times: 5 });
    sim.faults.clear();
    await client.send(new DescribeRegionsCommand({}));
  });

  it('faults can also be injected over HTTP, and the state read over HTTP', async () => {
    const res = await fetch(`${sim.endpoint}/_sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ action: 'DescribeRegions', account: HOME, code: 'OptInRequired', times: 1 }),
    });
    expect(res.status).toBe(200);
    expect(await failure(ec2(sim, baseCreds(sim)).send(new DescribeRegionsCommand({})))).toMatchObject({
      name: 'OptInRequired',
    });
    const bad = await fetch(`${sim.endpoint}/_sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ action: 'X' }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/code/);

    const state = (await (await fetch(`${sim.endpoint}/_sim/state`)).json()) as {
      homeAccount: string;
      images: unknown[];
    };
    expect(state.homeAccount).toBe(HOME);
    expect(state.images.length).toBe(sim.state.toWorld().images.length);
    const calls = (await (
      await fetch(`${sim.endpoint}/_sim/calls?action=DescribeRegions&account=${HOME}`)
    ).json()) as {
      count: number;
    };
    expect(calls.count).toBe(sim.calls({ action: 'DescribeRegions', account: HOME }));
  });

  it('calls() counts requests by action, account and region', async () => {
    const fresh = await start({ world: smallWorld() });
    try {
      const creds = await assume(fresh, A);
      const client = ec2(fresh, creds);
      await client.send(new DescribeRegionsCommand({}));
      await client.send(new DescribeRegionsCommand({}));
      await ec2(fresh, creds, { region: 'eu-west-1' }).send(new DescribeRegionsCommand({}));
      expect(fresh.calls()).toBe(4); // AssumeRole included
      expect(fresh.calls({ action: 'AssumeRole', account: HOME })).toBe(1);
      expect(fresh.calls({ action: 'DescribeRegions' })).toBe(3);
      expect(fresh.calls({ action: 'DescribeRegions', account: A, region: 'us-east-1' })).toBe(2);
      expect(fresh.calls({ region: 'eu-west-1' })).toBe(1);
    } finally {
      await fresh.stop();
    }
  });

  it('latencyMs delays answers', async () => {
    const slow = await start({ world: { ...smallWorld(), latencyMs: 30 } });
    try {
      const out = await ec2(slow, baseCreds(slow)).send(new DescribeRegionsCommand({}));
      expect(out.Regions).toHaveLength(1);
    } finally {
      await slow.stop();
    }
  });
});
