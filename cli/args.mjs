/*
 * args.mjs — corio-check's command line: the one table of its options
 * (names, value, help text), the parser (curl's conventions: -H repeated,
 * -XPOST and --timeout=5 joined, -sk grouped, "--" ends the options), the
 * "did you mean" for a mistyped option, the usage text made from the
 * table, and the proxy settings from the options and the environment. It
 * imports nothing, so --help and usage errors cost no start-up.
 */

export class UsageError extends Error {}

export const FORMATS = ['table', 'json', 'csv', 'jsonl'];
// What --fail-on may name: an answer 400-499, 500-599, or no answer at all.
export const FAIL_ON = ['4xx', '5xx', 'error'];

// name -> {short, value (its placeholder, or absent for a flag), multiple, help}.
export const OPTIONS = {
  file: {
    short: 'f',
    value: 'FILE',
    multiple: true,
    help: 'read URLs from FILE, one a line ("-": stdin; may be repeated)',
  },
  concurrency: { short: 'c', value: 'N', help: 'check at most N URLs at once (default 10)' },
  timeout: { short: 't', value: 'SECONDS', help: 'give each URL at most SECONDS (default 10; 0: none)' },
  sequential: { short: 's', help: 'check one URL after the other' },
  request: { short: 'X', value: 'METHOD', help: 'send METHOD instead of GET' },
  head: { short: 'I', help: 'send HEAD instead of GET' },
  header: { short: 'H', value: '"NAME: VALUE"', multiple: true, help: 'send this header too (may be repeated)' },
  'user-agent': { short: 'A', value: 'TEXT', help: 'send User-Agent: TEXT' },
  location: { short: 'L', help: 'follow redirects (3xx with a Location)' },
  'max-redirs': {
    value: 'N',
    help: "follow at most N redirects (with -L; N >= 1; default and most: corio's limit, a larger N fails each URL with it)",
  },
  retry: {
    value: 'N',
    help:
      'check again up to N times after a connection error, a timeout or\n' +
      '429/502/503/504, waiting --retry-delay, doubled each time, or Retry-After (<= 300 s)',
  },
  'retry-delay': { value: 'SECONDS', help: 'wait before the first retry (default 1)' },
  insecure: { short: 'k', help: 'accept any TLS certificate' },
  'deny-private': {
    help:
      'refuse loopback, private, link-local (metadata), CGNAT and other\n' +
      'non-public addresses (CORIO_EDENIED), checked on the address connected to,\n' +
      'after DNS and on every redirect: for URLs from people you do not trust',
  },
  cacert: { value: 'FILE', help: 'trust the CA certificates (PEM) in FILE for https' },
  proxy: {
    short: 'x',
    value: 'URL',
    help:
      'connect through this HTTP proxy (CONNECT for https);\n' + 'default: $HTTPS_PROXY / $HTTP_PROXY (or lower case)',
  },
  noproxy: {
    value: 'HOSTS',
    help: 'comma-separated hosts (and .domains) to reach without the proxy;\n' + '"*": none; default: $NO_PROXY',
  },
  format: { value: 'FORMAT', help: `${FORMATS.join(', ')} (default table)` },
  output: { short: 'o', value: 'FILE', help: 'write the results to FILE instead of standard output' },
  'fail-on': { value: 'LIST', help: `what makes the exit status 1: any of ${FAIL_ON.join(',')}\n(default: all three)` },
  progress: { help: 'show progress on stderr even when it is not a terminal' },
  'no-progress': { help: 'never show progress' },
  version: { short: 'V', help: 'print the version and exit' },
  help: { short: 'h', help: 'show this help and exit' },
};

const byShort = Object.fromEntries(
  Object.entries(OPTIONS)
    .filter(([, o]) => o.short)
    .map(([name, o]) => [o.short, name]),
);

// Levenshtein distance, for "did you mean".
function distance(a, b) {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** The known long option closest to `name` (without dashes), or null if none is close. */
export function closestOption(name) {
  let best = null;
  let bestD = Infinity;
  for (const known of Object.keys(OPTIONS)) {
    const d = known.startsWith(name) && name.length >= 3 ? 0.5 : distance(name, known);
    if (d < bestD) [best, bestD] = [known, d];
  }
  return bestD <= Math.max(1, Math.floor(name.length / 3)) ? best : null;
}

function unknown(arg, name) {
  const guess = closestOption(name);
  return new UsageError(`unknown option ${arg}` + (guess ? ` (did you mean --${guess}?)` : ''));
}

/**
 * Splits argv into {values: {name: string | true | string[]}, positionals}.
 * A value may follow its option (--timeout 5, -t 5) or be joined to it
 * (--timeout=5, -t5); short flags group (-sk). "-" is a positional.
 */
export function parse(argv) {
  const values = {};
  const positionals = [];
  const set = (name, value) => {
    if (OPTIONS[name].multiple) (values[name] ??= []).push(value);
    else values[name] = value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = (option) => {
      if (i + 1 >= argv.length) throw new UsageError(`${option} needs a value (${OPTIONS[nameOf(option)].value})`);
      return argv[++i];
    };
    const nameOf = (option) => (option.startsWith('--') ? option.slice(2) : byShort[option[1]]);
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const spec = OPTIONS[name];
      if (!spec) throw unknown(`--${name}`, name);
      if (!spec.value) {
        if (eq >= 0) throw new UsageError(`--${name} takes no value`);
        set(name, true);
      } else {
        set(name, eq >= 0 ? arg.slice(eq + 1) : next(`--${name}`));
      }
    } else if (arg.startsWith('-') && arg !== '-') {
      for (let k = 1; k < arg.length; k++) {
        const name = byShort[arg[k]];
        if (!name)
          throw new UsageError(
            `unknown option -${arg[k]}` +
              (arg.length > 2 && !arg.startsWith('--') && closestOption(arg.slice(1))
                ? ` (did you mean --${closestOption(arg.slice(1))}?)`
                : ''),
          );
        if (!OPTIONS[name].value) {
          set(name, true);
        } else {
          set(name, k + 1 < arg.length ? arg.slice(k + 1) : next(`-${arg[k]}`));
          break;
        }
      }
    } else {
      positionals.push(arg);
    }
  }
  return { values, positionals };
}

const EXAMPLES = `examples:
  corio-check https://example.com/ https://example.org/missing
  corio-check -f urls.txt -c 50 -t 5 --format csv -o results.csv
  cat urls.txt | corio-check --format json --fail-on 5xx,error
  corio-check -L --max-redirs 5 -A "my-monitor/1.0" -H "Accept: text/html" URL
  corio-check -I --retry 3 --retry-delay 0.5 URL
  corio-check --cacert ca.pem https://127.0.0.1:8443/
  HTTPS_PROXY=http://127.0.0.1:3128 corio-check https://example.com/`;

/** The --help text, made from OPTIONS. */
export function usage() {
  const left = (name, o) => `${o.short ? `-${o.short}, ` : '    '}--${name}${o.value ? ` ${o.value}` : ''}`;
  const width = Math.max(...Object.entries(OPTIONS).map(([n, o]) => left(n, o).length)) + 2;
  const lines = Object.entries(OPTIONS).map(([name, o]) => {
    const [first, ...rest] = o.help.split('\n');
    return [`  ${left(name, o).padEnd(width)}${first}`, ...rest.map((r) => ' '.repeat(width + 2) + r)].join('\n');
  });
  return `usage: corio-check [options] [URL...]

Checks the HTTP status of each URL (a GET request, the status line only
unless -L follows redirects) and prints the results. URLs come from the
arguments, from -f FILE (one per line, # starts a comment), or from standard
input ("-", or when no URL is given and input is piped).

options:
${lines.join('\n')}

${EXAMPLES}

Exit status: 0 if no URL failed as --fail-on says (by default: every URL
answered with a status below 400), 1 if any did, 2 for a usage error.`;
}

/** The proxy settings from the flags, else from the environment (curl's names). */
export function proxySettings({ proxy, noproxy }, env) {
  const pick = (...names) => names.map((n) => env[n]).find((v) => v !== undefined && v !== '');
  return {
    http: proxy ?? pick('http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY') ?? '',
    https: proxy ?? pick('https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY') ?? '',
    noProxy: (noproxy ?? pick('no_proxy', 'NO_PROXY') ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  };
}
