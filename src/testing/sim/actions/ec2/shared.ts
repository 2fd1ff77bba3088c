// Helpers every EC2 action module shares (ids, not-found errors, scopes, categories).
import { SimError } from '../../protocol/errors.ts';
import type { Params } from '../../protocol/form.ts';
import type { SortedIds } from '../../sorted.ts';
import {
  ACCOUNT_ID,
  decodeToken,
  dryRunGate,
  ec2Filters,
  ec2MaxResults,
  filterPredicate,
  type Category,
  type Ctx,
  type FieldGetter,
  type Filter,
} from '../common.ts';

export const OWNER_ALIASES = new Set(['amazon', 'aws-marketplace', 'aws-backup-vault']);
export const RETURN_TRUE = '<return>true</return>';

export function notFound(code: string, what: string, ids: string[]): SimError {
  if (ids.length === 1) return new SimError(code, `The ${what} '${ids[0]}' does not exist`);
  return new SimError(code, `The ${what}s '${ids.join(', ')}' do not exist`);
}

export function checkIds(ids: string[], prefix: string, code: string): void {
  const bad = ids.filter((id) => !id.startsWith(`${prefix}-`) || id.length <= prefix.length + 1);
  if (bad.length) throw new SimError(code, `Invalid id: "${bad[0]}" (expecting "${prefix}-...")`);
}

export function userScopes(values: string[], what: string, extra: ReadonlySet<string>): string[] {
  for (const v of values) {
    if (!ACCOUNT_ID.test(v) && !extra.has(v)) {
      throw new SimError('InvalidUserID.Malformed', `Invalid ${what}: "${v}"`);
    }
  }
  return values;
}

export function idx(s: SortedIds | undefined): SortedIds[] {
  return s ? [s] : [];
}

export function unfilteredUnlessPaged(idsParam: string) {
  return (p: Params): Category =>
    p.get('MaxResults') === undefined &&
    p.indexesOf('Filter').length === 0 &&
    p.indexesOf(idsParam).length === 0
      ? 'describe-unfiltered'
      : 'describe';
}

export const describe = (): Category => 'describe';
export const mutate = (): Category => 'mutate';

/** What a Describe* call over one resource type asked for, parsed and checked in EC2's order. */
export interface DescribeRequest<T> {
  ids: string[];
  filters: Filter[];
  matchFilters: (rec: T) => boolean;
  limit: number | undefined;
  after: string | undefined;
}

/**
 * The prologue DescribeSnapshots, DescribeInstances and DescribeVolumes share: the ids (checked
 * for their prefix), the filters, MaxResults within [5, max] and never together with ids,
 * NextToken, then the DryRun gate.
 */
export function describeRequest<T>(
  ctx: Ctx,
  o: {
    idParam: string;
    prefix: string;
    malformed: string;
    /** The XML set name EC2 names when MaxResults comes with ids (`snapshotSet`). */
    setName: string;
    fields: Record<string, FieldGetter<T>>;
    maxResults: number;
  },
): DescribeRequest<T> {
  const p = ctx.params;
  const ids = p.list(o.idParam);
  checkIds(ids, o.prefix, o.malformed);
  const filters = ec2Filters(p);
  const matchFilters = filterPredicate(filters, o.fields);
  const limit = ec2MaxResults(p, 5, o.maxResults);
  if (limit !== undefined && ids.length) {
    throw new SimError(
      'InvalidParameterCombination',
      `The parameter ${o.setName} cannot be used with the parameter maxResults`,
    );
  }
  const after = decodeToken(p.get('NextToken'), 'InvalidPaginationToken');
  dryRunGate(ctx);
  return { ids, filters, matchFilters, limit, after };
}

/** NotFound for the requested ids the caller cannot see; EC2 words one and several differently. */
export function requireIds(
  ids: string[],
  visible: (id: string) => boolean,
  code: string,
  one: (id: string) => string,
  several: (list: string) => string,
): void {
  const missing = ids.filter((id) => !visible(id));
  if (missing.length === 1) throw new SimError(code, one(missing[0]!));
  if (missing.length) throw new SimError(code, several(missing.join(', ')));
}
