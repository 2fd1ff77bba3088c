// Helpers every EC2 action module shares (ids, not-found errors, scopes, categories).
import { SimError } from '../../protocol/errors.ts';
import type { Params } from '../../protocol/form.ts';
import type { SortedIds } from '../../sorted.ts';
import { ACCOUNT_ID, type Category } from '../common.ts';

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

/** EC2's answer to an authorization refusal (also what DryRun turns any authz error into). */
export function unauthorized(detail?: string): SimError {
  return new SimError(
    'UnauthorizedOperation',
    `You are not authorized to perform this operation.${detail ? ` ${detail}` : ''}`,
    403,
    true,
  );
}
