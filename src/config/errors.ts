import type { z } from 'zod';

/** A configuration (or world, or command) problem: every bad field, each with where it is and what was expected. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(
      `${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n  - ${problems.join('\n  - ')}`,
    );
    this.name = 'ConfigError';
  }
}

/** `accounts[2].id` from zod's path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(top level)';
}

// A key worth echoing back: a plausible setting name. Anything else may be a line of some other file
// (`config check --config /etc/shadow`) and is counted, never printed.
const PRINTABLE_KEY = /^[A-Za-z_][\w-]{0,40}$/;

export function describeIssues(error: z.core.$ZodError): string[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const shown = issue.keys.filter((k) => PRINTABLE_KEY.test(k));
      const hidden = issue.keys.length - shown.length;
      const parts = [
        ...(shown.length ? [shown.map((k) => `"${k}"`).join(', ')] : []),
        ...(hidden ? [`${hidden} key${hidden === 1 ? '' : 's'} that are not setting names (not shown)`] : []),
      ];
      return `${formatPath(issue.path)}: unrecognized keys: ${parts.join('; ')}`;
    }
    return `${formatPath(issue.path)}: ${issue.message}`;
  });
}
