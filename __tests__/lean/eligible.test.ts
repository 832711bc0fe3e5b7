// Issue 13: every rule of the lean path's eligibility table, on configs as axios hands them to an
// adapter (captured from a real axios instance, so merged, flattened and transformed): the lean
// configs are taken, and each config that must fall back to axios's http adapter does.
import { Readable } from 'node:stream';
import axios, { type AxiosRequestConfig, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import { createLeanAdapter } from '../../src/lean';

const lean = createLeanAdapter(axios);
const BASE = 'http://127.0.0.1:9';

/** The config an adapter receives for `config` on an instance with the preset's two options. */
async function adapterConfig(config: AxiosRequestConfig, defaults: AxiosRequestConfig = { maxRedirects: 0, proxy: false }): Promise<InternalAxiosRequestConfig> {
  let seen: InternalAxiosRequestConfig | undefined;
  const instance = axios.create({
    ...defaults,
    adapter: (c) => {
      seen = c;
      return Promise.resolve({ data: '', status: 200, statusText: 'OK', headers: {}, config: c } as AxiosResponse);
    },
  });
  await instance.request(config);
  return seen!;
}

const eligible = async (config: AxiosRequestConfig, defaults?: AxiosRequestConfig): Promise<boolean> => lean.eligible(await adapterConfig(config, defaults));

describe('taken by the lean path', () => {
  test.each<[string, AxiosRequestConfig]>([
    ['a GET to an absolute URL', { url: `${BASE}/x` }],
    ['an https URL', { url: 'https://127.0.0.1:9/x' }],
    ['a baseURL with a relative url', { baseURL: BASE, url: '/orders/1' }],
    ['a relative url without a leading slash', { baseURL: `${BASE}/api/`, url: 'orders?at=12:00' }],
    ['no url at all, with a baseURL', { baseURL: BASE }],
    ['a JSON POST', { method: 'post', url: `${BASE}/x`, data: { a: 1 } }],
    ['a string body', { method: 'put', url: `${BASE}/x`, data: 'text' }],
    ['a Buffer body', { method: 'patch', url: `${BASE}/x`, data: Buffer.from('x') }],
    ['a typed array body (axios sends its ArrayBuffer)', { method: 'post', url: `${BASE}/x`, data: new Uint8Array([1, 2]) }],
    ['URLSearchParams', { method: 'post', url: `${BASE}/x`, data: new URLSearchParams({ a: '1' }) }],
    ['DELETE, HEAD, OPTIONS', { method: 'delete', url: `${BASE}/x` }],
    ['responseType text', { url: `${BASE}/x`, responseType: 'text' }],
    ['responseType arraybuffer', { url: `${BASE}/x`, responseType: 'arraybuffer' }],
    ['responseType stream', { url: `${BASE}/x`, responseType: 'stream' }],
    ['params and a paramsSerializer', { url: `${BASE}/x`, params: { q: 'a b', ids: [1, 2] }, paramsSerializer: { indexes: null } }],
    ['auth', { url: `${BASE}/x`, auth: { username: 'u', password: 'p' } }],
    ['credentials in the URL', { url: 'http://u:p@127.0.0.1:9/x' }],
    ['a socketPath with a path-only url', { url: '/x', socketPath: '/tmp/some.sock' }],
    ['lookup and family', { url: 'http://localhost:9/x', lookup: () => undefined, family: 4 }],
    ['signal, cancelToken, timeout, limits, decompress, encoding, insecureHTTPParser', {
      url: `${BASE}/x`, signal: new AbortController().signal, cancelToken: axios.CancelToken.source().token, timeout: 100,
      maxContentLength: 10, maxBodyLength: 10, decompress: false, responseEncoding: 'latin1', insecureHTTPParser: true,
      validateStatus: null,
    }],
  ])('%s', async (_name, config) => {
    expect(await eligible(config)).toBe(true);
  });
});

describe('left to axios\'s http adapter', () => {
  test.each<[string, AxiosRequestConfig, AxiosRequestConfig?]>([
    ['redirects on (axios\'s default: follow-redirects)', { url: `${BASE}/x` }, { proxy: false }],
    ['maxRedirects: 3', { url: `${BASE}/x`, maxRedirects: 3 }],
    ['a proxy from the environment may apply (proxy not false)', { url: `${BASE}/x` }, { maxRedirects: 0 }],
    ['an explicit proxy', { url: `${BASE}/x`, proxy: { host: '127.0.0.1', port: 9 } }],
    ['HTTP/2', { url: `${BASE}/x`, httpVersion: 2 } as AxiosRequestConfig],
    ['a user transport', { url: `${BASE}/x`, transport: { request: () => undefined } } as AxiosRequestConfig],
    ['upload progress', { method: 'post', url: `${BASE}/x`, data: 'x', onUploadProgress: () => undefined }],
    ['download progress', { url: `${BASE}/x`, onDownloadProgress: () => undefined }],
    ['maxRate', { url: `${BASE}/x`, maxRate: 1000 }],
    ['responseType blob', { url: `${BASE}/x`, responseType: 'blob' }],
    ['responseType document', { url: `${BASE}/x`, responseType: 'document' }],
    ['a stream body', { method: 'post', url: `${BASE}/x`, data: Readable.from(['x']) }],
    ['a spec FormData body', { method: 'post', url: `${BASE}/x`, data: new FormData() }],
    ['a Blob body', { method: 'post', url: `${BASE}/x`, data: new Blob(['x']) }],
    ['a body transformRequest leaves as a number', { method: 'post', url: `${BASE}/x`, data: 42, transformRequest: [(d: unknown) => d] }],
    ['a data: URI', { url: 'data:text/plain,hello' }],
    ['a protocol-relative url', { url: '//127.0.0.1:9/x' }],
    ['a relative url without baseURL or socketPath', { url: '/x' }],
    ['a non-http baseURL', { baseURL: 'ftp://127.0.0.1', url: '/x' }],
    ['a url with a scheme and no slashes (axios: ERR_INVALID_URL)', { baseURL: BASE, url: 'http:x' }],
    ['a url with leading whitespace', { url: ` ${BASE}/x` }],
    ['an absolute url with allowAbsoluteUrls: false and a baseURL', { baseURL: BASE, url: 'http://127.0.0.1:8/x', allowAbsoluteUrls: false }],
    ['a URL object', { url: new URL(`${BASE}/x`) as unknown as string }],
    ['allowedSocketPaths', { url: '/x', socketPath: '/tmp/a.sock', allowedSocketPaths: ['/tmp/a.sock'] } as AxiosRequestConfig],
    ['a socketPath that is not a string', { url: '/x', socketPath: 5 as unknown as string }],
    ['a lookup that is not a function', { url: `${BASE}/x`, lookup: 'dns' as unknown as AxiosRequestConfig['lookup'] }],
    ['auth that is not an object', { url: `${BASE}/x`, auth: 'u:p' as unknown as AxiosRequestConfig['auth'] }],
    // A rest parameter: jest takes a test function with more parameters than the row for one awaiting done().
  ])('%s', async (...[, config, defaults]) => {
    expect(await eligible(config, defaults)).toBe(false);
  });

  test('params, when the binding has no Axios class to serialize them', async () => {
    const partial = createLeanAdapter({ AxiosError: axios.AxiosError, AxiosHeaders: axios.AxiosHeaders, CanceledError: axios.CanceledError, VERSION: axios.VERSION });
    expect(partial.eligible(await adapterConfig({ url: `${BASE}/x` }))).toBe(true);
    expect(partial.eligible(await adapterConfig({ url: `${BASE}/x`, params: { q: 1 } }))).toBe(false);
  });

  test('everything, when the binding has no VERSION (the default User-Agent would be unknown)', async () => {
    const partial = createLeanAdapter({ AxiosError: axios.AxiosError, AxiosHeaders: axios.AxiosHeaders, CanceledError: axios.CanceledError });
    expect(partial.eligible(await adapterConfig({ url: `${BASE}/x` }))).toBe(false);
  });

  test('a config that is no object, or has no method', async () => {
    expect(lean.eligible(null as unknown as InternalAxiosRequestConfig)).toBe(false);
    const config = await adapterConfig({ url: `${BASE}/x` });
    delete (config as { method?: string }).method;
    expect(lean.eligible(config)).toBe(false);
  });

  test('a value on a polluted Object.prototype is not read (as axios ignores it)', async () => {
    const config = { ...(await adapterConfig({ url: `${BASE}/x` })) } as InternalAxiosRequestConfig;
    delete (config as { proxy?: unknown }).proxy;
    const proto = Object.prototype as { proxy?: unknown };
    proto.proxy = false;
    try {
      expect(lean.eligible(config)).toBe(false);
    } finally {
      delete proto.proxy;
    }
  });
});
