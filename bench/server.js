// The loopback server, in its own process so its CPU is not the client's. It counts the TCP
// connections it accepts and reports them over IPC; run.js resets the count before each contender
// run and reads it after the contender process has exited.
'use strict';
const http = require('node:http');
const { JSON_REPLY, BIG_BYTES } = require('./workloads');
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

const server = http.createServer((req, res) => {
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
});

function noop() {}

server.on('connection', (socket) => {
  accepted++;
  open++;
  if (open > peakOpen) peakOpen = open;
  socket.once('close', () => {
    open--;
  });
});
// Node's default keepAliveTimeout (5 s, advertised as Keep-Alive: timeout=5) stays: it is what the
// clients meet in production, and no run leaves a socket idle that long.
server.listen({ host: '127.0.0.1', port: 0, backlog: 2048 }, () => {
  process.send({ type: 'listening', port: server.address().port });
});

serve({
  reset() {
    accepted = 0;
    peakOpen = open;
    requests = 0;
    return { open };
  },
  count() {
    return { accepted, open, peakOpen, requests };
  },
});
