'use strict';
// A backend-for-frontend on Fastify 5 that calls one upstream through axios-keepalive:
// - fastify gives every inbound request an id (the caller's x-request-id when it sends a sane one)
//   and a pino child logger, request.log, bound to { reqId };
// - inboundHook() makes that request the current one, so each upstream call made while handling it
//   logs through request.log (its line carries reqId) and forwards x-request-id and traceparent
//   (the client's propagateHeaders). It is a callback-style hook on purpose; the app's own hooks
//   below are async, and the context still reaches the handlers;
// - every minute, a pool-summary line per upstream at info, while the per-call line is at debug
//   when LOG_LEVEL is info (the default here): reuse stays visible at a fraction of the volume.
//
// `node server.js` runs it (PORT, default 3000); without UPSTREAM_URL it starts its own upstream
// on loopback (upstream.js). `require('axios-keepalive')` resolves to this repository's build
// through the package's self-reference: run `npm run build` at the root first.
const { randomUUID } = require('node:crypto');
const Fastify = require('fastify');
const pino = require('pino');
const { createClient, inboundHook, isTimeoutError } = require('axios-keepalive');
const { startUpstream } = require('./upstream');

// An inbound id is copied into logs and upstream headers: accept only a short, plain token.
const SANE_ID = /^[\w.:-]{1,128}$/;

function requestId(req) {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && SANE_ID.test(incoming) ? incoming : randomUUID();
  // Written back so that propagateHeaders forwards the id even when this service made it up.
  req.headers['x-request-id'] = id;
  return id;
}

function buildApp({ logger, client }) {
  const app = Fastify({ loggerInstance: logger, genReqId: requestId });

  // The two lines: the inbound request becomes the current one for the upstream calls.
  app.addHook('onRequest', inboundHook());

  // The app's own hooks, async as most are: they run inside the context set just above.
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('preHandler', async (request) => {
    request.log.debug({ route: request.routeOptions.url }, 'handling');
  });

  app.get('/api/items/:id', async (request) => {
    const upstream = await client.get(`/items/${encodeURIComponent(request.params.id)}`);
    return { item: upstream.data, upstreamSocket: { reused: upstream.keepAlive?.reused ?? null } };
  });

  app.post('/api/orders', async (request, reply) => {
    const upstream = await client.post('/orders', request.body);
    reply.code(201);
    return { order: upstream.data, upstreamSocket: { reused: upstream.keepAlive?.reused ?? null } };
  });

  // The upstream's error goes to the log (fastify logs it with the request's reqId), never its
  // body to the caller.
  app.setErrorHandler((err, request, reply) => {
    const status = isTimeoutError(err) ? 504 : err.isAxiosError === true ? 502 : err.statusCode ?? 500;
    if (status >= 500) request.log.error({ code: err.code }, 'upstream call failed');
    reply.code(status).send({ error: status === 504 ? 'upstream timeout' : status === 502 ? 'upstream failed' : err.message });
  });
  return app;
}

/**
 * Starts the BFF. `port` 0 picks a free port; without `upstreamUrl` a loopback upstream is started
 * too; `logStream` (anything with write()) receives the JSON log lines, stdout by default.
 * `level` is pino's (LOG_LEVEL, default info); `summaryInterval` sets options.summary.interval (default 60 s).
 */
async function start({ port = 3000, host = '127.0.0.1', upstreamUrl, logStream, level = process.env.LOG_LEVEL ?? 'info', summaryInterval = 60_000 } = {}) {
  const options = { level, redact: ['req.headers.authorization', 'req.headers.cookie'] };
  const logger = logStream ? pino(options, logStream) : pino(options);
  const upstream = upstreamUrl ? undefined : await startUpstream();
  const client = createClient({
    axios: { baseURL: upstreamUrl ?? upstream.url },
    logger,
    logLevel: 'debug', // one line per call at debug ...
    summary: { interval: summaryInterval }, // ... and one per upstream per minute at info
    propagateHeaders: ['x-request-id', 'traceparent'],
    agent: { maxSockets: 20 },
    timeouts: { total: 5000 },
  });
  const app = buildApp({ logger, client });
  await app.listen({ port, host });
  const { port: bound } = app.server.address();
  return {
    url: `http://${host}:${bound}`,
    upstreamUrl: upstreamUrl ?? upstream.url,
    logger,
    client,
    /** Stops taking requests, then closes the pool (its last summary line) and the loopback upstream. */
    async close() {
      await app.close();
      await client.keepAlive.close();
      if (upstream) await upstream.close();
    },
  };
}

module.exports = { start, buildApp };

if (require.main === module) {
  start({ port: Number(process.env.PORT ?? 3000), upstreamUrl: process.env.UPSTREAM_URL }).then((app) => {
    app.logger.info({ url: app.url, upstream: app.upstreamUrl }, `fastify-bff listening on ${app.url}`);
    const stop = () => app.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }, (err) => {
    console.error(err);
    process.exit(1);
  });
}
