// What the pool counts, per origin: why a socket closed, which phase timed out, the counters, and
// the public shape of stats(). The counters are kept by the library itself (pool/stats-registry.ts
// fills them and sums them up): agentkeepalive's own counters are agent-wide and its
// `statusChanged` getter resets them, so they are never read.
import type { Socket } from 'node:net';

/** Why a socket was closed. */
export type CloseReason =
  | 'idle-timeout' // idle in the pool for freeSocketTimeout
  | 'server-hint' // the server's Keep-Alive: timeout=N said it would close sooner
  | 'max-age' // older than socketActiveTTL
  | 'connection-close' // the response said Connection: close
  | 'server-closed' // the server closed it (FIN or reset)
  | 'error' // a socket error (other than a reset seen as server-closed)
  | 'timeout' // a request on it timed out (see the phase in the log line)
  | 'abandoned' // a stream body was not read (stream guard) or its reader stopped early
  | 'drain-limit' // an error body too large or slow to drain
  | 'canceled' // the caller canceled the request (signal, cancelToken)
  | 'unsolicited-data' // bytes arrived on an idle pooled socket
  | 'pool-full' // not kept: maxFreeSockets idle sockets already
  | 'client-closed' // the client was closed (handle.close())
  | 'proxy-changed' // idle when the proxy variables changed (applyKeepAlive on an instance that follows the environment)
  | 'redirect' // follow-redirects dropped the connection of a redirect response it had read (maxRedirects > 0)
  | 'request-unfinished' // the response ended, the request body did not finish writing within 50 ms (unfinished-request.ts)
  | 'unused' // a new connection (a proxy tunnel, ready later) found no request left to carry: Node's agent does not pool a socket that never carried one
  | 'destroyed'; // closed by code outside the library without an error (req.destroy(), agent.destroy())

export type TimeoutPhase = 'queue' | 'connect' | 'response' | 'idle' | 'total';

export class OriginCounters {
  /** The proxy this origin is reached through (no credentials), when it is. */
  proxy: string | undefined = undefined;
  created = 0;
  closed: Partial<Record<CloseReason, number>> = {};
  requests = 0;
  reused = 0;
  retries = 0;
  timeouts: Partial<Record<TimeoutPhase, number>> = {};
  /**
   * The origin's sockets from creation to 'close' (socket-state.ts), idle or not: `active` and
   * `idle` are counted here, not from the agent's lists, which drop a socket when it is destroyed
   * (agentkeepalive's free-socket timeout calls removeSocket() at once), before its 'close' counts
   * it closed: so `created - closed = active + idle` holds at every moment.
   */
  readonly open = new Set<Socket>();
}

export interface OriginStats {
  /** Sockets carrying a request now. */
  active: number;
  /** Sockets idle in the pool. */
  idle: number;
  /**
   * CONNECT tunnels being set up through the proxy: each holds a `maxSockets` slot, and becomes a
   * socket of the pool (counted in `created`, then `active`) when its TLS handshake starts.
   */
  connecting: number;
  /** Requests waiting for a socket (maxSockets reached). */
  queued: number;
  /** Sockets opened. */
  created: number;
  /** Sockets closed, in all and by reason. */
  closed: { total: number; byReason: Partial<Record<CloseReason, number>> };
  /** Requests handed a socket. */
  requests: number;
  /** Of those, requests served on a socket that had already served one. */
  reused: number;
  /** reused / requests (0 when there were no requests). */
  reuseRatio: number;
  /** Stale-socket retries. */
  retries: number;
  /** Calls that timed out, by phase. */
  timeouts: Partial<Record<TimeoutPhase, number>>;
  /** The forward proxy this origin is reached through (`http://proxy:3128`, never with credentials); absent when direct. */
  proxy?: string;
}

export interface PoolStats {
  total: OriginStats;
  origins: Record<string, OriginStats>;
}
