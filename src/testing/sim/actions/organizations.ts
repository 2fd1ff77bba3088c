// AWS Organizations (JSON 1.1 protocol, `X-Amz-Target: AWSOrganizationsV20161128.<Action>`):
// service control policies, answered only for organizationPolicies.managementAccount
// (docs/simulator.md "Organizations").
import { randomBytes } from 'node:crypto';
import { SimError } from '../protocol/errors.ts';
import { policySize } from '../policy/evaluate.ts';
import { MAX_SCP_SIZE, MAX_SCPS_PER_TARGET, ouIdOf, type ScpRec } from '../stores/organizations.ts';
import { policyDocumentSchema } from '../world.ts';
import type { Ctx } from './common.ts';
import { ORGANIZATIONS_LIST_ACTIONS } from './organizations-accounts.ts';

export type JsonInput = Record<string, unknown>;

export interface JsonActionDef {
  run(ctx: Ctx, input: JsonInput): unknown;
}

export const ORGANIZATIONS_TARGET_PREFIX = 'AWSOrganizationsV20161128.';

const SCP = 'SERVICE_CONTROL_POLICY';

function str(input: JsonInput, name: string, requiredField = true): string | undefined {
  const v = input[name];
  if (v === undefined || v === null) {
    if (requiredField) throw new SimError('InvalidInputException', `You must specify ${name}.`);
    return undefined;
  }
  if (typeof v !== 'string') throw new SimError('InvalidInputException', `${name} must be a string.`);
  return v;
}

/** Only the management account may manage policies; members and outsiders are refused like AWS. */
function management(ctx: Ctx): void {
  const mgmt = ctx.state.org.managementAccount;
  if (mgmt !== undefined && ctx.account.id === mgmt) return;
  if (ctx.account.organization !== undefined) {
    throw new SimError('AccessDeniedException', "You don't have permissions to access this resource.");
  }
  throw new SimError('AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.');
}

function policyOf(ctx: Ctx, input: JsonInput): ScpRec {
  const id = str(input, 'PolicyId')!;
  const p = ctx.state.org.policies.get(id);
  if (!p)
    throw new SimError(
      'PolicyNotFoundException',
      `We can't find a policy with the PolicyId that you specified.`,
    );
  return p;
}

function summary(ctx: Ctx, p: ScpRec) {
  return {
    Id: p.id,
    Arn: ctx.state.org.arn(p),
    Name: p.name,
    Description: p.description,
    Type: SCP,
    AwsManaged: false,
  };
}

function checkContent(content: string): void {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    throw new SimError(
      'MalformedPolicyDocumentException',
      'The provided policy document does not meet the requirements of the specified policy type.',
    );
  }
  if (!policyDocumentSchema.safeParse(json).success) {
    throw new SimError(
      'MalformedPolicyDocumentException',
      'The provided policy document does not meet the requirements of the specified policy type.',
    );
  }
  if (policySize(content) > MAX_SCP_SIZE) {
    throw constraint(
      'POLICY_CONTENT_LIMIT_EXCEEDED',
      `The policy content exceeds ${MAX_SCP_SIZE} characters.`,
    );
  }
}

function constraint(reason: string, message: string): SimError {
  return new SimError('ConstraintViolationException', message, 400, false, { Reason: reason });
}

function checkType(input: JsonInput, name = 'Type'): void {
  const t = str(input, name, name === 'Type');
  if (t !== undefined && t !== SCP) {
    throw new SimError('InvalidInputException', `The simulator manages only ${SCP} policies (got ${t}).`);
  }
}

function listPolicies(ctx: Ctx, input: JsonInput) {
  management(ctx);
  checkType(input, 'Filter');
  return { Policies: [...ctx.state.org.policies.values()].map((p) => summary(ctx, p)) };
}

function describePolicy(ctx: Ctx, input: JsonInput) {
  management(ctx);
  const p = policyOf(ctx, input);
  return { Policy: { PolicySummary: summary(ctx, p), Content: p.content } };
}

function createPolicy(ctx: Ctx, input: JsonInput) {
  management(ctx);
  checkType(input);
  const name = str(input, 'Name')!;
  const content = str(input, 'Content')!;
  const description = str(input, 'Description', false) ?? '';
  checkContent(content);
  for (const p of ctx.state.org.policies.values()) {
    if (p.name === name)
      throw new SimError('DuplicatePolicyException', 'A policy with the same name already exists.');
  }
  const id = `p-${randomBytes(6).toString('hex').slice(0, 8)}`;
  const rec: ScpRec = { id, name, description, content, targets: [] };
  ctx.state.org.policies.set(id, rec);
  return { Policy: { PolicySummary: summary(ctx, rec), Content: content } };
}

function updatePolicy(ctx: Ctx, input: JsonInput) {
  management(ctx);
  const p = policyOf(ctx, input);
  const content = str(input, 'Content', false);
  if (content !== undefined) checkContent(content);
  const name = str(input, 'Name', false);
  const description = str(input, 'Description', false);
  if (content !== undefined) p.content = content;
  if (name !== undefined) p.name = name;
  if (description !== undefined) p.description = description;
  return { Policy: { PolicySummary: summary(ctx, p), Content: p.content } };
}

function targetKind(ctx: Ctx, target: string): 'ROOT' | 'ORGANIZATIONAL_UNIT' | 'ACCOUNT' {
  if (/^r-[0-9a-z]{4,32}$/.test(target)) return 'ROOT';
  if (/^ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$/.test(target)) {
    // Known when some account of the world is in it.
    const known = [...ctx.state.accountRecs()].some((a) => a.ous.some((ou) => ouIdOf(ou) === target));
    if (!known)
      throw new SimError(
        'TargetNotFoundException',
        `We can't find a root, OU, or account with the TargetId that you specified.`,
      );
    return 'ORGANIZATIONAL_UNIT';
  }
  if (/^\d{12}$/.test(target) && ctx.state.accountRec(target)) return 'ACCOUNT';
  throw new SimError(
    'TargetNotFoundException',
    `We can't find a root, OU, or account with the TargetId that you specified.`,
  );
}

function attachPolicy(ctx: Ctx, input: JsonInput) {
  management(ctx);
  const p = policyOf(ctx, input);
  const target = str(input, 'TargetId')!;
  targetKind(ctx, target);
  if (p.targets.includes(target)) {
    throw new SimError(
      'DuplicatePolicyAttachmentException',
      'The selected policy is already attached to the specified target.',
    );
  }
  let onTarget = 0;
  for (const other of ctx.state.org.policies.values()) if (other.targets.includes(target)) onTarget++;
  if (onTarget >= MAX_SCPS_PER_TARGET) {
    throw constraint(
      'MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED',
      `At most ${MAX_SCPS_PER_TARGET} service control policies can be attached to one target.`,
    );
  }
  p.targets.push(target);
  return {};
}

function detachPolicy(ctx: Ctx, input: JsonInput) {
  management(ctx);
  const p = policyOf(ctx, input);
  const target = str(input, 'TargetId')!;
  const i = p.targets.indexOf(target);
  if (i < 0)
    throw new SimError('PolicyNotAttachedException', 'The policy is not attached to the specified target.');
  p.targets.splice(i, 1);
  return {};
}

function listTargetsForPolicy(ctx: Ctx, input: JsonInput) {
  management(ctx);
  const p = policyOf(ctx, input);
  const mgmt = ctx.state.org.managementAccount!;
  return {
    Targets: p.targets.map((t) => {
      const type = /^r-/.test(t) ? 'ROOT' : /^ou-/.test(t) ? 'ORGANIZATIONAL_UNIT' : 'ACCOUNT';
      const org = ctx.state.org.orgId;
      const arn =
        type === 'ROOT'
          ? `arn:aws:organizations::${mgmt}:root/${org}/${t}`
          : type === 'ORGANIZATIONAL_UNIT'
            ? `arn:aws:organizations::${mgmt}:ou/${org}/${t}`
            : `arn:aws:organizations::${mgmt}:account/${org}/${t}`;
      const name = type === 'ACCOUNT' ? (ctx.state.accountRec(t)?.name ?? t) : type === 'ROOT' ? 'Root' : t;
      return { TargetId: t, Arn: arn, Name: name, Type: type };
    }),
  };
}

export const ORGANIZATIONS_ACTIONS: Record<string, JsonActionDef> = {
  ListPolicies: { run: listPolicies },
  DescribePolicy: { run: describePolicy },
  CreatePolicy: { run: createPolicy },
  UpdatePolicy: { run: updatePolicy },
  AttachPolicy: { run: attachPolicy },
  DetachPolicy: { run: detachPolicy },
  ListTargetsForPolicy: { run: listTargetsForPolicy },
  ...ORGANIZATIONS_LIST_ACTIONS,
};
