// For the proxy suites: an https upstream (the test certificates for 127.0.0.1), an http upstream
// and a forward proxy, fresh for each test and closed after it; clients made here are closed too.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createClient, type KeepAliveClient, type KeepAliveOptions } from '../../src';
import { startForwardProxy, type ForwardProxy, type ForwardProxyOptions } from './forward-proxy';
import { startServer, type Handler, type TestServer } from './server';

const fixture = (name: string): string => readFileSync(path.join(__dirname, '..', 'fixtures', name), 'utf8');
export const CERT = fixture('localhost-cert.pem');
export const KEY = fixture('localhost-key.pem');

export interface World {
  https: TestServer;
  http: TestServer;
  proxy: ForwardProxy;
  /** A client (closed after the test) that trusts the test certificate, logger off unless given. */
  client(options?: KeepAliveOptions): KeepAliveClient;
  /** Close it after the test. */
  track(client: KeepAliveClient): KeepAliveClient;
}

export function proxyWorld(opts: { proxy?: ForwardProxyOptions; handler?: Handler; httpsOptions?: { keepAliveTimeout?: number } } = {}): World {
  const world = {} as World;
  const clients: KeepAliveClient[] = [];
  beforeEach(async () => {
    world.https = await startServer(opts.handler, { key: KEY, cert: CERT });
    if (opts.httpsOptions?.keepAliveTimeout !== undefined) world.https.server.keepAliveTimeout = opts.httpsOptions.keepAliveTimeout;
    world.http = await startServer(opts.handler);
    world.proxy = await startForwardProxy(opts.proxy);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.keepAlive.close()));
    await Promise.all([world.https.close(), world.http.close(), world.proxy.close()]);
  });
  world.track = (c) => {
    clients.push(c);
    return c;
  };
  world.client = (options = {}) =>
    world.track(createClient({ logger: false, ...options, agent: { tls: { ca: CERT }, ...options.agent } }));
  return world;
}
