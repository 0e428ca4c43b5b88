// safe_text.test.mjs — the one rule for text shown or saved
// (npm/safe_text.mjs), as the CLI and the page's exports use it: control
// and bidi characters escaped, CSV formulas neutralised (OWASP's rule).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvCell, printable, safeJson } from '../../npm/safe_text.mjs';
import { resultsCsv, resultsJson } from '../../page/export.mjs';

const BIDI = [
  '\u200e',
  '\u200f',
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
];
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

test('printable escapes C0, DEL, C1 and bidi controls, and keeps other text', () => {
  assert.equal(printable('a\tb\nc\rd\x1b[0m\x7f\x85'), 'a\\tb\\nc\\rd\\x1b[0m\\x7f\\x85');
  for (const c of BIDI) assert.equal(printable(`x${c}y`), `x\\u${c.charCodeAt(0).toString(16)}y`);
  assert.equal(printable('é 中 \u2028 ok'), 'é 中 \u2028 ok');
});

test('safeJson writes every unsafe character as a \\u escape; the data parses back the same', () => {
  const value = { reason: `=1+1\u202e\x85\x00\n${BIDI.join('')}`, n: -1 };
  const text = safeJson(value, 2);
  assert.doesNotMatch(text.replace(/\n/g, ''), UNSAFE);
  assert.match(text, /\\u202e\\u0085\\u0000\\n/);
  assert.deepEqual(JSON.parse(text), value);
});

test('csvCell neutralises =, +, -, @, tab and CR at the start of a text, not of a number', () => {
  for (const lead of ['=', '+', '-', '@', '\t', '\r'])
    assert.ok(csvCell(`${lead}SUM(A1)`).replace(/^"/, '').startsWith("'"), lead);
  assert.equal(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
  assert.equal(csvCell('\tx'), "'\\tx");
  assert.equal(csvCell(-3), '-3');
  assert.equal(csvCell(null), '');
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('a\u202eb'), 'a\\u202eb');
});

test("the page's CSV and JSON exports use the same rule", () => {
  const r = {
    index: 0,
    url: 'http://x/\u202e',
    status: 200,
    reason: '@cmd\x85',
    ok: true,
    error: null,
    started: 0,
    ended: 1,
    ms: 1,
  };
  const csv = resultsCsv([r]);
  assert.doesNotMatch(csv.replace(/\r\n/g, ''), UNSAFE);
  assert.ok(csv.split('\r\n')[1].startsWith("1,http://x/\\u202e,200,'@cmd\\x85,true,"), csv);
  const json = resultsJson([r], { when: 'now' });
  assert.doesNotMatch(json.replace(/\n/g, ''), UNSAFE);
  assert.equal(JSON.parse(json).results[0].reason, '@cmd\x85');
});
