// The pool's side of proxying: which upstreams go through the proxy (decided once per pool name),
// how their requests and sockets differ from direct ones, and nothing else. The pool stays keyed by
// the upstream (Node's getName() reads the request's host and port), so reuse, stats, facts and log
// lines are the upstream's; the proxy is shown beside it (`proxy`, without credentials).
//
// - http: targets: the socket is a connection to the proxy (TCP, or TLS to an https:// proxy:
//   proxy/connect.ts), created as any other (so it is counted, timed and pooled the same way), and
//   each request goes out in absolute form (proxy/absolute-form.ts).
// - https: targets: the socket is a CONNECT tunnel with TLS inside (proxy/tunnel.ts), built
//   asynchronously: Node's createSocket() waits for createConnection's callback when it returns no
//   socket (lib/_http_agent.js). While it is built, the socket that stands for it is listed in the
//   agent's `sockets` for its pool name, so that addRequest() counts it against maxSockets (Node
//   counts a socket only once the callback ran: concurrent requests would each open a tunnel), the
//   stats show it as active and close() destroys it.
import { constants } from 'agentkeepalive';
import type { ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { PoolContext } from '../hooks';
import { newSocketForRequest } from '../new-socket-for-request';
import { socketState } from '../socket-state';
import { envFingerprint, proxyFor, proxyFromEnv, type ProxyRoutes, type ProxySetting } from './config';
import type { ProxyEndpoint } from './endpoint';
import { toAbsoluteForm } from './absolute-form';
import { ProxyConnector, proxyCertificateHint, readyEvent, type ProxyNetOptions } from './connect';
import { authorityOf, openTunnel, type TunnelError } from './tunnel';

/** agentkeepalive's per-socket set-up (its listeners and counters), which its own https createConnection would run. */
const INIT_SOCKET = constants.INIT_SOCKET as unknown as symbol;

type Options = Record<string, unknown>;
type OnCreate = (error: Error | null, socket?: Socket) => void;

/** What the router uses of the agent (agent.ts). */
export interface RoutedAgent {
  readonly pool: PoolContext;
  readonly sockets: Record<string, Socket[] | undefined>;
  readonly freeSockets: Record<string, Socket[] | undefined>;
  readonly requests: Record<string, ClientRequest[] | undefined>;
  readonly maxSockets: number;
  readonly options: { timeout?: number };
  originFor(name: string, options: Options): string;
  initSocket(socket: Socket, options: Options): void;
  createSocket(req: ClientRequest, options: Options, cb: (error: Error | null, socket: Socket) => void): void;
  _getSession?(key: string): unknown;
  _cacheSession?(key: string, session: Buffer): void;
  _evictSession?(key: string): void;
}

const DIRECT = null;
/** agent.ts DIRECT_SUFFIX (not imported: the agent imports this file). */
const DIRECT_NAME_SUFFIX = ':direct';

export class ProxyRouter {
  /** Pool name -> its proxy, or null (direct): NO_PROXY is matched once per upstream, not per request. */
  private readonly byName = new Map<string, ProxyEndpoint | null>();
  private routes: ProxyRoutes | null;
  /** The environment's proxy variables the routes were read from (live mode only). */
  private fingerprint: string | undefined;
  private readonly connectTimeout: number;
  /** Connections to the proxy itself (TCP, or TLS with the client's CAs), and their TLS sessions. */
  private readonly connector: ProxyConnector;

  constructor(
    private readonly agent: RoutedAgent,
    private readonly protocol: 'http:' | 'https:',
    setting: Exclude<ProxySetting, null>,
  ) {
    this.connectTimeout = setting.connectTimeout;
    this.connector = new ProxyConnector(agent.pool.options.tls);
    if ('live' in setting) {
      this.fingerprint = envFingerprint();
      this.routes = proxyFromEnv(process.env, setting.connectTimeout);
    } else {
      this.routes = setting;
    }
  }

  /**
   * Live mode: the environment's proxy variables changed since the routes were decided. Re-decide
   * them, and close the idle sockets: they were opened on the old routes (direct, or through
   * another proxy), and the pool must not send the next request on one of them.
   */
  private refresh(): void {
    if (this.fingerprint === undefined) return;
    const now = envFingerprint();
    if (now === this.fingerprint) return;
    this.fingerprint = now;
    this.routes = proxyFromEnv(process.env, this.connectTimeout);
    this.byName.clear();
    this.connector.forget();
    for (const list of Object.values(this.agent.freeSockets)) {
      for (const socket of list ?? []) {
        socketState(socket)?.close('proxy-changed');
        socket.destroy();
      }
    }
  }

  /** The proxy for a pool name (cached), or null for a direct connection. */
  endpointFor(name: string, options: Options): ProxyEndpoint | null {
    // A request that asked for no proxy (`proxy: false` in its own config) has sockets of its own.
    if (name.endsWith(DIRECT_NAME_SUFFIX)) return DIRECT;
    let endpoint = this.byName.get(name);
    if (endpoint === undefined) {
      const host = String(options.hostname ?? options.host ?? 'localhost');
      const port = Number(options.port) || (this.protocol === 'https:' ? 443 : 80);
      endpoint = this.routes === null ? DIRECT : proxyFor(this.routes, this.protocol, host, port) ?? DIRECT;
      this.byName.set(name, endpoint);
      // stats() and the socket lines show the upstream, with the proxy beside it.
      if (endpoint !== null) this.agent.pool.stats.forOrigin(this.agent.originFor(name, options)).proxy = endpoint.label;
    }
    return endpoint;
  }

  /** Before addRequest() picks a socket: in live mode, follow a change of the environment. */
  beforeRequest(): void {
    this.refresh();
  }

  /** addRequest(): an http: request to a proxied upstream goes out in absolute form. */
  onRequest(req: ClientRequest, name: string, options: Options): void {
    if (this.protocol !== 'http:') return; // https: the tunnel is the socket's business, not the request's
    const endpoint = this.endpointFor(name, options);
    if (endpoint === null) return;
    // A path that is not origin-form was made absolute already (axios's own per-request `proxy`).
    if (req.path.charCodeAt(0) !== 47 /* '/' */) return;
    toAbsoluteForm(req, this.agent.originFor(name, options) + req.path, endpoint.authorization());
  }

  /**
   * createConnection() for a proxied http: upstream: a connection to the proxy; the pool name stays
   * the upstream's. An http:// proxy gets the agent's own TCP connection (`plain`: Node's, with
   * agentkeepalive's set-up); an https:// proxy a TLS one, with agentkeepalive's set-up done here as
   * its https createConnection would.
   */
  connectToProxy(options: Options, endpoint: ProxyEndpoint, plain: (options: Options) => Socket | undefined): Socket | undefined {
    if (!endpoint.secure) return plain({ ...options, host: endpoint.host, hostname: endpoint.host, port: endpoint.port, servername: undefined });
    const socket = this.connector.open(endpoint, netOptions(options));
    (this.agent as unknown as Record<symbol, (s: Socket, o: Options) => void>)[INIT_SOCKET](socket, options);
    return socket;
  }

  /**
   * An http: upstream's connection to the proxy: a failure to reach the proxy, or to agree on TLS
   * with an https:// one, keeps its code (ECONNREFUSED, ENOTFOUND, DEPTH_ZERO_SELF_SIGNED_CERT, ...)
   * and its message names the proxy and the upstream, as a tunnel's does. This listener runs before
   * the request's own (installed when the socket is handed over).
   */
  watchConnect(socket: Socket, endpoint: ProxyEndpoint, options: Options): void {
    const target = authorityOf(String(options.host), Number(options.port) || 80);
    const ready = readyEvent(socket);
    let handshake = false;
    const onTcp = (): void => {
      handshake = true;
    };
    const onError = (error: NodeJS.ErrnoException): void => {
      error.message += handshake
        ? ` (proxy ${endpoint.label}, in the TLS handshake with the proxy for ${target}${proxyCertificateHint(error)})`
        : ` (proxy ${endpoint.label}, connecting to the proxy for ${target})`;
    };
    socket.once('error', onError);
    if (ready === 'secureConnect') socket.once('connect', onTcp);
    socket.once(ready, () => {
      socket.removeListener('error', onError);
      socket.removeListener('connect', onTcp);
    });
  }

  /**
   * createConnection() for a proxied https: upstream. Returns undefined: the socket comes through
   * `oncreate` once the tunnel is up and the TLS handshake done, with agentkeepalive's and the pool's
   * listeners installed before the handshake (the same order as on a direct socket), so a TLS failure
   * is counted and logged as on a direct connection.
   */
  tunnel(options: Options, oncreate: OnCreate, endpoint: ProxyEndpoint): undefined {
    const agent = this.agent;
    const name = String(options._agentKey);
    let standIn: Socket | null = null;
    const list = (): Socket[] => (agent.sockets[name] ??= []);
    const dropStandIn = (): void => {
      const sockets = agent.sockets[name];
      const i = standIn === null || sockets === undefined ? -1 : sockets.indexOf(standIn);
      if (i !== -1) sockets!.splice(i, 1);
      if (sockets !== undefined && sockets.length === 0) delete agent.sockets[name];
      standIn = null;
    };
    const session = agent._getSession?.(name);
    openTunnel(
      {
        proxy: endpoint,
        host: String(options.host),
        port: Number(options.port) || 443,
        limit: this.connectTimeout,
        net: netOptions(options),
        connector: this.connector,
        // As Node's https createConnection: the merged request and agent options (CA, servername,
        // ...), and the TLS session of this pool name for a shorter handshake.
        tls: { ...(session === undefined ? {} : { session: session as Buffer }), ...(options as object) },
      },
      {
        pending(socket) {
          if (standIn !== null) {
            const sockets = list();
            const i = sockets.indexOf(standIn);
            if (i !== -1) sockets[i] = socket;
            else sockets.push(socket);
          } else {
            list().push(socket);
          }
          standIn = socket;
        },
        tlsSocket(socket: TLSSocket) {
          (agent as unknown as Record<symbol, (s: Socket, o: Options) => void>)[INIT_SOCKET](socket, options);
          agent.initSocket(socket, options);
          // Node's https createConnection caches sessions the same way (lib/https.js).
          socket.on('session', (s: Buffer) => agent._cacheSession?.(name, s));
          socket.once('close', (hadError: boolean) => {
            if (hadError) agent._evictSession?.(name);
          });
        },
        done: (error: TunnelError | null, socket: TLSSocket | null) => {
          dropStandIn();
          if (error !== null) {
            // The first reason set wins (socket-state.ts): the pool's close() set 'client-closed' already.
            if (error.timeoutPhase !== undefined) socketState(socket)?.close('timeout', error.timeoutPhase);
            oncreate(error);
            this.afterFailure(name, options);
            return;
          }
          oncreate(null, socket!);
        },
      },
    );
    return undefined;
  }

  /**
   * A tunnel failed: its request gets the error. Requests queued behind it (maxSockets were busy,
   * stand-ins included) would wait for a socket to free, and there may be none: as Node does when a
   * socket closes (removeSocket), the next one gets a new connection. It is taken off the queue first,
   * so a request is never handed both a connection error and, later, a socket; one request per
   * failure, so a proxy that refuses every tunnel fails the queue one by one, never in a loop.
   */
  private afterFailure(name: string, options: Options): void {
    // After onSocketNT (queued by oncreate's error path on this same tick) has marked the failed request destroyed.
    process.nextTick(() => {
      const agent = this.agent;
      if (agent.pool.closed) return;
      const queue = agent.requests[name];
      if (queue === undefined) return;
      while (queue.length > 0 && queue[0].destroyed) queue.shift();
      const busy = (agent.sockets[name]?.length ?? 0) + (agent.freeSockets[name]?.length ?? 0);
      const req = busy < agent.maxSockets ? queue.shift() : undefined;
      if (queue.length === 0) delete agent.requests[name];
      if (req === undefined) return;
      newSocketForRequest(agent, req, options);
    });
  }
}

/** The agent's TCP options (Node's createSocket() adds keepAlive and keepAliveInitialDelay) for a connection to the proxy. */
function netOptions(options: Options): ProxyNetOptions {
  return {
    keepAlive: options.keepAlive === true,
    keepAliveInitialDelay: Number(options.keepAliveInitialDelay) || 0,
    ...(typeof options.localAddress === 'string' ? { localAddress: options.localAddress } : {}),
  };
}
