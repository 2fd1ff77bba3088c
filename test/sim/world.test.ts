import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorldFile, parseWorld, WorldError } from '../../src/testing/sim/index.ts';
import { smallWorld } from './helpers.ts';

function problems(input: unknown): string[] {
  try {
    parseWorld(input);
  } catch (err) {
    expect(err).toBeInstanceOf(WorldError);
    return (err as WorldError).problems;
  }
  throw new Error('expected the world to be refused');
}

describe('world file', () => {
  it('accepts the contract example and the test world', () => {
    const example = {
      homeAccount: '000000000000',
      latencyMs: 0,
      throttle: { scale: 1 },
      accounts: [
        {
          id: '111111111111',
          name: 'prod-app',
          regions: ['us-east-1', 'ap-northeast-1'],
          assumeRole: 'allow',
          organization: 'arn:aws:organizations::999999999999:organization/o-abc123',
          ous: ['arn:aws:organizations::999999999999:ou/o-abc123/ou-ab12-cdef3456'],
          allowedAmis: { 'us-east-1': { state: 'enabled', providers: ['amazon', '222222222222'] } },
        },
      ],
      images: [
        {
          id: 'ami-0a1b2c3d4e5f60001',
          region: 'us-east-1',
          owner: '999999999999',
          name: 'golden-ubuntu',
          creationDate: '2024-05-01T00:00:00.000Z',
          state: 'available',
          deprecationTime: '2025-01-01T00:00:00.000Z',
          launchPermissions: [
            { userId: '111111111111' },
            { organizationArn: 'arn:aws:organizations::999999999999:organization/o-abc123' },
            { organizationalUnitArn: 'arn:aws:organizations::999999999999:ou/o-abc123/ou-ab12-cdef3456' },
            { group: 'all' },
          ],
        },
      ],
      snapshots: [
        {
          id: 'snap-0a1b2c3d4e5f60001',
          region: 'us-east-1',
          owner: '999999999999',
          description: 'db backup',
          startTime: '2024-05-01T00:00:00.000Z',
          volumeSize: 8,
          encrypted: false,
          createVolumePermissions: [{ userId: '111111111111' }, { group: 'all' }],
        },
      ],
      dbSnapshots: [
        {
          id: 'orders-2024-05-01',
          region: 'us-east-1',
          owner: '999999999999',
          engine: 'postgres',
          createTime: '2024-05-01T00:00:00.000Z',
          restore: ['111111111111'],
        },
      ],
      dbClusterSnapshots: [
        {
          id: 'aurora-2024-05-01',
          region: 'us-east-1',
          owner: '999999999999',
          engine: 'aurora-postgresql',
          createTime: '2024-05-01T00:00:00.000Z',
          restore: ['111111111111'],
        },
      ],
      instances: [
        {
          id: 'i-0a1b2c3d4e5f60001',
          account: '111111111111',
          region: 'us-east-1',
          imageId: 'ami-0a1b2c3d4e5f60001',
        },
      ],
      volumes: [
        {
          id: 'vol-0a1b2c3d4e5f60001',
          account: '111111111111',
          region: 'us-east-1',
          snapshotId: 'snap-0a1b2c3d4e5f60001',
        },
      ],
    };
    expect(parseWorld(example).accounts[0]!.id).toBe('111111111111');
    expect(parseWorld(smallWorld()).images.length).toBeGreaterThan(5);
  });

  it('names every bad field by its path', () => {
    const w = smallWorld() as { accounts: Record<string, unknown>[]; images: Record<string, unknown>[] };
    w.accounts[2]!.id = '12345';
    w.accounts[1]!.assumeRole = 'maybe';
    w.images[3]!.launchPermissions = [{ userId: '1' }, { group: 'everyone' }, {}];
    delete w.images[0]!.region;
    const p = problems(w);
    expect(p).toContain('accounts[2].id: expected 12 digits');
    expect(p.some((x) => x.startsWith('accounts[1].assumeRole: '))).toBe(true);
    expect(p).toContain('images[3].launchPermissions[0].userId: expected 12 digits');
    expect(p).toContain('images[3].launchPermissions[1].group: expected "all"');
    expect(p.some((x) => x.startsWith('images[3].launchPermissions[2]: expected exactly one of'))).toBe(true);
    expect(p).toContain('images[0].region: required');
  });

  it('refuses missing sections, bad times, bad regions and duplicate ids', () => {
    expect(problems({ homeAccount: '000000000000' })).toEqual(
      expect.arrayContaining(['accounts: required', 'images: required', 'volumes: required']),
    );
    const w = smallWorld() as { snapshots: Record<string, unknown>[]; images: Record<string, unknown>[] };
    w.snapshots[0]!.startTime = 'yesterday';
    w.images[1]!.region = 'mars';
    w.images[2]!.id = w.images[0]!.id;
    const p = problems(w);
    expect(p).toContain('snapshots[0].startTime: expected an ISO 8601 time');
    expect(p).toContain('images[1].region: expected a region name like us-east-1');
    // Duplicates are checked once the fields themselves are valid.
    w.snapshots[0]!.startTime = '2024-01-01T00:00:00Z';
    w.images[1]!.region = 'us-east-1';
    expect(problems(w)).toEqual(['images[2].id: duplicate of images[0].id']);
  });

  it('loads a file, and says so when it is not JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sim-world-'));
    const good = join(dir, 'good.json');
    await writeFile(good, JSON.stringify(smallWorld()));
    expect((await loadWorldFile(good)).homeAccount).toBe('000000000000');
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{ nope');
    await expect(loadWorldFile(bad)).rejects.toThrow(/not valid JSON/);
  });
});

describe('world file: Dec 2026 contract additions', () => {
  it('accepts the example of docs/simulator.md and round-trips it through the state', async () => {
    const { readFile } = await import('node:fs/promises');
    const doc = await readFile(new URL('../../docs/simulator.md', import.meta.url), 'utf8');
    const json = /### Example world\n\n```json\n([\s\S]*?)\n```/.exec(doc)![1]!;
    const world = parseWorld(JSON.parse(json));
    expect(world.organizationPolicies!.policies[0]!.targets).toEqual(['r-ab12']);
    const { SimState } = await import('../../src/testing/sim/index.ts');
    expect(() => parseWorld(new SimState(world).toWorld())).not.toThrow();
  });

  it('names the path of every bad new field', () => {
    const w = smallWorld() as { accounts: Record<string, unknown>[] } & Record<string, unknown>;
    w.accounts[1]!.roles = [{ name: 'R', policies: ['arn:aws:iam::111111111111:policy/Missing'] }];
    w.accounts[1]!.policies = [{ name: 'P', document: { Statement: [{ Effect: 'Deny' }] } }];
    w.accounts[1]!.recycleBinRules = [{ resourceType: 'EC2_IMAGE', retentionDays: 0 }];
    w.organizationPolicies = {
      managementAccount: '999999999999',
      policies: [{ id: 'p-abcd1234', name: 'S', content: { Statement: [] }, targets: ['bogus'] }],
    };
    w.rdsEvents = [
      { account: '111111111111', region: 'us-east-1', sourceId: 'x', message: 'm', date: 'yesterday' },
    ];
    const got = problems(w);
    expect(got).toEqual(
      expect.arrayContaining([
        'accounts[1].policies[0].document.Statement[0]: expected exactly one of Action, NotAction',
        'accounts[1].recycleBinRules[0].retentionDays: Too small: expected number to be >=1',
        expect.stringMatching(/^organizationPolicies\.policies\[0\]\.targets\[0\]: expected a root id/),
        'rdsEvents[0].date: expected an ISO 8601 time',
      ]),
    );
    const roleOnly = smallWorld() as { accounts: Record<string, unknown>[] };
    roleOnly.accounts[1]!.roles = [{ name: 'R', policies: ['arn:aws:iam::111111111111:policy/Missing'] }];
    expect(problems(roleOnly)).toEqual([
      'accounts[1].roles[0].policies[0]: no policy named Missing in accounts[1].policies',
    ]);
  });
});
