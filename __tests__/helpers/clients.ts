// Keep-alive clients for the tests of one file: logger off and the server's baseURL unless given,
// every one closed after each test.
import { createClient, type KeepAliveClient, type KeepAliveOptions } from '../../src';

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
