// The connection to the proxy itself: TCP to an http:// proxy, TLS to an https:// one
// (`HTTPS_PROXY=https://proxy:3129`). Used for CONNECT tunnels (proxy/tunnel.ts) and for the
// absolute-form connections of http upstreams (proxy/route.ts) alike.
//
// What the TLS connection to an https:// proxy trusts, and why:
// - The client's `agent.tls` trust settings (`ca`, `ciphers`, `minVersion`, `maxVersion`), or Node's
//   defaults: the same CAs as for upstreams. axios does the same: its tunnelling agent is
//   https-proxy-agent 5 built from `{ ...httpsAgent.options, ...proxy }` (axios 1.21
//   lib/adapters/http.js getTunnelingAgent), and https-proxy-agent 5 passes all of it to
//   tls.connect() for the proxy (dist/agent.js callback). So a proxy certificate that plain axios
//   with the same CA accepted is accepted here. A proxy signed by another CA than the upstreams:
//   give both (`ca: [upstreamCa, proxyCa]`; `ca` replaces Node's default list, for both).
// - Not the client certificate (`cert`, `key`, `pfx`, `passphrase`) nor `servername`: they are the
//   client's identity towards its upstreams and the upstream's name; the proxy is another party.
//   undici's ProxyAgent and https-proxy-agent 7 keep the two apart the same way (`proxyTls` /
//   `requestTls`; constructor options / request options). axios 1.21 would present the client
//   certificate to a proxy that asks for one.
// - SNI and the verified name are the proxy's host, except an IP address: RFC 6066 3 forbids IP
//   literals in SNI (Node warns, DEP0123), and Node then verifies the address against the
//   certificate's IP SANs (lib/_tls_wrap.js onConnectSecure: `options.servername || options.host`),
//   as https-proxy-agent 7 does (`servername: net.isIP(servername) ? undefined : servername`).
// - Verification is Node's process-wide rule, as for the upstreams: tls.connect()'s default
//   (`rejectUnauthorized: !NODE_TLS_REJECT_UNAUTHORIZED=0`). The library never turns it off, and
//   options.agent.tls refuses `rejectUnauthorized`.
// - ALPN offers http/1.1 only, as axios does for https proxies (`agentOptions.ALPNProtocols`): a
//   proxy that speaks HTTP/2 must not choose it for a connection the pool speaks HTTP/1.1 on.
// - One TLS session per proxy is kept (the latest ticket) for a shorter handshake on the next
//   connection, as Node's https agent keeps one per upstream (lib/https.js _cacheSession); a
//   connection that closes with an error drops it (_evictSession).
import net, { type Socket } from 'node:net';
import tls, { type ConnectionOptions, type TLSSocket } from 'node:tls';
import type { TlsOptions } from '../../core/options';
import type { ProxyEndpoint } from './endpoint';

/** TCP options of a connection to the proxy (the agent's: keep-alive, local address). */
export interface ProxyNetOptions {
  readonly keepAlive: boolean;
  readonly keepAliveInitialDelay: number;
  readonly localAddress?: string;
}

/** The event after which a connection to the proxy can carry bytes: 'secureConnect' for TLS. */
export function readyEvent(socket: Socket): 'connect' | 'secureConnect' {
  return (socket as Socket & { encrypted?: boolean }).encrypted === true ? 'secureConnect' : 'connect';
}

/** Node's codes for a certificate the client does not accept (X509_V_ERR_* names, and the host mismatch). */
const CERTIFICATE_CODE = /CERT|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_TLS_CERT_ALTNAME_INVALID/;

/** What to add to a TLS failure with the proxy: which certificate authorities were asked. */
export function proxyCertificateHint(error: NodeJS.ErrnoException): string {
  return typeof error.code === 'string' && CERTIFICATE_CODE.test(error.code)
    ? "; the proxy's certificate is verified with options.agent.tls.ca when set (as upstreams' are), else Node's default CAs"
    : '';
}

export class ProxyConnector {
  /** Proxy label -> the latest TLS session it gave. */
  private readonly sessions = new Map<string, Buffer>();
  private readonly trust: ConnectionOptions;

  constructor(tlsOptions: TlsOptions | undefined) {
    const t = tlsOptions ?? {};
    this.trust = {
      ...(t.ca === undefined ? {} : { ca: t.ca }),
      ...(t.ciphers === undefined ? {} : { ciphers: t.ciphers }),
      ...(t.minVersion === undefined ? {} : { minVersion: t.minVersion }),
      ...(t.maxVersion === undefined ? {} : { maxVersion: t.maxVersion }),
    };
  }

  /** A new connection to the proxy, connecting: wait for readyEvent(socket) before writing to it yourself. */
  open(endpoint: ProxyEndpoint, options: ProxyNetOptions): Socket {
    const tcp = {
      host: endpoint.host,
      port: endpoint.port,
      keepAlive: options.keepAlive,
      keepAliveInitialDelay: options.keepAliveInitialDelay,
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
    };
    if (!endpoint.secure) return net.connect(tcp);
    const key = endpoint.label;
    const session = this.sessions.get(key);
    const socket: TLSSocket = tls.connect({
      ...this.trust,
      ...tcp,
      servername: net.isIP(endpoint.host) === 0 ? endpoint.host : undefined,
      ALPNProtocols: ['http/1.1'],
      ...(session === undefined ? {} : { session }),
    });
    // tls.connect() reads `keepAlive` only to decide on `singleUse`; TCP keep-alive is set on the
    // socket it creates only through setKeepAlive() (lib/_tls_wrap.js connect: the options given
    // to the TLSSocket's net.Socket do not carry it).
    if (options.keepAlive) socket.once('connect', () => socket.setKeepAlive(true, options.keepAliveInitialDelay));
    socket.on('session', (s: Buffer) => this.sessions.set(key, s));
    socket.once('close', (hadError: boolean) => {
      if (hadError) this.sessions.delete(key);
    });
    return socket;
  }

  /** The proxies changed (the environment, live mode): their sessions are of no use any more. */
  forget(): void {
    this.sessions.clear();
  }
}
