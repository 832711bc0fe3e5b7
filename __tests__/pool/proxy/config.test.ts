// Issue 14: where the proxy comes from. The environment (read once, when the client is created),
// options.proxy, axios's own `proxy` setting (taken over), NO_PROXY, and bad values refused before
// anything is sent, without showing credentials.
import axios from 'axios';
import { applyKeepAlive, createClient } from '../../../src';
import { NoProxy } from '../../../src/pool/proxy/no-proxy';
import { proxyFromEnv, resolveProxy } from '../../../src/pool/proxy/config';
import { setProxyEnv, withProxyEnv } from '../../helpers/env';
import { CERT, proxyWorld } from '../../helpers/proxy-world';
import { startForwardProxy } from '../../helpers/forward-proxy';

const w = proxyWorld();
let restoreEnv: () => void = () => undefined;
afterEach(() => restoreEnv());

describe('the environment', () => {
  test('lower-case wins over upper-case when both are set (as proxy-from-env and undici read them)', async () => {
    const other = await startForwardProxy();
    try {
      restoreEnv = setProxyEnv({ https_proxy: w.proxy.url, HTTPS_PROXY: other.url, http_proxy: other.url, HTTP_PROXY: w.proxy.url });
      const c = w.client();
      await c.get(`${w.https.url}/json`);
      await c.get(`${w.http.url}/json`);
      expect(w.proxy.tunnels()).toBe(1);
      expect(other.forwarded()).toBe(1);
      expect(w.proxy.forwarded()).toBe(0);
      expect(other.tunnels()).toBe(0);
    } finally {
      await other.close();
    }
  });

  test('an empty lower-case variable counts as unset: the upper-case one applies', async () => {
    restoreEnv = setProxyEnv({ https_proxy: '', HTTPS_PROXY: w.proxy.url });
    await w.client().get(`${w.https.url}/json`);
    expect(w.proxy.tunnels()).toBe(1);
  });

  test('read once, when the client is created: changing process.env later changes nothing', async () => {
    restoreEnv = setProxyEnv({ HTTPS_PROXY: w.proxy.url });
    const proxied = w.client();
    restoreEnv();
    restoreEnv = setProxyEnv({});
    const direct = w.client();
    restoreEnv();
    restoreEnv = setProxyEnv({ HTTPS_PROXY: 'http://127.0.0.1:9' }); // nothing listens there
    await proxied.get(`${w.https.url}/json`);
    await direct.get(`${w.https.url}/json`);
    expect(w.proxy.tunnels()).toBe(1);
    expect(w.https.connections()).toBe(2);
  });

  test('NO_PROXY bypass: a matching upstream is reached directly, the others through the proxy', async () => {
    restoreEnv = setProxyEnv({ HTTPS_PROXY: w.proxy.url, HTTP_PROXY: w.proxy.url, NO_PROXY: `example.internal, 127.0.0.1:${w.http.port}` });
    const c = w.client();
    await c.get(`${w.http.url}/json`);
    await c.get(`${w.https.url}/json`);
    expect(w.proxy.forwarded()).toBe(0);
    expect(w.proxy.tunnels()).toBe(1);
    expect(c.keepAlive.stats().origins[w.http.url].proxy).toBeUndefined();
    expect(c.keepAlive.stats().origins[w.https.url].proxy).toBe(w.proxy.url);
  });

  test('NO_PROXY=* switches proxying off entirely', async () => {
    restoreEnv = setProxyEnv({ HTTPS_PROXY: w.proxy.url, no_proxy: '*' });
    await w.client().get(`${w.https.url}/json`);
    expect(w.proxy.connections()).toBe(0);
  });

  test('ALL_PROXY is not read (it often names a SOCKS proxy)', () => {
    expect(proxyFromEnv({ ALL_PROXY: 'socks5://127.0.0.1:1080', all_proxy: 'http://127.0.0.1:1' }, 5000)).toBeNull();
  });

  test('a variable without a scheme is an http:// proxy; one without a port uses 80', () => {
    const routes = proxyFromEnv({ HTTPS_PROXY: 'proxy.internal:3128', HTTP_PROXY: 'http://proxy.internal' }, 5000)!;
    expect(routes.https?.label).toBe('http://proxy.internal:3128');
    expect(routes.http?.label).toBe('http://proxy.internal:80');
  });

  test('an https:// proxy (TLS to the proxy itself) without a port uses 443, as axios (https-proxy-agent) and undici read it', () => {
    const routes = proxyFromEnv({ HTTPS_PROXY: 'https://proxy.internal', HTTP_PROXY: 'https://u:p@proxy.internal:443/' }, 5000)!;
    expect(routes.https).toMatchObject({ label: 'https://proxy.internal:443', port: 443, secure: true });
    expect(routes.http).toMatchObject({ label: 'https://proxy.internal:443', port: 443, secure: true });
    expect(proxyFromEnv({ HTTPS_PROXY: 'https://[::1]:3129' }, 5000)!.https).toMatchObject({ host: '::1', label: 'https://[::1]:3129' });
  });

  test('a bad variable fails createClient, naming the variable and not its credentials', () => {
    expect(() => withProxyEnv({ HTTPS_PROXY: 'socks5://user:hunter2@proxy:1080' }, () => createClient({ logger: false }))).toThrow(
      /^the environment variable HTTPS_PROXY must be an http:\/\/ or https:\/\/ proxy URL .*'socks5:\/\/proxy:1080'.*options\.proxy/,
    );
    expect(() => withProxyEnv({ http_proxy: 'http://user:hunter2@proxy:3128/some/path' }, () => createClient({ logger: false }))).toThrow(
      /^the environment variable http_proxy must be a proxy origin without a path/,
    );
    try {
      withProxyEnv({ HTTPS_PROXY: 'http://user:hunter2@[bad' }, () => createClient({ logger: false }));
      throw new Error('expected a TypeError');
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toContain('HTTPS_PROXY');
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  test('proxy: false ignores the environment', async () => {
    restoreEnv = setProxyEnv({ HTTPS_PROXY: 'http://127.0.0.1:9' });
    const c = w.client({ proxy: false });
    expect((await c.get(`${w.https.url}/json`)).status).toBe(200);
  });
});

describe('options.proxy', () => {
  test('a URL object works like a string, and an explicit proxy ignores NO_PROXY from the environment', async () => {
    restoreEnv = setProxyEnv({ NO_PROXY: '127.0.0.1' });
    const c = w.client({ proxy: new URL(w.proxy.url) });
    await c.get(`${w.https.url}/json`);
    expect(w.proxy.tunnels()).toBe(1);
  });

  test.each([
    [42, /^options\.proxy must be a proxy URL \(string or URL, http:\/\/host:port or https:\/\/host:port\), or false for none; got 42$/],
    [true, /got true$/],
    [{ host: 'proxy', auth: { username: 'u', password: 'hunter2' } }, /got an object with keys host, auth$/],
    ['socks5://u:hunter2@proxy:1080', /^options\.proxy must be an http:\/\/ or https:\/\/ proxy URL .* got 'socks5:\/\/proxy:1080'$/],
    ['https://u:hunter2@proxy:3129/path', /^options\.proxy must be a proxy origin without a path, query or fragment .* got 'https:\/\/proxy:3129\/path'$/],
    ['http://u:hunter2@proxy:3128/?x=1', /^options\.proxy must be a proxy origin without a path, query or fragment .* got 'http:\/\/proxy:3128\/\?x=1'$/],
    ['http://u:hunter2@', /^options\.proxy (is not a valid proxy URL|has no host)/],
  ])('%p is refused with a TypeError that never shows the credentials', (value, message) => {
    let caught: unknown;
    try {
      createClient({ logger: false, proxy: value as never });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TypeError);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).not.toContain('hunter2');
  });
});

describe("axios's own proxy setting", () => {
  test('createClient: options.axios.proxy (an axios proxy object) becomes the pool proxy; axios itself gets proxy: false', async () => {
    const port = Number(new URL(w.proxy.url).port);
    const c = w.client({ axios: { proxy: { protocol: 'http', host: '127.0.0.1', port, auth: { username: 'u', password: 'p@ss' } } } });
    expect(JSON.stringify(c.defaults.proxy)).toBe('false'); // the pool's marker (proxy-marker.ts)
    for (let i = 0; i < 3; i++) await c.get(`${w.https.url}/headers`);
    expect(w.proxy.tunnels()).toBe(1);
    expect(w.proxy.received[0].headers['proxy-authorization']).toBe(`Basic ${Buffer.from('u:p@ss').toString('base64')}`);
  });

  test('createClient: options.axios.proxy false keeps meaning no proxy, even with HTTPS_PROXY set', async () => {
    restoreEnv = setProxyEnv({ HTTPS_PROXY: w.proxy.url });
    const c = w.client({ axios: { proxy: false } });
    await c.get(`${w.https.url}/json`);
    expect(w.proxy.connections()).toBe(0);
  });

  test('createClient: options.proxy and options.axios.proxy together are refused', () => {
    expect(() => createClient({ logger: false, proxy: w.proxy.url, axios: { proxy: false } })).toThrow(/set the proxy once, in options\.proxy/);
  });

  test('createClient: a bad axios proxy object is refused, showing keys, never values', () => {
    expect(() => createClient({ logger: false, axios: { proxy: { protocol: 'socks5', host: 'p', port: 1 } } })).toThrow(/^options\.axios\.proxy\.protocol must be 'http' or 'https'/);
    expect(() => createClient({ logger: false, axios: { proxy: { host: 'p', port: 70000 } } })).toThrow(RangeError);
    expect(() => createClient({ logger: false, axios: { proxy: { port: 1, auth: { username: 'u', password: 'hunter2' } } as never } })).toThrow(
      /^options\.axios\.proxy must be false or axios's proxy object .* got an object with keys port, auth$/,
    );
  });

  test('applyKeepAlive takes over the instance proxy: pooled through it, instance proxy false until eject() puts it back', async () => {
    const port = Number(new URL(w.proxy.url).port);
    const original = { protocol: 'http', host: '127.0.0.1', port };
    const instance = axios.create({ proxy: original });
    const before = instance.defaults.proxy; // axios.create() copies the object
    const handle = applyKeepAlive(instance, { logger: false, agent: { tls: { ca: CERT } } });
    try {
      expect(JSON.stringify(instance.defaults.proxy)).toBe('false'); // the pool's marker (proxy-marker.ts)
      for (let i = 0; i < 5; i++) expect((await instance.get(`${w.https.url}/json`)).keepAlive?.reused).toBe(i > 0);
      expect(w.proxy.tunnels()).toBe(1);
      expect(handle.stats().origins[w.https.url].proxy).toBe(w.proxy.url);
    } finally {
      handle.eject();
      await handle.close();
    }
    expect(instance.defaults.proxy).toBe(before);
    expect(before).toEqual(original);
  });

  test('applyKeepAlive on an instance without a proxy: it follows the environment, pooled, and eject() removes the proxy: false it set', async () => {
    restoreEnv = setProxyEnv({ HTTP_PROXY: w.proxy.url });
    const instance = axios.create();
    const handle = applyKeepAlive(instance, { logger: false });
    try {
      expect(JSON.stringify(instance.defaults.proxy)).toBe('false'); // the pool's marker (proxy-marker.ts)
      for (let i = 0; i < 3; i++) await instance.get(`${w.http.url}/json`);
      expect(w.proxy.connections()).toBe(1);
      expect(w.proxy.forwarded()).toBe(3);
    } finally {
      handle.eject();
      await handle.close();
    }
    expect(Object.prototype.hasOwnProperty.call(instance.defaults, 'proxy')).toBe(false);
  });

  test('applyKeepAlive on an instance that follows the environment keeps following it, as plain axios does: a variable set or cleared after the install applies to the next call', async () => {
    // Plain axios first: it reads the variables at each request.
    const plain = axios.create();
    restoreEnv = setProxyEnv({ HTTP_PROXY: w.proxy.url });
    await plain.get(`${w.http.url}/json`);
    expect(w.proxy.forwarded()).toBe(1);
    restoreEnv();
    restoreEnv = setProxyEnv({});

    const instance = axios.create();
    const handle = applyKeepAlive(instance, { logger: false });
    try {
      await instance.get(`${w.http.url}/json`);
      expect(w.proxy.forwarded()).toBe(1); // direct: no variable yet
      restoreEnv();
      restoreEnv = setProxyEnv({ HTTP_PROXY: w.proxy.url });
      for (let i = 0; i < 3; i++) await instance.get(`${w.http.url}/json`);
      expect(w.proxy.forwarded()).toBe(4); // now through the proxy, pooled: one connection
      expect(w.proxy.connections()).toBe(2);
      restoreEnv();
      restoreEnv = setProxyEnv({});
      const direct = await instance.get(`${w.http.url}/json`);
      expect(direct.keepAlive?.reused).toBe(false); // the idle proxy connection was closed, not reused direct
      expect(w.proxy.forwarded()).toBe(4);
      expect(handle.stats().total.closed.byReason['proxy-changed']).toBeGreaterThanOrEqual(1);
    } finally {
      handle.eject();
      await handle.close();
    }
  });

  test('a request whose own config says proxy: false goes direct, on sockets of its own, while the others keep the proxy (as plain axios)', async () => {
    restoreEnv = setProxyEnv({ HTTP_PROXY: w.proxy.url });
    const plain = axios.create();
    await plain.get(`${w.http.url}/json`, { proxy: false });
    expect(w.proxy.forwarded()).toBe(0); // plain axios first: not through the proxy
    const instance = axios.create();
    const handle = applyKeepAlive(instance, { logger: false });
    const c = w.client();
    try {
      for (const client of [instance, c]) {
        const before = w.proxy.forwarded();
        await client.get(`${w.http.url}/json`);
        const direct = await client.get(`${w.http.url}/json`, { proxy: false });
        const again = await client.get(`${w.http.url}/json`, { proxy: false });
        await client.get(`${w.http.url}/json`);
        expect(w.proxy.forwarded() - before).toBe(2);
        expect(direct.keepAlive).toMatchObject({ reused: false });
        expect(again.keepAlive).toMatchObject({ reused: true }); // pooled, beside the proxied sockets
      }
      // The marker on the instance stands for "the pool handles the proxy"; JSON shows false.
      expect(JSON.stringify({ proxy: instance.defaults.proxy })).toBe('{"proxy":false}');
    } finally {
      handle.eject();
      await handle.close();
    }
  });

  test('applyKeepAlive: instance proxy false stays no proxy; options.proxy wins over the instance proxy', async () => {
    restoreEnv = setProxyEnv({ HTTP_PROXY: 'http://127.0.0.1:9' });
    const none = axios.create({ proxy: false });
    const a = applyKeepAlive(none, { logger: false });
    const other = axios.create({ proxy: { host: '127.0.0.1', port: 9 } });
    const b = applyKeepAlive(other, { logger: false, proxy: w.proxy.url });
    try {
      expect((await none.get(`${w.http.url}/json`)).status).toBe(200);
      expect((await other.get(`${w.http.url}/json`)).status).toBe(200);
      expect(w.proxy.forwarded()).toBe(1);
    } finally {
      a.eject();
      b.eject();
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('NO_PROXY matching', () => {
  const cases: Array<[string, string, number, boolean]> = [
    ['example.com', 'example.com', 443, true],
    ['example.com', 'api.example.com', 443, true],
    ['example.com', 'notexample.com', 443, false],
    ['.example.com', 'example.com', 443, true],
    ['.example.com', 'a.b.example.com', 80, true],
    ['*.example.com', 'api.example.com', 80, true],
    ['EXAMPLE.com.', 'Api.Example.COM', 80, true],
    ['example.com:8443', 'example.com', 8443, true],
    ['example.com:8443', 'example.com', 443, false],
    ['10.1.2.3', '10.1.2.3', 80, true],
    ['10.1.2.3', '10.1.2.30', 80, false],
    ['10.0.0.0/8', '10.200.3.4', 80, true],
    ['10.0.0.0/8', '11.0.0.1', 80, false],
    ['::1', '::1', 80, true],
    ['[::1]:8080', '0:0:0:0:0:0:0:1', 8080, true],
    ['[::1]:8080', '::1', 80, false],
    ['fd00::/8', 'fd12::1', 80, true],
    ['localhost', '127.0.0.1', 80, false],
    ['*', 'anything.at.all', 1, true],
    ['a.com, b.com  c.com', 'x.c.com', 80, true],
    ['', 'example.com', 80, false],
  ];
  test.each(cases)('NO_PROXY=%p, %s:%d -> direct %p', (value, host, port, direct) => {
    expect(new NoProxy(value).matches(host, port)).toBe(direct);
  });

  test('resolveProxy from the environment leaves the matched hosts direct', () => {
    const routes = resolveProxy(undefined, 5000, 'options.proxy', { https_proxy: 'http://p:1', NO_PROXY: '.corp' })!;
    expect(routes.noProxy?.matches('api.corp', 443)).toBe(true);
    expect(routes.noProxy?.matches('api.example', 443)).toBe(false);
  });
});
