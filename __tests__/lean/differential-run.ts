// Runs one generated case through one adapter and describes what user code saw, field by field:
// resolve or reject, the error's class, code, message, status and cause, the response's status,
// status text, headers and data (a stream is read to its end or error, within a deadline), the
// native request on it, config.headers after the call (axios changes them), and the request as the
// server received it.
import http, { ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import axios, { type AxiosAdapter, type AxiosRequestConfig, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import type { Case, LookupKind, RequestCase } from './differential-cases';
import type { ScriptedServer, SeenRequest } from '../helpers/scripted-server';

/** How long a stream response is read before the reader gives up (a silent server). */
const STREAM_DEADLINE_MS = 300;
/** A call that has not settled by then is a test failure on both sides alike. */
const CALL_DEADLINE_MS = 4000;

export interface Described {
  outcome: 'resolved' | 'rejected' | 'no answer';
  /** The http.request options config.transport was handed (the keys Node reads). */
  transportOptions?: Record<string, unknown>;
  response?: Record<string, unknown>;
  error?: Record<string, unknown>;
  configHeaders?: Record<string, unknown>;
  seen: SeenRequest[];
}

function lookupFor(kind: LookupKind): unknown {
  switch (kind) {
    case 'sync-array':
      return (_host: string, opts: { all?: boolean }, cb: (e: Error | null, a: unknown, f?: number) => void) =>
        opts.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4);
    case 'sync-single':
      return (_host: string, _opts: unknown, cb: (e: Error | null, a: unknown, f?: number) => void) => cb(null, '127.0.0.1', 4);
    case 'async-string':
      return async () => '127.0.0.1';
    case 'async-tuple':
      return async () => ['127.0.0.1', 4];
    case 'async-object':
      return async () => ({ address: '127.0.0.1', family: 4 });
    case 'async-bad':
      return async () => ({ address: 5 });
  }
}

function paramsSerializer(r: RequestCase): unknown {
  switch (r.serializer) {
    case 'none':
      return undefined;
    case 'function':
      return (params: Record<string, unknown>) => 'custom=' + Object.keys(params).sort().join(',');
    case 'function-space':
      return () => 'q=a b';
    case 'encode':
      return { encode: (v: string) => encodeURIComponent(v).toUpperCase() };
    case 'indexes-null':
      return { indexes: null };
    case 'throws':
      return () => {
        throw new Error('serializer failed');
      };
  }
}

function bodyFor(r: RequestCase): unknown {
  const b = r.body;
  switch (b.kind) {
    case 'none':
      return undefined;
    case 'empty':
      return '';
    case 'string':
      return b.value;
    case 'buffer':
      return Buffer.from(b.bytes);
    case 'uint8':
      return new Uint8Array(new Uint8Array(b.bytes).buffer, b.offset);
    case 'object':
      return { ...b.value };
    case 'search':
      return new URLSearchParams(b.entries);
  }
}

export interface RunControls {
  abort(): void;
}

/** A fresh config for one run (nothing is shared between the two runs of a case). */
export function configFor(c: Case, id: string, server: ScriptedServer, controls: { signal?: AbortSignal; cancelToken?: AxiosRequestConfig['cancelToken'] }): AxiosRequestConfig {
  const r = c.request;
  const path = `/c/${id}${r.suffix}`;
  const cred = r.urlCredentials ? 'us%40er:p%3Aw@' : '';
  const config: AxiosRequestConfig = { method: r.method, data: bodyFor(r) };
  switch (r.url) {
    case 'absolute':
      config.url = `http://${cred}127.0.0.1:${server.port}${path}`;
      break;
    case 'base':
      config.baseURL = `http://${cred}127.0.0.1:${server.port}`;
      config.url = path;
      break;
    case 'base-slashes':
      config.baseURL = `http://${cred}127.0.0.1:${server.port}/c//`;
      config.url = `//${id}${r.suffix}`.replace(/^\/\//, '/');
      break;
    case 'socket':
      config.socketPath = server.socketPath;
      config.url = path;
      break;
    case 'lookup':
      config.url = `http://${cred}localhost:${server.port}${path}`;
      config.lookup = lookupFor(r.lookup) as AxiosRequestConfig['lookup'];
      config.family = 4;
      break;
  }
  if (r.headers.length > 0) config.headers = Object.fromEntries(r.headers) as AxiosRequestConfig['headers'];
  if (r.auth) config.auth = { ...r.auth };
  if (r.params !== undefined) config.params = Array.isArray(r.params) ? new URLSearchParams(r.params) : { ...r.params };
  const serializer = paramsSerializer(r);
  if (serializer !== undefined) config.paramsSerializer = serializer as AxiosRequestConfig['paramsSerializer'];
  if (r.responseType !== undefined) config.responseType = r.responseType;
  if (r.responseEncoding !== undefined) config.responseEncoding = r.responseEncoding as AxiosRequestConfig['responseEncoding'];
  if (r.maxContentLength !== undefined) config.maxContentLength = r.maxContentLength;
  if (r.maxBodyLength !== undefined) config.maxBodyLength = r.maxBodyLength;
  if (r.decompress !== undefined) config.decompress = r.decompress;
  if (r.validate === 'null') config.validateStatus = null;
  else if (r.validate === 'all') config.validateStatus = () => true;
  else if (r.validate === '2xx') config.validateStatus = (s) => s >= 200 && s < 300;
  if (r.silentJSONParsing !== undefined || r.clarifyTimeoutError !== undefined) {
    config.transitional = { silentJSONParsing: r.silentJSONParsing, clarifyTimeoutError: r.clarifyTimeoutError };
  }
  if (r.timeout !== undefined) config.timeout = r.timeout as number;
  if (r.timeoutErrorMessage !== undefined) config.timeoutErrorMessage = r.timeoutErrorMessage;
  if (r.insecureHTTPParser !== undefined) config.insecureHTTPParser = r.insecureHTTPParser;
  if (controls.signal) config.signal = controls.signal as AxiosRequestConfig['signal'];
  if (controls.cancelToken) config.cancelToken = controls.cancelToken;
  return config;
}

function describeRequest(req: unknown): unknown {
  if (req === undefined || req === null) return req;
  if (!(req instanceof ClientRequest)) return { kind: (req as object).constructor?.name };
  return { kind: 'ClientRequest', method: req.method, path: req.path, host: req.host, protocol: req.protocol };
}

function describeCause(cause: unknown): unknown {
  if (cause === undefined) return undefined;
  const e = cause as { name?: unknown; code?: unknown; message?: unknown };
  return { name: e.name, code: e.code, message: e.message };
}

/** Reads a stream to its end, its error, or the deadline (then destroys it), and says which. */
async function readStream(stream: Readable, onFirstChunk: (() => void) | undefined): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let first = true;
  return new Promise((resolve) => {
    const done = (how: Record<string, unknown>): void => {
      clearTimeout(timer);
      stream.removeAllListeners('data');
      resolve({ ...how, bytes: Buffer.concat(chunks).toString('hex') });
    };
    const timer = setTimeout(() => {
      done({ ended: 'deadline' });
      stream.destroy();
    }, STREAM_DEADLINE_MS);
    stream.on('data', (chunk: Buffer) => {
      chunks.push(Buffer.from(chunk));
      if (first) {
        first = false;
        onFirstChunk?.();
      }
    });
    stream.once('end', () => done({ ended: 'end' }));
    stream.once('error', (e: Error & { code?: string }) => done({ ended: 'error', name: e.name, code: e.code, message: e.message, isAxios: axios.isAxiosError(e) }));
  });
}

async function describeData(data: unknown, onFirstChunk: (() => void) | undefined): Promise<unknown> {
  if (data instanceof Readable) return { stream: await readStream(data, onFirstChunk) };
  if (Buffer.isBuffer(data)) return { buffer: data.toString('hex') };
  return data;
}

async function describeResponse(res: AxiosResponse, onFirstChunk: (() => void) | undefined): Promise<Record<string, unknown>> {
  return {
    status: res.status,
    statusText: res.statusText,
    headers: { ...res.headers },
    headersClass: res.headers?.constructor?.name,
    headersIsBindings: res.headers instanceof axios.AxiosHeaders,
    data: await describeData(res.data, onFirstChunk),
    request: describeRequest(res.request),
    keys: Object.keys(res).filter((k) => k !== 'duration'),
  };
}

/** The options Node's http.request reads, as a transport receives them (functions by kind only). */
const NODE_OPTIONS = ['protocol', 'hostname', 'host', 'port', 'path', 'method', 'headers', 'auth', 'socketPath', 'family', 'insecureHTTPParser', 'maxHeaderSize', 'setHost', 'localAddress', 'timeout'] as const;

function nodeOptions(options: RequestOptions, agent: http.Agent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of NODE_OPTIONS) if (options[key] !== undefined) out[key] = key === 'headers' ? { ...(options.headers as object) } : options[key];
  out.agent = options.agent === agent ? 'the config agent' : options.agent;
  out.lookup = typeof options.lookup;
  return out;
}

/** One side of the comparison: an adapter, and the lean side's eligibility check (before any transport is set). */
export interface Side {
  adapter: AxiosAdapter;
  eligible?: (config: InternalAxiosRequestConfig) => boolean;
}

/** Runs the case through `side` and describes the outcome. */
export async function runCase(c: Case, id: string, server: ScriptedServer, side: Side): Promise<Described> {
  const r = c.request;
  const agent = new http.Agent({ keepAlive: true });
  const controller = new AbortController();
  const source = axios.CancelToken.source();
  const useSignal = r.abort.startsWith('signal');
  const abort = (): void => {
    if (useSignal) controller.abort();
    else source.cancel('canceled by the test');
  };
  const controls = r.abort === 'none' ? {} : useSignal ? { signal: controller.signal } : { cancelToken: source.token };
  server.script(id, c.response);
  if (r.abort.endsWith('at-server')) server.onRequest(id, abort);
  const onFirstChunk = r.abort.endsWith('after-chunk') ? abort : undefined;

  const config = configFor(c, id, server, controls);
  const described: Described = { outcome: 'no answer', seen: [] };
  const transport = {
    request(options: RequestOptions, onResponse: (res: IncomingMessage) => void): ClientRequest {
      described.transportOptions = nodeOptions(options, agent);
      return (options.protocol === 'https:' ? https : http).request(options, onResponse);
    },
  };
  const adapter: AxiosAdapter = (cfg) => {
    if (side.eligible && !side.eligible(cfg as InternalAxiosRequestConfig)) throw new Error('generated a config the lean path does not take');
    if (r.transport === 'passthrough') cfg.transport = transport;
    return side.adapter(cfg);
  };
  const instance = axios.create({ adapter, httpAgent: agent, maxRedirects: 0, proxy: false });
  let seenConfig: { headers?: unknown } | undefined;
  let deadline: NodeJS.Timeout | undefined;
  try {
    const settled = instance.request(config).then(
      async (res) => {
        seenConfig = res.config;
        described.outcome = 'resolved';
        described.response = await describeResponse(res, onFirstChunk);
      },
      async (err: unknown) => {
        const e = err as Record<string, unknown> & { response?: AxiosResponse; config?: { headers?: unknown } };
        seenConfig = e.config;
        described.outcome = 'rejected';
        described.error = {
          isAxiosError: axios.isAxiosError(err),
          isCancel: axios.isCancel(err),
          instanceofAxiosError: err instanceof axios.AxiosError,
          instanceofCanceledError: err instanceof axios.CanceledError,
          name: e.name,
          code: e.code,
          message: e.message,
          status: e.status,
          url: e.url,
          exists: e.exists,
          request: describeRequest(e.request),
          cause: describeCause(e.cause),
          response: e.response === undefined ? undefined : await describeResponse(e.response, onFirstChunk),
        };
      },
    );
    await Promise.race([settled, new Promise<void>((resolve) => (deadline = setTimeout(resolve, CALL_DEADLINE_MS)))]);
  } finally {
    clearTimeout(deadline);
    agent.destroy();
  }
  if (seenConfig?.headers !== undefined) described.configHeaders = { ...(seenConfig.headers as object) };
  // Let a request already on the wire arrive before reading what the server saw.
  await new Promise((resolve) => setTimeout(resolve, 5));
  described.seen = server.seen(id);
  server.forget(id);
  return described;
}
