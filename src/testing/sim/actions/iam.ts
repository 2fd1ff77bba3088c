// IAM actions (awsQuery protocol, global): customer managed policies and their versions, role
// attachments, and the policy simulator over the Deny-only evaluator (docs/simulator.md "IAM").
// Everything is answered for the acting account.
import { SimError } from '../protocol/errors.ts';
import type { Params } from '../protocol/form.ts';
import { el, isoTime, memberList, wrap } from '../protocol/xml.ts';
import {
  evaluateDeny,
  policySize,
  UnsupportedPolicyError,
  type EvalResult,
  type PolicySource,
} from '../policy/evaluate.ts';
import {
  MAX_MANAGED_POLICY_SIZE,
  MAX_POLICY_VERSIONS,
  type ManagedPolicyRec,
  type PolicyVersionRec,
} from '../stores/iam.ts';
import { policyDocumentSchema, type PolicyDocument } from '../world.ts';
import { required, type ActionDef, type Category, type Ctx } from './common.ts';

export const MAX_ATTACHED_PER_ROLE = 10; // AWS's default quota (raisable to 20)

const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;
const PATH = /^\/(?:[\w+=,.@-]+\/)*$/;
const POLICY_ARN = /^arn:aws[a-z-]*:iam::(\d{12}|aws):policy(\/(?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,128})$/;

function noSuchEntity(message: string): SimError {
  return new SimError('NoSuchEntity', message, 404);
}

function invalidInput(message: string): SimError {
  return new SimError('InvalidInput', message);
}

function req(p: Params, name: string): string {
  return required(p, name, 'query');
}

/** Parses and checks a policy document the way IAM does before storing it. */
export function checkPolicyDocument(text: string, maxSize: number): PolicyDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SimError('MalformedPolicyDocument', 'Syntax errors in policy.');
  }
  const parsed = policyDocumentSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SimError(
      'MalformedPolicyDocument',
      `Invalid policy document at ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  if (policySize(text) > maxSize) {
    // What IAM answers for an oversized managed policy (whitespace is not counted).
    throw new SimError('LimitExceeded', `Cannot exceed quota for PolicySize: ${maxSize}`, 409);
  }
  return parsed.data;
}

function ownPolicy(ctx: Ctx, arn: string): ManagedPolicyRec {
  const m = POLICY_ARN.exec(arn);
  if (!m) throw invalidInput(`ARN ${arn} is not valid.`);
  const rec = ctx.state.iam.policies.get(arn);
  if (!rec || rec.account !== ctx.account.id)
    throw noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
  return rec;
}

function renderPolicy(ctx: Ctx, p: ManagedPolicyRec): string {
  return wrap(
    'Policy',
    el('PolicyName', p.name) +
      el('PolicyId', p.policyId) +
      el('Arn', p.arn) +
      el('Path', p.path) +
      el('DefaultVersionId', ctx.state.iam.defaultVersion(p).versionId) +
      el('AttachmentCount', ctx.state.iam.attachmentCount(p.arn)) +
      '<PermissionsBoundaryUsageCount>0</PermissionsBoundaryUsageCount><IsAttachable>true</IsAttachable>' +
      el('Description', p.description) +
      el('CreateDate', isoTime(p.createDate)) +
      el('UpdateDate', isoTime(p.updateDate)),
  );
}

function renderVersion(v: PolicyVersionRec, withDocument: boolean): string {
  return (
    (withDocument ? el('Document', encodeURIComponent(v.document)) : '') +
    el('VersionId', v.versionId) +
    el('IsDefaultVersion', v.isDefault) +
    el('CreateDate', isoTime(v.createDate))
  );
}

function createPolicy(ctx: Ctx): string {
  const p = ctx.params;
  const name = req(p, 'PolicyName');
  const text = req(p, 'PolicyDocument');
  const path = p.get('Path') ?? '/';
  if (!POLICY_NAME.test(name)) throw invalidInput(`Invalid policy name: ${name}`);
  if (!PATH.test(path)) throw invalidInput(`Invalid path: ${path}`);
  const doc = checkPolicyDocument(text, MAX_MANAGED_POLICY_SIZE);
  const iam = ctx.state.iam;
  for (const existing of iam.policies.values()) {
    if (existing.account === ctx.account.id && existing.name === name) {
      throw new SimError(
        'EntityAlreadyExists',
        `A policy called ${name} already exists. Duplicate names are not allowed.`,
        409,
      );
    }
  }
  const now = isoTime(ctx.now);
  const rec = iam.addPolicy(ctx.account.id, { name, path, document: doc }, now, p.get('Description'));
  rec.versions[0]!.document = text; // keep the caller's exact text
  return renderPolicy(ctx, rec);
}

function deletePolicy(ctx: Ctx): string {
  const rec = ownPolicy(ctx, req(ctx.params, 'PolicyArn'));
  if (ctx.state.iam.attachmentCount(rec.arn) > 0) {
    throw new SimError('DeleteConflict', 'Cannot delete a policy attached to entities.', 409);
  }
  if (rec.versions.length > 1) {
    throw new SimError(
      'DeleteConflict',
      "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
      409,
    );
  }
  ctx.state.iam.policies.delete(rec.arn);
  return '';
}

function getPolicy(ctx: Ctx): string {
  return renderPolicy(ctx, ownPolicy(ctx, req(ctx.params, 'PolicyArn')));
}

function listPolicies(ctx: Ctx): string {
  const p = ctx.params;
  const scope = p.get('Scope') ?? 'All';
  const onlyAttached = p.get('OnlyAttached')?.toLowerCase() === 'true';
  const prefix = p.get('PathPrefix') ?? '/';
  const rows =
    scope === 'AWS'
      ? []
      : [...ctx.state.iam.policies.values()].filter(
          (x) =>
            x.account === ctx.account.id &&
            x.path.startsWith(prefix) &&
            (!onlyAttached || ctx.state.iam.attachmentCount(x.arn) > 0),
        );
  return (
    memberList('Policies', 'member', rows, (x) =>
      renderPolicy(ctx, x).replace(/^<Policy>|<\/Policy>$/g, ''),
    ) + '<IsTruncated>false</IsTruncated>'
  );
}

function getPolicyVersion(ctx: Ctx): string {
  const rec = ownPolicy(ctx, req(ctx.params, 'PolicyArn'));
  const id = req(ctx.params, 'VersionId');
  const v = rec.versions.find((x) => x.versionId === id);
  if (!v) throw noSuchEntity(`Policy ${rec.arn} version ${id} does not exist or is not attachable.`);
  return wrap('PolicyVersion', renderVersion(v, true));
}

function createPolicyVersion(ctx: Ctx): string {
  const rec = ownPolicy(ctx, req(ctx.params, 'PolicyArn'));
  const text = req(ctx.params, 'PolicyDocument');
  checkPolicyDocument(text, MAX_MANAGED_POLICY_SIZE);
  if (rec.versions.length >= MAX_POLICY_VERSIONS) {
    throw new SimError(
      'LimitExceeded',
      `A managed policy can have up to ${MAX_POLICY_VERSIONS} versions. Before you create a new version, you must delete an existing version.`,
      409,
    );
  }
  const setDefault = ctx.params.get('SetAsDefault')?.toLowerCase() === 'true';
  const now = isoTime(ctx.now);
  if (setDefault) for (const v of rec.versions) v.isDefault = false;
  const v: PolicyVersionRec = {
    versionId: `v${rec.nextVersion++}`,
    document: text,
    isDefault: setDefault,
    createDate: now,
  };
  rec.versions.push(v);
  rec.updateDate = now;
  return wrap('PolicyVersion', renderVersion(v, false));
}

function listPolicyVersions(ctx: Ctx): string {
  const rec = ownPolicy(ctx, req(ctx.params, 'PolicyArn'));
  const newestFirst = [...rec.versions].reverse();
  return (
    memberList('Versions', 'member', newestFirst, (v) => renderVersion(v, false)) +
    '<IsTruncated>false</IsTruncated>'
  );
}

function deletePolicyVersion(ctx: Ctx): string {
  const rec = ownPolicy(ctx, req(ctx.params, 'PolicyArn'));
  const id = req(ctx.params, 'VersionId');
  const i = rec.versions.findIndex((x) => x.versionId === id);
  if (i < 0) throw noSuchEntity(`Policy ${rec.arn} version ${id} does not exist or is not attachable.`);
  if (rec.versions[i]!.isDefault)
    throw new SimError('DeleteConflict', 'Cannot delete the default version of a policy.', 409);
  rec.versions.splice(i, 1);
  return '';
}

function ownRole(ctx: Ctx, name: string) {
  const role = ctx.state.iam.role(ctx.account.id, name);
  if (!role) throw noSuchEntity(`The role with name ${name} cannot be found.`);
  return role;
}

function attachRolePolicy(ctx: Ctx): string {
  const role = ownRole(ctx, req(ctx.params, 'RoleName'));
  const arn = req(ctx.params, 'PolicyArn');
  const m = POLICY_ARN.exec(arn);
  if (!m) throw invalidInput(`ARN ${arn} is not valid.`);
  // AWS managed policies are attachable by ARN; customer managed ones must be the account's.
  if (m[1] !== 'aws') ownPolicy(ctx, arn);
  if (role.attached.includes(arn)) return '';
  if (role.attached.length >= MAX_ATTACHED_PER_ROLE) {
    throw new SimError(
      'LimitExceeded',
      `Cannot exceed quota for PoliciesPerRole: ${MAX_ATTACHED_PER_ROLE}`,
      409,
    );
  }
  role.attached.push(arn);
  return '';
}

function detachRolePolicy(ctx: Ctx): string {
  const role = ownRole(ctx, req(ctx.params, 'RoleName'));
  const arn = req(ctx.params, 'PolicyArn');
  const i = role.attached.indexOf(arn);
  if (i < 0) throw noSuchEntity(`Policy ${arn} was not found.`);
  role.attached.splice(i, 1);
  return '';
}

function listAttachedRolePolicies(ctx: Ctx): string {
  const role = ownRole(ctx, req(ctx.params, 'RoleName'));
  const prefix = ctx.params.get('PathPrefix') ?? '/';
  const rows = role.attached
    .map((arn) => ({ arn, m: POLICY_ARN.exec(arn)! }))
    .filter((x) => (x.m[2] ?? '/').startsWith(prefix));
  return (
    memberList('AttachedPolicies', 'member', rows, (x) => el('PolicyName', x.m[3]) + el('PolicyArn', x.arn)) +
    '<IsTruncated>false</IsTruncated>'
  );
}

// ---- simulator -------------------------------------------------------------------------------

function contextEntries(p: Params): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const m of p.members('ContextEntries.member')) {
    const key = m.get('ContextKeyName');
    if (!key) throw invalidInput('ContextKeyName is required in every context entry.');
    out[key] = m.list('ContextKeyValues.member');
  }
  return out;
}

function customSources(p: Params): PolicySource[] {
  return p.list('PolicyInputList.member').map((text, i) => ({
    id: `PolicyInputList.${i + 1}`,
    kind: 'custom' as const,
    // Simulated input policies are not size-limited like managed ones (IAM allows 10,240+).
    document: checkPolicyDocument(text, Number.MAX_SAFE_INTEGER),
  }));
}

function simulate(ctx: Ctx, sources: PolicySource[], principalAccount: string): string {
  const p = ctx.params;
  const actions = p.list('ActionNames.member');
  if (!actions.length) throw invalidInput('ActionNames must contain at least one action.');
  const resources = p.list('ResourceArns.member');
  const context = { 'aws:PrincipalAccount': [principalAccount], ...contextEntries(p) };
  const rows: { action: string; resource: string; result: EvalResult }[] = [];
  for (const action of actions) {
    for (const resource of resources.length ? resources : ['*']) {
      let result: EvalResult;
      try {
        result = evaluateDeny(sources, { action, resource, context });
      } catch (err) {
        if (err instanceof UnsupportedPolicyError) {
          throw invalidInput(`The simulator cannot evaluate ${err.message} (docs/simulator.md).`);
        }
        throw err;
      }
      rows.push({ action, resource, result });
    }
  }
  const byId = new Map(sources.map((s) => [s.id, s]));
  return (
    memberList('EvaluationResults', 'member', rows, ({ action, resource, result }) => {
      const scpDeny = result.matched.some((m) => m.kind === 'scp');
      return (
        el('EvalActionName', action) +
        el('EvalResourceName', resource) +
        el('EvalDecision', result.decision) +
        memberList(
          'MatchedStatements',
          'member',
          result.matched,
          (m) =>
            el('SourcePolicyId', m.sourcePolicyId) +
            el('SourcePolicyType', byId.get(m.sourcePolicyId)?.kind === 'identity' ? 'user-managed' : 'none'),
        ) +
        memberList('MissingContextValues', 'member', result.missingContextValues, (k) => k) +
        wrap('OrganizationsDecisionDetail', el('AllowedByOrganizations', !scpDeny))
      );
    }) + '<IsTruncated>false</IsTruncated>'
  );
}

const ROLE_OR_USER_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):(role|user)\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/;

function simulatePrincipalPolicy(ctx: Ctx): string {
  const arn = req(ctx.params, 'PolicySourceArn');
  const m = ROLE_OR_USER_ARN.exec(arn);
  if (!m) throw invalidInput(`Invalid PolicySourceArn: ${arn}`);
  if (m[1] !== ctx.account.id) throw noSuchEntity(`The ${m[2]} ${arn} cannot be found in this account.`);
  let sources: PolicySource[] = [];
  if (m[2] === 'role') {
    ownRole(ctx, m[3]!);
    sources = ctx.state.iam.roleSources(ctx.account.id, m[3]!);
  }
  // AWS's simulator includes the SCPs over the principal's account.
  sources = [...sources, ...customSources(ctx.params), ...ctx.state.org.sourcesFor(ctx.account)];
  return simulate(ctx, sources, m[1]);
}

function simulateCustomPolicy(ctx: Ctx): string {
  const sources = customSources(ctx.params);
  if (!sources.length) throw invalidInput('PolicyInputList must contain at least one policy.');
  return simulate(ctx, sources, ctx.account.id);
}

// IAM is not throttled by the simulator; the category is unused.
const none = (): Category => 'describe';

export const IAM_ACTIONS: Record<string, ActionDef> = {
  CreatePolicy: { run: createPolicy, category: none },
  DeletePolicy: { run: deletePolicy, category: none },
  GetPolicy: { run: getPolicy, category: none },
  ListPolicies: { run: listPolicies, category: none },
  GetPolicyVersion: { run: getPolicyVersion, category: none },
  CreatePolicyVersion: { run: createPolicyVersion, category: none },
  ListPolicyVersions: { run: listPolicyVersions, category: none },
  DeletePolicyVersion: { run: deletePolicyVersion, category: none },
  AttachRolePolicy: { run: attachRolePolicy, category: none },
  DetachRolePolicy: { run: detachRolePolicy, category: none },
  ListAttachedRolePolicies: { run: listAttachedRolePolicies, category: none },
  SimulatePrincipalPolicy: { run: simulatePrincipalPolicy, category: none },
  SimulateCustomPolicy: { run: simulateCustomPolicy, category: none },
};
