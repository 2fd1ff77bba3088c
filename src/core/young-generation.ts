/**
 * The serving thread's young generation (V8's new space), held at its size while a scan is recorded.
 * Node 24 lets a thread's new space grow to 128 MiB (two 64 MiB semi-spaces) when many objects survive a
 * scavenge, and recording an organization's scan (reading, reconciling and writing 35,551 findings on L) is
 * just that: `shareguard serve` scanning L went from 2 MiB of new space after the scan to 107 MiB after
 * reading the store, for the rest of the process's life (BENCHMARKS.md, serve's memory). The cap can only
 * be given at start-up (`--max-semi-space-size`, process-wide, which also overrides the scan workers' own
 * limits), but V8 reads its growth factor each time it considers growing, so holding it at 1 stops the
 * growth from then on. Process-wide too: it is let go while a scan's worker threads run (each has its
 * own young generation, capped by its `resourceLimits`, src/scan/worker-pool.ts) and held again after.
 */
import { setFlagsFromString } from 'node:v8';

/** V8's default (`node --v8-options`). */
const DEFAULT_GROWTH_FACTOR = 2;

export function holdYoungGeneration(hold: boolean): void {
  setFlagsFromString(`--semi-space-growth-factor=${hold ? 1 : DEFAULT_GROWTH_FACTOR}`);
}
