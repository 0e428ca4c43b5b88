// tls_native.test.mjs — native TLS streams (runtime/host/tls_openssl.c)
// through build/native/tls_client (tests/c/programs/tls_client.c, ASan):
// against a Node TLS echo server whose certificate comes from a throwaway
// CA made with openssl at test time, the bytes go both ways (partial TLS
// writes, half-close by close_notify); the certificate is checked against
// the CA file, the system's store and the name (IP address or DNS name,
// sent as SNI); and TLS spoken to a plain port fails with CORIO_ETLS.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { describeNativeEnd, runNative } from './lib/native_program.mjs';
import { makeTestCertificates } from './lib/stream_client.mjs';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const client = fileURLToPath(new URL('../../build/native/tls_client', import.meta.url));
const TIMEOUT_MS = 20_000;

// Runs the client; resolves to {lines, result: {code, message}, how}.
async function run(...args) {
  const r = await runNative(client, args, { timeoutMs: TIMEOUT_MS });
  const lines = r.output.split('\n').filter(Boolean);
  const last = lines.filter((l) => l.startsWith('result ')).pop() ?? 'result (none)';
  const [, code, message = ''] = last.match(/^result (\S+) ?(.*)$/) ?? [];
  return { lines, result: { code, message }, how: `${describeNativeEnd(r)}\n--- output ---\n${r.output}` };
}

// Listens on 127.0.0.1, a free port; resolves to the port.
const listen = (server) => new Promise((done) => server.listen(0, '127.0.0.1', () => done(server.address().port)));

describe('native TLS streams', { concurrency: 2 }, () => {
  let certs, tlsServer, plainServer, tlsPort, plainPort;
  const servernames = []; // the SNI each TLS client sent

  before(async () => {
    const make = spawnSync('make', ['-f', 'emscripten.mk', '-j2', 'build/native/tls_client'], {
      cwd: repo,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    assert.equal(make.status, 0, `building tls_client failed:\n${make.stdout}${make.stderr}`);
    certs = makeTestCertificates();
    assert.ok(
      certs,
      'making the test certificates failed: is the openssl command installed? ' +
        '(scripts/ensure-toolchain.sh --test installs it)',
    );
    // Echoes everything; ends its side when the client ends its own.
    tlsServer = tls.createServer({ key: certs.key, cert: certs.cert, allowHalfOpen: true }, (s) => {
      servernames.push(s.servername);
      s.on('error', () => {});
      s.pipe(s);
    });
    tlsServer.on('tlsClientError', () => {}); // the failed handshakes are the point
    // Answers anything with an HTTP error, as a plain HTTP port would.
    plainServer = net.createServer((s) => {
      s.on('error', () => {});
      s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
    });
    [tlsPort, plainPort] = await Promise.all([listen(tlsServer), listen(plainServer)]);
  });

  after(() => {
    // Not waiting for 'close': a TLS server whose clients failed their
    // handshake may never emit it (Node 20), though nothing is left open.
    for (const s of [tlsServer, plainServer]) s?.close();
    certs?.remove();
  });

  test('bytes go both ways, then half-close, with the certificate checked for an IP address', async () => {
    const r = await run('echo', '127.0.0.1', String(tlsPort), certs.caFile);
    assert.equal(r.result.code, 'CORIO_OK', r.how);
    assert.ok(r.lines.includes(`peer 127.0.0.1:${tlsPort}`), r.how);
    // get_extra_info: the local address, and the certificate's subject.
    assert.ok(
      r.lines.some((l) => /^sockname 127\.0\.0\.1:[1-9]\d*$/.test(l)),
      r.how,
    );
    assert.ok(r.lines.includes('peercert CN=localhost'), r.how);
    assert.ok(r.lines.includes('line hello over TLS'), r.how);
    assert.ok(r.lines.includes('big ok'), r.how);
    assert.ok(r.lines.includes('eof'), r.how);
  });

  test('a host name is resolved off the loop, sent as SNI and checked', async () => {
    const r = await run('echo', 'localhost', String(tlsPort), certs.caFile);
    assert.equal(r.result.code, 'CORIO_OK', r.how);
    assert.ok(r.lines.includes('big ok'), r.how);
    assert.ok(servernames.includes('localhost'), `SNI seen by the server: ${servernames}`);
  });

  test('a certificate for another name is CORIO_ETLS', async () => {
    const r = await run('connect', '127.0.0.1', String(tlsPort), certs.caFile, 'other.example');
    assert.equal(r.result.code, 'CORIO_ETLS', r.how);
    assert.match(r.result.message, /certificate/i, r.how);
    assert.match(r.result.message, /mismatch/i, r.how);
    assert.match(r.result.message, new RegExp(`127\\.0\\.0\\.1:${tlsPort}`), r.how);
  });

  test('a CA that the system store does not hold is CORIO_ETLS', async () => {
    const r = await run('connect', '127.0.0.1', String(tlsPort), '-');
    assert.equal(r.result.code, 'CORIO_ETLS', r.how);
    assert.match(r.result.message, /certificate/i, r.how);
  });

  test('a CA file that cannot be read is CORIO_ETLS naming it', async () => {
    const r = await run('connect', '127.0.0.1', String(tlsPort), '/nonexistent/ca.pem');
    assert.equal(r.result.code, 'CORIO_ETLS', r.how);
    assert.match(r.result.message, /\/nonexistent\/ca\.pem/, r.how);
  });

  test('TLS to a plain port is CORIO_ETLS, saying the port does not speak TLS', async () => {
    const r = await run('connect', '127.0.0.1', String(plainPort), certs.caFile);
    assert.equal(r.result.code, 'CORIO_ETLS', r.how);
    assert.match(r.result.message, new RegExp(`127\\.0\\.0\\.1:${plainPort}`), r.how);
    assert.match(r.result.message, /does not speak TLS/, r.how);
  });
});
