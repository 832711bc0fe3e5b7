// The pool's invariants: its books balance at every sample, it comes to rest (nothing active or
// queued, and every connection a server still has open is one of the pool's idle sockets), every
// socket it closes has a documented reason that agrees with what the server did to that connection,
// and its counters agree with what the calls saw.
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { PoolEvent, PoolStats } from '../../../src';
import { originKey, type CallRecord, type ClientRuntime } from './caller';
import { show } from './checks-call';
import type { Invariants } from './invariants';
import type { Ledger } from './ledger';
import type { World, ServerName } from './world';

/** The close reasons the README documents (`stats().closed.byReason`, the `socket-close` line). */
export const CLOSE_REASONS: ReadonlySet<string> = new Set([
  'idle-timeout', 'server-hint', 'max-age', 'connection-close', 'server-closed', 'error', 'timeout', 'abandoned', 'drain-limit',
  'canceled', 'unsolicited-data', 'pool-full', 'client-closed', 'redirect', 'destroyed', 'request-unfinished', 'unused',
]);

/** Checks created - closed = active + idle for every origin of the client, and in total. */
export function checkBooks(inv: Invariants, client: ClientRuntime, where: string): PoolStats {
  const stats = client.handle.stats();
  for (const [origin, s] of [['total', stats.total] as const, ...Object.entries(stats.origins)]) {
    const open = s.created - s.closed.total;
    inv.check('books-balance', open === s.active + s.idle && s.queued >= 0, () =>
      `client ${client.index} ${origin} ${where}: created ${s.created} - closed ${s.closed.total} = ${open}, active ${s.active} + idle ${s.idle} = ${s.active + s.idle}, queued ${s.queued}`);
  }
  return stats;
}

function idleOf(stats: PoolStats, url: string): number {
  return stats.origins[originKey(url)]?.idle ?? 0;
}

interface AgentLists {
  sockets: Record<string, Socket[] | undefined>;
  requests: Record<string, ClientRequest[] | undefined>;
}

/** The requests still holding sockets or queued: the evidence when the pool does not come to rest. */
function stuck(client: ClientRuntime, describe: (id: string) => string | undefined): string {
  const out: string[] = [];
  for (const agent of [client.handle.httpAgent, client.handle.httpsAgent] as unknown as AgentLists[]) {
    for (const list of Object.values(agent.sockets)) {
      for (const socket of list ?? []) {
        const req = (socket as Socket & { _httpMessage?: (ClientRequest & { res?: IncomingMessage | null }) | null })._httpMessage ?? undefined;
        const res = req?.res;
        const id = String(req?.getHeader('x-request-id'));
        out.push(`socket :${socket.localPort} ${socket.destroyed ? 'destroyed' : 'open'} carries ${req === undefined ? 'nothing' :
          `${id} ${req.method} ${req.path} (req ${req.destroyed ? 'destroyed' : 'alive'}, ${req.writableFinished ? 'written' : `not all written (ended: ${req.writableEnded})`}, ` +
          `${res == null ? 'no response' : `response ${res.complete ? 'complete' : 'incomplete'}, ${res.destroyed ? 'destroyed' : 'alive'}, flowing ${String(res.readableFlowing)}, buffered ${res.readableLength}`}) [${describe(id) ?? 'call not in this epoch'}]`}`);
      }
    }
    for (const list of Object.values(agent.requests)) for (const req of list ?? []) out.push(`queued ${String(req.getHeader('x-request-id'))} (${req.destroyed ? 'destroyed' : 'alive'})`);
  }
  return out.join(', ');
}

/** What "at rest" means for the world and the open clients; a string per mismatch. */
export function restMismatches(world: World, clients: ClientRuntime[], describe: (id: string) => string | undefined = () => undefined): string[] {
  const out: string[] = [];
  const expected: Record<ServerName | 'proxy', number> = { plain: 0, tls: 0, behind: 0, proxy: 0 };
  for (const c of clients) {
    const stats = c.handle.stats();
    if (stats.total.active !== 0 || stats.total.queued !== 0) out.push(`client ${c.index}: active ${stats.total.active}, queued ${stats.total.queued}: ${stuck(c, describe)}`);
    if (c.plan.kind === 'create-proxied') {
      const tunnels = idleOf(stats, world.servers.tls.url);
      expected.tls += tunnels; // a tunnel ends at the upstream
      expected.proxy += tunnels + idleOf(stats, world.servers.behind.url);
    } else {
      expected.plain += idleOf(stats, world.servers.plain.url);
      expected.tls += idleOf(stats, world.servers.tls.url);
    }
  }
  for (const name of ['plain', 'tls'] as const) {
    const open = world.servers[name].open();
    if (open !== expected[name]) out.push(`server ${name}: ${open} connections open, the pools have ${expected[name]} idle`);
  }
  if (world.proxy.open() !== expected.proxy) out.push(`proxy: ${world.proxy.open()} client connections open, the pool has ${expected.proxy} idle`);
  if (world.proxy.pending() !== 0) out.push(`proxy: ${world.proxy.pending()} forwarded requests still open`);
  return out;
}

/** Follows a client's socket events: documented reasons, and on direct origins the server's side of each closed connection. */
export function watchCloses(
  inv: Invariants, world: World, ledger: Ledger, client: ClientRuntime, onEvent?: (event: PoolEvent) => void, onExplained?: (what: string) => void,
): () => void {
  const retries = (): number => client.handle.stats().total.retries;
  const ports = new Map<number, number>();
  const serverOf = new Map<string, ServerName>([
    [originKey(world.servers.plain.url), 'plain'],
    [originKey(world.servers.tls.url), 'tls'],
  ]);
  const direct = client.plan.kind !== 'create-proxied';
  return client.handle.observePool((event: PoolEvent) => {
    onEvent?.(event);
    if (event.type === 'socket-open') {
      if (event.localPort !== null) ports.set(event.socketId, event.localPort);
      return;
    }
    if (event.type !== 'socket-close') return;
    const port = ports.get(event.socketId);
    ports.delete(event.socketId);
    const reason = event.reason;
    const where = `client ${client.index} socket ${event.socketId} (${event.origin}, port ${port}, ${event.requests} requests)`;
    if (!inv.check('close-reasons', CLOSE_REASONS.has(reason), () => `${where} closed for an undocumented reason ${reason}`)) return;
    const server = serverOf.get(event.origin);
    const record = direct && server !== undefined && port !== undefined ? ledger.connection(server, port) : undefined;
    // A response nobody asked for, read as a waiting request's, makes Node destroy the socket on the
    // real one ("double response", from inside its parser): the library labels that close 'destroyed',
    // or 'pool-full' when the first response was handed back first (regressions.test.ts, test.failing).
    // After an unsolicited response the client's view of that connection is shifted by one response
    // (the keep-alive race documented in regressions.test.ts): what closes it then (a parse error, a
    // timeout, a double response) follows from that, not from the route of its last request.
    if (record !== undefined && record.conn.sentUnsolicited) {
      onExplained?.('closed after an unsolicited response on its connection');
      return;
    }
    if ((reason === 'destroyed' || reason === 'pool-full' || reason === 'error') && !direct && ledger.unsolicitedConnections('tls') > 0) {
      onExplained?.(`tunnel closed as '${reason}' after an unsolicited response on the server`);
      return;
    }
    inv.check('close-reasons', reason !== 'destroyed', () => `${where} closed as 'destroyed' (by code outside the library): nothing in the run does that`);
    inv.check('close-reasons', reason !== 'redirect' || client.plan.kind === 'apply-redirects', () => `${where} closed as 'redirect' without redirects`);
    inv.check('close-reasons', reason !== 'max-age' || client.plan.socketActiveTTL < 300_000, () => `${where} closed as 'max-age' (socketActiveTTL ${client.plan.socketActiveTTL})`);
    inv.check('close-reasons', reason !== 'client-closed' || client.closingAt !== undefined, () => `${where} closed as 'client-closed' before close()`);
    inv.check('close-reasons', reason !== 'pool-full' || client.plan.maxFreeSockets < client.plan.maxSockets || retries() > 0, () =>
      `${where} closed as 'pool-full' with maxFreeSockets = maxSockets ${client.plan.maxSockets} and no retry`);
    if (record === undefined) return; // not a direct connection, or closed before the server saw it connect
    const c = record.conn;
    const said = `${where}: the server's connection ${c.id} (${c.served} requests: ${record.history.join(', ') || '-'}; closed by the server: ${c.closedBy ?? 'no'}; unsolicited: ${c.sentUnsolicited})`;
    switch (reason) {
      case 'server-closed':
        inv.check('close-reasons', c.closedBy !== undefined, () => `${said} closed as 'server-closed'`);
        break;
      case 'connection-close':
        inv.check('close-reasons', c.sentClose, () => `${said} closed as 'connection-close' without Connection: close`);
        break;
      case 'server-hint':
        inv.check('close-reasons', c.hint !== undefined, () => `${said} closed as 'server-hint' without a hint`);
        break;
      case 'unsolicited-data':
        inv.check('close-reasons', c.sentUnsolicited, () => `${said} closed as 'unsolicited-data', the server sent none`);
        break;
      case 'error':
        inv.check('close-reasons', /malformed/.test(record.lastPath), () => `${said} closed as 'error'`);
        break;
      default:
    }
  });
}

/** Close reasons counted by stats() that only some calls can cause: no more of them than such calls. */
export function checkReasonCounts(inv: Invariants, client: ClientRuntime, tally: ClientTally): void {
  const byReason = client.handle.stats().total.closed.byReason;
  const bound: Array<[string, number, string]> = [
    ['canceled', tally.cancels, 'calls whose cancel fired'],
    ['drain-limit', tally.truncated, 'truncated error bodies'],
    ['abandoned', tally.streams, 'stream responses'],
    ['timeout', tally.timeouts + tally.streamTimeouts + tally.axiosTimeouts, 'timeouts seen by calls and streams'],
  ];
  for (const [reason, max, what] of bound) {
    const n = byReason[reason as keyof typeof byReason] ?? 0;
    inv.check('close-reasons', n <= max, () => `client ${client.index}: ${n} sockets closed as '${reason}', but only ${max} ${what}`);
  }
}

/** What one client's calls saw, for the counts above and stats() accounting. */
export interface ClientTally {
  cancels: number;
  truncated: number;
  streams: number;
  timeouts: number;
  streamTimeouts: number;
  axiosTimeouts: number;
  retries: number;
  byPhase: Record<string, number>;
  /** Timeouts the pool reported (observePool), by the call they happened in (its async context), and the ones the calls saw. */
  counted: Map<string, string[]>;
  seen: Map<string, string>;
}

export function emptyTally(): ClientTally {
  return { cancels: 0, truncated: 0, streams: 0, timeouts: 0, streamTimeouts: 0, axiosTimeouts: 0, retries: 0, byPhase: {}, counted: new Map(), seen: new Map() };
}

export function tallyCall(t: ClientTally, rec: CallRecord): void {
  if (rec.cancelAt !== undefined) t.cancels++;
  if (rec.facts?.bodyTruncated === true) t.truncated++;
  if (rec.plan.responseType === 'stream') t.streams++;
  if (rec.code === 'ETIMEDOUT') {
    t.timeouts++;
    const phase = rec.facts?.timeoutPhase ?? '?';
    t.byPhase[phase] = (t.byPhase[phase] ?? 0) + 1;
    t.seen.set(rec.plan.id, show(rec));
  }
  // axios's own `timeout` (socket inactivity) can close a socket under a call that resolved (an unread stream).
  if (rec.code === 'ECONNABORTED' || (rec.plan.axiosTimeout !== undefined && rec.ok === true)) t.axiosTimeouts++;
  if (rec.stream?.how === 'error' && rec.stream.code === 'ETIMEDOUT') {
    t.streamTimeouts++;
    t.byPhase.idle = (t.byPhase.idle ?? 0) + 1; // after the headers, only `idle` is watched
    t.seen.set(rec.plan.id, show(rec));
  }
  if (t.counted.has(rec.plan.id) && !t.seen.has(rec.plan.id)) t.seen.set(rec.plan.id, `(no timeout seen) ${show(rec)}`);
  t.retries += rec.facts?.retries ?? 0;
}

/** stats() timeouts by phase and retries equal what the client's calls saw. */
export function checkAccounting(inv: Invariants, client: ClientRuntime, tally: ClientTally): void {
  const total = client.handle.stats().total;
  const phases = new Set([...Object.keys(total.timeouts), ...Object.keys(tally.byPhase)]);
  for (const phase of phases) {
    const counted = total.timeouts[phase as keyof typeof total.timeouts] ?? 0;
    const seen = tally.byPhase[phase] ?? 0;
    inv.check('stats-accounting', counted === seen, () => {
      const odd = [...tally.counted.entries()].filter(([id, phases]) => phases.includes(phase) && (tally.seen.get(id)?.startsWith('(no timeout seen)') ?? true));
      return `client ${client.index}: stats() counts ${counted} ${phase} timeouts, the calls saw ${seen}; counted, not seen: ${odd.slice(0, 4).map(([id, p]) => `${id} [${p.join(',')}] ${tally.seen.get(id) ?? ''}`).join(' | ')}`;
    });
  }
  inv.check('stats-accounting', total.retries === tally.retries, () => `client ${client.index}: stats() counts ${total.retries} retries, the calls saw ${tally.retries}`);
}
