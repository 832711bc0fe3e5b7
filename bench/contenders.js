// The seven contenders of issue 6, one reference (8), issue 13's lean-path contenders (9-11) and the proxied pair of issue 14 (12, 13). Each one is built inside its own process (contender.js) and exposes
// send(workload) -> Promise<queueMs | undefined> and close(). Every contender serializes the JSON
// body, reads the whole response and parses the JSON one, so they all do the same work.
'use strict';
const http = require('node:http');
const https = require('node:https');
const path = require('node:path');
const { libPath, loadLibrary } = require('./lib');

/** The pool limit of the concurrency sweep, and of the contenders that always have one (6, 7). */
const SWEEP_MAX_SOCKETS = 50;

const CONTENDERS = [
  { id: 1, key: 'preset-log', label: "createClient({ lean: false }): on axios's adapter, log line on (pino to /dev/null)", preset: true },
  { id: 2, key: 'preset-nolog', label: 'createClient({ lean: false, logger: false })', preset: true },
  { id: 3, key: 'axios-akl', label: 'axios + agentkeepalive by hand (baseline)' },
  { id: 4, key: 'axios-global', label: 'axios, no agent (Node global agent)' },
  { id: 5, key: 'axios-nokeepalive', label: 'axios, keepAlive: false agents', perRequestConnections: true },
  { id: 6, key: 'node-http', label: 'http.request + keep-alive Agent' },
  { id: 7, key: 'undici', label: 'undici request() + Agent' },
  // Not one of the seven: the two axios options createClient sets (maxRedirects 0, proxy
  // false) without the library, so #2 / #8 is what the library itself adds or saves per request
  // (its adapter, agent mixin, timers and facts; no setKeepAlive per freed socket, the lazy header
  // buckets).
  { id: 8, key: 'axios-preset-settings', label: 'reference: axios + agentkeepalive with the preset\'s settings, no library' },
  // Issue 13. 9: the lean adapter (dist/lean) wired straight into axios with #8's agents and options,
  // no library: the transport's own effect before it is integrated. 10 and 11: createClient() with
  // the lean path on (LEAN_PATH_OPTIONS), with and without its log line; the targets of issue 13 are
  // read on #10.
  { id: 9, key: 'axios-lean-adapter', label: 'axios + agentkeepalive + the lean adapter wired directly, no library' },
  { id: 10, key: 'preset-lean-log', label: 'createClient() (lean path, the default), log line on (pino to /dev/null)', preset: true },
  { id: 11, key: 'preset-lean-nolog', label: 'createClient({ logger: false }) (lean path)', preset: true },
  // Issue 13: "if the log line cannot reach 3 % with a synchronous destination, show pino's
  // asynchronous destination too". #10 with pino.destination({ sync: false }): sonic-boom gathers
  // lines while a write is in flight and writes them from the event loop.
  { id: 14, key: 'preset-lean-log-async', label: "createClient() (lean path), log line on, pino's asynchronous destination (/dev/null)", preset: true },
  // Issue 13, where the log line's cost goes, in the same rounds as #10, #11 and #14: #15 is pino
  // with a destination whose write() keeps nothing (pino's serialisation and the library's fields,
  // no I/O: the floor of every pino destination); #16 is pino's synchronous destination gathering
  // lines until 4 KiB are pending (one write per ~15 lines; what is gathered is lost on a crash).
  { id: 15, key: 'preset-lean-log-nowrite', label: 'createClient() (lean path), log line on, pino to a destination that writes nothing (serialisation only)', preset: true },
  { id: 16, key: 'preset-lean-log-sync4k', label: "createClient() (lean path), log line on, pino's synchronous destination with minLength: 4096 (/dev/null)", preset: true },
  // Issue 14, the proxied https section: an https upstream reached through a CONNECT proxy named
  // in HTTPS_PROXY (set in the contender's process by run.js); connections are counted at the proxy.
  { id: 12, key: 'preset-proxied', label: 'createClient, logger: false, HTTPS_PROXY (the pool tunnels)', preset: true, proxied: true },
  { id: 13, key: 'axios-akl-proxied', label: 'axios + agentkeepalive, HTTPS_PROXY (axios tunnels per request)', perRequestConnections: true, proxied: true },
];

/**
 * The createClient() option of the lean path (issue 13). It is on by default; #10 and #11 say so
 * explicitly, and #1 and #2 turn it off, so that the table shows the preset on axios's own adapter
 * (#1, #2: the product of issue 6) beside the preset with the lean path (#10, #11: its default now).
 */
const LEAN_PATH_OPTIONS = { lean: true };
const AXIOS_ADAPTER_OPTIONS = { lean: false };

/**
 * The two harnesses of issue 13. 'lean': absolute URLs, no axios timeout (the bench of issue 6).
 * 'user': what users' code configures, a baseURL and `timeout: 10000` on every axios contender.
 */
const HARNESSES = {
  lean: { label: 'absolute URL, no axios timeout', axios: {}, url: (origin, w) => origin + w.path },
  user: { label: 'baseURL + axios timeout 10000 (as users configure it)', axios: (origin) => ({ baseURL: origin, timeout: 10_000 }), url: (_origin, w) => w.path },
};

function harnessOf(ctx) {
  const h = HARNESSES[ctx.harness ?? 'lean'];
  return { axios: typeof h.axios === 'function' ? h.axios(ctx.origin) : h.axios, url: (w) => h.url(ctx.origin, w) };
}

function byId(id) {
  const c = CONTENDERS.find((x) => x.id === id);
  if (!c) throw new Error(`bench: no contender ${id}`);
  return c;
}

/** The axios contenders: one request, the queue wait when the library reports it. */
function axiosSender(instance, harness) {
  return async (w) => {
    const response = await instance.request({ method: w.method, url: harness.url(w), data: w.body, responseType: w.responseType });
    const facts = response.keepAlive;
    return facts && typeof facts.queueMs === 'number' ? facts.queueMs : undefined;
  };
}

/** #8's agents and axios options: what createClient passes to agentkeepalive and axios.create. */
function presetSettings() {
  const { HttpAgent, HttpsAgent } = require('agentkeepalive');
  const { DEFAULTS } = loadLibrary();
  const a = DEFAULTS.agent;
  const opts = { keepAlive: true, maxSockets: a.maxSockets, maxFreeSockets: a.maxSockets, freeSocketTimeout: a.freeSocketTimeout, scheduling: a.scheduling };
  const httpAgent = new HttpAgent(opts);
  const httpsAgent = new HttpsAgent(opts);
  return { httpAgent, httpsAgent, maxRedirects: 0, proxy: false };
}

/** The lean adapter from the build under test (dist/lean), on the user's axios; axios's own adapter for the rest. */
function leanAdapterFor(axios) {
  const { createLeanAdapter } = require(path.join(path.dirname(libPath()), 'lean', 'index.js'));
  const lean = createLeanAdapter(axios);
  const httpAdapter = axios.getAdapter('http');
  return (config) => (lean.eligible(config) ? lean.adapter(config) : httpAdapter(config));
}

/**
 * @param {number} id contender number
 * @param {{ origin: string, sweep: boolean, logFile: string, harness?: 'lean' | 'user' }} ctx
 */
function build(id, ctx) {
  const { origin, sweep, logFile } = ctx;
  const harness = harnessOf(ctx);
  switch (id) {
    case 1:
    case 2:
    case 10:
    case 11:
    case 14:
    case 15:
    case 16: {
      // The library as published (npm install builds dist/ via `prepare`), with its defaults:
      // maxSockets is already 50, so the sweep needs no option.
      const { createClient } = loadLibrary();
      const counted = { lines: 0 };
      let logger = false;
      let dest = null;
      if (id === 15) {
        // Counted, not written: the run still checks one line per request.
        const pino = require('pino');
        logger = pino({ level: 'info' }, { write: (line) => { if (line.includes('"evt":"request"')) counted.lines++; } });
      } else if (id !== 2 && id !== 11) {
        const pino = require('pino');
        // The per-request line is written at its own level ('info'); pino's default destination is
        // synchronous, like the logger createClient makes by default (on stdout).
        dest = pino.destination({ dest: logFile, sync: id !== 14, ...(id === 16 ? { minLength: 4096 } : {}) });
        logger = pino({ level: 'info' }, dest);
      }
      const lean = id >= 10 ? LEAN_PATH_OPTIONS : AXIOS_ADAPTER_OPTIONS;
      const client = createClient({ ...lean, logger, axios: harness.axios });
      // The asynchronous destination's last lines are written before the run reports (its line count):
      // end() writes what is pending, then closes ('close'); flush(cb) would not wait with minLength 0.
      // A synchronous destination with minLength writes its gathered lines only on flushSync().
      const flush = () => new Promise((resolve) => {
        if (dest === null) return resolve();
        if (dest.sync) {
          dest.flushSync();
          return resolve();
        }
        dest.once('close', resolve);
        dest.end();
      });
      const countedLines = id === 15 ? () => counted.lines : undefined;
      return { send: axiosSender(client, harness), close: () => client.keepAlive.close().then(flush), countedLines };
    }
    case 9: {
      const axios = require('axios');
      const settings = presetSettings();
      const instance = axios.create({ ...settings, ...harness.axios, adapter: leanAdapterFor(axios) });
      return { send: axiosSender(instance, harness), close: () => { settings.httpAgent.destroy(); settings.httpsAgent.destroy(); } };
    }
    case 3: {
      // The baseline: what a careful user wires by hand, with both libraries' defaults.
      const axios = require('axios');
      const { HttpAgent, HttpsAgent } = require('agentkeepalive');
      const opts = sweep ? { maxSockets: SWEEP_MAX_SOCKETS } : {};
      const httpAgent = new HttpAgent(opts);
      const httpsAgent = new HttpsAgent(opts);
      const instance = axios.create({ httpAgent, httpsAgent, ...harness.axios });
      return { send: axiosSender(instance, harness), close: () => { httpAgent.destroy(); httpsAgent.destroy(); } };
    }
    case 4: {
      // Node >= 19's global agent keeps sockets alive (5 s), with no socket limit.
      const axios = require('axios');
      const instance = axios.create({ ...harness.axios });
      return { send: axiosSender(instance, harness), close: () => http.globalAgent.destroy() };
    }
    case 5: {
      // The classic bug: agents that close every socket after one request.
      const axios = require('axios');
      const httpAgent = new http.Agent({ keepAlive: false });
      const httpsAgent = new https.Agent({ keepAlive: false });
      const instance = axios.create({ httpAgent, httpsAgent, ...harness.axios });
      return { send: axiosSender(instance, harness), close: () => { httpAgent.destroy(); httpsAgent.destroy(); } };
    }
    case 8: {
      // The options createClient passes to axios.create and to the agents (create-client.ts, agent.ts),
      // nothing the library does beyond options.
      const axios = require('axios');
      const settings = presetSettings();
      const instance = axios.create({ ...settings, ...harness.axios });
      return { send: axiosSender(instance, harness), close: () => { settings.httpAgent.destroy(); settings.httpsAgent.destroy(); } };
    }
    case 12: {
      // HTTPS_PROXY is read once, here; the test certificate is trusted as the CA (verification on).
      const { createClient } = loadLibrary();
      const client = createClient({ logger: false, agent: { tls: { ca: testCa() } } });
      return { send: axiosSender(client, harness), close: () => client.keepAlive.close() };
    }
    case 13: {
      // What a new user writes: axios with an agentkeepalive https agent. With HTTPS_PROXY set, axios
      // builds a tunnelling agent of its own for every request (lib/adapters/http.js setProxy).
      const axios = require('axios');
      const { HttpsAgent } = require('agentkeepalive');
      const httpsAgent = new HttpsAgent({ ca: testCa() });
      const instance = axios.create({ httpsAgent });
      return { send: axiosSender(instance, harness), close: () => httpsAgent.destroy() };
    }
    case 6:
      return nodeHttp(origin);
    case 7:
      return undiciContender(origin);
    default:
      throw new Error(`bench: no contender ${id}`);
  }
}

function testCa() {
  const { TLS_FIXTURES } = require('./workloads');
  return require('node:fs').readFileSync(TLS_FIXTURES.cert, 'utf8');
}

/** The floor of Node's HTTP stack: http.request on a keep-alive agent, body read by hand. */
function nodeHttp(origin) {
  const url = new URL(origin);
  const agent = new http.Agent({ keepAlive: true, maxSockets: SWEEP_MAX_SOCKETS });
  const send = (w) =>
    new Promise((resolve, reject) => {
      const payload = w.body === undefined ? undefined : JSON.stringify(w.body);
      const headers = payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
      const req = http.request({ host: url.hostname, port: url.port, path: w.path, method: w.method, agent, headers }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
          const body = Buffer.concat(chunks);
          if (w.responseType === 'json') JSON.parse(body.toString('utf8'));
          resolve(undefined);
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  return { send, close: () => agent.destroy() };
}

/** undici@7's request() on an Agent limited to the same number of connections per origin. */
function undiciContender(origin) {
  const { request, Agent } = require('undici');
  const dispatcher = new Agent({ connections: SWEEP_MAX_SOCKETS });
  const send = async (w) => {
    const payload = w.body === undefined ? undefined : JSON.stringify(w.body);
    const headers = payload === undefined ? undefined : { 'content-type': 'application/json' };
    const { statusCode, body } = await request(origin + w.path, { method: w.method, headers, body: payload, dispatcher });
    if (w.responseType === 'json') await body.json();
    else await body.arrayBuffer();
    if (statusCode !== 200) throw new Error(`status ${statusCode}`);
    return undefined;
  };
  return { send, close: () => dispatcher.close() };
}

module.exports = { CONTENDERS, HARNESSES, LEAN_PATH_OPTIONS, SWEEP_MAX_SOCKETS, byId, build };
