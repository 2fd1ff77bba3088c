/**
 * How long the simulator waits before it answers: the world's fixed `latencyMs` plus, with `latency.regions`,
 * a delay drawn for each request from its region's range (docs/simulator.md "Latency"). Real AWS answers a
 * Describe call in tens to hundreds of milliseconds depending on how far the region is; the draw is seeded,
 * so a world always produces the same sequence of delays (which request gets which depends on arrival order).
 */
import { z } from 'zod';
import { mulberry32 } from '../prng.ts';

const range = z
  .object({ minMs: z.number().min(0), maxMs: z.number().min(0) })
  .refine((r) => r.minMs <= r.maxMs, { message: 'minMs must not exceed maxMs', path: ['minMs'] });

/** Extension (issue 24): `latency` in the world file, beside (and added to) `latencyMs`. */
export const latencySchema = z.object({
  /** Region name → the range each request's delay is drawn from; `*` for every region not named. */
  regions: z.record(z.string().min(1), range).optional(),
  /**
   * Action → milliseconds, as `"<service>:<Action>"` (e.g. `iam:CreatePolicyVersion`) or `"<Action>"`:
   * used instead of `latencyMs` for those actions (the region's draw is still added).
   */
  actions: z.record(z.string(), z.number().min(0)).optional(),
  /** Seed of the draw (default 1). */
  seed: z.int().optional(),
});
export type LatencySpec = z.infer<typeof latencySchema>;

/** What a request's delay depends on: its signing region, and its service and action. */
export interface LatencyKey {
  region?: string | undefined;
  service?: string;
  action?: string;
}

export class Latency {
  private readonly random: () => number;

  constructor(
    private readonly fixedMs: number,
    private readonly spec: LatencySpec | undefined,
  ) {
    this.random = mulberry32(spec?.seed ?? 1);
  }

  /** Milliseconds to wait before answering a request: its action's own latency (else `latencyMs`) plus its region's draw. */
  delayMs(at: LatencyKey): number {
    const per = this.spec?.actions;
    const own = at.action ? (per?.[`${at.service}:${at.action}`] ?? per?.[at.action]) : undefined;
    const base = own ?? this.fixedMs;
    const regions = this.spec?.regions;
    const r = regions && ((at.region !== undefined ? regions[at.region] : undefined) ?? regions['*']);
    if (!r) return base;
    return base + r.minMs + this.random() * (r.maxMs - r.minMs);
  }
}
