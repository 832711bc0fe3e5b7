// Layer pool/ (ARCHITECTURE.md): the connection pool - the agents, each socket's life and close
// reason, the binding of a native request to the attempt that sent it and its socket facts, the
// counters, and the forward proxy (pool/proxy/). May import core/ and lean/; what it needs from the
// call above it is declared in hooks.ts (AttemptHooks) and implemented by call/attempt.ts.
//
// The agents: agentkeepalive's, extended with what only an agent can see: each socket created
// (socket-state.ts), each native request added (request-binding.ts), each socket kept or dropped
// when it is freed (keepSocketAlive below).
//
// Sources read (Node 20.20, agentkeepalive 4.6.0):
// - node lib/_http_agent.js: addRequest() takes a free socket (reuseSocket), creates one
//   (createSocket -> createConnection) or queues the request; the 'free' handler hands a freed socket
//   to a queued request WITHOUT calling reuseSocket (so req.reusedSocket stays false) or pools it
//   after keepSocketAlive(); a destroyed request stays in the queue until a socket frees.
// - agentkeepalive lib/agent.js: SOCKET_REQUEST_COUNT is bumped in reuseSocket and in its socket
//   'free' listener when a queued request waits, so it is right for every request; its keepSocketAlive
//   calls Node's (which calls setKeepAlive on every freed socket) and then overwrites Node's
//   Keep-Alive hint handling with freeSocketTimeout; its agent 'free' listener re-applies
//   calcSocketTimeout(), which honours a per-socket `socket.freeSocketTimeout`.
import { HttpAgent, HttpsAgent } from 'agentkeepalive';
import type { ClientRequest } from 'node:http';
import { isIP, type Socket } from 'node:net';
import { now } from '../core/clock';
import { formatOrigin } from '../core/origin';
import { ProxyRouter, type RoutedAgent } from './proxy/route';
import type { AttemptHooks, PoolContext, RequestQueues } from './hooks';
import { attemptOf, bindRequest, kAttempt, kDirect, markPoolAgent } from './request-binding';
import { newSocketForRequest, type SocketCreator } from './new-socket-for-request';
import { adoptSocket, socketState, SocketState } from './socket-state';
import type { CloseReason } from '../core/stats';
import { labelUnclaimedSocket } from './unclaimed-socket';

const kViewOf = Symbol('axios-keepalive.view-of');
/** The pool name of an upstream's direct sockets, beside its proxied ones. */
export const DIRECT_SUFFIX = ':direct';

/** Node's own margin below the server's hint (lib/_http_agent.js keepSocketAlive). */
export const HINT_MARGIN_MS = 1000;
/** socketActiveTTL is shortened by up to this fraction, per socket, so a pool does not reconnect at once. */
export const TTL_JITTER = 0.1;

export { formatOrigin };

interface AgentInternals {
  getName(options: object): string;
  sockets: Record<string, Socket[] | undefined>;
  freeSockets: Record<string, Socket[] | undefined>;
  requests: Record<string, ClientRequest[] | undefined>;
  maxSockets: number;
  destroy(): void;
}

/**
 * Node keeps the options createSocket() built for a new socket until the socket closes: the
 * closures installListeners() adds hold them for removeSocket() (lib/_http_agent.js, Node 20:
 * `options = { __proto__: null, ...options, ...this.options }`, then `installListeners(this, s,
 * options)`). They are a copy of the first request's options, own symbols and `agent` included, so
 * the attempt in them (the transport path) or the agent view carrying it (redirects on) would keep
 * the call that opened the socket - its config, native request and response - alive for the socket's
 * whole life. addRequest() has bound the request already; nothing reads these again.
 */
function forgetTheCall(options: Record<string | symbol, unknown>, agent: object): void {
  if (options[kAttempt] !== undefined) options[kAttempt] = undefined;
  const view = options.agent as { [kViewOf]?: object } | undefined;
  if (view != null && view[kViewOf] !== undefined) options.agent = agent;
  // axios's adapter puts follow-redirects' hook in every request's options (lib/adapters/http.js
  // `options.beforeRedirects = {}`, then `beforeRedirects.config = ...`): the call's axios config, and
  // through it the native request. Only follow-redirects reads it, from its own copy.
  if (options.beforeRedirects !== undefined) options.beforeRedirects = undefined;
  // ... and, with redirects on, follow-redirects' `agents` ({ http, https }: the views of this call).
  // Cleared on this copy only: follow-redirects reads its own options for the next hop.
  if (options.agents !== undefined) options.agents = undefined;
}

export type PoolAgent = InstanceType<typeof KeepAliveHttpAgent> | InstanceType<typeof KeepAliveHttpsAgent>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the TypeScript mixin signature
type AnyAgentClass = new (...args: any[]) => object;

function withPool<TBase extends AnyAgentClass>(Base: TBase, protocol: 'http:' | 'https:') {
  return class PooledAgent extends Base {
    readonly pool: PoolContext;
    /** @internal */ readonly origins = new Map<string, string>();

    constructor(...args: any[]) {
      const pool = args[0] as PoolContext;
      const o = pool.options;
      super({
        keepAlive: true,
        maxSockets: o.maxSockets,
        maxFreeSockets: o.maxFreeSockets,
        freeSocketTimeout: o.freeSocketTimeout,
        // The age limit is applied here, per socket and with jitter (keepSocketAlive below).
        socketActiveTTL: 0,
        scheduling: o.scheduling,
        ...(protocol === 'https:' ? o.tls : undefined),
      });
      this.pool = pool;
      markPoolAgent(this);
      this.proxyRouter = o.proxy === null ? null : new ProxyRouter(this as unknown as RoutedAgent, protocol, o.proxy);
    }

    /**
     * A view of this agent that carries one attempt, for calls whose requests follow-redirects
     * creates (attempt.ts): axios passes it as the request's agent, Node calls its addRequest()
     * (inherited, below), which binds the request and hands it to this agent. Everything else Node
     * reads from it (protocol, defaultPort, keepAlive, maxSockets, options) comes from this agent.
     */
    /** @internal */ viewFor(attempt: AttemptHooks): this {
      return Object.create(this, { [kViewOf]: { value: this }, [kAttempt]: { value: attempt } }) as this;
    }

    /** @internal Proxied upstreams (proxy/route.ts); null when the client uses no proxy. */
    readonly proxyRouter: ProxyRouter | null;

    /** @internal */ originFor(name: string, options: Record<string, unknown>): string {
      let origin = this.origins.get(name);
      if (origin === undefined) {
        const host = String(options.hostname ?? options.host ?? 'localhost');
        const port = (options.port as number | string | undefined) || (protocol === 'https:' ? 443 : 80);
        origin = formatOrigin(protocol, host, port);
        this.origins.set(name, origin);
        this.pool.stats.nameOrigin(name, origin);
      }
      return origin;
    }

    /** @internal The pool name Node's addRequest()/createSocket() last computed (see addRequest). */
    lastName = '';

    getName(options: object): string {
      let name = (Base.prototype as unknown as { getName(o: object): string }).getName.call(this, options);
      // A request that asked for no proxy gets sockets of its own when the pool proxies (proxy/route.ts).
      if (this.proxyRouter !== null && (options as { [kDirect]?: boolean })[kDirect] === true) name += DIRECT_SUFFIX;
      this.lastName = name;
      return name;
    }

    /** @internal The pool name as Node computes it in addRequest(): from the request options merged
     * with the agent's own (TLS settings are part of an https pool's name). */
    mergedOptions(req: ClientRequest, options: Record<string, unknown>): Record<string, unknown> {
      const merged: Record<string, unknown> = { __proto__: null, ...options, ...(this as unknown as { options: object }).options };
      normalizeServerName(merged, req);
      return merged;
    }

    addRequest(req: ClientRequest, options: Record<string, unknown>): void {
      const view = this as unknown as { [kViewOf]?: PooledAgent; [kAttempt]?: AttemptHooks };
      const attempt = (options as { [kAttempt]?: AttemptHooks })[kAttempt] ?? view[kAttempt] ?? null;
      const agent = view[kViewOf] ?? this;
      // A request added through a view belongs to this agent from now on (Node reads req.agent later).
      if (agent !== this) (req as ClientRequest & { agent: unknown }).agent = agent;
      agent.add(req, options, attempt);
    }

    /** @internal */ add(req: ClientRequest, options: Record<string, unknown>, attempt: AttemptHooks | null): void {
      const self = this as unknown as AgentInternals;
      this.proxyRouter?.beforeRequest();
      // Node copies the options' own symbols into what getName() and createConnection() receive.
      if (attempt?.direct === true && this.proxyRouter !== null) (options as { [kDirect]?: boolean })[kDirect] = true;
      bindRequest(req, attempt);
      let name: string;
      if (attempt?.forceNewSocket) {
        const merged = this.mergedOptions(req, options);
        name = self.getName(merged);
        attempt.onRequest(req, this as unknown as RequestQueues, name, this.originFor(name, options));
        this.addRequestOnNewSocket(req, merged); // createSocket() below starts its `connect` phase
      } else {
        const base = Base.prototype as unknown as { addRequest(req: ClientRequest, options: object): void };
        this.lastName = '';
        // Bound before Node picks a socket: createSocket() below tells the attempt when a socket is
        // being created for it. Node's addRequest() merges the options, normalizes the servername and
        // calls this.getName() (lib/_http_agent.js) before anything else: take that name rather than
        // computing it a second time per request.
        this.addingBound = attempt !== null;
        try {
          base.addRequest.call(this, req, options);
        } finally {
          this.addingBound = false;
          name = this.lastName || self.getName(this.mergedOptions(req, options));
        }
        if (attempt !== null) {
          attempt.onRequest(req, this as unknown as RequestQueues, name, this.originFor(name, options));
          const queue = self.requests[name];
          if (queue !== undefined && queue[queue.length - 1] === req) attempt.onQueued();
          else if (this.creating) attempt.onCreatingSocket();
        }
        this.creating = false;
      }
      // Through a proxy: absolute-form and Proxy-Authorization, before Node renders the head.
      if (this.proxyRouter !== null) this.proxyRouter.onRequest(req, name, options);
    }

    /**
     * @internal Set while Node's addRequest() runs for a request bound to an attempt. Not how the
     * attempt is found (it came with the request, and bindRequest() put it there): only a flag that
     * defers its onCreatingSocket() until add() has called its onRequest().
     */
    addingBound = false;
    /** @internal Node's addRequest() went to createSocket() for the request being added. */
    creating = false;

    /**
     * Node calls this for a request it has no free socket for: from addRequest() at once, or from
     * removeSocket() for a queued request when a socket closed. The socket may be created
     * asynchronously (createConnection's callback: a proxy tunnel), so the attempt's `connect`
     * phase starts here, not when the socket is handed over.
     */
    createSocket(req: ClientRequest, options: object, cb: (err: Error | null, socket: Socket) => void): void {
      if (this.addingBound) this.creating = true; // onRequest() has not run yet: add() arms it
      else attemptOf(req)?.onCreatingSocket();
      this.ownConnection = true;
      // A socket that arrives after its request gave up (a tunnel) is closed for the request's reason.
      const handOver = (err: Error | null, socket: Socket): void => {
        if (err === null && socket !== undefined) labelUnclaimedSocket(req, socket);
        cb(err, socket);
      };
      try {
        (Base.prototype as unknown as { createSocket(r: ClientRequest, o: object, c: unknown): void }).createSocket.call(this, req, options, handOver);
      } finally {
        this.ownConnection = false;
      }
    }

    /**
     * @internal Set while Node's createSocket() runs for this pool (it calls createConnection()
     * synchronously). Anyone else may call createConnection() too: an interceptor's passthrough
     * (nock 14, msw 2: @mswjs/interceptors' MockAgent calls the request's original agent's
     * createConnection and then takes over the new socket's handle, so the socket object we would
     * see never emits 'close'). Such sockets are not the pool's: they are not counted or watched.
     */
    ownConnection = false;

    /**
     * A stale-socket retry must not take another idle socket, nor wait for a recycled one: either may
     * be just as stale. It gets a new connection even when maxSockets are busy (one over the limit,
     * for one request): Node's addRequest() create branch, without the free-socket and queue branches.
     */
    /** @internal */ addRequestOnNewSocket(req: ClientRequest, merged: Record<string, unknown>): void {
      newSocketForRequest(this as unknown as SocketCreator, req, merged);
    }

    createConnection(options: Record<string, unknown>, oncreate: (...a: unknown[]) => void): Socket | undefined {
      const base = Base.prototype as unknown as { createConnection(o: object, cb: unknown): Socket | undefined };
      // Not from the pool's own createSocket(): an interceptor's passthrough (see ownConnection): a
      // plain connection, neither watched nor routed.
      if (!this.ownConnection) return base.createConnection.call(this, options, oncreate);
      // Node's private copy of the request options, kept for the socket's life (forgetTheCall).
      forgetTheCall(options, this);
      // createSocket() has put the pool name in options._agentKey (lib/_http_agent.js).
      const proxy = this.proxyRouter === null ? null : this.proxyRouter.endpointFor(String(options._agentKey), options);
      // https through a proxy: a CONNECT tunnel, handed over through oncreate when it is ready.
      if (proxy !== null && protocol === 'https:') return this.proxyRouter!.tunnel(options, oncreate, proxy);
      // http through a proxy: a connection to the proxy (TCP, or TLS to an https:// proxy).
      const socket = proxy === null
        ? base.createConnection.call(this, options, oncreate)
        : this.proxyRouter!.connectToProxy(options, proxy, (o) => base.createConnection.call(this, o, oncreate));
      if (socket) {
        this.initSocket(socket, options);
        if (proxy !== null) this.proxyRouter!.watchConnect(socket, proxy, options);
      }
      return socket;
    }

    /** @internal */ initSocket(socket: Socket, options: Record<string, unknown>): void {
      const self = this as unknown as AgentInternals;
      // createSocket() has put the pool name in options._agentKey (lib/_http_agent.js).
      const key = options._agentKey;
      const origin = this.originFor(typeof key === 'string' ? key : self.getName(options), options);
      const counters = this.pool.stats.forOrigin(origin);
      const ttl = this.pool.options.socketActiveTTL;
      const st = new SocketState(origin, counters, ttl > 0 ? Math.round(ttl * (1 - TTL_JITTER * Math.random())) : 0);
      adoptSocket(socket, st, this.pool);
    }

    reuseSocket(socket: Socket, req: ClientRequest): void {
      const st = socketState(socket);
      if (st) st.idle = false;
      (Base.prototype as unknown as { reuseSocket(s: Socket, r: ClientRequest): void }).reuseSocket.call(this, socket, req);
    }

    /**
     * Replaces Node's and agentkeepalive's keepSocketAlive (see the header): honours the server's
     * Keep-Alive hint wherever `timeout=` stands in the header, applies the per-socket age limit,
     * and skips the setKeepAlive() call on every freed socket (TCP keep-alive was already set at
     * connect, since the agent has keepAlive).
     */
    keepSocketAlive(socket: Socket): boolean {
      const st = socketState(socket);
      if (st === undefined) {
        return (Base.prototype as unknown as { keepSocketAlive(s: Socket): boolean }).keepSocketAlive.call(this, socket);
      }
      if (this.pool.closed) {
        st.close('client-closed');
        return false;
      }
      // Node's Agent reads maxFreeSockets 0 as 256 (`options.maxFreeSockets || 256`): 0 means none here.
      if (this.pool.options.maxFreeSockets === 0) {
        st.close('pool-full');
        return false;
      }
      let timeout = this.pool.options.freeSocketTimeout;
      let cause: CloseReason = 'idle-timeout';
      const res = (socket as Socket & { _httpMessage?: { res?: { headers: Record<string, string | string[] | undefined> } } })._httpMessage?.res;
      const hint = res?.headers['keep-alive'];
      if (typeof hint === 'string') {
        const seconds = hintSeconds(hint);
        if (seconds !== null) {
          const hinted = seconds * 1000 - HINT_MARGIN_MS;
          if (hinted <= 0) {
            st.close('server-hint'); // too short to reuse safely
            return false;
          }
          if (hinted < timeout) {
            timeout = hinted;
            cause = 'server-hint';
          }
        }
      }
      if (st.ttl > 0) {
        const left = st.ttl - (now() - st.createdAt);
        if (left <= 0) {
          st.close('max-age');
          return false;
        }
        if (left < timeout) {
          timeout = Math.ceil(left);
          cause = 'max-age';
        }
      }
      socket.unref(); // an idle socket never keeps the process alive
      // agentkeepalive's agent 'free' listener runs after this and re-applies calcSocketTimeout(),
      // which prefers this per-socket value.
      (socket as Socket & { freeSocketTimeout?: number }).freeSocketTimeout = timeout;
      if (socket.timeout !== timeout) socket.setTimeout(timeout);
      st.idle = true;
      st.freeing = false;
      st.idleCause = cause;
      return true;
    }

    /** Closes every socket (active and idle) and marks why. */
    closeAll(): void {
      for (const socket of this.allSockets()) socketState(socket)?.close('client-closed');
      (this as unknown as AgentInternals).destroy();
    }

    /** Every socket of the pool, active and idle. */
    allSockets(): Socket[] {
      const self = this as unknown as AgentInternals;
      const sockets: Socket[] = [];
      for (const lists of [self.sockets, self.freeSockets]) {
        for (const list of Object.values(lists)) if (list !== undefined) sockets.push(...list);
      }
      return sockets;
    }
  };
}

/** Node's normalizeServerName()/calculateServerName() (lib/_http_agent.js), which addRequest() applies before getName(). */
function normalizeServerName(options: Record<string, unknown>, req: ClientRequest): void {
  if (options.servername || options.servername === '') return;
  let servername = options.host as string | undefined;
  const hostHeader = req.getHeader('host');
  if (typeof hostHeader === 'string' && hostHeader !== '') {
    if (hostHeader.startsWith('[')) {
      const index = hostHeader.indexOf(']');
      servername = index === -1 ? hostHeader : hostHeader.substring(1, index);
    } else {
      servername = hostHeader.split(':', 1)[0];
    }
  }
  options.servername = servername !== undefined && isIP(servername) ? '' : servername;
}

const KEEP_ALIVE_TIMEOUT = /(?:^|[\s,;])timeout\s*=\s*(\d+)/i;

// A server sends the same Keep-Alive header on every response: parse it once, not per request.
let lastHint = '';
let lastHintSeconds: number | null = null;
function hintSeconds(hint: string): number | null {
  if (hint !== lastHint) {
    const match = KEEP_ALIVE_TIMEOUT.exec(hint);
    lastHint = hint;
    lastHintSeconds = match === null ? null : Number(match[1]);
  }
  return lastHintSeconds;
}

export const KeepAliveHttpAgent = withPool(HttpAgent as unknown as AnyAgentClass, 'http:');
export const KeepAliveHttpsAgent = withPool(HttpsAgent as unknown as AnyAgentClass, 'https:');
