'use strict';
// A stand-in upstream on loopback, so `node server.js` runs alone: GET /items/:id and POST /orders
// answer JSON after a short delay, on a plain Node http server (keep-alive on, Node's defaults).
// Run it alone with `node upstream.js` (PORT, default 3001) to point the BFF at it via UPSTREAM_URL.
const http = require('node:http');

const DELAY_MS = 5;

/** Starts the upstream on 127.0.0.1; `port` 0 picks a free one. */
async function startUpstream({ port = 0 } = {}) {
  const timers = new Set();
  let nextOrder = 1;
  const server = http.createServer((req, res) => {
    const item = /^\/items\/([\w-]{1,64})$/.exec(req.url ?? '');
    const isOrder = req.method === 'POST' && req.url === '/orders';
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { if (body.length < 65536) body += chunk; });
    req.on('end', () => {
      if (!(req.method === 'GET' && item) && !isOrder) {
        res.statusCode = 404;
        res.end();
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        const seenRequestId = req.headers['x-request-id'] ?? null;
        res.setHeader('content-type', 'application/json');
        if (isOrder) {
          res.statusCode = 201;
          res.end(JSON.stringify({ orderId: nextOrder++, received: JSON.parse(body || 'null'), seenRequestId }));
        } else {
          res.end(JSON.stringify({ id: item[1], name: `item ${item[1]}`, seenRequestId }));
        }
      }, DELAY_MS);
      timers.add(timer);
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => {
      for (const t of timers) clearTimeout(t);
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

module.exports = { startUpstream };

if (require.main === module) {
  startUpstream({ port: Number(process.env.PORT ?? 3001) }).then((upstream) => {
    console.log(`upstream listening on ${upstream.url}`);
    const stop = () => upstream.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
