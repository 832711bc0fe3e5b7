// The per-call invariants, checked once the call's epoch is at rest (so the servers' ledger for it
// is complete): it settled once and in time, its error is a documented AxiosError whose facts agree
// with what the server did, its response is its own, its stream ended, and no body reached the
// server more often than the retry rules allow.
import { UNSOLICITED_BODY, type FaultConnection } from '../../helpers/fault-server';
import type { CallRecord } from './caller';
import type { Invariants } from './invariants';
import type { Receipt } from './ledger';
import { isIdempotent } from './plan';
import type { RouteDraw } from './routes';

/** The codes the README documents (errors table, Reliability table), and axios's own timeout's. */
export const DOCUMENTED_CODES: ReadonlySet<string> = new Set([
  'ETIMEDOUT', 'ERR_STREAM_ABANDONED', 'ERR_CLIENT_CLOSED', 'ERR_BAD_OPTION_VALUE', 'ERR_CANCELED', 'ERR_PROXY_AUTH_REQUIRED',
  'ERR_PROXY_TUNNEL', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'HPE_INVALID_STATUS', 'HPE_INVALID_HEADER_TOKEN', 'ERR_BAD_RESPONSE',
  'ECONNABORTED',
]);

/** What a stream reader may see fail its body. */
const STREAM_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET', 'ETIMEDOUT', 'ERR_STREAM_ABANDONED', 'ERR_CLIENT_CLOSED', 'ERR_CANCELED', 'ERR_BAD_RESPONSE',
]);

const PHASES = new Set(['queue', 'connect', 'response', 'idle', 'total']);
/** Two events this close (ms) are taken as simultaneous. */
const EPS = 2;
/** Event-loop utilisation from which an epoch counts as CPU-starved for phase timeouts. */
const STARVED_ELU = 0.9;

export interface CallContext {
  inv: Invariants;
  marginMs: number;
  /** 'request' log lines written for the call, when its client logs (undefined: not counted). */
  logLines: number | undefined;
  maxSockets: number;
  /** The event loop was this late at most during the epoch (evidence for timing violations). */
  lagMs: number;
  /** The epoch's event-loop utilisation, 0..1 (perf_hooks): near 1, the process had no spare CPU. */
  elu: number;
  /** Another call of the epoch, shown (for a response that was another call's). */
  describe(id: string): string | undefined;
  /** Counts an outcome the checks allow as the server's doing, for the report. */
  allow(kind: string): void;
  /** The last requests on a receipt's connection, for diagnostics. */
  history(receipt: Receipt): string;
  /** The server wrote an unsolicited response on some connection (since the last rest between lives). */
  strayOn(server: string): boolean;
  /** The server's side of the connection whose client port is this (since the last rest between lives). */
  connectionOf(server: string, clientPort: number): { conn: FaultConnection; history: string[] } | undefined;
}

/**
 * The server's record of the connection the call's socket was on, by the client's port in its
 * facts. A direct connection only: through the proxy the port is the proxy's connection's.
 */
function ownConnection(ctx: CallContext, rec: CallRecord): { conn: FaultConnection; history: string[] } | undefined {
  const port = rec.facts?.localPort;
  if (rec.plan.origin.proxied || typeof port !== 'number') return undefined;
  return ctx.connectionOf(rec.plan.origin.server, port);
}

/**
 * The server wrote an unsolicited response on this call's connection. The receipts alone miss the
 * call whose request never reached the server: shifted by the stray response, it got the previous
 * request's response at once, before its upload had ended, and its socket was closed unfinished
 * (or the server reset the connection on that previous request's route), so the server never read
 * it (seed 42, life 18: c8446 POST /ok got c8443's "soon closed" in 47 ms, c8319 got c8318's
 * reset-after-headers head, then its RST, and said "response bytes had already arrived"; connection
 * traces showed the stray "unasked" of c8429 / c8300 read as the next call's response). Its socket's
 * port still names the connection.
 */
function strayOnConnection(ctx: CallContext, rec: CallRecord, receipts: readonly Receipt[]): boolean {
  return receipts.some((r) => r.conn.sentUnsolicited) || ownConnection(ctx, rec)?.conn.sentUnsolicited === true;
}

/** The route that answered last (a redirect's target). */
function finalRoute(route: RouteDraw): RouteDraw {
  return route.to ?? route;
}

function expectedText(route: RouteDraw): string | undefined {
  switch (route.name) {
    case 'hint':
      return 'hinted';
    case 'idle-close':
      return 'soon closed';
    case 'early-close':
      return 'bye';
    case 'unsolicited':
      return 'first';
    case 'stale':
      return 'fresh';
    case 'drip': {
      const n = Number(/[?&]n=(\d+)/.exec(route.path)?.[1] ?? 0);
      return 'x'.repeat(n);
    }
    default:
      return undefined;
  }
}

export function showReceipts(receipts: readonly Receipt[], since?: number): string {
  const t = (at: number | undefined): string => (since === undefined || at === undefined ? '' : ` at +${Math.round(at - since)} ms`);
  return receipts.length === 0 ? 'never' : receipts.map((r) => `${r.method} ${r.path} on ${r.server} connection ${r.connId} as request ${r.seq}${t(r.at)}` +
    `${r.headStatus !== undefined ? ` (answered ${r.headStatus}${t(r.headAt)})` : ''}`).join(', ');
}

export function show(rec: CallRecord): string {
  const p = rec.plan;
  const f = rec.facts;
  const outcome = rec.ok ? `ok ${rec.status}` : `${rec.code} ${JSON.stringify(rec.message.slice(0, 160))}${rec.status !== undefined ? ` status ${rec.status}` : ''}`;
  return `${p.id} ${p.method} ${p.route.path} on ${p.origin.server}${p.origin.proxied ? ' via proxy' : ''} (client ${p.client}, ${p.responseType}` +
    `${p.responseType === 'stream' ? ` ${p.stream.policy}` : ''}, body ${p.body.kind} ${p.body.size}${p.cancel ? `, cancel ${p.cancel.via} ${p.cancel.when}+${p.cancel.delayMs}` : ''})` +
    ` -> ${outcome}${f ? ` facts ${JSON.stringify(f)}` : ''}${rec.stream ? ` stream ${rec.stream.how}${rec.stream.code ? ` ${rec.stream.code}` : ''}` : ''}`;
}

export function checkCall(ctx: CallContext, rec: CallRecord, receipts: Receipt[]): void {
  const { inv } = ctx;
  const p = rec.plan;
  const i = p.index;
  const f = rec.facts;
  const route = finalRoute(p.route);
  const lag = (): string => ` [event loop lag up to ${Math.round(ctx.lagMs)} ms, utilisation ${ctx.elu.toFixed(2)} in this epoch]`;

  // --- settled once, in time ---
  inv.check('settled-once', rec.settles === 1 && rec.settledAt !== undefined, () => `settled ${rec.settles} times: ${show(rec)}`, i);
  if (ctx.logLines !== undefined) {
    // One Call settles once: one line. A call rejected before it reached the adapter has none.
    const expected = f !== undefined ? 1 : 0;
    inv.check('settled-once', ctx.logLines === expected, () => `${ctx.logLines} 'request' log lines (expected ${expected}): ${show(rec)}`, i);
  }
  if (rec.settledAt === undefined) return;
  let due = rec.startAt + rec.limits.total;
  if (rec.cancelAt !== undefined) due = Math.min(due, Math.max(rec.cancelAt, rec.startAt));
  if (rec.closeAt !== undefined) due = Math.min(due, Math.max(rec.closeAt, rec.startAt));
  const late = rec.settledAt - due;
  // A deadline's timer cannot fire while the event loop is blocked, and the servers share this
  // process: the margin grows by how late the loop was in this epoch (jest runs another suite beside
  // this one; a loaded CI machine saw 731 ms).
  inv.check('settled-in-time', late <= ctx.marginMs + ctx.lagMs, () => `settled ${Math.round(late)} ms after its deadline: ${show(rec)}${lag()}`, i);

  // After an unsolicited response on this request's connection, the responses on it are shifted by
  // one (the keep-alive race documented in regressions.test.ts): what this call got follows from that,
  // not from its route. Still checked: it settled in time, a documented code, the retry rules.
  const desynced = strayOnConnection(ctx, rec, receipts);
  if (desynced) ctx.allow('calls on a connection after an unsolicited response (outcome not checked against the route)');

  // --- errors ---
  if (rec.ok === false) {
    const code = rec.code ?? '(none)';
    // On a desynchronized connection the parser reads one response's bytes as another's head: any HPE_* code.
    inv.check('axios-error-code', rec.isAxiosError && (DOCUMENTED_CODES.has(code) || (desynced && code.startsWith('HPE_'))), () => `${rec.isAxiosError ? '' : 'not an AxiosError, '}code ${code}: ${show(rec)}`, i);
    if (!desynced) checkErrorFacts(ctx, rec, receipts, route, lag);
  }

  // --- success: the response is this request's ---
  if (rec.ok === true && !desynced) checkResponse(ctx, rec, receipts, route);

  // --- stream bodies end ---
  if (rec.stream !== undefined) {
    const s = rec.stream;
    inv.check('streams-end', s.how !== 'hung', () => `stream still open at its bound: ${show(rec)}`, i);
    inv.check('streams-end', s.how !== 'silent', () => `stream closed without 'end' or 'error' under its reader: ${show(rec)}`, i);
    if (s.how === 'error') inv.check('streams-end', s.code !== undefined && STREAM_CODES.has(s.code), () => `stream failed with undocumented code ${s.code}: ${show(rec)}`, i);
    if (s.how === 'end') {
      inv.check('streams-end', route.completes || desynced, () => `stream of a response that never completes ended as if complete (${s.bytes} bytes): ${show(rec)}`, i);
      if (route.completes && s.body !== undefined && !desynced) checkBody(ctx, rec, receipts, route, s.body.toString('latin1'));
    }
  }

  // --- retries ---
  const retries = f?.retries ?? 0;
  inv.check('retried-at-most-once', retries <= 1, () => `retries ${retries}: ${show(rec)}`, i);
  const byPath = new Map<string, number>();
  for (const r of receipts) byPath.set(r.path, (byPath.get(r.path) ?? 0) + 1);
  const unsafe = !isIdempotent(p.method) && !p.idempotencyKey;
  for (const [path, n] of byPath) {
    inv.check('retried-at-most-once', n <= 2, () => `the server received ${path} ${n} times: ${show(rec)}`, i);
    const allowed = unsafe ? 1 : 1 + retries;
    inv.check('no-unsafe-retry', n <= allowed, () => `the server received ${path} ${n} times (allowed ${allowed}${unsafe ? ': not idempotent, no Idempotency-Key' : ''}): ${show(rec)}`, i);
  }
}

function checkErrorFacts(ctx: CallContext, rec: CallRecord, receipts: Receipt[], route: RouteDraw, lag: () => string): void {
  const { inv } = ctx;
  const p = rec.plan;
  const i = p.index;
  const f = rec.facts;
  const code = rec.code;
  const ok = (cond: boolean, why: string): boolean => inv.check('facts-consistent', cond, () => `${why}: ${show(rec)}`, i);
  const settledAt = rec.settledAt!;
  // When the library decided the failure (its facts carry the elapsed time at that moment).
  const failAt = f?.durationMs !== undefined ? rec.startAt + f.durationMs : settledAt;

  // A cancel is never turned into another error, and no other error into a cancel.
  if (code === 'ERR_CANCELED') ok(rec.cancelAt !== undefined && rec.cancelAt <= settledAt + EPS, 'ERR_CANCELED without a cancel before it');
  if (rec.cancelAt !== undefined && code !== 'ERR_CANCELED' && code !== 'ERR_CLIENT_CLOSED') {
    ok(failAt <= Math.max(rec.cancelAt, rec.startAt) + EPS, `canceled ${Math.round(settledAt - rec.cancelAt)} ms before it settled, yet ${code}`);
  }
  if (code === 'ERR_CLIENT_CLOSED') ok(rec.closeAt !== undefined, 'ERR_CLIENT_CLOSED without a close()');

  // Timeouts name a phase, never fire early, and fit what the server did.
  if (code === 'ETIMEDOUT') {
    const phase = f?.timeoutPhase;
    if (ok(phase !== undefined && PHASES.has(phase), `ETIMEDOUT without a valid timeoutPhase (${phase})`)) {
      const limit = rec.limits[phase as keyof typeof rec.limits];
      ok((f?.durationMs ?? 0) >= limit - 1, `${phase} timeout of ${limit} ms after ${f?.durationMs} ms`);
      const direct = !(p.origin.server === 'behind');
      const last = receipts[receipts.length - 1];
      // The servers run in this process: when its event loop was blocked for half the deadline or
      // more in this epoch (TLS handshakes in bursts, GC), or busy nearly all of it (utilisation
      // >= 0.9: a burst of TLS handshakes, both sides in this process, on a loaded 2-core machine
      // took over 1.5 s to connect on loopback in `npm test`), a deadline can expire before the bytes
      // that had arrived were read. Such a timeout is counted as CPU-starved, not judged against the route.
      const starved = ctx.lagMs >= limit * 0.5 || ctx.elu >= STARVED_ELU;
      if (starved && (phase === 'response' || phase === 'idle' || phase === 'connect')) {
        ctx.allow(`${phase} timeout in an epoch whose event loop was late by >= half its limit or busy >= ${STARVED_ELU * 100} % (not judged)`);
      }
      if (phase === 'response' && direct && !starved) {
        // A head the server sent only after the deadline fired (its process is this one: a large
        // upload read late under load) does not contradict the timeout (seed 1, life 5, c2822: the
        // server read the PUT at +814 ms, the call had timed out at +758 ms). Nor does a head sent
        // before it in a turn of the event loop that ran on past the deadline: Node runs expired
        // timers before it polls for I/O, so the call's timer fires before the client can read a
        // head written earlier in the previous turn (seed 42, life 18, c8446: head at +1220 ms, the
        // timeout at +1240 ms, the event loop late by up to 183 ms). Through the proxy (another hop
        // in this process) a poll is not enough: the proxy must also have forwarded it, so there the
        // head counts as unread within two lags of the deadline (seed 42, life 3, c1404: answered
        // 26 ms before the deadline, the loop late by up to 161 ms).
        const polledAt = last?.headPolledAt ?? Infinity;
        const viaProxyUnread = p.origin.proxied && (last?.headAt ?? 0) >= failAt - EPS - 2 * ctx.lagMs;
        ok(route.stallsHead || last === undefined || last.headStatus === undefined || (last.headAt ?? 0) >= failAt - EPS || polledAt >= failAt - EPS || viaProxyUnread,
          `response timeout, yet the server had sent the head${polledAt === Infinity ? '' : ` and the event loop had polled after it at +${Math.round(polledAt - rec.startAt)} ms`} [server: ${showReceipts(receipts, rec.startAt)}]${lag()}`);
      }
      if (phase === 'idle' && !starved) {
        ok(route.stallsBody || route.gapMs >= rec.limits.idle * 0.5 || p.origin.server === 'behind', `idle timeout on a body that never pauses that long (gaps ${route.gapMs} ms)${lag()}`);
      }
      if (phase === 'connect' && !starved) ok(false, `connect timeout on loopback${lag()}`);
      if (phase === 'queue') {
        ok((rec.activeAtQueueTimeout ?? 0) >= ctx.maxSockets, `queue timeout with ${rec.activeAtQueueTimeout} of maxSockets ${ctx.maxSockets} active or connecting`);
      }
    }
  } else if (f?.timeoutPhase !== undefined) {
    ok(false, `timeoutPhase ${f.timeoutPhase} on a ${code} error`);
  }
  if (code === 'ECONNABORTED') ok(p.axiosTimeout !== undefined, 'ECONNABORTED without an axios timeout');

  // Not retried: only after a stale-socket failure on a reused socket, and for a reason that holds.
  const stale = code === 'ECONNRESET' || code === 'EPIPE';
  if (f?.notRetried !== undefined) {
    const why = f.notRetried;
    ok(stale && f.reused === true, `notRetried on a ${f.reused ? 'reused' : 'new'} socket with ${code}`);
    if (/already retried once/.test(why)) ok(f.retries === 1, 'notRetried says retried once');
    else if (/retry is off/.test(why)) ok(!p.staleRetry, 'notRetried says retry is off');
    else if (/response bytes had already arrived/.test(why)) {
      const last = receipts[receipts.length - 1];
      ok((last !== undefined && last.headStatus !== undefined) || route.name === 'slow-headers' || p.origin.server === 'behind', 'notRetried says response bytes arrived, the server sent none');
    } else if (/body is a stream/.test(why)) ok(p.body.kind === 'stream' || p.body.kind === 'form-data', 'notRetried says stream body');
    else if (/is not idempotent/.test(why)) ok(!isIdempotent(p.method) && !p.idempotencyKey, 'notRetried says not idempotent');
    else ok(false, `notRetried with an unknown reason "${why}"`);
  } else if (stale && f?.reused === true && (f.retries ?? 0) === 0) {
    ok(false, 'a stale-socket failure on a reused socket, neither retried nor with notRetried');
  }

  // The error body of a stream request: drained whole when small and quick, cut (bodyTruncated) otherwise.
  if (f?.bodyTruncated === true) {
    ok(p.responseType === 'stream' && (rec.status ?? 0) >= 400, 'bodyTruncated on a response that is not an error stream');
    const size = route.errorSize ?? 0;
    const limits = rec.streamLimits;
    // A dripping body (one write per `every` ms from this process's own server) takes longer than
    // planned when the loop is late or busy: not judged then (seed 1, life 12, c7166: 160 ms planned,
    // over the 406 ms drainTimeout with the loop late by 538 ms).
    const starvedDrip = route.gapMs > 0 && (ctx.lagMs + route.bodyMs >= limits.drainTimeout * 0.5 || ctx.elu >= STARVED_ELU);
    const explained = size > limits.drainLimit || route.bodyMs >= limits.drainTimeout * 0.5 || rec.cancelAt !== undefined || rec.closeAt !== undefined ||
      p.origin.server === 'behind';
    if (starvedDrip && !explained) ctx.allow('a dripping error body cut in an epoch whose event loop was late or busy (not judged)');
    ok(explained || starvedDrip, `bodyTruncated, yet ${size} bytes in ${route.bodyMs} ms fit drainLimit ${limits.drainLimit} / drainTimeout ${limits.drainTimeout}${lag()}`);
    if (Buffer.isBuffer(rec.errorBody)) ok(rec.errorBody.length <= limits.drainLimit, `a truncated error body of ${rec.errorBody.length} bytes, over drainLimit`);
  } else if (code === 'ERR_BAD_RESPONSE' && rec.status === 500 && route.name === 'status-500' && p.origin.server !== 'behind') {
    const body = rec.errorBody;
    const n = typeof body === 'string' ? Buffer.byteLength(body) : Buffer.isBuffer(body) ? body.length : -1;
    ok(n === route.errorSize, `an error body of ${n} bytes (the server sent ${route.errorSize}) and no bodyTruncated`);
  }
}

function checkResponse(ctx: CallContext, rec: CallRecord, receipts: Receipt[], route: RouteDraw): void {
  const { inv } = ctx;
  const p = rec.plan;
  const i = p.index;
  const f = rec.facts;
  const ok = (cond: boolean, why: string): boolean => inv.check('response-integrity', cond, () => `${why}: ${show(rec)}`, i);
  const last = receipts[receipts.length - 1];
  ok(rec.status === route.status || p.origin.server === 'behind',
    `status ${rec.status}, the server sent ${route.status} [server: ${showReceipts(receipts, rec.startAt)}; on that connection: ${last === undefined ? '-' : ctx.history(last)}]`);
  ok(f !== undefined && typeof f.reused === 'boolean' && typeof f.socketRequests === 'number' && f.reused === f.socketRequests > 1, 'facts missing or inconsistent');
  ok(f?.bypassed === undefined, `bypassed: ${f?.bypassed}`);
  if (rec.stream === undefined) {
    const data = rec.data;
    checkBody(ctx, rec, receipts, route, typeof data === 'string' ? data : data === undefined ? '' : JSON.stringify(data));
  }
}

/** What a complete body says: the request's own id, method and byte count, on the connection it was sent on. */
function checkBody(ctx: CallContext, rec: CallRecord, receipts: Receipt[], route: RouteDraw, text: string): void {
  const { inv } = ctx;
  const p = rec.plan;
  const i = p.index;
  const ok = (cond: boolean, why: string): boolean => inv.check('response-integrity', cond, () => `${why}: ${show(rec)}`, i);
  const last = receipts[receipts.length - 1];
  // The server wrote a response nobody asked for on this request's connection (fault-server.ts
  // '/unsolicited'). If it reached the socket before this request was written but was read only
  // after (the event loop was busy, and the socket was reused in that same turn), it is read as this
  // request's response, and this request's own response as the next one's: the keep-alive race of
  // HTTP/1.1 that no client closes entirely (regressions.test.ts documents it with test.failing).
  const strayHere = strayOnConnection(ctx, rec, receipts);
  if (text === UNSOLICITED_BODY) {
    // Its request may never have reached the server on that connection (the stray came first, then
    // the connection died), so any of the server's connections with a stray explains it.
    ok(strayHere || ctx.strayOn(p.origin.server), 'got the unsolicited body, but the server sent none');
    ctx.allow('read an unsolicited response (server-caused desync)');
    return;
  }
  if (route.name === 'ok') {
    let data: { id?: string; method?: string; received?: number; onConnection?: number; pad?: string };
    try {
      data = JSON.parse(text) as typeof data;
    } catch {
      const own = ownConnection(ctx, rec);
      ok(false, `body is not the JSON of /ok (${text.slice(0, 40)}) [server: ${showReceipts(receipts)}; its connection: ${own === undefined ? '?' :
        `${own.conn.id}, ${own.conn.served} requests: ${own.history.join(', ')}`}]`);
      return;
    }
    if (data.id !== p.id && strayHere) {
      ctx.allow('read the previous response after an unsolicited one (server-caused desync)');
      return;
    }
    ok(data.id === p.id, `[server: ${showReceipts(receipts)}] the response is ${data.id}'s (${data.id === undefined ? '' : ctx.describe(data.id) ?? 'not in this epoch'})`);
    const methodChanged = p.route.name === 'redirect' && p.method === 'POST';
    ok(data.method === (methodChanged ? 'GET' : p.method), `method ${data.method}`);
    if (!methodChanged) ok(data.received === rec.expectedLength, `the server received ${data.received} body bytes, ${rec.expectedLength} sent`);
    const pad = Number(/pad=(\d+)/.exec(route.path)?.[1] ?? 0);
    ok((data.pad?.length ?? 0) === pad, `pad ${data.pad?.length} of ${pad}`);
    if (p.origin.server !== 'behind') {
      ok(data.onConnection === rec.facts?.socketRequests, `the server counts request ${data.onConnection} on the connection, the pool ${rec.facts?.socketRequests}`);
    }
    return;
  }
  const expected = expectedText(route);
  if (expected !== undefined && text !== expected && strayHere) {
    ctx.allow('read the previous response after an unsolicited one (server-caused desync)');
    return;
  }
  if (expected !== undefined) ok(text === expected, `body ${JSON.stringify(text.slice(0, 40))}, expected ${JSON.stringify(expected.slice(0, 40))}`);
  if (last !== undefined && p.origin.server !== 'behind') ok(last.path === route.path.split('?')[0], `the last request the server saw was ${last.path}`);
}
