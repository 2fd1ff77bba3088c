import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import type { AwsCredentialIdentity } from '@smithy/types';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/aws/clients.ts';
import { clientsFor, monitored, startSim, type Sim } from '../helpers/scan.ts';
import { account, emptyWorld } from '../helpers/world.ts';

const HOME = '000000000000';
const A = '111111111111';
const B = '222222222222';

let sim: Sim | undefined;
let clients: AwsClients | undefined;
afterEach(async () => {
  clients?.destroy();
  clients = undefined;
  await sim?.stop();
  sim = undefined;
});

// The simulator knows the caller by the access key in each request's signature, so these count which
// account every request was signed as.
describe('AwsClients signing (one SigV4 signer kept per client)', () => {
  it('signs every request of a client as its own account, with clients of other accounts in flight at once', async () => {
    sim = await startSim(
      emptyWorld([account(HOME, ['us-east-1']), account(A, ['us-east-1']), account(B, ['us-east-1'])]),
    );
    clients = clientsFor(sim);
    const [home, a, b] = monitored([HOME, A, B], HOME);
    const ec2 = [home!, a!, b!].map((acct) => clients!.ec2(acct, 'us-east-1'));
    const rds = [home!, a!, b!].map((acct) => clients!.rds(acct, 'us-east-1'));

    await Promise.all(
      Array.from({ length: 4 }, () => [
        ...ec2.map((c) => c.send(new DescribeImagesCommand({ ExecutableUsers: ['self'] }))),
        ...rds.map((c) =>
          c.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'shared', IncludeShared: true })),
        ),
      ]).flat(),
    );

    for (const id of [HOME, A, B]) {
      expect(sim.calls({ account: id, action: 'DescribeImages', region: 'us-east-1' }), id).toBe(4);
      expect(sim.calls({ account: id, action: 'DescribeDBSnapshots', region: 'us-east-1' }), id).toBe(4);
    }
  });

  it('asks the credentials provider again for each request once credentials near expiry: a refresh is used at once', async () => {
    sim = await startSim(emptyWorld([account(HOME, ['us-east-1']), account(A, ['us-east-1'])]));
    const setup = clientsFor(sim);
    const [, a] = monitored([HOME, A], HOME);
    // Real credentials that act as A, from the simulator's STS.
    const actingAsA = await setup.credentialsFor(a!)();
    setup.destroy();

    // Home credentials that change between requests, always about to expire (within the SDK's five-minute
    // refresh window), so the SDK asks the provider again for every request.
    const soon = () => new Date(Date.now() + 60_000);
    const rotation: AwsCredentialIdentity[] = [
      { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey },
      actingAsA,
    ];
    let current = 0;
    clients = new AwsClients({
      ...setup.settings,
      credentials: async () => ({ ...rotation[current % 2]!, expiration: soon() }),
    });
    const [home] = monitored([HOME], HOME);
    const ec2 = clients.ec2(home!, 'us-east-1');

    for (current = 0; current < 4; current++)
      await ec2.send(new DescribeImagesCommand({ ExecutableUsers: ['self'] }));

    expect(sim.calls({ account: HOME, action: 'DescribeImages' })).toBe(2);
    expect(sim.calls({ account: A, action: 'DescribeImages' })).toBe(2);
  });
});
