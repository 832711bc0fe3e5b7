// Keep-alive clients for the tests of one file: logger off and the server's baseURL unless given,
// every one closed after each test.
import { createClient, type KeepAliveClient, type KeepAliveOptions } from '../../src';
import { startServer, type TestServer } from './server';

export type ClientFactory = ((options?: KeepAliveOptions) => KeepAliveClient) & {
  /** Close it after the test, as the ones made by the factory. */
  track(client: KeepAliveClient): KeepAliveClient;
};

export function clientFactory(baseURL: () => string): ClientFactory {
  const clients: KeepAliveClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.keepAlive.close()));
  });
  const track = (c: KeepAliveClient): KeepAliveClient => {
    clients.push(c);
    return c;
  };
  const make = (options: KeepAliveOptions = {}): KeepAliveClient =>
    track(createClient({ logger: false, ...options, axios: { baseURL: baseURL(), ...options.axios } }));
  return Object.assign(make, { track });
}

/** A fresh startServer() for each test (handed to `onStart`), closed after it, and clients on its URL. */
export function withServer(onStart: (server: TestServer) => void): ClientFactory {
  let current: TestServer | undefined;
  beforeEach(async () => {
    current = await startServer();
    onStart(current);
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return clientFactory(() => current!.url);
}
