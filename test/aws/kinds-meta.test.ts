/**
 * Meta-test over the kind registry and the remediation registry (issue 12), in the spirit of Cloud
 * Custodian's policy meta-lint: every kind declares labels, help and IAM actions of its own service;
 * every rung is reachable; and, per kind, the AWS calls a scan and every rung of its ladders make against
 * the simulator are covered by the IAM policies `shareguard iam-policy` generates for that kind alone.
 * A new kind fails here until it declares what it needs (and the SEED below knows how to share one).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ACTION_SERVICE } from '../../src/testing/sim/action-services.ts';
import { guardActionsPolicy, ownerRolePolicy, scannerRolePolicy } from '../../src/aws/iam-policy.ts';
import { KINDS, kindLabel, kindModules } from '../../src/aws/kinds/index.ts';
import { decideDeleteAtSource, decideRemove, decideRevokeOrgShare } from '../../src/core/decisions.ts';
import { scanAndRecord } from '../../src/core/scan-service.ts';
import type { FindingRecord } from '../../src/domain/lifecycle.ts';
import { findingId, RESOURCE_KINDS, type Finding, type ResourceKind } from '../../src/domain/finding.ts';
import {
  REMOVE_LADDER,
  REMEDIATIONS,
  applicableRungs,
  ladderFor,
  planWords,
} from '../../src/remediate/registry.ts';
import { parseSharedScanText } from '../../src/slack/command-text.ts';
import { helpMessage } from '../../src/slack/messages/commands.ts';
import { findingMessage } from '../../src/slack/messages/finding.ts';
import { startBed, type Bed } from '../guard/helpers.ts';
import { account, emptyWorld, image, OU, rdsSnapshot, snapshot, type World } from '../helpers/world.ts';

const A = '111111111111'; // monitored, sees the shares
const SANDBOX = '777777777777'; // monitored, `trustedSource: false`: owner-side rungs apply
const EVIL = '444444444444'; // outside: recipient-side rungs and the guard only
const R = 'us-east-1';
const WORKLOAD = 'WorkloadRole';
const ALICE = { userId: 'U0ALICE' };

const hex = (n: number) => n.toString(16).padStart(17, '0');

/**
 * How to share one resource of each kind from `owner` into A in the simulator's world (test
 * infrastructure: a new kind adds its line here and its part in the simulator).
 */
const SEED: Record<ResourceKind, (w: World, n: number, owner: string, orgToo: boolean) => string> = {
  ami: (w, n, owner, orgToo) => {
    w.images.push(image(n, R, owner, [{ userId: A }, ...(orgToo ? [{ organizationalUnitArn: OU }] : [])]));
    return `ami-${hex(n)}`;
  },
  'ebs-snapshot': (w, n, owner) => {
    w.snapshots.push(snapshot(n, R, owner, [A]));
    return `snap-${hex(n)}`;
  },
  'rds-snapshot': (w, n, owner) => {
    w.dbSnapshots.push(rdsSnapshot(`db-${n}`, R, owner, [A]));
    return `arn:aws:rds:${R}:${owner}:snapshot:db-${n}`;
  },
  'rds-cluster-snapshot': (w, n, owner) => {
    w.dbClusterSnapshots.push(rdsSnapshot(`cl-${n}`, R, owner, [A], 'aurora-postgresql'));
    return `arn:aws:rds:${R}:${owner}:cluster-snapshot:cl-${n}`;
  },
};

const sample = (kind: ResourceKind): Finding => ({
  id: findingId(kind, A, R, 'res-1'),
  kind,
  accountId: A,
  region: R,
  resourceId: 'res-1',
  resourceArn: 'arn:aws:ec2:us-east-1::thing/res-1',
  ownerAccountId: SANDBOX,
  sharedVia: 'account',
});

describe('every kind declares what it needs', () => {
  it('registry and id list agree', () => {
    expect(Object.keys(KINDS).sort()).toEqual([...RESOURCE_KINDS].sort());
    for (const k of RESOURCE_KINDS) expect(KINDS[k].kind).toBe(k);
  });

  it.each([...RESOURCE_KINDS])('%s: labels, help, filter, IAM actions of its service', (k) => {
    const m = KINDS[k];
    expect(m.label.one).toMatch(/^[A-Z]\S*( \S+)*$/);
    expect(m.label.many).not.toBe(m.label.one);
    expect(kindLabel(k)).toBe(m.label.one);
    expect(kindLabel(k, 3)).toBe(m.label.many);
    const others = kindModules().filter((o) => o.kind !== k);
    expect(others.map((o) => o.label.one)).not.toContain(m.label.one);

    const help = JSON.stringify(helpMessage());
    expect(help).toContain(k);
    expect(help).toContain(m.label.many);
    expect(parseSharedScanText(`kind=${k}`)).toEqual({ type: 'scan', kinds: [k] });
    expect(JSON.stringify(findingMessage(record(sample(k))))).toContain(`${m.label.one} shared by`);

    const actions = [...m.scanActions, ...Object.values(m.source.actions).flat()];
    for (const a of actions)
      expect(a, `${k} declares ${a}`).toMatch(new RegExp(`^${m.service}:[A-Z][A-Za-z]+$`));
    // The blast radius may read other services of the account-region (what launches an AMI: Auto
    // Scaling, Image Builder, issue 23), through clients the registry of services knows.
    for (const a of m.usage?.actions ?? [])
      expect(a, `${k} declares ${a}`).toMatch(/^(ec2|rds|autoscaling|imagebuilder):[A-Z][A-Za-z]+$/);
    expect(m.scanActions.length).toBeGreaterThan(0);
    expect(m.source.notFoundCodes.length).toBeGreaterThan(0);
  });

  it.each([...RESOURCE_KINDS])('%s: a Remove ladder of known rungs, each saying what it will do', (k) => {
    const ladder = REMOVE_LADDER[k];
    expect(ladder.length).toBeGreaterThan(0);
    for (const id of ladder) expect(REMEDIATIONS[id]).toBeDefined();
    const ctx = { owner: { id: SANDBOX, role: null }, guardMode: 'iam-policy', dryRun: false } as const;
    const full = { ...ctx, recipient: { id: A, role: null } };
    const steps = planWords('remove', sample(k), full).filter((w) => /^\d+\. \S/.test(w));
    expect(steps).toHaveLength(applicableRungs('remove', sample(k), full).length);
    expect(steps.length).toBeGreaterThan(0);
  });

  it('every remediation is reachable from some kind and declares its IAM actions', () => {
    const reachable = new Set(
      RESOURCE_KINDS.flatMap((k) =>
        (['remove', 'delete-at-source', 'revoke-org-share'] as const).flatMap((a) => [...ladderFor(a, k)]),
      ),
    );
    for (const r of Object.values(REMEDIATIONS)) {
      expect(reachable.has(r.id), r.id).toBe(true);
      expect(r.title.length).toBeGreaterThan(0);
      expect(Object.values(r.iamActions).flat().length, r.id).toBeGreaterThan(0);
    }
  });
});

let bed: Bed | undefined;
afterEach(async () => {
  await bed?.stop();
  bed = undefined;
});

function record(f: Finding): FindingRecord {
  const at = '2026-01-01T00:00:00.000Z';
  return { finding: f, state: 'open', firstSeenAt: at, lastSeenAt: at, version: 1 };
}

describe('per kind, the generated IAM policies cover every call shareguard makes', () => {
  it.each([...RESOURCE_KINDS])('%s: scan, blast radius and every rung of its ladders', async (k) => {
    const m = KINDS[k];
    const w = emptyWorld([
      account(A, [R], { ous: [OU], roles: [{ name: WORKLOAD, policies: [] }] }),
      account(SANDBOX, [R]),
    ]);
    const revoked = SEED[k](w, 1, SANDBOX, m.remediation.orgShares);
    const deleted = SEED[k](w, 2, SANDBOX, false);
    const outside = SEED[k](w, 3, EVIL, false);
    bed = await startBed(w, {
      accounts: [{ id: A }, { id: SANDBOX, trustedSource: false }],
      regions: [R],
      kinds: [k],
      guard: { mode: 'iam-policy', attachToRoles: [WORKLOAD] },
    });
    const { deps, sim } = bed;
    const { result } = await scanAndRecord(deps, {});
    expect(result.findings.map((f) => f.resourceId).sort()).toEqual([revoked, deleted, outside].sort());

    const fid = (id: string) => findingId(k, A, R, id);
    const remove = await decideRemove(deps, fid(revoked), ALICE);
    if (m.remediation.orgShares) {
      // Remove revoked the direct share, left the OU share in place and blocked the resource;
      // revoking the OU share is its own decision.
      expect(remove.records[0]!.state).toBe('blocked');
      expect(remove.records[0]!.orgShares).toEqual([OU]);
      const org = await decideRevokeOrgShare(deps, fid(revoked), ALICE);
      expect(org.records[0]!.decision!.outcome).not.toBe('failed');
    } else expect(remove.records[0]!.state).toBe('revoked');
    const del = await decideDeleteAtSource(deps, fid(deleted), ALICE);
    expect(del.records[0]!.state).toBe('deleted');
    const out = await decideRemove(deps, fid(outside), ALICE);
    expect(['removed', 'blocked']).toContain(out.records[0]!.state);

    const made = Object.keys(ACTION_SERVICE)
      .filter((name) => sim.calls({ action: name }) > 0)
      .map((name) => `${ACTION_SERVICE[name]}:${name}`);
    // The rungs really ran: the kind's owner-side and recipient-side calls were made.
    for (const a of [
      ...m.source.actions.readShares,
      ...m.source.actions.removeAccount,
      ...m.source.actions.delete,
      ...m.source.actions.visible,
    ])
      expect(made, a).toContain(a);

    const declared = new Set([
      'sts:AssumeRole',
      ...[
        scannerRolePolicy([k], { remediation: true, blastRadius: true }),
        ownerRolePolicy([k]),
        guardActionsPolicy([k]),
      ].flatMap((p) => p.Statement.flatMap((s) => s.Action)),
    ]);
    expect(made.filter((a) => !declared.has(a))).toEqual([]);
  });
});
