/**
 * Every finding state transition, allowed and refused, against the lifecycle's table and the store's
 * conditional update built from it (pure: no store involved).
 */
import { describe, expect, it } from 'vitest';
import {
  FINDING_STATES,
  FINDING_TRANSITIONS,
  canTransition,
  statesLeadingTo,
  type FindingState,
} from '../../src/domain/lifecycle.ts';
import { LADDER_FROM } from '../../src/core/ladder.ts';
import { StoreError } from '../../src/store/errors.ts';
import { buildTransitionUpdate } from '../../src/store/dynamo/transition-update.ts';

/** Written out by hand (not derived from the table), so a change to the table must change this too. */
const ALLOWED = new Set([
  'open → removing',
  'open → trusted',
  'open → blocked',
  'open → recorded',
  'open → resolved',
  'removing → removed',
  'removing → revoked',
  'removing → deleted',
  'removing → blocked',
  'removing → recorded',
  'removing → open',
  'removing → owner-only',
  'removed → open',
  'revoked → open',
  'deleted → open',
  'blocked → removing',
  'blocked → open',
  // Trust lifts the guard's denies of the owner (issue 20).
  'blocked → trusted',
  'recorded → removing',
  'recorded → open',
  'recorded → trusted',
  'recorded → blocked',
  'recorded → resolved',
  'owner-only → removing',
  'owner-only → trusted',
  'owner-only → blocked',
  'owner-only → resolved',
  'trusted → open',
  'resolved → open',
]);

const pairs: Array<[FindingState, FindingState]> = FINDING_STATES.flatMap((from) =>
  FINDING_STATES.filter((to) => to !== from).map((to): [FindingState, FindingState] => [from, to]),
);

describe('finding state transitions', () => {
  it('declares exactly the transitions listed here', () => {
    const declared = FINDING_STATES.flatMap((from) =>
      FINDING_TRANSITIONS[from].map((to) => `${from} → ${to}`),
    );
    expect(new Set(declared)).toEqual(ALLOWED);
    expect(declared).toHaveLength(ALLOWED.size); // no duplicates
  });

  it.each(pairs)('%s → %s: allowed exactly when declared, and the store update agrees', (from, to) => {
    const allowed = ALLOWED.has(`${from} → ${to}`);
    expect(canTransition(from, to)).toBe(allowed);
    const build = () => buildTransitionUpdate([from], { state: to });
    if (allowed) {
      const u = build();
      expect(u.ConditionExpression).toBe('attribute_exists(PK) AND #state IN (:from0)');
      expect(u.ExpressionAttributeValues).toMatchObject({ ':from0': from, ':gsi1pk': `STATE#${to}` });
      expect(u.UpdateExpression).toContain('#state = :f0');
      expect(u.UpdateExpression).toContain('GSI1PK = :gsi1pk');
    } else {
      expect(build).toThrow(StoreError);
      expect(build).toThrow(`${from} → ${to} is not a finding transition`);
    }
  });

  it.each(FINDING_STATES)('%s → itself (staying put, e.g. a retried decision) is always allowed', (s) => {
    expect(canTransition(s, s)).toBe(true);
    expect(() => buildTransitionUpdate([s], { state: s })).not.toThrow();
  });

  it('refuses a multi-state `from` when any one of its transitions is undeclared', () => {
    expect(() => buildTransitionUpdate(['open', 'recorded'], { state: 'trusted' })).not.toThrow();
    expect(() => buildTransitionUpdate(['open', 'removed'], { state: 'trusted' })).toThrow(
      'removed → trusted is not a finding transition',
    );
  });

  it('lists the states leading to one, in declaration order', () => {
    expect(statesLeadingTo('resolved')).toEqual(['open', 'recorded', 'owner-only']);
    expect(statesLeadingTo('trusted')).toEqual(['open', 'blocked', 'recorded', 'owner-only']);
    expect(statesLeadingTo('removing')).toEqual(['open', 'blocked', 'recorded', 'owner-only']);
  });

  it('covers every state a ladder decision starts from (core/ladder.ts LADDER_FROM)', () => {
    for (const from of Object.values(LADDER_FROM).flat()) expect(canTransition(from, 'removing')).toBe(true);
  });
});

describe('buildTransitionUpdate', () => {
  it('sets, removes, bumps the version and leaves the state index alone without a state', () => {
    const u = buildTransitionUpdate(['removing'], {
      lastSeenAt: '2024-05-02T00:00:00.000Z',
      orgShares: undefined,
    });
    expect(u).toEqual({
      UpdateExpression: 'SET #version = #version + :one, #f0 = :f0 REMOVE #f1',
      ConditionExpression: 'attribute_exists(PK) AND #state IN (:from0)',
      ExpressionAttributeNames: {
        '#state': 'state',
        '#version': 'version',
        '#f0': 'lastSeenAt',
        '#f1': 'orgShares',
      },
      ExpressionAttributeValues: { ':one': 1, ':from0': 'removing', ':f0': '2024-05-02T00:00:00.000Z' },
    });
  });

  it('rejects patches of keys, the finding, the version, and removal of required fields', () => {
    expect(() => buildTransitionUpdate([], { state: 'open' })).toThrow('`from` lists no state');
    expect(() => buildTransitionUpdate(['open'], { state: undefined })).toThrow('"state" cannot be removed');
    expect(() => buildTransitionUpdate(['open'], { lastSeenAt: undefined })).toThrow(
      '"lastSeenAt" cannot be removed',
    );
    for (const field of ['finding', 'version', 'PK', 'GSI1PK', 'type'])
      expect(() => buildTransitionUpdate(['open'], { [field]: 'x' } as never)).toThrow(
        `"${field}" cannot be patched`,
      );
  });
});
