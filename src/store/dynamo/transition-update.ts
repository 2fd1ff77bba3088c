import { canTransition, type FindingState } from '../../domain/lifecycle.ts';
import { StoreError } from '../errors.ts';
import type { FindingPatch } from '../store.ts';
import { KEY_ATTRIBUTES, keys } from '../table.ts';

/** The expression half of an UpdateItem (everything but the table, the key and ReturnValues). */
export interface ConditionalUpdate {
  UpdateExpression: string;
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
}

/** Fields a finding always has: a patch may change them, never remove them. */
const REQUIRED_FINDING_FIELDS: ReadonlySet<string> = new Set(['state', 'firstSeenAt', 'lastSeenAt']);

/**
 * The conditional UpdateItem of `Store.transitionFinding`, built without I/O: applies `patch` only if the
 * finding exists and its state is one of `from`, increments `version`, and moves the state index
 * partition with the state. A patch key whose value is `undefined` removes that attribute.
 *
 * Throws a StoreError (a programming error, not a lost race) when `from` is empty, when the patch names a
 * key attribute or a field that cannot be patched or removed, or when some `from → patch.state` is not in
 * the lifecycle's transition table (domain/lifecycle.ts FINDING_TRANSITIONS).
 */
export function buildTransitionUpdate(from: readonly FindingState[], patch: FindingPatch): ConditionalUpdate {
  if (from.length === 0) throw new StoreError('transitionFinding: `from` lists no state');
  const to = patch.state;
  if (to !== undefined) {
    const refused = from.filter((s) => !canTransition(s, to));
    if (refused.length > 0) {
      throw new StoreError(
        `transitionFinding: ${refused.map((s) => `${s} → ${to}`).join(', ')} is not a finding transition ` +
          '(domain/lifecycle.ts FINDING_TRANSITIONS)',
      );
    }
  }
  const names: Record<string, string> = { '#state': 'state', '#version': 'version' };
  const values: Record<string, unknown> = { ':one': 1 };
  from.forEach((s, i) => (values[`:from${i}`] = s));
  const sets = ['#version = #version + :one'];
  const removes: string[] = [];
  Object.entries(patch).forEach(([field, value], i) => {
    if (field === 'finding' || field === 'version' || (KEY_ATTRIBUTES as readonly string[]).includes(field)) {
      throw new StoreError(`transitionFinding: "${field}" cannot be patched`);
    }
    const name = field === 'state' ? '#state' : `#f${i}`;
    names[name] = field;
    if (value === undefined) {
      if (REQUIRED_FINDING_FIELDS.has(field))
        throw new StoreError(`transitionFinding: "${field}" cannot be removed`);
      removes.push(name);
    } else {
      values[`:f${i}`] = value;
      sets.push(`${name} = :f${i}`);
    }
  });
  if (to !== undefined) {
    // The index partition follows the state, so listFindings sees the new state.
    values[':gsi1pk'] = keys.stateIndex(to);
    sets.push('GSI1PK = :gsi1pk');
  }
  return {
    UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
    ConditionExpression: `attribute_exists(PK) AND #state IN (${from.map((_, i) => `:from${i}`).join(', ')})`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}
