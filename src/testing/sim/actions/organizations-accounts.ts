// AWS Organizations' listing of the organization (docs/simulator.md "Organizations: accounts and
// OUs"): ListRoots, ListOrganizationalUnitsForParent, ListAccountsForParent, ListAccounts, with
// MaxResults 1–20 and NextToken paging, answered for the management account and delegated
// administrators only (docs/aws.md "Organizations").
import { SimError } from '../protocol/errors.ts';
import { legacyStatus, type OrgAccountRec, type OrgRec } from '../stores/org-tree.ts';
import type { Ctx } from './common.ts';

type JsonInput = Record<string, unknown>;

const MAX_RESULTS = 20;

/** The caller's organization, when it may list it; otherwise AWS's refusal. */
function listableOrg(ctx: Ctx): OrgRec {
  const arn = ctx.account.organization;
  const org = arn === undefined ? undefined : ctx.state.orgTree.get(arn);
  if (!org)
    throw new SimError(
      'AWSOrganizationsNotInUseException',
      'Your account is not a member of an organization.',
    );
  if (ctx.account.id !== org.managementAccount && !org.delegatedAdministrators.has(ctx.account.id))
    throw new SimError(
      'AccessDeniedException',
      'You don’t have permissions to access this resource. This operation can be called only from the organization’s management account or by a member account that is a delegated administrator.',
    );
  return org;
}

/** One page of `items`: MaxResults 1–20 (default 20), NextToken an opaque offset. */
function page<T>(input: JsonInput, items: readonly T[]): { items: T[]; NextToken?: string } {
  const max = input.MaxResults ?? MAX_RESULTS;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_RESULTS)
    throw new SimError(
      'InvalidInputException',
      `MaxResults must be between 1 and ${MAX_RESULTS}.`,
      400,
      false,
      {
        Reason: 'INVALID_INPUT',
      },
    );
  let start = 0;
  if (input.NextToken !== undefined && input.NextToken !== null) {
    const decoded = /^orgs:(\d+)$/.exec(Buffer.from(String(input.NextToken), 'base64url').toString('utf8'));
    if (!decoded)
      throw new SimError('InvalidInputException', 'The NextToken is not valid.', 400, false, {
        Reason: 'INVALID_NEXT_TOKEN',
      });
    start = Number(decoded[1]);
  }
  const end = start + max;
  return {
    items: items.slice(start, end),
    ...(end < items.length ? { NextToken: Buffer.from(`orgs:${end}`).toString('base64url') } : {}),
  };
}

function parentOf(org: OrgRec, input: JsonInput): string {
  const id = input.ParentId;
  if (typeof id !== 'string' || !id)
    throw new SimError('InvalidInputException', 'You must specify ParentId.');
  if (id !== org.rootId && !org.ous.has(id))
    throw new SimError(
      'ParentNotFoundException',
      `We can't find a root or OU with the ParentId that you specified.`,
    );
  return id;
}

function accountJson(org: OrgRec, a: OrgAccountRec) {
  return {
    Id: a.id,
    Arn: `arn:aws:organizations::${org.managementAccount}:account/${org.id}/${a.id}`,
    Email: `aws+${a.id}@example.com`,
    Name: a.name,
    ...(org.accountFields !== 'status' ? { State: a.state } : {}),
    ...(org.accountFields !== 'state' ? { Status: legacyStatus(a.state) } : {}),
    JoinedMethod: a.id === org.managementAccount ? 'CREATED' : 'INVITED',
  };
}

function listRoots(ctx: Ctx, input: JsonInput) {
  const org = listableOrg(ctx);
  const { items, NextToken } = page(input, [org.rootId]);
  return {
    Roots: items.map((id) => ({
      Id: id,
      Arn: `arn:aws:organizations::${org.managementAccount}:root/${org.id}/${id}`,
      Name: 'Root',
      PolicyTypes: [],
    })),
    ...(NextToken ? { NextToken } : {}),
  };
}

function listOrganizationalUnitsForParent(ctx: Ctx, input: JsonInput) {
  const org = listableOrg(ctx);
  const parent = parentOf(org, input);
  const children = [...org.ous.values()].filter((ou) => ou.parent === parent);
  const { items, NextToken } = page(input, children);
  return {
    OrganizationalUnits: items.map((ou) => ({
      Id: ou.id,
      Arn: `arn:aws:organizations::${org.managementAccount}:ou/${org.id}/${ou.id}`,
      Name: ou.name,
    })),
    ...(NextToken ? { NextToken } : {}),
  };
}

function listAccountsForParent(ctx: Ctx, input: JsonInput) {
  const org = listableOrg(ctx);
  const parent = parentOf(org, input);
  const { items, NextToken } = page(
    input,
    org.accounts.filter((a) => a.parent === parent),
  );
  return { Accounts: items.map((a) => accountJson(org, a)), ...(NextToken ? { NextToken } : {}) };
}

function listAccounts(ctx: Ctx, input: JsonInput) {
  const org = listableOrg(ctx);
  const { items, NextToken } = page(input, org.accounts);
  return { Accounts: items.map((a) => accountJson(org, a)), ...(NextToken ? { NextToken } : {}) };
}

export const ORGANIZATIONS_LIST_ACTIONS = {
  ListRoots: { run: listRoots },
  ListOrganizationalUnitsForParent: { run: listOrganizationalUnitsForParent },
  ListAccountsForParent: { run: listAccountsForParent },
  ListAccounts: { run: listAccounts },
};
