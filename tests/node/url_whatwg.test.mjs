// url_whatwg.test.mjs — corio_url_parse checked differentially against
// Node's URL (the WHATWG URL standard's parser) on a generated corpus of
// http(s) URLs: schemes and slashes, userinfo, host spellings (names,
// every IPv4 form, IPv6, percent-encoded, forbidden characters), ports,
// paths with dot segments, queries and fragments, and random mutations of
// them. For each URL:
//   - Node refuses it: corio refuses it too;
//   - both parse it: the same host (IPv6 without its brackets), port,
//     scheme and request target (the path and query Node serializes);
//   - only Node parses it: allowed only for corio's documented differences
//     (include/corio.h, corio_url_parse): a space, a control character or
//     a backslash anywhere (refused rather than silently removed or
//     rewritten), an international name (refused rather than converted),
//     and port 0 (nothing listens there).
// Redirects' references (corio_url_resolve, then corio_url_parse) are
// checked the same way against new URL(ref, base). The program under test
// is build/native/url_parse (ASan), one JSON line per input line.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const bin = fileURLToPath(new URL('../../build/native/url_parse', import.meta.url));

const SCHEMES = ['http', 'https', 'HTTP', 'hTTpS'];
const SLASHES = ['://', ':/', ':', ':///', '://///'];
const USERINFO = ['', 'u@', 'u:p@', 'a@b@', ':@', '@', 'u:p%40@', 'us:er:pw@', 'u[1]@', 'ä@'];
const HOSTS = [
  'localhost',
  'LocalHost',
  'a.b',
  'a..b',
  'example.com.',
  '-a-',
  'a_b',
  "a!$&'()*+,;=~b",
  'xn--bcher-kva.example',
  '127.0.0.1',
  '0177.0.0.1',
  '0x7f.1',
  '0X7F.0.0.1',
  '2130706433',
  '127.1',
  '0x7F000001',
  '1.2.3',
  '0.0.0.0',
  '4294967295',
  '4294967296',
  '0xffffffff',
  '1.2.3.256',
  '1.2.65535',
  '1.16777215',
  '1.2.3.4.5',
  '256.0.0.1',
  '09.1',
  '0x',
  '1.0x',
  '1.2.3.4.',
  '1..2',
  'a.1',
  'a.0x1g',
  '[::1]',
  '[0:0:0:0:0:0:0:1]',
  '[::FFFF:127.0.0.1]',
  '[::127.0.0.1]',
  '[1:2:3:4:5:6:7:8]',
  '[1:0:0:2:0:0:0:3]',
  '[1:0:0:0:2:0:0:3]',
  '[0:0:1:0:0:1:0:0]',
  '[1:2:3:4:5:6:7::]',
  '[1::2::3]',
  '[::1',
  '[127.0.0.1]',
  '[localhost]',
  '[::1]x',
  '[::1.2.3]',
  '[::01.2.3.4]',
  '[12345::]',
  '%6c%6fcalhost',
  '%4C%4F%43%41%4C%48%4F%53%54',
  'a%2eb',
  '127%2e0%2e0%2e1',
  'a%zz',
  'a%',
  'a%00b',
  'a%2fb',
  'a%25b',
  'a^b',
  'a|b',
  'a<b',
  'a"b',
  'a`b',
  'a{b}',
  '',
  'ä.de',
  '%c3%a4.de',
];
const PORTS = [
  '',
  ':',
  ':80',
  ':443',
  ':0080',
  ':8080',
  ':65535',
  ':65536',
  ':0',
  ':99999999999',
  ':a',
  ':-1',
  ':+1',
  ':80:90',
];
const PATHS = [
  '',
  '/',
  '/a/b',
  '/a/../b',
  '/a/./b',
  '/..',
  '/../..',
  '/a/%2e%2E/b',
  '/a/.%2e/c',
  '/a/%2e./c',
  '/a/%2E',
  '/a/..',
  '/a/.',
  '/a/b/..',
  '/.../a',
  '/..a/b',
  '//double//slash',
  '/ä/中',
  '/"<>`{}',
  '/%zz%',
  "/'!$&()*+,;=:@[]^|~",
  '/a%2fb',
];
const QUERIES = ['', '?', '?a=b', "?'", '?"<>', '?ä', '?a?b', '?%', '?`{}|^', '?/../a'];
const FRAGMENTS = ['', '#', '#frag', '#a?b', '#ä'];
const NOISE = [' ', '\t', '\\', '@', ':', '[', ']', '%', '/', '?', '#', '.', '0', 'x', 'é', '\x7f', '\x01'];

// A small seeded generator (mulberry32): the corpus is the same every run.
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function corpus() {
  const urls = new Set();
  // Every host with the plain parts, and every other part with a few hosts.
  for (const host of HOSTS) for (const port of ['', ':8080', ':0']) urls.add(`http://${host}${port}/`);
  for (const scheme of SCHEMES)
    for (const slashes of SLASHES)
      for (const userinfo of USERINFO) urls.add(`${scheme}${slashes}${userinfo}127.0.0.1/x`);
  for (const port of PORTS) for (const host of ['a.b', '[::1]', '10.0.0.1']) urls.add(`https://${host}${port}/p`);
  for (const path of PATHS)
    for (const query of QUERIES) for (const fragment of FRAGMENTS) urls.add(`http://h${path}${query}${fragment}`);
  // Random combinations, then random mutations of some of them.
  const pick = (r, list) => list[Math.floor(r() * list.length)];
  const r = random(20261205);
  while (urls.size < 12000) {
    let url =
      pick(r, SCHEMES) +
      pick(r, SLASHES) +
      pick(r, USERINFO) +
      pick(r, HOSTS) +
      pick(r, PORTS) +
      pick(r, PATHS) +
      pick(r, QUERIES) +
      pick(r, FRAGMENTS);
    if (r() < 0.3) {
      const at = 4 + Math.floor(r() * (url.length - 3));
      url = url.slice(0, at) + pick(r, NOISE) + url.slice(at + (r() < 0.5 ? 1 : 0));
    }
    urls.add(url);
  }
  return [...urls].filter((u) => !u.includes('\n'));
}

// What Node's URL makes of it: null, or {host, port, tls, target}.
function whatwg(input) {
  let u;
  try {
    u = Array.isArray(input) ? new URL(...input) : new URL(input);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  const tls = u.protocol === 'https:';
  const noHash = u.href.split('#')[0];
  const q = noHash.indexOf('?');
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port === '' ? (tls ? 443 : 80) : Number(u.port),
    tls,
    target: u.pathname + (q >= 0 ? noHash.slice(q) : ''),
  };
}

// corio's documented refusals of what WHATWG accepts (see the header).
function documentedRefusal(input, node) {
  if (/[\x00-\x20\x7f\\]/.test(input)) return 'a space, control character or backslash';
  if (node.host.split('.').some((label) => label.startsWith('xn--')) && !/xn--/i.test(input))
    return 'an international name';
  if (node.port === 0) return 'port 0';
  return null;
}

before(() => {
  const make = spawnSync('make', ['-f', 'emscripten.mk', 'build/native/url_parse'], {
    cwd: repo,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  assert.equal(make.status, 0, `building failed:\n${make.stdout}${make.stderr}`);
});

// Runs the program on the inputs and compares each answer with what Node
// makes of it (want(input): whatwg()'s form, or null). Returns the tally.
function compare(inputs, want, args = []) {
  const run = spawnSync(bin, args, { input: inputs.join('\n') + '\n', encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  assert.equal(lines.length, inputs.length, 'one answer per input');
  const wrong = [];
  const tally = { both: 0, neither: 0, documented: 0 };
  inputs.forEach((input, i) => {
    const got = JSON.parse(lines[i]);
    const node = want(input);
    if (node === null) {
      if (got.error) tally.neither++;
      else wrong.push(`${JSON.stringify(input)}: WHATWG refuses it, corio gives ${lines[i]}`);
    } else if (got.error) {
      if (documentedRefusal(input, node)) tally.documented++;
      else wrong.push(`${JSON.stringify(input)}: WHATWG gives ${JSON.stringify(node)}, corio ${got.message}`);
    } else {
      tally.both++;
      const mine = { host: got.host, port: got.port, tls: got.tls, target: got.target };
      if (JSON.stringify(mine) !== JSON.stringify(node))
        wrong.push(`${JSON.stringify(input)}: WHATWG ${JSON.stringify(node)}, corio ${JSON.stringify(mine)}`);
    }
  });
  assert.deepEqual(wrong.slice(0, 40), [], `${wrong.length} of ${inputs.length} differ`);
  return tally;
}

test('corio_url_parse agrees with the WHATWG URL parser (Node URL) on a generated corpus', () => {
  const tally = compare(corpus(), (input) => whatwg(input));
  // The corpus exercises all three outcomes, each many times.
  for (const [what, n] of Object.entries(tally)) assert.ok(n > 500, `${what}: only ${n}`);
});

const BASES = ['http://h/a/b/c?d#e', 'https://u:p@H:8443/a/', 'http:h2', 'http://[::1]/x/y/'];
const REFS = [
  '',
  'x',
  './x',
  '../x',
  '../../../x',
  '/x',
  '//o/p',
  '//o',
  '?q',
  '#f',
  'http:y',
  'http:/y',
  'HTTP:y',
  'https:y',
  'http://o:81/z?w',
  'https://o/',
  'ftp://o/',
  'x/./y/../z',
  '%2e%2e/x',
  'x?a b',
  'é',
  ';x',
  '.',
  '..',
  'a:b',
  '//[::1]:8/',
  '//a@b@c/',
];

test('corio_url_resolve agrees with new URL(ref, base) on redirect references', () => {
  let tally = { both: 0, neither: 0, documented: 0 };
  for (const base of BASES) {
    const t = compare(REFS, (ref) => whatwg([ref, base]), ['--base', base]);
    for (const k of Object.keys(tally)) tally[k] += t[k];
  }
  assert.ok(tally.both > 50 && tally.neither > 0, JSON.stringify(tally));
});
