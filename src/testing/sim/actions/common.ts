// What every action handler gets, and the parameter, filter and paging helpers they share.
import { SimError } from '../protocol/errors.ts';
import type { Params } from '../protocol/form.ts';
import { mergeAfter, type SortedIds } from '../sorted.ts';
import { glob } from '../glob.ts';
import type { AccountRec, Session, SimState } from '../state.ts';

export interface Ctx {
  state: SimState;
  /** The acting account (A). */
  account: AccountRec;
  /** The request's region (R), from the SigV4 credential scope. */
  region: string;
  params: Params;
  now: number;
  dryRun: boolean;
  accessKeyId: string;
  /** Set when the caller uses AssumeRole credentials. */
  session?: Session;
  /** The simulator's base key, which acts as homeAccount. */
  baseAccessKeyId: string;
}

export type Category = 'describe' | 'describe-unfiltered' | 'mutate';

export interface ActionDef {
  /** Returns the XML inside the response element (EC2) or inside `<ActionResult>` (RDS, STS). */
  run(ctx: Ctx): string;
  category(params: Params): Category;
}

export const ACCOUNT_ID = /^\d{12}$/;

/** EC2 and RDS both use this code for a bad value. */
export function invalidValue(message: string): SimError {
  return new SimError('InvalidParameterValue', message);
}

export function optionalBool(p: Params, name: string): boolean | undefined {
  const v = p.get(name)?.toLowerCase();
  if (v === undefined) return undefined;
  if (v !== 'true' && v !== 'false')
    throw invalidValue(`Invalid value '${p.get(name)}' for ${name}: expected true or false`);
  return v === 'true';
}

export function required(p: Params, name: string, service: 'ec2' | 'query' = 'ec2'): string {
  const v = p.get(name);
  if (v === undefined || v === '') {
    if (service === 'ec2')
      throw new SimError('MissingParameter', `The request must contain the parameter ${name}`);
    throw new SimError(
      'ValidationError',
      `1 validation error detected: Value null at '${name[0]!.toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return v;
}

export function optionalInt(p: Params, name: string): number | undefined {
  const v = p.get(name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw invalidValue(`Invalid value '${v}' for ${name}: expected an integer`);
  return Number(v);
}

/** EC2 `MaxResults`: absent means "everything in one answer", like AWS. */
export function ec2MaxResults(p: Params, min: number, max: number): number | undefined {
  const n = optionalInt(p, 'MaxResults');
  if (n === undefined) return undefined;
  if (n < min || n > max) {
    throw invalidValue(
      `Value ( ${n} ) for parameter maxResults is invalid. Expecting a value between ${min} and ${max}.`,
    );
  }
  return n;
}

// Page tokens carry the last id returned: paging stays stable while the world changes.
export function encodeToken(lastId: string): string {
  return Buffer.from(`sim1|${lastId}`).toString('base64url');
}

export function decodeToken(token: string | undefined, code: string): string | undefined {
  if (token === undefined || token === '') return undefined;
  const text = Buffer.from(token, 'base64url').toString('utf8');
  if (!text.startsWith('sim1|')) throw new SimError(code, `Invalid pagination token: ${token}`);
  return text.slice(5);
}

export interface Filter {
  name: string;
  values: string[];
}

/** EC2: `Filter.N.Name`, `Filter.N.Value.M`. */
export function ec2Filters(p: Params): Filter[] {
  return p.members('Filter').map((m) => {
    const name = m.get('Name');
    if (!name) throw invalidValue('The filter name must not be empty');
    return { name, values: m.list('Value') };
  });
}

/** RDS: `Filters.Filter.N.Name`, `Filters.Filter.N.Values.Value.M`. */
export function rdsFilters(p: Params): Filter[] {
  return p.members('Filters.Filter').map((m) => {
    const name = m.get('Name');
    if (!name) throw invalidValue('The filter name must not be empty');
    return { name, values: m.list('Values.Value') };
  });
}

export type FieldGetter<T> = (rec: T) => string | readonly string[] | boolean | number | undefined;

/**
 * One predicate for a list of filters: every filter must match (AND), any of its values may
 * (OR); values may use `*` and `?` like AWS's. An unknown filter name is refused like AWS does.
 */
export function filterPredicate<T>(
  filters: readonly Filter[],
  fields: Record<string, FieldGetter<T>>,
  unknown: (name: string) => SimError = (name) => invalidValue(`The filter '${name}' is invalid`),
): (rec: T) => boolean {
  const checks = filters.map((f) => {
    const get = fields[f.name];
    if (!get) throw unknown(f.name);
    const exact = new Set(f.values.filter((v) => !/[*?]/.test(v)));
    const patterns = f.values.filter((v) => /[*?]/.test(v)).map(glob);
    const one = (s: string) => exact.has(s) || patterns.some((re) => re.test(s));
    return (rec: T) => {
      const v = get(rec);
      if (v === undefined) return false;
      if (typeof v === 'string') return one(v);
      if (typeof v === 'boolean' || typeof v === 'number') return one(String(v));
      return v.some(one);
    };
  });
  return (rec) => checks.every((c) => c(rec));
}

/** Values of a filter when it names exact ids (no wildcards): a cheap index driver. */
export function exactValues(filters: readonly Filter[], name: string): string[] | undefined {
  const f = filters.find((x) => x.name === name);
  if (!f || f.values.some((v) => /[*?]/.test(v))) return undefined;
  return f.values;
}

export interface Page<T> {
  items: T[];
  /** Last id of this page when more matching items follow. */
  next?: string;
}

/** Walks the merged sources after `after`, keeping what `accept` returns, up to `limit`. */
export function page<T>(
  sources: readonly SortedIds[],
  after: string | undefined,
  limit: number | undefined,
  accept: (id: string) => T | undefined,
): Page<T> {
  const items: T[] = [];
  let lastId: string | undefined;
  for (const id of mergeAfter(sources, after)) {
    const rec = accept(id);
    if (rec === undefined) continue;
    if (limit !== undefined && items.length === limit) return { items, next: lastId };
    items.push(rec);
    lastId = id;
  }
  return { items };
}

export function dryRunGate(ctx: Ctx): void {
  if (ctx.dryRun)
    throw new SimError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
}
