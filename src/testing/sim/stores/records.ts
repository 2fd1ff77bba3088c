// The simulator's live records: what the stores in this folder hold and the actions read and
// mutate. Sets and sorted indexes instead of the world file's arrays, so no request scans the world.
import type {
  WorldDbRestored,
  WorldImageCriterion,
  WorldInstance,
  WorldRdsEvent,
  WorldVolume,
} from '../world.ts';

export interface AccountRec {
  id: string;
  name?: string;
  regions: Set<string>;
  assumeRole: 'allow' | 'deny';
  organization?: string;
  ous: string[];
  /** False for a homeAccount the world does not list (it gets every region of the world). */
  listed: boolean;
}

export interface BlockDevice {
  deviceName: string;
  snapshotId: string;
}

export interface ImageRec {
  id: string;
  region: string;
  owner: string;
  name: string;
  creationDate: string;
  creationMs: number;
  state: 'available' | 'disabled';
  deprecationTime?: string;
  deprecationMs?: number;
  users: Set<string>;
  orgs: Set<string>;
  ous: Set<string>;
  isPublic: boolean;
  description?: string;
  ownerAlias?: string;
  sourceImageId?: string;
  blockDeviceMappings: BlockDevice[];
  deregistrationProtection: boolean;
}

export interface SnapshotRec {
  id: string;
  region: string;
  owner: string;
  description: string;
  startTime: string;
  volumeSize: number;
  encrypted: boolean;
  users: Set<string>;
  isPublic: boolean;
  ownerAlias?: string;
  volumeId?: string;
}

export type RdsKind = 'db' | 'cluster';

export interface RdsSnapshotRec {
  kind: RdsKind;
  /** The ARN: unique across the world, the sort key of every RDS index. */
  arn: string;
  id: string;
  region: string;
  owner: string;
  engine: string;
  createTime: string;
  /** Account ids allowed to restore; "all" stands for public. Insertion-ordered. */
  restore: Set<string>;
  sourceIdentifier?: string;
  encrypted?: boolean;
  allocatedStorage?: number;
  sourceSnapshotArn?: string;
  status: string;
}

export type InstanceRec = WorldInstance;
export type RdsEventRec = WorldRdsEvent & { dateMs: number };
export type DbRestoredRec = WorldDbRestored;

/** One denied request: who, what, and which statements denied it. */
export interface DenialRec {
  account: string;
  /** The AssumeRole role name, when the caller used one. */
  role?: string;
  action: string;
  resource: string;
  matched: {
    sourcePolicyId: string;
    kind: 'identity' | 'scp' | 'custom';
    statementIndex: number;
    sid?: string;
  }[];
  atMs: number;
}

/** A deregistered image or deleted snapshot a Recycle Bin rule keeps restorable. */
export interface RecycleBinEntry {
  kind: 'image' | 'snapshot';
  id: string;
  account: string;
  region: string;
  enteredMs: number;
  /** When the retention ends (the rule's retentionDays after deletion). */
  exitMs: number;
  image?: ImageRec;
  snapshot?: SnapshotRec;
}
export type VolumeRec = WorldVolume;

export type ImageCriterion = WorldImageCriterion;

export interface AllowedImagesSettings {
  state: 'enabled' | 'audit-mode' | 'disabled';
  criteria: ImageCriterion[];
  managedBy: 'account' | 'declarative-policy';
}

export interface Session {
  accessKeyId: string;
  account: string;
  roleArn: string;
  roleName: string;
  sessionName: string;
  expiresMs: number;
}
