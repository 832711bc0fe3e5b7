// The generated cases of the differential test: a request (method, body kind, headers, URL form,
// params, auth, response handling options, an abort or a timeout) and the response the scripted
// server gives it (status, headers, body, encoding, framing, fault). Every case is one the lean
// adapter must take (eligible); the configs that must fall back are unit-tested in eligible.test.ts.
import fc from 'fast-check';
import zlib from 'node:zlib';
import type { Fault, Framing, ResponseScript } from '../helpers/scripted-server';

export type BodyKind =
  | { kind: 'none' }
  | { kind: 'empty' }
  | { kind: 'string'; value: string }
  | { kind: 'buffer'; bytes: number[] }
  | { kind: 'uint8'; bytes: number[]; offset: number }
  | { kind: 'object'; value: Record<string, unknown> }
  | { kind: 'search'; entries: Array<[string, string]> };

export type UrlForm = 'absolute' | 'base' | 'base-slashes' | 'socket' | 'lookup';
export type LookupKind = 'sync-array' | 'sync-single' | 'async-string' | 'async-tuple' | 'async-object' | 'async-bad';
export type Abort = 'none' | 'signal-at-server' | 'token-at-server' | 'signal-after-chunk' | 'token-after-chunk';
export type Serializer = 'none' | 'function' | 'function-space' | 'encode' | 'indexes-null' | 'throws';
export type Validate = 'default' | 'null' | 'all' | '2xx';

export interface RequestCase {
  method: string;
  body: BodyKind;
  url: UrlForm;
  lookup: LookupKind;
  /** Appended to the case path: a query, a fragment. */
  suffix: string;
  urlCredentials: boolean;
  headers: Array<[string, unknown]>;
  auth: { username: string; password: string } | undefined;
  params: Record<string, unknown> | Array<[string, string]> | undefined;
  serializer: Serializer;
  responseType: 'json' | 'text' | 'arraybuffer' | 'stream' | undefined;
  responseEncoding: string | undefined;
  maxContentLength: number | undefined;
  maxBodyLength: number | undefined;
  decompress: boolean | undefined;
  validate: Validate;
  silentJSONParsing: boolean | undefined;
  clarifyTimeoutError: boolean | undefined;
  timeout: number | string | undefined;
  timeoutErrorMessage: string | undefined;
  abort: Abort;
  insecureHTTPParser: boolean | undefined;
  /** 'passthrough': the request goes through config.transport (the keep-alive adapter's hook). */
  transport: 'none' | 'passthrough';
}

export interface Case {
  request: RequestCase;
  response: ResponseScript;
}

// --- the response ---

type Content = 'json' | 'bad-json' | 'text' | 'bom-text' | 'binary' | 'empty';
type Encoding = 'identity' | 'gzip' | 'x-gzip' | 'GZIP' | 'compress' | 'deflate' | 'deflate-raw' | 'br' | 'zstd' | 'unknown' | 'broken-gzip' | 'truncated-gzip' | 'broken-br';

const CONTENT_TYPES: Record<Content, string> = {
  json: 'application/json; charset=utf-8',
  'bad-json': 'application/json',
  text: 'text/plain; charset=utf-8',
  'bom-text': 'text/plain',
  binary: 'application/octet-stream',
  empty: 'text/plain',
};

const text = fc.string({ unit: fc.constantFrom('a', 'é', '€', ' ', '"', '\\', '{', '😀', 'Z', '\u00ff'), maxLength: 40 });

function contentBytes(content: Content, value: string, bytes: number[]): Buffer {
  switch (content) {
    case 'json':
      return Buffer.from(JSON.stringify({ value, n: bytes.length, list: bytes.slice(0, 5) }));
    case 'bad-json':
      return Buffer.from('{"value":' + JSON.stringify(value));
    case 'text':
      return Buffer.from(value);
    case 'bom-text':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(value)]);
    case 'binary':
      return Buffer.from(bytes);
    case 'empty':
      return Buffer.alloc(0);
  }
}

/** The body as sent and the Content-Encoding label for it (undefined: no header). */
function encode(encoding: Encoding, raw: Buffer, junk: number[]): [Buffer, string | undefined] {
  switch (encoding) {
    case 'identity':
      return [raw, undefined];
    case 'gzip':
    case 'x-gzip':
    case 'GZIP':
    case 'compress':
      return [zlib.gzipSync(raw), encoding];
    case 'deflate':
      return [zlib.deflateSync(raw), 'deflate'];
    case 'deflate-raw':
      return [zlib.deflateRawSync(raw), 'deflate'];
    case 'br':
      return [zlib.brotliCompressSync(raw), 'br'];
    case 'zstd':
      // Node 20 has no zstd decoder: axios leaves such a body (and its header) as it is.
      return [raw, 'zstd'];
    case 'unknown':
      return [raw, 'snappy'];
    case 'broken-gzip':
      return [Buffer.from([0x1f, 0x8b, 0x08, 0x00, ...junk]), 'gzip'];
    case 'truncated-gzip': {
      const z = zlib.gzipSync(raw);
      return [z.subarray(0, Math.max(1, z.length - 6)), 'gzip'];
    }
    case 'broken-br':
      return [Buffer.from([0xff, ...junk]), 'br'];
  }
}

/** The usual value most of the time, each unusual one now and then. */
function mostly<T>(usual: T, ...rare: T[]): fc.Arbitrary<T> {
  return fc.oneof({ weight: rare.length * 4, arbitrary: fc.constant(usual) }, { weight: rare.length, arbitrary: fc.constantFrom(...rare) });
}

const headerCase = (name: string): fc.Arbitrary<string> => fc.constantFrom(name, name.toLowerCase(), name.toUpperCase());

const extraResponseHeaders = fc.array(
  fc.oneof(
    fc.tuple(headerCase('X-Request-Id'), fc.string({ unit: fc.constantFrom('a', '1', '-', ' '), minLength: 1, maxLength: 8 })),
    fc.tuple(headerCase('Set-Cookie'), fc.constantFrom('a=1; Path=/', 'b=2', 'c=3; HttpOnly')),
    fc.tuple(headerCase('X-Dup'), fc.constantFrom('one', 'two')),
    fc.tuple(headerCase('Cache-Control'), fc.constantFrom('no-store', 'max-age=5')),
    fc.tuple(fc.constant('ETag'), fc.constantFrom('"abc"', 'W/"x"')),
  ),
  { maxLength: 4 },
);

const FAULTS: Fault[] = ['none', 'reset-before-status', 'reset-after-head', 'reset-mid-body', 'short-body', 'chunked-cut', 'bad-status', 'bad-header', 'ctl-header', 'hang', 'hang-after-head'];

const responseArb: fc.Arbitrary<ResponseScript> = fc
  .record({
    status: mostly(200, 201, 204, 304, 302, 400, 404, 500, 503),
    reason: fc.constantFrom('OK', '', 'Custom Reason', 'Not Quite'),
    content: fc.constantFrom<Content>('json', 'json', 'bad-json', 'text', 'bom-text', 'binary', 'empty'),
    value: text,
    bytes: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 64 }),
    encoding: fc.constantFrom<Encoding>('identity', 'identity', 'gzip', 'x-gzip', 'GZIP', 'compress', 'deflate', 'deflate-raw', 'br', 'zstd', 'unknown', 'broken-gzip', 'truncated-gzip', 'broken-br'),
    encodingHeader: headerCase('Content-Encoding'),
    framing: fc.constantFrom<Framing>('length', 'length', 'chunked', 'close'),
    // Most responses are whole; a third misbehave.
    fault: fc.oneof({ weight: 2, arbitrary: fc.constant<Fault>('none') }, { weight: 1, arbitrary: fc.constantFrom(...FAULTS) }),
    extra: extraResponseHeaders,
  })
  .map((r) => {
    const [body, label] = encode(r.encoding, contentBytes(r.content, r.value, r.bytes), r.bytes);
    const headers: Array<[string, string]> = [['Content-Type', CONTENT_TYPES[r.content]]];
    if (label !== undefined) headers.push([r.encodingHeader, label]);
    headers.push(...r.extra);
    return { status: r.status, reason: r.reason, headers, body, framing: r.framing, fault: r.fault };
  });

// --- the request ---

const bodyArb: fc.Arbitrary<BodyKind> = fc.oneof(
  fc.constant<BodyKind>({ kind: 'none' }),
  fc.constant<BodyKind>({ kind: 'empty' }),
  text.map((value): BodyKind => ({ kind: 'string', value })),
  fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 }).map((bytes): BodyKind => ({ kind: 'buffer', bytes })),
  fc.record({ bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 40 }), offset: fc.integer({ min: 0, max: 3 }) }).map((b): BodyKind => ({ kind: 'uint8', ...b })),
  fc.dictionary(fc.constantFrom('id', 'name', 'list', 'nested'), fc.oneof(text, fc.integer(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }))).map((value): BodyKind => ({ kind: 'object', value })),
  fc.array(fc.tuple(fc.constantFrom('q', 'a b', 'x'), text), { maxLength: 3 }).map((entries): BodyKind => ({ kind: 'search', entries })),
);

const headerValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: fc.constantFrom('v', ' ', '\t', 'é', '€', '\u0001', 'x', '-'), maxLength: 10 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, false, true, 42, ['a', 'b']) },
);

const requestHeaders = fc.array(
  fc.tuple(
    fc.oneof(
      headerCase('X-Trace'),
      headerCase('User-Agent'),
      headerCase('Accept-Encoding'),
      headerCase('Content-Type'),
      headerCase('Accept'),
      headerCase('Authorization'),
      fc.constantFrom(' X-Spaced ', 'x-trace'),
    ),
    headerValue,
  ),
  { maxLength: 4 },
);

const paramsArb = fc.oneof(
  fc.dictionary(
    fc.constantFrom('q', 'page', 'ids', 'when', 'f', 'nested'),
    fc.oneof(
      fc.string({ unit: fc.constantFrom('a', ' ', '&', '=', 'é', "'", ':', '$', '[', ']', '+', '/', '?'), maxLength: 6 }),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.array(fc.constantFrom('x', 'y z'), { maxLength: 3 }),
      fc.constant({ deep: 1 }),
      fc.constant(new Date(0)),
    ),
  ),
  fc.array(fc.tuple(fc.constantFrom('k', 'k2'), fc.constantFrom('v', 'a b', 'é')), { maxLength: 3 }),
);

const requestArb: fc.Arbitrary<RequestCase> = fc.record({
  method: fc.constantFrom('GET', 'GET', 'POST', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'),
  body: bodyArb,
  url: fc.constantFrom<UrlForm>('absolute', 'absolute', 'base', 'base-slashes', 'socket', 'lookup'),
  lookup: fc.oneof({ weight: 6, arbitrary: fc.constantFrom<LookupKind>('sync-array', 'sync-single', 'async-string', 'async-tuple', 'async-object') }, { weight: 1, arbitrary: fc.constant<LookupKind>('async-bad') }),
  suffix: fc.constantFrom('', '', '?a=1', '?a=1&b=%20c', '#frag', '?x=y#frag', '/more/path'),
  urlCredentials: fc.boolean(),
  headers: requestHeaders,
  auth: fc.option(fc.record({ username: fc.constantFrom('u', 'üser', ''), password: fc.constantFrom('p', 'p:w', '') }), { nil: undefined }),
  params: fc.option(paramsArb, { nil: undefined, freq: 2 }),
  serializer: mostly<Serializer>('none', 'function', 'encode', 'indexes-null', 'function-space', 'throws'),
  responseType: fc.constantFrom(undefined, 'json', 'text', 'arraybuffer', 'stream'),
  responseEncoding: mostly<string | undefined>(undefined, 'utf8', 'latin1', 'base64', 'hex', 'utf16le', 'bogus'),
  maxContentLength: mostly<number | undefined>(undefined, -1, 0, 5, 30, 100_000),
  maxBodyLength: mostly<number | undefined>(undefined, -1, 5, 100_000),
  decompress: fc.constantFrom(undefined, true, false),
  validate: mostly<Validate>('default', 'null', 'all', '2xx'),
  silentJSONParsing: fc.constantFrom(undefined, true, false),
  clarifyTimeoutError: fc.constantFrom(undefined, true, false),
  timeout: mostly<number | string | undefined>(undefined, 0, 5000, '5000', 'abc'),
  timeoutErrorMessage: mostly<string | undefined>(undefined, 'custom timeout message'),
  abort: mostly<Abort>('none', 'signal-at-server', 'token-at-server', 'signal-after-chunk', 'token-after-chunk'),
  insecureHTTPParser: fc.constantFrom(undefined, true, false),
  transport: fc.constantFrom<'none' | 'passthrough'>('none', 'passthrough'),
});

/**
 * Cases that settle without guesswork: silence always meets a timeout or an abort, an abort after a
 * stream chunk only where the server holds the rest back, and a timeout short only where the
 * server is silent (a short timer next to a live response would race it).
 */
function bounded(c: Case): Case {
  const r = { ...c.request };
  let response = c.response;
  if (r.abort === 'signal-after-chunk' || r.abort === 'token-after-chunk') {
    // An abort while a stream body is being read: the server sends part of a body and holds the rest.
    r.responseType = 'stream';
    r.maxContentLength = undefined;
    if (r.method === 'HEAD') r.method = 'GET';
    response = { ...response, status: 200, fault: 'hang-after-head', body: response.body.length > 0 ? response.body : Buffer.from('partial body') };
  }
  const fault = response.fault;
  const silent = fault === 'hang' || fault === 'hang-after-head';
  if (silent && r.abort === 'none') {
    // A stream response resolves at its head and then waits: its reader's deadline ends it.
    r.timeout = 60;
  } else if (typeof r.timeout === 'number' && r.timeout > 0 && r.timeout < 1000) {
    r.timeout = 5000;
  }
  return { request: r, response };
}

export const caseArb: fc.Arbitrary<Case> = fc.record({ request: requestArb, response: responseArb }).map(bounded);
