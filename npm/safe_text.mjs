/*
 * safe_text.mjs — text from the network made safe to show and to save, one
 * rule for the CLI (cli/output.mjs) and the page's exports
 * (page/export.mjs): control characters (C0, DEL, C1) and the bidi
 * controls that reorder what a reader sees (U+200E/F, U+202A–202E,
 * U+2066–2069) are escaped, never passed through; and a CSV cell that a
 * spreadsheet would run as a formula (beginning with =, +, -, @, tab or
 * CR: OWASP's rule) is neutralised with a leading apostrophe.
 */

// Every character escaped in shown or saved text.
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// The same less C0, which JSON.stringify escapes itself inside strings
// (outside them C0 is only the indentation's whitespace).
const UNSAFE_JSON = /[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const NAMED = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

const hex = (c, width) => c.charCodeAt(0).toString(16).padStart(width, '0');

/**
 * `text` with each unsafe character as an escape: \t, \n, \r, \xNN (other
 * C0, DEL, C1) or \uNNNN (bidi controls), so a URL or a message can
 * neither break a line, move a terminal's cursor nor reorder what is shown.
 */
export function printable(text) {
  return String(text).replace(
    UNSAFE,
    (c) => NAMED[c] ?? (c.charCodeAt(0) <= 0xff ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`),
  );
}

/**
 * JSON.stringify(value, null, indent) with every unsafe character, C1 and
 * bidi controls included, as a \u escape (JSON.stringify escapes only C0):
 * the same data for a parser, nothing reordered for a reader.
 */
export function safeJson(value, indent) {
  // Outside strings JSON holds none of these characters, so every one
  // replaced is inside a string, where \uNNNN means the same character.
  return JSON.stringify(value, null, indent).replace(UNSAFE_JSON, (c) => `\\u${hex(c, 4)}`);
}

/**
 * One CSV cell (RFC 4180: quoted when it holds a quote, comma or line
 * break): unsafe characters escaped as printable() does, and a text that
 * begins with =, +, -, @, tab or CR prefixed with ' so a spreadsheet shows
 * it instead of running it. Numbers and booleans are written as they are.
 */
export function csvCell(value) {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  const text = printable(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
