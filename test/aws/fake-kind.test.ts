/**
 * Issue 12: a kind is one module. A kind defined in this test only (test/helpers/fake-kind.ts, registered
 * by the two registry lines CONTRIBUTING.md names) flows through scan → store → messages → Remove with
 * no other product change: listing through the simulator, the store's record, the finding message's
 * label, details and notes, the help text and `kind=` filter, the button payload, the Remove ladder.
 */
import { WIDGET } from '../helpers/fake-kind.ts'; // first: registers the kind before the product loads
import { afterEach, describe, expect, it } from 'vitest';
import { scanAndRecord } from '../../src/core/scan-service.ts';
import { decideRemove } from '../../src/core/decisions.ts';
import { scannerRolePolicy } from '../../src/aws/iam-policy.ts';
import { findingId } from '../../src/domain/finding.ts';
import { findingMessage, findingLine } from '../../src/slack/messages/finding.ts';
import { helpMessage } from '../../src/slack/messages/commands.ts';
import { parseSharedScanText } from '../../src/slack/command-text.ts';
import { FINDING_ID } from '../../src/slack/payloads.ts';
import { account, emptyWorld, snapshot } from '../helpers/world.ts';
import { startBed, type Bed } from '../guard/helpers.ts';

const A = '111111111111';
const EVIL = '444444444444';
const R = 'us-east-1';

let bed: Bed | undefined;
afterEach(async () => {
  await bed?.stop();
  bed = undefined;
});

describe('a kind added by its module and one registry entry', () => {
  it('is scanned, stored, rendered and removed like the built-in kinds', async () => {
    const world = emptyWorld([account(A, [R])]);
    world.snapshots.push(snapshot(1, R, EVIL, [A], { volumeSize: 42 }), snapshot(2, R, A, []));
    bed = await startBed(world, { accounts: [{ id: A }], regions: [R], kinds: [WIDGET] });

    // scan: only the widget kind was asked for; its lister ran through the generic client
    const { result } = await scanAndRecord(bed.deps, {});
    const id = findingId(WIDGET, A, R, 'snap-00000000000000001');
    expect(result.findings.map((f) => f.id)).toEqual([id]);
    expect(result.findings[0]).toMatchObject({ kind: WIDGET, ownerAccountId: EVIL, sizeGiB: 42 });
    expect(bed.sim.calls({ action: 'DescribeSnapshots', account: A })).toBe(1);
    expect(bed.sim.calls({ action: 'DescribeImages' })).toBe(0);

    // store: the record round-trips with its kind
    const record = (await bed.deps.store.getFinding(id))!;
    expect(record).toMatchObject({
      state: 'open',
      finding: { kind: WIDGET, resourceId: 'snap-00000000000000001' },
    });

    // messages: the kind's label, details and notes, from its module
    const msg = JSON.stringify(findingMessage(record));
    expect(msg).toContain('Test widget shared by untrusted account 444444444444');
    expect(msg).toContain('widget of 42 GiB');
    expect(msg).toContain('a test widget note');
    // its buttons carry the finding id, which the click's payload check accepts
    expect(msg).toContain(`"action_id":"shareguard.remove","value":"${id}"`);
    expect(FINDING_ID.safeParse(id).success).toBe(true);
    expect(findingLine(record)).toContain('*Test widget* `snap-00000000000000001`');
    // help text and the `kind=` filter know it; its IAM scan actions are in the generated policy
    expect(JSON.stringify(helpMessage())).toContain('test-widget');
    expect(JSON.stringify(helpMessage())).toContain('Test widgets');
    expect(parseSharedScanText('kind=test-widget')).toEqual({ type: 'scan', kinds: [WIDGET] });
    expect(scannerRolePolicy([WIDGET], { remediation: false }).Statement[0]!.Action).toContain(
      'ec2:DescribeSnapshots',
    );

    // Remove walks the ladder the module declares: no owner-side role, guard off → recorded
    const res = await decideRemove(bed.deps, id, { userId: 'U0ALICE' });
    expect(res.records[0]).toMatchObject({ state: 'recorded', decision: { outcome: 'recorded' } });
    expect(res.records[0]!.decision!.detail).toContain('only the owner 444444444444 can unshare it');
  });
});
