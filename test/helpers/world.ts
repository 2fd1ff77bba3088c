/** Small builders for simulator worlds (docs/simulator.md format) used across tests. */
import type {
  World,
  WorldAccount,
  WorldDbSnapshot as WorldRdsSnapshot,
  WorldImage,
  WorldSnapshot,
} from '../../src/testing/sim/index.ts';

export type { World, WorldAccount, WorldImage, WorldSnapshot, WorldRdsSnapshot };

export const ORG = 'arn:aws:organizations::999999999999:organization/o-test12345';
export const OU = 'arn:aws:organizations::999999999999:ou/o-test12345/ou-test-00000001';
const DATE = '2024-05-01T00:00:00.000Z';

export function emptyWorld(accounts: WorldAccount[], homeAccount = '000000000000'): World {
  return {
    homeAccount,
    accounts,
    images: [],
    snapshots: [],
    dbSnapshots: [],
    dbClusterSnapshots: [],
    instances: [],
    volumes: [],
  };
}

export function account(id: string, regions: string[], extra: Partial<WorldAccount> = {}): WorldAccount {
  return { id, regions, assumeRole: 'allow', ...extra };
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

export function image(
  n: number,
  region: string,
  owner: string,
  perms: WorldImage['launchPermissions'],
  extra: Partial<WorldImage> = {},
): WorldImage {
  return {
    id: `ami-${hex(n, 17)}`,
    region,
    owner,
    name: `image-${n}`,
    creationDate: DATE,
    launchPermissions: perms,
    ...extra,
  };
}

export function snapshot(
  n: number,
  region: string,
  owner: string,
  userIds: string[],
  extra: Partial<WorldSnapshot> = {},
): WorldSnapshot {
  return {
    id: `snap-${hex(n, 17)}`,
    region,
    owner,
    description: `snapshot ${n}`,
    startTime: DATE,
    volumeSize: 8,
    encrypted: false,
    createVolumePermissions: userIds.map((userId) => ({ userId })),
    ...extra,
  };
}

export function rdsSnapshot(
  id: string,
  region: string,
  owner: string,
  restore: string[],
  engine = 'postgres',
): WorldRdsSnapshot {
  return { id, region, owner, engine, createTime: DATE, restore };
}
