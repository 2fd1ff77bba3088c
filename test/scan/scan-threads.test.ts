import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ACCOUNTS_PER_THREAD, scanThreads } from '../../src/scan/scan.ts';

describe('scanThreads: how many threads a scan uses', () => {
  it('by default scans a small organization in the calling thread (a worker costs more than it saves there)', () => {
    expect(scanThreads(undefined, 1)).toBe(1);
    expect(scanThreads(undefined, 20)).toBe(1);
    expect(scanThreads(undefined, 2 * ACCOUNTS_PER_THREAD - 1)).toBe(1);
  });

  it('by default adds a thread per ACCOUNTS_PER_THREAD accounts, up to one per core', () => {
    const cores = availableParallelism();
    expect(scanThreads(undefined, 2 * ACCOUNTS_PER_THREAD)).toBe(Math.min(cores, 2));
    expect(scanThreads(undefined, 1000)).toBe(Math.min(cores, Math.floor(1000 / ACCOUNTS_PER_THREAD)));
  });

  it('takes aws.workers as configured, but never more threads than accounts', () => {
    expect(scanThreads(1, 1000)).toBe(1);
    expect(scanThreads(3, 1000)).toBe(3);
    expect(scanThreads(8, 2)).toBe(2);
  });
});
