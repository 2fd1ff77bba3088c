/**
 * Text for a terminal. Names, descriptions and AWS error messages are attacker-controlled: printed raw,
 * `ESC[2J` clears the screen, `ESC]0;…BEL` sets the window title, `\r` / `\b` overwrite what was
 * printed, newlines forge rows and U+202E reverses the text that follows. Every such character is
 * shown as an escape sequence instead (`\x1b`, `\r`, `\u202e`), so what is printed is what AWS holds.
 */

// C0 and C1 controls, DEL; bidi embeddings/overrides/isolates, zero-width characters, line/paragraph
// separators and the BOM.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

const NAMED: ReadonlyMap<string, string> = new Map([
  ['\n', '\\n'],
  ['\r', '\\r'],
  ['\t', '\\t'],
  ['\b', '\\b'],
]);

/** Control, bidi and invisible characters → visible escapes; a backslash is doubled so escapes stay unambiguous. */
export function terminalSafe(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(UNSAFE, (c) => {
    const named = NAMED.get(c);
    if (named) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** At most `max` UTF-16 units, the cut marked with `…` and never splitting a surrogate pair. */
export function cap(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = Math.max(0, max - 1);
  const c = s.charCodeAt(cut - 1);
  if (cut > 0 && c >= 0xd800 && c <= 0xdbff) cut--;
  return `${s.slice(0, cut)}…`;
}
