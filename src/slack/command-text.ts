import { z } from 'zod';
import { RESOURCE_KINDS, type ResourceKind } from '../domain/finding.ts';
import { ACCOUNT_ID_PATTERN, REGION_PATTERN } from '../domain/ids.ts';

/** What `/shared-scan <text>` asks for. */
export type SharedScanCommand =
  | { type: 'scan'; accounts?: string[]; regions?: string[]; kinds?: ResourceKind[] }
  | { type: 'help' }
  | { type: 'status' }
  | { type: 'trusted' }
  | { type: 'post' }
  | { type: 'untrust'; accountId: string }
  | { type: 'block'; accountId: string; reason?: string }
  | { type: 'unblock'; accountId: string }
  /** A resource a Remove blocked: its id, ARN (RDS) or finding id. */
  | { type: 'unblock-resource'; resource: string };

/** A block reason is kept in the decision log and shown in the channel (escaped there). */
export const BLOCK_REASON_MAX = 500;

const accountId = z.string().regex(ACCOUNT_ID_PATTERN, 'expected a 12-digit account id');
const region = z.string().regex(REGION_PATTERN, 'expected a region such as us-east-1');
const kind = z.enum(RESOURCE_KINDS, { error: `expected one of ${RESOURCE_KINDS.join(', ')}` });

const FILTERS = { account: accountId, region, kind } as const;
type FilterName = keyof typeof FILTERS;

/** What names a blocked resource: an AMI or snapshot id, an RDS snapshot ARN, or a finding id (kind:account:region:id). */
const RESOURCE_REF = z
  .string()
  .max(600)
  .regex(
    /^(ami-[0-9a-f]{8,17}|snap-[0-9a-f]{8,17}|arn:aws[\w-]*:rds:[\w-]+:\d{12}:(cluster-)?snapshot:[\w-]+|[a-z-]+:\d{12}:[\w-]+:[\w:/.-]+)$/,
  );

export class CommandTextError extends Error {}

/** Parses the text after `/shared-scan`; throws CommandTextError naming what was wrong and what was expected. */
export function parseSharedScanText(raw: string): SharedScanCommand {
  const words = raw.trim().split(/\s+/).filter(Boolean);
  const [first, ...rest] = words;
  if (!first) return { type: 'scan' };
  const verb = first.toLowerCase();
  if (verb === 'help' || verb === 'status' || verb === 'trusted' || verb === 'post') {
    if (rest.length) throw new CommandTextError(`"${verb}" takes no arguments`);
    return { type: verb };
  }
  if (verb === 'untrust') {
    if (rest.length !== 1) throw new CommandTextError('usage: untrust <12-digit account id>');
    const parsed = accountId.safeParse(rest[0]);
    if (!parsed.success) throw new CommandTextError(`untrust: "${rest[0]}": expected a 12-digit account id`);
    return { type: 'untrust', accountId: parsed.data };
  }
  if (verb === 'block') {
    const [account, ...reasonWords] = rest;
    if (!account) throw new CommandTextError('usage: block <12-digit account id> [reason]');
    const parsed = accountId.safeParse(account);
    if (!parsed.success) throw new CommandTextError(`block: "${account}": expected a 12-digit account id`);
    const reason = reasonWords.join(' ');
    if (reason.length > BLOCK_REASON_MAX)
      throw new CommandTextError(
        `block: the reason is ${reason.length} characters; at most ${BLOCK_REASON_MAX}`,
      );
    return { type: 'block', accountId: parsed.data, ...(reason ? { reason } : {}) };
  }
  if (verb === 'unblock') {
    if (rest.length !== 1)
      throw new CommandTextError(
        'usage: unblock <12-digit account id> | unblock <resource id, ARN or finding id>',
      );
    const parsed = accountId.safeParse(rest[0]);
    if (parsed.success) return { type: 'unblock', accountId: parsed.data };
    const resource = RESOURCE_REF.safeParse(rest[0]);
    if (!resource.success)
      throw new CommandTextError(
        `unblock: "${rest[0]!.slice(0, 80)}": expected a 12-digit account id, or a resource id (ami-…, snap-…), an RDS snapshot ARN or a finding id`,
      );
    return { type: 'unblock-resource', resource: resource.data };
  }
  const filterWords = verb === 'scan' ? rest : words;
  const out: { accounts?: string[]; regions?: string[]; kinds?: ResourceKind[] } = {};
  for (const word of filterWords) {
    const eq = word.indexOf('=');
    const name = (eq > 0 ? word.slice(0, eq) : word).toLowerCase();
    // Object.hasOwn, not `in`: `constructor=` or `__proto__=` must not reach Object.prototype.
    if (eq <= 0 || !Object.hasOwn(FILTERS, name)) {
      throw new CommandTextError(
        `unknown word "${word}": expected help, status, trusted, post, untrust <account>, block <account> [reason], unblock <account | resource>, or filters account=, region=, kind=`,
      );
    }
    const values = word
      .slice(eq + 1)
      .split(',')
      .filter(Boolean);
    if (!values.length) throw new CommandTextError(`${name}= needs a value`);
    for (const v of values) {
      const parsed = FILTERS[name as FilterName].safeParse(v);
      if (!parsed.success)
        throw new CommandTextError(`${name}="${v}": ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    }
    if (name === 'account') out.accounts = [...(out.accounts ?? []), ...values];
    if (name === 'region') out.regions = [...(out.regions ?? []), ...values];
    if (name === 'kind') out.kinds = [...(out.kinds ?? []), ...(values as ResourceKind[])];
  }
  return { type: 'scan', ...out };
}
