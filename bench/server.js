// The loopback server, in its own process so its CPU is not the client's. It counts the TCP
// connections it accepts and reports them over IPC; run.js resets the count before each contender
// run and reads it after the contender process has exited.
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const net = require('node:net');
const { JSON_REPLY, BIG_BYTES, TLS_FIXTURES } = require('./workloads');
const { guardChild, serve } = require('./ipc');

// Exits when run.js goes away, and after the bench's whole time budget in any case.
guardChild(Number(process.env.BENCH_GUARD_MS) || 15 * 60_000);

const BIG = Buffer.alloc(BIG_BYTES, 97);
const JSON_HEADERS = { 'content-type': 'application/json', 'content-length': JSON_REPLY.length };
const BIG_HEADERS = { 'content-type': 'application/octet-stream', 'content-length': BIG.length };

let accepted = 0;
let open = 0;
let peakOpen = 0;
let requests = 0;

function onRequest(req, res) {
  requests++;
  if (req.url === '/json') {
    // Read the whole body before answering, as a real endpoint does.
    req.on('data', noop);
    req.on('end', () => {
      res.writeHead(200, JSON_HEADERS);
      res.end(JSON_REPLY);
    });
    return;
  }
  req.resume();
  if (req.url === '/64k') {
    res.writeHead(200, BIG_HEADERS);
    res.end(BIG);
    return;
  }
  res.writeHead(404);
  res.end();
}

function noop() {}

function countConnection(socket) {
  accepted++;
  open++;
  if (open > peakOpen) peakOpen = open;
  socket.once('close', () => {
    open--;
  });
}

const server = http.createServer(onRequest);
server.on('connection', countConnection);

// The proxied section (issue 14): the same routes over TLS (the test certificate for 127.0.0.1),
// reached only through a CONNECT proxy that counts the connections it accepts and the tunnels it opens.
const tlsServer = https.createServer({ key: fs.readFileSync(TLS_FIXTURES.key), cert: fs.readFileSync(TLS_FIXTURES.cert) }, onRequest);
tlsServer.on('secureConnection', countConnection);
let proxyAccepted = 0;
let tunnels = 0;
const proxy = http.createServer((req, res) => {
  res.writeHead(405).end('CONNECT only');
});
proxy.on('connection', (socket) => {
  proxyAccepted++;
  socket.on('error', noop);
});
proxy.on('connect', (req, client, head) => {
  // Loopback only: the only target is this process's TLS server.
  if (req.url !== `127.0.0.1:${tlsServer.address().port}`) {
    client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  const upstream = net.connect(tlsServer.address().port, '127.0.0.1', () => {
    tunnels++;
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) upstream.write(head);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  upstream.setNoDelay(true);
  client.setNoDelay(true);
  upstream.on('error', () => client.destroy());
  client.on('error', () => upstream.destroy());
  client.once('close', () => upstream.destroy());
  upstream.once('close', () => client.destroy());
});
// Node's default keepAliveTimeout (5 s, advertised as Keep-Alive: timeout=5) stays: it is what the
// clients meet in production, and no run leaves a socket idle that long.
const listen = (srv) => new Promise((resolve) => srv.listen({ host: '127.0.0.1', port: 0, backlog: 2048 }, resolve));
Promise.all([listen(server), listen(tlsServer), listen(proxy)]).then(() => {
  process.send({ type: 'listening', port: server.address().port, tlsPort: tlsServer.address().port, proxyPort: proxy.address().port });
});

serve({
  reset() {
    accepted = 0;
    peakOpen = open;
    requests = 0;
    proxyAccepted = 0;
    tunnels = 0;
    return { open };
  },
  count() {
    return { accepted, open, peakOpen, requests, proxyAccepted, tunnels };
  },
});
