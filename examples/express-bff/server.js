'use strict';
// A backend-for-frontend on Express 5 that calls one upstream through axios-keepalive:
// - pino-http gives every inbound request an id (the caller's x-request-id when it sends a sane
//   one) and a child logger, req.log;
// - inboundMiddleware() makes that request the current one, so each upstream call made while
//   handling it logs through req.log (its line carries reqId) and forwards x-request-id and
//   traceparent (the client's propagateHeaders);
// - GET /metrics serves the pool's metrics (axios-keepalive/metrics) with prom-client.
//
// `node server.js` runs it (PORT, default 3000); without UPSTREAM_URL it starts its own upstream
// on loopback (upstream.js). `require('axios-keepalive')` resolves to this repository's build
// through the package's self-reference: run `npm run build` at the root first.
const http = require('node:http');
const { randomUUID } = require('node:crypto');
const express = require('express');
const pino = require('pino');
const pinoHttp = require('pino-http');
const { Registry } = require('prom-client');
const { createClient, inboundMiddleware, isTimeoutError } = require('axios-keepalive');
const { registerMetrics } = require('axios-keepalive/metrics');
const { startUpstream } = require('./upstream');

// An inbound id is copied into logs and upstream headers: accept only a short, plain token.
const SANE_ID = /^[\w.:-]{1,128}$/;

function requestId(req, res) {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && SANE_ID.test(incoming) ? incoming : randomUUID();
  // Written back so that propagateHeaders forwards the id even when this service made it up.
  req.headers['x-request-id'] = id;
  res.setHeader('x-request-id', id);
  return id;
}

function buildApp({ logger, client, registry }) {
  const app = express();
  app.disable('x-powered-by');
  // quietReqLogger: req.log binds only { reqId }, not the whole serialized request (pino-http's
  // default binds `req`, with its headers, to every line logged through req.log).
  app.use(pinoHttp({ logger, genReqId: requestId, quietReqLogger: true, autoLogging: { ignore: (req) => req.url === '/metrics' } }));
  app.use(inboundMiddleware());

  app.get('/api/items/:id', async (req, res) => {
    const upstream = await client.get(`/items/${encodeURIComponent(req.params.id)}`);
    res.json({ item: upstream.data, upstreamSocket: { reused: upstream.keepAlive?.reused ?? null } });
  });

  // Two upstream calls at once: they take two sockets from the pool.
  app.get('/api/dashboard', async (req, res) => {
    const [a, b] = await Promise.all([client.get('/items/1'), client.get('/items/2')]);
    res.json({ items: [a.data, b.data] });
  });

  app.get('/metrics', async (req, res) => {
    res.set('content-type', registry.contentType);
    res.send(await registry.metrics());
  });

  // Express 5 passes a rejected handler here. The upstream's error goes to the log (pino-http
  // logs res.err with the request line), never its body to the caller.
  app.use((err, req, res, next) => {
    if (res.headersSent) return next(err);
    res.err = err;
    const status = isTimeoutError(err) ? 504 : err.isAxiosError === true ? 502 : 500;
    res.status(status).json({ error: status === 504 ? 'upstream timeout' : status === 502 ? 'upstream failed' : 'internal error' });
  });
  return app;
}

/**
 * Starts the BFF. `port` 0 picks a free port; without `upstreamUrl` a loopback upstream is started
 * too; `logStream` (anything with write()) receives the JSON log lines, stdout by default.
 */
async function start({ port = 3000, host = '127.0.0.1', upstreamUrl, logStream } = {}) {
  // pino-http's request line lists the inbound headers: keep credentials out of the logs.
  const options = { level: process.env.LOG_LEVEL ?? 'info', redact: ['req.headers.authorization', 'req.headers.cookie'] };
  const logger = logStream ? pino(options, logStream) : pino(options);
  const upstream = upstreamUrl ? undefined : await startUpstream();
  const client = createClient({
    axios: { baseURL: upstreamUrl ?? upstream.url },
    // Calls made outside an inbound request (none here) would log through this one.
    logger,
    propagateHeaders: ['x-request-id', 'traceparent'],
    agent: { maxSockets: 20 },
    timeouts: { total: 5000 },
  });
  const registry = new Registry();
  const metrics = registerMetrics(client.keepAlive, { registry, client: 'items' });

  const server = http.createServer(buildApp({ logger, client, registry }));
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  return {
    url: `http://${host}:${address.port}`,
    upstreamUrl: upstreamUrl ?? upstream.url,
    logger,
    client,
    registry,
    /** Stops taking requests, then closes the pool and the loopback upstream. */
    async close() {
      await new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      metrics.unregister();
      await client.keepAlive.close();
      if (upstream) await upstream.close();
    },
  };
}

module.exports = { start };

if (require.main === module) {
  start({ port: Number(process.env.PORT ?? 3000), upstreamUrl: process.env.UPSTREAM_URL }).then((app) => {
    app.logger.info({ url: app.url, upstream: app.upstreamUrl }, `express-bff listening on ${app.url}`);
    const stop = () => app.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }, (err) => {
    console.error(err);
    process.exit(1);
  });
}
