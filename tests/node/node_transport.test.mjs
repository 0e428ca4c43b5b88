// node_transport.test.mjs — the Node stream transport of wasm builds
// (runtime/host/library_net.js, CorioNode: Node's net and tls, passed in as
// Module.corioNet): a C client (tests/c/programs/stream_client.c) against
// the HTTP fixtures reads the server's bytes exactly, gets a distinct error
// for each failure, checks TLS certificates, pauses the socket when its
// reader is full, closes when asked, and serves connections.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import {
  MISSING,
  assertResult,
  checkGetOk,
  checkPostEcho,
  checkSlowBigBody,
  loadClient,
  runClient,
  runClose,
  runPausedRead,
  useServers,
} from './lib/stream_client.mjs';
import { makeTestCertificates } from './lib/tls_certs.mjs';

const T = { timeout: 20_000 };
const run = (...args) => runClient(args);

describe('the Node transport (net, tls)', { skip: MISSING ?? false, concurrency: 2 }, () => {
  const srv = useServers();

  test("a GET reads the server's own bytes, framing included", T, async () => {
    const r = await checkGetOk(run, srv, '/200');
    assert.match(r.lines[0], new RegExp(`^connected ${srv.host}:${srv.port}$`));
    assert.equal(r.head[0], 'HTTP/1.1 200 OK');
    assert.ok(r.head.includes('Content-Length: 2'), r.head.join('\n'));
  });

  test('a chunked body comes framed, and corio_fetch decodes it', T, async () => {
    const raw = await run('get', srv.host, srv.port, '/chunked?n=2&ms=5');
    assert.equal(raw.body, '8\r\nchunk 0\n\r\n8\r\nchunk 1\n\r\n0\r\n\r\n');
    const decoded = await run('fetch', `${srv.fixtures.base}chunked?n=2&ms=5`);
    assertResult(decoded, 'CORIO_OK');
    assert.equal(decoded.body, 'chunk 0\nchunk 1\n');
  });

  test('a POST body reaches the server (echo)', T, () => checkPostEcho(run, srv));

  test('a big body read slowly arrives whole and in order', T, () => checkSlowBigBody(run, srv));

  test('any bytes can be sent: a banner server answers', T, async () => {
    const r = await run('raw', srv.host, srv.portOf('banner'), 'hello\\r\\n');
    assertResult(r, 'CORIO_OK');
    assert.ok(
      r.lines.includes('unparsed 57 "SSH-2.0-OpenSSH_9.0\\r\\nInvalid SSH identification string.\\r\\n"'),
      r.lines.join('\n'),
    );
  });

  test('a refused port fails with CORIO_ECONNREFUSED naming host:port', T, async () => {
    const refused = srv.portOf('refused');
    const r = await run('get', srv.host, refused, '/');
    assertResult(r, 'CORIO_ECONNREFUSED');
    assert.match(r.result.message, new RegExp(`^${srv.host}:${refused}: connect ECONNREFUSED`));
  });

  test('a reset in the body is CORIO_ECONNRESET', T, async () => {
    assertResult(await run('get', srv.host, srv.port, '/reset-body'), 'CORIO_ECONNRESET');
  });

  test('TLS to a plain HTTP port is CORIO_ETLS', T, async () => {
    assertResult(await run('fetch', `https://${srv.host}:${srv.port}/200`), 'CORIO_ETLS');
  });

  describe('TLS with a test certificate authority', () => {
    let certs, server, tlsPort;
    before(async () => {
      certs = makeTestCertificates();
      if (!certs) return;
      server = createServer({ key: certs.key, cert: certs.cert }, (req, res) => res.end('secret'));
      await new Promise((done) => server.listen(0, '127.0.0.1', done));
      tlsPort = server.address().port;
    });
    after(async () => {
      if (server) await new Promise((done) => server.close(done));
      certs?.remove();
    });

    test('a certificate from ca_file is trusted, for a name and for an address', T, async (t) => {
      if (!certs) return t.skip('openssl is not installed');
      for (const name of ['localhost', '127.0.0.1']) {
        const r = await run('fetch', `https://${name}:${tlsPort}/`, certs.caFile);
        assertResult(r, 'CORIO_OK');
        assert.equal(r.body, 'secret');
      }
    });

    test("get_extra_info knows the TLS peer certificate's subject and the sockname", T, async (t) => {
      if (!certs) return t.skip('openssl is not installed');
      const r = await run('tls', 'localhost', tlsPort, certs.caFile);
      assertResult(r, 'CORIO_OK');
      assert.ok(r.lines.includes('extra peercert CN=localhost'), r.lines.join('\n'));
      assert.ok(r.lines.includes('extra ssl 1'), r.lines.join('\n'));
      assert.ok(
        r.lines.some((l) => /^extra sockname 127\.0\.0\.1:[1-9]\d*$/.test(l)),
        r.lines.join('\n'),
      );
    });

    test('without its CA the certificate fails with CORIO_ETLS', T, async (t) => {
      if (!certs) return t.skip('openssl is not installed');
      const r = await run('fetch', `https://localhost:${tlsPort}/`);
      assertResult(r, 'CORIO_ETLS');
      assert.match(r.result.message, new RegExp(`^localhost:${tlsPort}: .*certificate`));
    });

    test('an unreadable ca_file is CORIO_ETLS saying so', T, async (t) => {
      if (!certs) return t.skip('openssl is not installed');
      const r = await run('fetch', `https://localhost:${tlsPort}/`, '/nonexistent/ca.pem');
      assertResult(r, 'CORIO_ETLS');
      assert.match(r.result.message, /cannot read ca_file: ENOENT/);
    });
  });

  test('closing in the middle of the body closes the socket', T, async () => {
    const { r, lead } = await runClose(run, srv.watched, '/stream', 1000);
    assert.ok(r.lines.includes('closed'), r.lines.join('\n'));
    // The client lives 0.5 s after closing: the server saw it leave then.
    assert.ok(lead > 250, 'the socket outlived its close');
  });

  test('a server accepts a client and closes', T, async () => {
    const r = await run('serve', '127.0.0.1');
    assertResult(r, 'CORIO_OK');
    assert.ok(r.lines.includes('reply 12 "echo: hello\\n"'), r.lines.join('\n'));
    assert.ok(r.lines.includes('server closed'));
  });

  test('listening on a port in use fails, naming host:port', T, async () => {
    const r = await run('serve', srv.host, srv.port); // the fixture's own port
    assertResult(r, 'CORIO_EIO');
    assert.match(r.result.message, new RegExp(`^${srv.host}:${srv.port}: listen EADDRINUSE`));
  });

  describe('run from JS (the JS-driven loop)', { concurrency: 1 }, () => {
    const sockets = [];
    let client;
    const runJs = (...args) => client.run(args);
    before(async () => {
      // net as Node has it, but every client socket is kept for the test.
      const watchedNet = {
        ...net,
        connect: (...args) => {
          const s = net.connect(...args);
          sockets.push(s);
          return s;
        },
      };
      client = await loadClient({ corioNet: { net: watchedNet, tls, fs } });
    });

    test('waiting on a connection alone is not taken for a deadlock', T, () => checkGetOk(runJs, srv, '/slow?ms=300'));

    test('a server accepts in the JS-driven loop', T, async () => {
      const r = await runJs('serve', '127.0.0.1');
      assertResult(r, 'CORIO_OK');
      assert.ok(r.lines.includes('server closed'));
    });

    test('a paused reader stops reading the socket', T, async () => {
      const readAtPause = await runPausedRead(client, srv, () => sockets.at(-1).bytesRead);
      assert.ok(
        readAtPause !== null && readAtPause < 512 * 1024,
        `the socket read ${readAtPause} of 4194304 bytes while C was not reading`,
      );
    });
  });
});
