// The world file: the simulator's input, fixed by docs/design/aws-simulator.md. Fields marked
// "extension" are additions of this implementation; every one is optional, so any world written
// against the contract still loads unchanged.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

export class WorldError extends Error {
  /** One line per bad field, each starting with the field's path (`accounts[2].id: …`). */
  readonly problems: string[];
  constructor(problems: string[], prefix = 'invalid world') {
    super(`${prefix}:\n  ${problems.join('\n  ')}`);
    this.name = 'WorldError';
    this.problems = problems;
  }
}

const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
// Strict enough to refuse "yesterday", loose enough for any ISO 8601 UTC or offset time.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
// Looser than AWS's own id lengths: the contract's example ids (o-abc123) are shorter.
const ORG_ARN = /^arn:aws[a-z-]*:organizations::\d{12}:organization\/o-[a-z0-9]+$/;
const OU_ARN = /^arn:aws[a-z-]*:organizations::\d{12}:ou\/o-[a-z0-9]+\/ou-[a-z0-9]+-[a-z0-9]+$/;

const accountId = z.string().regex(ACCOUNT_ID, 'expected 12 digits');
const regionName = z.string().regex(REGION, 'expected a region name like us-east-1');
const isoTime = z
  .string()
  .refine((s) => ISO_TIME.test(s) && !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 time');
const orgArn = z.string().regex(ORG_ARN, 'expected arn:aws:organizations::MASTER:organization/o-…');
const ouArn = z.string().regex(OU_ARN, 'expected arn:aws:organizations::MASTER:ou/o-…/ou-…');
const resourceId = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}-[0-9a-zA-Z]+$`), `expected an id like ${prefix}-0a1b2c3d`);
// RDS identifiers: letters, digits, hyphens (AWS also forbids a trailing or double hyphen; a
// world need not be that pedantic).
const rdsId = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9-]{0,254}$/, 'expected a letter followed by letters, digits or hyphens');

const ownerAlias = z.enum(['amazon', 'aws-marketplace', 'aws-backup-vault']);

const launchPermission = z
  .object({
    userId: accountId.optional(),
    group: z.literal('all', { error: 'expected "all"' }).optional(),
    organizationArn: orgArn.optional(),
    organizationalUnitArn: ouArn.optional(),
  })
  .refine(
    (p) => [p.userId, p.group, p.organizationArn, p.organizationalUnitArn].filter(Boolean).length === 1,
    'expected exactly one of userId, group, organizationArn, organizationalUnitArn',
  );

const createVolumePermission = z
  .object({
    userId: accountId.optional(),
    group: z.literal('all', { error: 'expected "all"' }).optional(),
  })
  .refine((p) => [p.userId, p.group].filter(Boolean).length === 1, 'expected exactly one of userId, group');

// Extension: Allowed AMIs criteria beyond a plain provider list (what
// ReplaceImageCriteriaInAllowedImagesSettings can set).
const imageCriterion = z.object({
  imageProviders: z
    .array(z.union([accountId, z.enum(['amazon', 'aws-marketplace', 'aws-backup-vault', 'none'])]))
    .optional(),
  imageNames: z.array(z.string().min(1)).optional(),
  marketplaceProductCodes: z.array(z.string().min(1)).optional(),
  creationDateCondition: z.object({ maximumDaysSinceCreated: z.number().int().min(0) }).optional(),
  deprecationTimeCondition: z.object({ maximumDaysSinceDeprecated: z.number().int().min(0) }).optional(),
});

const allowedAmis = z.object({
  state: z.enum(['enabled', 'audit-mode', 'disabled']),
  providers: z.array(z.union([accountId, z.enum(['amazon', 'aws-marketplace', 'aws-backup-vault', 'none'])])),
  criteria: z.array(imageCriterion).max(10).optional(), // extension
  managedBy: z.enum(['account', 'declarative-policy']).optional(), // extension
});

const account = z.object({
  id: accountId,
  name: z.string().optional(),
  regions: z.array(regionName).min(1, 'expected at least one region'),
  assumeRole: z.enum(['allow', 'deny']),
  organization: orgArn.optional(),
  ous: z.array(ouArn).optional(),
  allowedAmis: z.record(regionName, allowedAmis).optional(),
});

const image = z.object({
  id: resourceId('ami'),
  region: regionName,
  owner: accountId,
  name: z.string(),
  creationDate: isoTime,
  state: z.enum(['available', 'disabled']).optional(),
  deprecationTime: isoTime.optional(),
  launchPermissions: z.array(launchPermission),
  // Extensions:
  description: z.string().optional(),
  ownerAlias: ownerAlias.optional(),
  sourceImageId: resourceId('ami').optional(),
  blockDeviceMappings: z
    .array(z.object({ deviceName: z.string().min(1), snapshotId: resourceId('snap') }))
    .optional(),
});

const snapshot = z.object({
  id: resourceId('snap'),
  region: regionName,
  owner: accountId,
  description: z.string(),
  startTime: isoTime,
  volumeSize: z.number().int().min(1),
  encrypted: z.boolean(),
  createVolumePermissions: z.array(createVolumePermission),
  // Extensions:
  ownerAlias: ownerAlias.optional(),
  volumeId: resourceId('vol').optional(),
});

const dbSnapshot = z.object({
  id: rdsId,
  region: regionName,
  owner: accountId,
  engine: z.string().min(1),
  createTime: isoTime,
  restore: z.array(z.union([accountId, z.literal('all')]), {
    error: 'expected a list of 12-digit account ids or "all"',
  }),
  // Extensions:
  sourceIdentifier: z.string().optional(), // DBInstanceIdentifier / DBClusterIdentifier
  encrypted: z.boolean().optional(),
  allocatedStorage: z.number().int().min(0).optional(),
});

const instance = z.object({
  id: resourceId('i'),
  account: accountId,
  region: regionName,
  imageId: resourceId('ami'),
  // Extensions:
  state: z.enum(['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated']).optional(),
  instanceType: z.string().optional(),
  launchTime: isoTime.optional(),
});

const volume = z.object({
  id: resourceId('vol'),
  account: accountId,
  region: regionName,
  snapshotId: resourceId('snap'),
  // Extensions:
  size: z.number().int().min(1).optional(),
  state: z.enum(['creating', 'available', 'in-use', 'deleting', 'deleted', 'error']).optional(),
});

export const worldSchema = z.object({
  homeAccount: accountId,
  latencyMs: z.number().min(0).optional(),
  throttle: z
    .object({
      scale: z.number().min(0),
      // Extension: one bucket per action (AWS's own scheme) instead of per category.
      per: z.enum(['category', 'action']).optional(),
    })
    .optional(),
  accounts: z.array(account),
  images: z.array(image),
  snapshots: z.array(snapshot),
  dbSnapshots: z.array(dbSnapshot),
  dbClusterSnapshots: z.array(dbSnapshot),
  instances: z.array(instance),
  volumes: z.array(volume),
});

export type World = z.infer<typeof worldSchema>;
export type WorldAccount = World['accounts'][number];
export type WorldImage = World['images'][number];
export type WorldSnapshot = World['snapshots'][number];
export type WorldDbSnapshot = World['dbSnapshots'][number];
export type WorldInstance = World['instances'][number];
export type WorldVolume = World['volumes'][number];
export type WorldAllowedAmis = z.infer<typeof allowedAmis>;
export type WorldImageCriterion = z.infer<typeof imageCriterion>;
export type WorldLaunchPermission = WorldImage['launchPermissions'][number];

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(root)';
}

function issueMessage(issue: z.core.$ZodIssue): string {
  // A field that is not there at all reads better as "required" than as a type mismatch.
  if (
    issue.code === 'invalid_type' &&
    (issue.input === undefined || / received undefined$/.test(issue.message))
  ) {
    return 'required';
  }
  return issue.message.replace(/^Invalid input: /, '');
}

/** Checks what a schema cannot: ids unique, so indexes and paging stay sound. */
function crossCheck(w: World): string[] {
  const problems: string[] = [];
  const unique = (list: { id: string }[], name: string, keyOf: (x: never) => string) => {
    const seen = new Map<string, number>();
    list.forEach((item, i) => {
      const key = keyOf(item as never);
      const first = seen.get(key);
      if (first !== undefined) problems.push(`${name}[${i}].id: duplicate of ${name}[${first}].id`);
      else seen.set(key, i);
    });
  };
  const byId = (x: { id: string }) => x.id;
  unique(w.accounts, 'accounts', byId);
  unique(w.images, 'images', byId);
  unique(w.snapshots, 'snapshots', byId);
  unique(w.instances, 'instances', byId);
  unique(w.volumes, 'volumes', byId);
  // RDS identifiers are unique per account and region only.
  const rdsKey = (x: WorldDbSnapshot) => `${x.region}|${x.owner}|${x.id.toLowerCase()}`;
  unique(w.dbSnapshots, 'dbSnapshots', rdsKey);
  unique(w.dbClusterSnapshots, 'dbClusterSnapshots', rdsKey);
  return problems;
}

/** Validates a world (already JSON-parsed). Throws WorldError naming every bad field. */
export function parseWorld(input: unknown): World {
  const result = worldSchema.safeParse(input, { reportInput: true });
  if (!result.success) {
    throw new WorldError(result.error.issues.map((i) => `${formatPath(i.path)}: ${issueMessage(i)}`));
  }
  const problems = crossCheck(result.data);
  if (problems.length) throw new WorldError(problems);
  return result.data;
}

export async function loadWorldFile(path: string): Promise<World> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new WorldError([`cannot read: ${(err as Error).message}`], `world file ${path}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new WorldError([`not valid JSON: ${(err as Error).message}`], `world file ${path}`);
  }
  return parseWorld(json);
}
