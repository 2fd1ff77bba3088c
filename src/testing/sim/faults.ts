// Fault injection for tests: make an action fail for an account/region with a given error, a
// given number of times. Checked before the action runs (after authentication).
import { z } from 'zod';

export const faultSchema = z.object({
  /** An action name, or "*" for any action (extension). */
  action: z.string().min(1),
  account: z
    .string()
    .regex(/^\d{12}$/, 'expected 12 digits')
    .optional(),
  region: z.string().min(1).optional(),
  code: z.string().min(1),
  message: z.string().optional(),
  status: z.number().int().min(400).max(599).optional(),
  times: z.number().int().min(1),
});

export type Fault = z.infer<typeof faultSchema>;

export class Faults {
  private list: Fault[] = [];

  add(f: Fault): void {
    const parsed = faultSchema.safeParse(f);
    if (!parsed.success) {
      throw new Error(
        `invalid fault: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      );
    }
    this.list.push({ ...parsed.data });
  }

  clear(): void {
    this.list = [];
  }

  /** The first matching fault, counted down (and dropped when used up). */
  take(action: string, account: string, region: string): Fault | undefined {
    const i = this.list.findIndex(
      (f) =>
        (f.action === action || f.action === '*') &&
        (f.account === undefined || f.account === account) &&
        (f.region === undefined || f.region === region),
    );
    if (i < 0) return undefined;
    const f = this.list[i]!;
    f.times -= 1;
    if (f.times <= 0) this.list.splice(i, 1);
    return f;
  }

  pending(): Fault[] {
    return this.list.map((f) => ({ ...f }));
  }
}
