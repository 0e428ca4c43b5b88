// relay.test.mjs — the dev server's connection relay (server/relay.mjs) and
// its carrier in the module (runtime/host/library_net.js, CorioRelay), from
// Node with the `ws` client standing in for a page's WebSocket: the relay
// takes only its own origin with its secret; through it the C stream client
// reads a server's own bytes, the reader's pauses reach the remote socket,
// and every failure (a closed port, a silent port, a bad certificate) ends
// with the same status as on Node's own sockets.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer } from 'node:net';
import WebSocket from 'ws';
import { load } from '../../npm/node.mjs';
import { checkUrls } from '../../npm/checker.mjs';
import { startServer } from '../../server/server.mjs';
import { CONTROL, DATA, RELAY_PROTOCOL, frameRecords, recordHead } from '../../server/relay.mjs';
import {
  MISSING,
  assertResult,
  checkGetOk,
  checkPostEcho,
  checkSlowBigBody,
  loadClient,
  runPausedRead,
  useServers,
} from './lib/stream_client.mjs';
import { makeTestCertificates } from './lib/tls_certs.mjs';

const T = { timeout: 30_000 };

// A WebSocket with the browser's constructor that sends `origin`.
const withOrigin = (origin) =>
  class extends WebSocket {
    constructor(url, protocols) {
      super(url, protocols, origin === undefined ? {} : { origin });
    }
  };

/** Module.corioRelay for the dev server `site`, as its page would make it. */
export function relayOptions(site, origin = site.url.replace(/\/$/, '')) {
  const cfg = site.relay.config();
  return {
    url: `${site.url.replace(/^http/, 'ws').replace(/\/$/, '')}${cfg.path}`,
    protocol: cfg.protocol,
    secret: cfg.secret,
    WebSocket: withOrigin(origin),
  };
}

// Tries an upgrade; resolves to 'open' or the HTTP status it was refused with.
function tryUpgrade(url, protocols, origin) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols, origin === undefined ? {} : { origin });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (req, res) => {
      resolve(res.statusCode);
      req.destroy();
    });
    ws.on('error', () => {});
  });
}

describe('the connection relay', { skip: MISSING ?? false }, () => {
  const srv = useServers({ watched: false });
  let site;
  before(async () => {
    site = await startServer({ port: 0 });
  });
  after(() => site?.close());

  describe('who may use it', () => {
    const url = () => `${site.url.replace(/^http/, 'ws')}relay`;
    const secret = () => `secret.${site.relay.secret}`;

    test("the page's own origin with the secret is let in", T, async () => {
      assert.equal(await tryUpgrade(url(), [RELAY_PROTOCOL, secret()], site.url.slice(0, -1)), 'open');
    });

    test('a foreign Origin is refused, secret or not', T, async () => {
      assert.equal(await tryUpgrade(url(), [RELAY_PROTOCOL, secret()], 'http://example.com'), 403);
    });

    test('no Origin at all is refused', T, async () => {
      assert.equal(await tryUpgrade(url(), [RELAY_PROTOCOL, secret()], undefined), 403);
    });

    test('a missing or wrong secret is refused', T, async () => {
      const origin = site.url.slice(0, -1);
      assert.equal(await tryUpgrade(url(), [RELAY_PROTOCOL], origin), 403);
      assert.equal(await tryUpgrade(url(), [RELAY_PROTOCOL, 'secret.0000'], origin), 403);
    });

    test('the page served to its own origin carries the secret, to a rebound name it does not', T, async () => {
      const own = await (await fetch(site.url)).text();
      assert.ok(own.includes(site.relay.secret), 'the page lacks the relay config');
      const { request } = await import('node:http');
      const rebound = await new Promise((resolve, reject) => {
        request(site.url, { headers: { Host: `attacker.example:${site.port}` } }, (res) => {
          let body = '';
          res.on('data', (d) => {
            body += d;
          });
          res.on('end', () => resolve(body));
        })
          .on('error', reject)
          .end();
      });
      assert.ok(rebound.includes('<meta name="corio-relay" content="">'), 'the rebound page has a config');
      assert.ok(!rebound.includes(site.relay.secret));
    });
  });

  describe('streams through it', { concurrency: 1 }, () => {
    let client;
    const run = (...args) => client.run(args);
    before(async () => {
      client = await loadClient({ corioRelay: relayOptions(site) });
    });

    test("a GET reads the server's own bytes, framing included", T, async () => {
      const r = await checkGetOk(run, srv, '/200');
      assert.match(r.lines[0], new RegExp(`^connected ${srv.host}:${srv.port}$`));
      assert.ok(r.head.includes('Content-Length: 2'), r.head.join('\n'));
    });

    test('a POST body reaches the server (echo)', T, () => checkPostEcho(run, srv));

    test('a big body read slowly arrives whole and in order', T, () => checkSlowBigBody(run, srv));

    test('any bytes can be sent: a banner server answers', T, async () => {
      const r = await run('raw', srv.host, srv.portOf('banner'), 'hello\\r\\n');
      assertResult(r, 'CORIO_OK');
      assert.ok(
        r.lines.some((l) => l.includes('SSH-2.0-OpenSSH_9.0')),
        r.lines.join('\n'),
      );
    });

    test('a paused reader pauses the remote socket', T, async () => {
      const { Socket } = await import('node:net');
      // The relay's sockets are this process's: count what they have read.
      const sockets = new Set();
      const read = () => [...sockets].reduce((n, s) => n + s.bytesRead, 0);
      const orig = Socket.prototype.connect;
      Socket.prototype.connect = function (...args) {
        sockets.add(this);
        return orig.apply(this, args);
      };
      try {
        const atPause = await runPausedRead(client, srv, read);
        assert.ok(
          atPause !== null && atPause < 1024 * 1024,
          `the relay read ${atPause} of 4194304 bytes while C was not reading`,
        );
      } finally {
        Socket.prototype.connect = orig;
      }
    });

    test('start_server listens through the relay: the module connects to its own server', T, async () => {
      const r = await run('serve', '127.0.0.1');
      assertResult(r, 'CORIO_OK');
      assert.deepEqual(
        r.lines.filter((l) => /^(listening|reply|server closed)/.test(l)),
        ['listening', 'reply 12 "echo: hello\\n"', 'server closed'],
        r.lines.join('\n'),
      );
    });

    test('the relay listens for a page on loopback only', T, async () => {
      // Refused before any socket is made: nothing listens on 0.0.0.0.
      const r = await run('serve', '0.0.0.0');
      assertResult(r, 'CORIO_EDENIED');
      assert.ok(
        r.lines.some((l) => l.includes('loopback address only')),
        r.lines.join('\n'),
      );
    });
  });

  describe('with deny_private asked by the page', { concurrency: 1 }, () => {
    let client,
      target,
      seen = 0;
    const run = (...args) => client.run(args);
    before(async () => {
      client = await loadClient({ corioRelay: relayOptions(site) });
      target = createTcpServer((s) => {
        seen++;
        s.destroy();
      });
      await new Promise((done) => target.listen(0, '127.0.0.1', done));
    });
    after(() => new Promise((done) => target?.close(done)));

    test('a relay without --deny-private refuses a loopback target for that connection only', T, async () => {
      const r = await run('get-deny', '127.0.0.1', target.address().port, '/');
      assertResult(r, 'CORIO_EDENIED');
      assert.ok(
        r.lines.some((l) => l.includes('loopback')),
        r.lines.join('\n'),
      );
      const name = await run('get-deny', 'localhost', target.address().port, '/');
      assertResult(name, 'CORIO_EDENIED');
      assert.equal(seen, 0, 'the target saw a connection');
      const plain = await run('get', '127.0.0.1', target.address().port, '/');
      assert.ok(seen >= 1, `without deny_private the target is reached (${plain.lines.join(' | ')})`);
    });
  });

  describe('with --deny-private', { concurrency: 1 }, () => {
    let strict,
      client,
      target,
      seen = 0;
    const run = (...args) => client.run(args);
    before(async () => {
      target = createTcpServer((s) => {
        seen++;
        s.destroy();
      });
      await new Promise((done) => target.listen(0, '127.0.0.1', done));
      strict = await startServer({ port: 0, denyPrivate: true });
      client = await loadClient({ corioRelay: relayOptions(strict) });
    });
    after(async () => {
      await strict?.close();
      await new Promise((done) => target?.close(done));
    });

    test('a loopback target is refused as the CLI refuses it, and never connected to', T, async () => {
      const r = await run('get', '127.0.0.1', target.address().port, '/');
      assertResult(r, 'CORIO_EDENIED');
      assert.ok(
        r.lines.some((l) => l.includes('denied by --deny-private') && l.includes('loopback')),
        r.lines.join('\n'),
      );
      assert.equal(seen, 0, 'the target saw a connection');
    });

    test('a name that resolves to loopback is refused too', T, async () => {
      const r = await run('get', 'localhost', target.address().port, '/');
      assertResult(r, 'CORIO_EDENIED');
      assert.equal(seen, 0, 'the target saw a connection');
    });
  });

  describe("failures end as on Node's own sockets", () => {
    let certs, tlsServer, silent, relayed, nodeOwn;
    const silentSockets = new Set();
    before(async () => {
      certs = makeTestCertificates();
      tlsServer = createHttpsServer({ key: certs.key, cert: certs.cert }, (req, res) => res.end('x'));
      await new Promise((done) => tlsServer.listen(0, '127.0.0.1', done));
      silent = createTcpServer((s) => {
        silentSockets.add(s);
        s.on('close', () => silentSockets.delete(s));
      });
      await new Promise((done) => silent.listen(0, '127.0.0.1', done));
      relayed = await load({ corioRelay: relayOptions(site) });
      nodeOwn = await load();
    });
    after(async () => {
      for (const s of silentSockets) s.destroy();
      await new Promise((done) => silent?.close(done));
      await new Promise((done) => tlsServer?.close(done));
      certs?.remove();
    });

    test('the phases of opening (DNS, TCP) come through the relay, in order', T, async () => {
      const [r] = await checkUrls([`${srv.fixtures.base}200`], { timeout: 5, corio: relayed });
      const t = r.timings;
      assert.equal(r.status, 200);
      assert.ok(t.dns !== null && t.dns <= t.connect && t.connect <= t.tls && t.tls <= t.firstByte, JSON.stringify(t));
    });

    test('a closed port, a silent port, a bad certificate, and answers without CORS', T, async () => {
      const urls = [
        `http://${srv.host}:${srv.portOf('refused')}/`,
        `http://127.0.0.1:${silent.address().port}/`,
        `https://localhost:${tlsServer.address().port}/`,
        ...['200', '404', '500', '301'].map((s) => `${srv.fixtures.base}nocors/${s}`),
      ];
      const opts = { concurrency: 10, timeout: 1 };
      const shape = (r) => ({ url: r.url, status: r.status, error: r.error?.codeName ?? null });
      const viaRelay = (await checkUrls(urls, { ...opts, corio: relayed })).map(shape);
      const viaNode = (await checkUrls(urls, { ...opts, corio: nodeOwn })).map(shape);
      assert.deepEqual(viaRelay, viaNode);
      assert.deepEqual(
        viaRelay.map((r) => r.error ?? r.status),
        ['CORIO_ECONNREFUSED', 'CORIO_ETIMEDOUT', 'CORIO_ETLS', 200, 404, 500, 301],
      );
    });
  });
});

// A relay played by this process as scripted (a test double), for what the
// real one cannot be made to do: it answers each request with `answer`, says each write was sent unless
// `ackWrites` is false, and records each close without ever reporting the
// connection closed (as a relay whose report is still on its way).
function scriptedRelay({ answer, ackWrites = true }) {
  const closes = [];
  const requests = new Map(); // id -> the bytes written so far
  const frame = (records) =>
    Buffer.concat(records.flatMap(([kind, id, bytes]) => [recordHead(kind, id, bytes.length), bytes]));
  const control = (m) => [CONTROL, 0, Buffer.from(JSON.stringify(m))];
  class ScriptedWebSocket {
    constructor() {
      setImmediate(() => this.onopen?.());
    }
    reply(records) {
      const b = frame(records);
      setImmediate(() => this.onmessage?.({ data: b.buffer.slice(b.byteOffset, b.byteOffset + b.length) }));
    }
    send(bytes) {
      for (const { kind, id, bytes: body } of frameRecords(Buffer.from(bytes))) {
        const m = kind === CONTROL ? JSON.parse(String(body)) : null;
        if (m?.t === 'open') this.reply([control({ t: 'connected', id: m.id, address: m.host, port: m.port })]);
        else if (m?.t === 'close') closes.push(m);
        else if (kind === DATA) {
          // Each write acknowledged; the answer once the request has ended.
          const out = ackWrites ? [control({ t: 'sent', id, n: body.length })] : [];
          requests.set(id, (requests.get(id) ?? '') + body);
          if (requests.get(id).endsWith('\r\n\r\n'))
            out.push([DATA, id, Buffer.from(answer)], control({ t: 'eof', id }));
          if (out.length > 0) this.reply(out);
        }
      }
    }
    close() {}
  }
  return { WebSocket: ScriptedWebSocket, closes };
}

describe("the relay's close", { skip: MISSING ?? false }, () => {
  const answer = 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n';
  const relayWith = (relay) =>
    load({
      corioRelay: {
        url: 'ws://scripted-relay.invalid',
        protocol: RELAY_PROTOCOL,
        secret: 'x',
        WebSocket: relay.WebSocket,
      },
    });

  // As asyncio's close: with nothing left to send, the connection is closed
  // here; waiting for the relay's report would cost a round trip per check.
  test('with every byte sent, wait_closed does not wait for the relay', T, async () => {
    const relay = scriptedRelay({ answer });
    const [r] = await checkUrls(['http://127.0.0.1:9/'], { timeout: 2, corio: await relayWith(relay) });
    assert.equal(r.status, 200, JSON.stringify(r.error));
    assert.equal(relay.closes.length, 1);
  });

  test('with bytes the relay has not sent, wait_closed waits for its report', T, async () => {
    const relay = scriptedRelay({ answer, ackWrites: false });
    const [r] = await checkUrls(['http://127.0.0.1:9/'], { timeout: 1, corio: await relayWith(relay) });
    assert.equal(r.error?.codeName, 'CORIO_ETIMEDOUT', JSON.stringify(r));
    assert.equal(relay.closes.length, 1);
  });
});
