// XML building by string concatenation: answers of up to 1,000 items per page must be cheap.

const ESCAPE_TEST = /[&<>"']/;
const ESCAPE_ALL = /[&<>"']/g;
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

export function esc(s: string): string {
  return ESCAPE_TEST.test(s) ? s.replace(ESCAPE_ALL, (c) => ENTITIES[c]!) : s;
}

/** `<name>value</name>`, or nothing when the value is undefined. */
export function el(name: string, value: string | number | boolean | undefined | null): string {
  if (value === undefined || value === null) return '';
  return `<${name}>${typeof value === 'string' ? esc(value) : String(value)}</${name}>`;
}

/** `<name>inner</name>` where inner is already XML. */
export function wrap(name: string, inner: string): string {
  return `<${name}>${inner}</${name}>`;
}

/** EC2 lists: `<name><item>…</item>…</name>`. */
export function itemSet<T>(name: string, items: readonly T[], render: (x: T) => string): string {
  let out = `<${name}>`;
  for (const x of items) out += `<item>${render(x)}</item>`;
  return out + `</${name}>`;
}

/** Query-protocol lists: `<name><member>…</member>…</name>` with a chosen member element. */
export function memberList<T>(
  name: string,
  member: string,
  items: readonly T[],
  render: (x: T) => string,
): string {
  let out = `<${name}>`;
  for (const x of items) out += `<${member}>${render(x)}</${member}>`;
  return out + `</${name}>`;
}

const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** AWS timestamps in XML: ISO 8601 UTC with milliseconds. */
export function isoTime(value: string | number): string {
  // Most world times are already canonical: skip the parse-and-format round trip.
  if (typeof value === 'string' && CANONICAL_TIME.test(value)) return value;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  return Number.isNaN(ms) ? String(value) : new Date(ms).toISOString();
}
