import { expect } from 'vitest';
import type { KnownBlock } from '@slack/types';
import { blocksFit, validateBlocks } from '../../../src/slack/messages/limits.ts';
import type { Finding, ResourceKind } from '../../../src/domain/finding.ts';
import { findingId } from '../../../src/domain/finding.ts';
import type { FindingRecord } from '../../../src/domain/lifecycle.ts';

export const OWNER = '444455556666';
export const ACCOUNT = '111122223333';

export function finding(over: Partial<Finding> = {}): Finding {
  const kind: ResourceKind = over.kind ?? 'ami';
  const accountId = over.accountId ?? ACCOUNT;
  const region = over.region ?? 'us-east-1';
  const resourceId = over.resourceId ?? 'ami-0123456789abcdef0';
  return {
    id: findingId(kind, accountId, region, resourceId),
    kind,
    accountId,
    accountName: 'prod',
    region,
    resourceId,
    resourceArn: `arn:aws:ec2:${region}::image/${resourceId}`,
    ownerAccountId: OWNER,
    sharedVia: 'account',
    name: 'golden-base-2024',
    createdAt: '2024-03-01T10:00:00.000Z',
    ...over,
  };
}

export function record(over: Partial<FindingRecord> = {}, f: Partial<Finding> = {}): FindingRecord {
  return {
    finding: finding(f),
    state: 'open',
    firstSeenAt: '2025-01-10T08:00:00.000Z',
    lastSeenAt: '2025-01-10T08:00:00.000Z',
    version: 1,
    ...over,
  };
}

/** Deterministic PRNG for property-style tests: the project's one (src/testing/prng.ts). */
export { mulberry32 as rng } from '../../../src/testing/prng.ts';

/** Every text string anywhere in a block tree, for "no raw `<!channel>`" checks. */
export function allStrings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) allStrings(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) allStrings(x, out);
  return out;
}

/** A message is within every Block Kit limit, our own budget, and has a fallback text. */
export function expectValid(m: { text: string; blocks: KnownBlock[] }): void {
  expect(validateBlocks(m.blocks)).toEqual([]);
  expect(blocksFit(m.blocks)).toBe(true);
  expect(m.text.length).toBeGreaterThan(0);
}

type AnyButton = {
  type: string;
  action_id?: string;
  value?: string;
  text?: { text: string };
  style?: string;
  confirm?: unknown;
};

/** Every button in the blocks (actions elements and section accessories). */
export function buttons(blocks: readonly KnownBlock[]): AnyButton[] {
  const out: AnyButton[] = [];
  for (const b of blocks) {
    if (b.type === 'actions') for (const e of b.elements) if (e.type === 'button') out.push(e as AnyButton);
    if (b.type === 'section' && b.accessory?.type === 'button') out.push(b.accessory as AnyButton);
  }
  return out;
}

/** The mrkdwn/plain text of every block, joined, for "says X" assertions. */
export function textOf(blocks: readonly KnownBlock[]): string {
  return allStrings(blocks).join('\n');
}
