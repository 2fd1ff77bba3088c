/** Small builders for simulator worlds (aws-simulator.md format) used across tests. */
export interface WorldAccount {
  id: string;
  name?: string;
  regions: string[];
  assumeRole: 'allow' | 'deny';
  organization?: string;
  ous?: string[];
  allowedAmis?: Record<string, { state: 'enabled' | 'audit-mode' | 'disabled'; providers: string[] }>;
}

export interface WorldImage {
  id: string;
  region: string;
  owner: string;
  name: string;
  creationDate: string;
  state?: 'available' | 'disabled';
  deprecationTime?: string;
  launchPermissions: Array<{
    userId?: string;
    group?: 'all';
    organizationArn?: string;
    organizationalUnitArn?: string;
  }>;
}

export interface WorldSnapshot {
  id: string;
  region: string;
  owner: string;
  description: string;
  startTime: string;
  volumeSize: number;
  encrypted: boolean;
  createVolumePermissions: Array<{ userId?: string; group?: 'all' }>;
}

export interface WorldRdsSnapshot {
  id: string;
  region: string;
  owner: string;
  engine: string;
  createTime: string;
  restore: string[];
}

export interface World {
  homeAccount: string;
  latencyMs?: number;
  throttle?: { scale: number };
  accounts: WorldAccount[];
  images: WorldImage[];
  snapshots: WorldSnapshot[];
  dbSnapshots: WorldRdsSnapshot[];
  dbClusterSnapshots: WorldRdsSnapshot[];
  instances: Array<{ id: string; account: string; region: string; imageId: string }>;
  volumes: Array<{ id: string; account: string; region: string; snapshotId: string }>;
}

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
