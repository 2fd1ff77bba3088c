// The simulator's policy evaluator: pure, no I/O. It answers one question — does any Deny
// statement of these policies match this request? — which is all the Dec 2026 contract asks
// (docs/simulator.md "Policy evaluation"). There is no Allow evaluation: what no Deny matches
// is allowed. Differences from AWS are listed in docs/simulator.md.

export interface PolicyStatementLike {
  Sid?: string;
  Effect: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export interface PolicyDocumentLike {
  Statement: PolicyStatementLike | PolicyStatementLike[];
}

/** One policy to evaluate. */
export interface PolicySource {
  /** A managed policy ARN, an SCP id (p-…), or "PolicyInputList.N" for custom policies. */
  id: string;
  /** identity: a role's managed policy; scp: a service control policy; custom: simulated input. */
  kind: 'identity' | 'scp' | 'custom';
  document: PolicyDocumentLike;
}

export interface EvalRequest {
  /** `service:Action`, e.g. `ec2:RunInstances`. Compared case-insensitively, like AWS. */
  action: string;
  /** The resource ARN (or `*`). */
  resource: string;
  /** Condition keys (compared case-insensitively) → values. */
  context: Record<string, readonly string[]>;
}

export interface MatchedStatement {
  sourcePolicyId: string;
  kind: PolicySource['kind'];
  /** Index of the statement in the policy's Statement list. */
  statementIndex: number;
  sid?: string;
}

export interface EvalResult {
  decision: 'explicitDeny' | 'allowed';
  matched: MatchedStatement[];
  /**
   * Condition keys of Deny statements whose Action and Resource matched but whose keys the
   * request did not carry (IAM's simulator reports these as MissingContextValues).
   */
  missingContextValues: string[];
}

const OPERATORS = new Set([
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'ArnEquals',
  'ArnNotEquals',
  'ArnLike',
  'ArnNotLike',
]);
const NEGATED = new Set([
  'StringNotEquals',
  'StringNotEqualsIgnoreCase',
  'StringNotLike',
  'ArnNotEquals',
  'ArnNotLike',
]);

/** Thrown for a condition operator the evaluator does not know: refusing beats guessing. */
export class UnsupportedPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedPolicyError';
  }
}

const globCache = new Map<string, RegExp>();
/** IAM wildcards: `*` any run (also across `:` and `/`), `?` one character. */
export function iamGlob(pattern: string, ignoreCase: boolean): RegExp {
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let re = globCache.get(key);
  if (!re) {
    const body = pattern.replace(/[.+^${}()|[\]\\*?]/g, (c) =>
      c === '*' ? '.*' : c === '?' ? '.' : `\\${c}`,
    );
    re = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    if (globCache.size > 5_000) globCache.clear();
    globCache.set(key, re);
  }
  return re;
}

function list(v: string | string[] | boolean | undefined): string[] {
  if (v === undefined) return [];
  if (Array.isArray(v)) return v;
  return [String(v)];
}

export function statementsOf(doc: PolicyDocumentLike): PolicyStatementLike[] {
  return Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
}

function contextValue(ctx: EvalRequest['context'], key: string): readonly string[] | undefined {
  const want = key.toLowerCase();
  for (const [k, v] of Object.entries(ctx)) if (k.toLowerCase() === want) return v;
  return undefined;
}

/** `${aws:PrincipalAccount}`-style policy variables, from the request context. */
function substitute(value: string, ctx: EvalRequest['context']): string {
  return value.replace(/\$\{([^}]+)\}/g, (whole, key: string) => {
    if (key === '*' || key === '?' || key === '$') return key; // AWS's escapes
    const v = contextValue(ctx, key);
    return v?.[0] ?? whole;
  });
}

function matchesAny(patterns: string[], value: string, ignoreCase: boolean): boolean {
  return patterns.some((p) => iamGlob(p, ignoreCase).test(value));
}

/** One operator on one request value against the policy's values (positive form). */
function valueMatches(base: string, policyValues: string[], requestValue: string): boolean {
  switch (base) {
    case 'StringEquals':
    case 'StringNotEquals':
      return policyValues.includes(requestValue);
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
      return policyValues.some((p) => p.toLowerCase() === requestValue.toLowerCase());
    case 'StringLike':
    case 'StringNotLike':
    case 'ArnEquals':
    case 'ArnNotEquals':
    case 'ArnLike':
    case 'ArnNotLike':
      return matchesAny(policyValues, requestValue, false);
    default:
      return false;
  }
}

/** Whether one `Operator: { key: values }` block holds for the request. */
function conditionHolds(
  operatorName: string,
  keys: Record<string, string | string[] | boolean>,
  ctx: EvalRequest['context'],
): boolean {
  let op = operatorName;
  let set: 'single' | 'any' | 'all' = 'single';
  if (op.startsWith('ForAnyValue:')) {
    set = 'any';
    op = op.slice('ForAnyValue:'.length);
  } else if (op.startsWith('ForAllValues:')) {
    set = 'all';
    op = op.slice('ForAllValues:'.length);
  }
  let ifExists = false;
  if (op.endsWith('IfExists')) {
    ifExists = true;
    op = op.slice(0, -'IfExists'.length);
  }
  if (op === 'Null') {
    return Object.entries(keys).every(([key, want]) => {
      const present = (contextValue(ctx, key)?.length ?? 0) > 0;
      return String(want).toLowerCase() === 'true' ? !present : present;
    });
  }
  if (!OPERATORS.has(op)) throw new UnsupportedPolicyError(`condition operator ${operatorName}`);
  const negated = NEGATED.has(op);
  // Every key of the block must hold (AND); any policy value may match (OR).
  return Object.entries(keys).every(([key, raw]) => {
    const policyValues = list(raw).map((v) => substitute(v, ctx));
    const values = contextValue(ctx, key);
    if (!values || values.length === 0) {
      if (ifExists) return true;
      if (set === 'any') return false;
      if (set === 'all') return true;
      // AWS: a missing key makes a positive operator false and a negated one true.
      return negated;
    }
    const pos = (v: string) => valueMatches(op, policyValues, v);
    if (set === 'any') return values.some((v) => (negated ? !pos(v) : pos(v)));
    if (set === 'all') return values.every((v) => (negated ? !pos(v) : pos(v)));
    // A single-valued key with several request values: treat like ForAnyValue (positive) /
    // "none matches" (negated).
    return negated ? !values.some(pos) : values.some(pos);
  });
}

/** Action and Resource only (the part before conditions). */
function targetMatches(st: PolicyStatementLike, req: EvalRequest): boolean {
  if (st.Action !== undefined) {
    if (!matchesAny(list(st.Action), req.action, true)) return false;
  } else if (st.NotAction !== undefined) {
    if (matchesAny(list(st.NotAction), req.action, true)) return false;
  } else return false;
  if (st.Resource !== undefined) {
    const patterns = list(st.Resource).map((r) => substitute(r, req.context));
    if (!matchesAny(patterns, req.resource, false)) return false;
  } else if (st.NotResource !== undefined) {
    const patterns = list(st.NotResource).map((r) => substitute(r, req.context));
    if (matchesAny(patterns, req.resource, false)) return false;
  }
  // (No Resource at all: SCPs may omit it; it then covers everything.)
  return true;
}

function conditionsHold(st: PolicyStatementLike, req: EvalRequest): boolean {
  for (const [op, keys] of Object.entries(st.Condition ?? {})) {
    if (!conditionHolds(op, keys, req.context)) return false;
  }
  return true;
}

/** Evaluates every Deny statement of the sources against one request. */
export function evaluateDeny(sources: readonly PolicySource[], req: EvalRequest): EvalResult {
  const matched: MatchedStatement[] = [];
  const missing = new Set<string>();
  for (const src of sources) {
    statementsOf(src.document).forEach((st, statementIndex) => {
      if (st.Effect !== 'Deny' || !targetMatches(st, req)) return;
      for (const keys of Object.values(st.Condition ?? {})) {
        for (const key of Object.keys(keys)) if (!contextValue(req.context, key)?.length) missing.add(key);
      }
      if (conditionsHold(st, req)) {
        matched.push({
          sourcePolicyId: src.id,
          kind: src.kind,
          statementIndex,
          ...(st.Sid !== undefined && { sid: st.Sid }),
        });
      }
    });
  }
  return {
    decision: matched.length ? 'explicitDeny' : 'allowed',
    matched,
    missingContextValues: [...missing].sort(),
  };
}

/** IAM's way to count policy size: every character except whitespace (docs/simulator.md). */
export function policySize(json: string): number {
  return json.replace(/\s/g, '').length;
}
