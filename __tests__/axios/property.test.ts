// Issue 7: bad input fails before any I/O, naming the field. Property tests over createClient()'s
// options and the per-request `config.keepAlive`: each field is generated valid, invalid (negative,
// NaN, Infinity, fractions, above the limit, wrong types) or absent, containers are sometimes not
// objects, and unknown keys (`__proto__` and `constructor` among them) are mixed in. The oracle below
// knows which fields are invalid; the library must throw iff one is, and name one of them.
import fc from 'fast-check';
import axios from 'axios';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { applyKeepAlive, createClient, type KeepAliveAxiosError, type KeepAliveClient } from '../../src';
import { memoryLogger } from '../helpers/logs';
import { startFaultServer, type FaultServer } from '../helpers/fault-server';

const MAX_TIMEOUT = 2 ** 31 - 1;
const MAX_SOCKETS = 65_535;
const NUM_RUNS = 200;
const CA = readFileSync(path.join(__dirname, '..', 'fixtures', 'localhost-cert.pem'), 'utf8');
const logger = memoryLogger('silent').logger;

type Path = readonly string[];

/** One generated field: where it goes, its valid and its invalid values. */
interface Leaf {
  path: Path;
  valid: fc.Arbitrary<unknown>;
  invalid: fc.Arbitrary<unknown>;
}

const WRONG_TYPES: readonly unknown[] = ['100', '', null, true, false, [], {}, [1], 10n, () => 1, new Date(0), Symbol('x')];

function int(min: number, max: number): fc.Arbitrary<number> {
  return fc.oneof(fc.constantFrom(min, max), fc.integer({ min, max }));
}

function badInt(min: number, max: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom(NaN, Infinity, -Infinity, min - 1, max + 1, -1, 2 ** 31, 2 ** 53, min + 0.5, Number.MIN_VALUE),
    fc.integer({ min: max + 1, max: max + 1_000_000 }),
    fc.integer({ min: -1_000_000, max: min - 1 }),
    fc.double({ min, max, noNaN: true }).filter((d) => !Number.isInteger(d)),
    fc.constantFrom(...WRONG_TYPES),
  );
}

function leaf(path: Path, valid: fc.Arbitrary<unknown>, invalid: fc.Arbitrary<unknown>): Leaf {
  return { path, valid, invalid };
}

/** A container that is sometimes not an object: its own path is the one named. */
function container(path: Path): Leaf {
  return leaf(path, fc.constant({}), fc.constantFrom('x', 5, null, true, [], [{}], new Map(), new Date(0)));
}

/**
 * Keys axios itself drops from a per-request config before any adapter sees it (lib/utils.js merge,
 * its prototype-pollution guard, run by mergeConfig on `config.keepAlive`): never generated there.
 */
const AXIOS_DROPPED_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/** An unknown key inside `parent` (always invalid). */
function unknownKey(parent: Path, allowed: readonly string[], excluded: readonly string[] = []): fc.Arbitrary<{ path: Path; value: unknown }> {
  const key = fc.oneof(
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'keepAlive', 'timeout', 'rejectUnauthorized', 'socket', 'retries'),
    fc.string({ minLength: 1, maxLength: 12 }),
  ).filter((k) => !allowed.includes(k) && !excluded.includes(k));
  return fc.record({ key, value: fc.oneof(fc.integer(), fc.boolean(), fc.constant({})) }).map(({ key: k, value }) => ({ path: [...parent, k], value }));
}

const timeoutLeaves = (base: Path): Leaf[] =>
  ['queue', 'connect', 'response', 'idle', 'total'].map((k) => leaf([...base, k], int(0, MAX_TIMEOUT), badInt(0, MAX_TIMEOUT)));
const streamLeaves = (base: Path): Leaf[] => [
  leaf([...base, 'idleTimeout'], int(0, MAX_TIMEOUT), badInt(0, MAX_TIMEOUT)),
  leaf([...base, 'drainLimit'], int(0, 2 ** 30), badInt(0, 2 ** 30)),
  leaf([...base, 'drainTimeout'], int(0, MAX_TIMEOUT), badInt(0, MAX_TIMEOUT)),
];
const retryLeaves = (base: Path): Leaf[] => [leaf([...base, 'staleSocket'], fc.boolean(), fc.constantFrom('true', 1, 0, null, {}))];

const CLIENT_LEAVES: Leaf[] = [
  leaf(['agent', 'maxSockets'], int(1, MAX_SOCKETS), badInt(1, MAX_SOCKETS)),
  leaf(['agent', 'maxFreeSockets'], int(0, MAX_SOCKETS), badInt(0, MAX_SOCKETS)),
  leaf(['agent', 'freeSocketTimeout'], int(1, MAX_TIMEOUT), badInt(1, MAX_TIMEOUT)),
  leaf(['agent', 'socketActiveTTL'], int(0, MAX_TIMEOUT), badInt(0, MAX_TIMEOUT)),
  leaf(['agent', 'scheduling'], fc.constantFrom('lifo', 'fifo'), fc.constantFrom('LIFO', 'random', '', 1, null, true)),
  leaf(
    ['agent', 'tls'],
    fc.constantFrom({}, { servername: 'localhost' }, { minVersion: 'TLSv1.2' }, { ca: CA }, { ca: [CA], maxVersion: 'TLSv1.3' }),
    // Verification can never be switched off; unknown TLS keys are refused like any other.
    fc.constantFrom({ rejectUnauthorized: false }, { rejectUnauthorized: true }, { checkServerIdentity: () => undefined }, 'x', [], null),
  ),
  leaf(['logLevel'], fc.constantFrom('fatal', 'error', 'warn', 'info', 'debug', 'trace'), fc.constantFrom('verbose', 'INFO', 'silent', 30, null)),
  leaf(['logger'], fc.constantFrom(false, logger), fc.constantFrom(true, {}, 'pino', null, { info() {} }, console)),
  leaf(
    ['propagateHeaders'],
    fc.array(fc.constantFrom('x-request-id', 'traceparent', 'X-Correlation-Id', 'baggage'), { maxLength: 4 }),
    fc.constantFrom('x-request-id', [1], ['bad header'], [''], ['x-id\r\nx-evil: 1'], {}, null),
  ),
  leaf(['axios'], fc.constantFrom({}, { timeout: 0 }, { headers: { 'x-a': '1' } }), fc.constantFrom('x', [], null, 5, new Map())),
  // Issue 14: http:// and https:// proxy URLs (string or URL), or false; nothing is sent at creation.
  leaf(
    ['proxy'],
    fc.constantFrom(false, 'http://127.0.0.1:3128', 'proxy.internal:8080', 'http://u:p@[::1]:3128', new URL('http://127.0.0.1:9'), 'https://127.0.0.1:3129', new URL('https://u:p@[::1]')),
    fc.constantFrom(true, 5, null, {}, '', 'socks5://127.0.0.1:1080', 'ftp://127.0.0.1:3128', 'http://127.0.0.1:3128/path', 'https://127.0.0.1:3129/?q', 'http://[bad'),
  ),
  ...timeoutLeaves(['timeouts']),
  ...streamLeaves(['stream']),
  ...retryLeaves(['retry']),
  // 0 is off; 1 to 999 are refused (seconds written as milliseconds, most likely).
  leaf(['summary', 'interval'], fc.oneof(fc.constant(0), int(1000, MAX_TIMEOUT)), fc.oneof(badInt(0, MAX_TIMEOUT), fc.integer({ min: 1, max: 999 }))),
  leaf(['summary', 'level'], fc.constantFrom('fatal', 'error', 'warn', 'info', 'debug', 'trace'), fc.constantFrom('verbose', 'INFO', 'silent', 30, null)),
  leaf(['lean'], fc.boolean(), fc.constantFrom('true', 1, 0, null, {})),
];
const CLIENT_CONTAINERS: Leaf[] = ['agent', 'timeouts', 'stream', 'retry', 'summary'].map((k) => container([k]));
const CLIENT_KEYS: Record<string, readonly string[]> = {
  '': ['axios', 'agent', 'logger', 'logLevel', 'timeouts', 'stream', 'retry', 'propagateHeaders', 'summary', 'proxy', 'lean'],
  summary: ['interval', 'level'],
  agent: ['maxSockets', 'maxFreeSockets', 'freeSocketTimeout', 'socketActiveTTL', 'scheduling', 'tls'],
  timeouts: ['queue', 'connect', 'response', 'idle', 'total'],
  stream: ['idleTimeout', 'drainLimit', 'drainTimeout'],
  retry: ['staleSocket'],
};

const REQUEST_LEAVES: Leaf[] = [
  leaf(['log'], fc.boolean(), fc.constantFrom('yes', 1, null, {})),
  // Per request there is no `false` logger: `log: false` says it.
  leaf(['logger'], fc.constant(logger), fc.constantFrom(false, true, {}, 'pino', { info() {} })),
  ...timeoutLeaves(['timeouts']),
  ...streamLeaves(['stream']),
  ...retryLeaves(['retry']),
  leaf(['lean'], fc.boolean(), fc.constantFrom('no', 0, null, {})),
];
const REQUEST_CONTAINERS: Leaf[] = ['timeouts', 'stream', 'retry'].map((k) => container([k]));
const REQUEST_KEYS: Record<string, readonly string[]> = {
  '': ['log', 'timeouts', 'stream', 'retry', 'logger', 'lean'],
  timeouts: CLIENT_KEYS.timeouts,
  stream: CLIENT_KEYS.stream,
  retry: CLIENT_KEYS.retry,
};

// --- building a sample and its expected outcome ---

interface Placed {
  path: Path;
  value: unknown;
  invalid: boolean;
}

interface Sample {
  value: Record<string, unknown>;
  /** Paths of the invalid fields that are in the value (an invalid container hides its fields). */
  invalid: string[];
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;
}

function setPath(target: Record<string, unknown>, p: Path, value: unknown): void {
  let node = target;
  for (const key of p.slice(0, -1)) {
    if (!Object.prototype.hasOwnProperty.call(node, key)) node[key] = {};
    const next = node[key];
    if (!isPlain(next)) return; // hidden by an invalid container
    node = next;
  }
  // defineProperty: `__proto__` and friends become own keys, as JSON.parse would make them.
  Object.defineProperty(node, p[p.length - 1], { value, enumerable: true, writable: true, configurable: true });
}

function getPath(target: Record<string, unknown>, p: Path): { found: boolean; value?: unknown } {
  let node: unknown = target;
  for (const key of p) {
    if (!isPlain(node) || !Object.prototype.hasOwnProperty.call(node, key)) return { found: false };
    node = node[key];
  }
  return { found: true, value: node };
}

/** Containers first (a fresh object, or the invalid value that hides its fields), then the fields. */
function build(prefix: string, placed: Placed[], containers: ReadonlySet<string>): Sample {
  const value: Record<string, unknown> = {};
  const ordered = [...placed].sort((a, b) => a.path.length - b.path.length);
  for (const p of ordered) {
    const isContainer = p.path.length === 1 && containers.has(p.path[0]);
    if (isContainer && !p.invalid) {
      if (!getPath(value, p.path).found) setPath(value, p.path, {}); // fresh: samples must not share objects
      continue;
    }
    setPath(value, p.path, p.value);
  }
  const invalid = placed
    .filter((p) => {
      if (!p.invalid) return false;
      const at = getPath(value, p.path);
      return at.found && Object.is(at.value, p.value);
    })
    .map((p) => [prefix, ...p.path].join('.'));
  return { value, invalid };
}

function names(containers: Leaf[]): ReadonlySet<string> {
  return new Set(containers.map((c) => c.path[0]));
}

function leafArb(l: Leaf, pInvalid: number): fc.Arbitrary<Placed | null> {
  const weightInvalid = Math.round(pInvalid * 100);
  return fc.oneof(
    { weight: 40, arbitrary: fc.constant(null) },
    { weight: 100 - weightInvalid, arbitrary: l.valid.map((value) => ({ path: l.path, value, invalid: false })) },
    { weight: Math.max(weightInvalid, 0), arbitrary: l.invalid.map((value) => ({ path: l.path, value, invalid: true })) },
  );
}

function unknownKeys(prefix: string, keys: Record<string, readonly string[]>): Array<fc.Arbitrary<{ path: Path; value: unknown }>> {
  const excluded = prefix === 'config.keepAlive' ? AXIOS_DROPPED_KEYS : [];
  return Object.entries(keys).map(([parent, allowed]) => unknownKey(parent === '' ? [] : [parent], allowed, excluded));
}

function sampleArb(prefix: string, leaves: Leaf[], containers: Leaf[], keys: Record<string, readonly string[]>, pInvalid: number): fc.Arbitrary<Sample> {
  const unknowns = unknownKeys(prefix, keys);
  return fc
    .record({
      fields: fc.tuple(...leaves.map((l) => leafArb(l, pInvalid))),
      containers: fc.tuple(...containers.map((l) => leafArb(l, pInvalid / 3))),
      unknown: pInvalid === 0 ? fc.constant(null) : fc.option(fc.oneof(...unknowns), { freq: 6 }),
    })
    .map(({ fields, containers: cs, unknown }) => {
      const placed = [...cs, ...fields].filter((p): p is Placed => p !== null);
      if (unknown !== null) placed.push({ ...unknown, invalid: true });
      return build(prefix, placed, names(containers));
    });
}

/** Exactly one field made invalid, everything else valid. */
function oneInvalidArb(prefix: string, leaves: Leaf[], containers: Leaf[], keys: Record<string, readonly string[]>): fc.Arbitrary<Sample> {
  const unknowns = unknownKeys(prefix, keys);
  const bad = fc.oneof(
    fc.oneof(...leaves.map((l) => l.invalid.map((value) => ({ path: l.path, value })))),
    fc.oneof(...containers.map((l) => l.invalid.map((value) => ({ path: l.path, value })))),
    fc.oneof(...unknowns),
  );
  return fc.record({ valid: fc.tuple(...leaves.map((l) => leafArb(l, 0))), bad }).map(({ valid, bad: b }) => {
    // The valid fields under an invalid container are dropped: the container is what is wrong.
    const placed = valid.filter((p): p is Placed => p !== null && !(b.path.length === 1 && p.path[0] === b.path[0]));
    return build(prefix, [...placed, { ...b, invalid: true }], names(containers));
  });
}

/** maxFreeSockets above maxSockets (default 50) is invalid as well: the oracle adds it. */
function withRelation(sample: Sample): Sample {
  const agent = getPath(sample.value, ['agent']);
  if (!agent.found || agent.value === null || typeof agent.value !== 'object' || Array.isArray(agent.value)) return sample;
  if (sample.invalid.some((p) => p === 'options.agent' || p === 'options.agent.maxSockets' || p === 'options.agent.maxFreeSockets')) return sample;
  const a = agent.value as { maxSockets?: number; maxFreeSockets?: number };
  if (a.maxFreeSockets !== undefined && a.maxFreeSockets > (a.maxSockets ?? 50)) {
    return { ...sample, invalid: [...sample.invalid, 'options.agent.maxFreeSockets'] };
  }
  return sample;
}

/** The message starts with one of the invalid paths (then a space, or a dot and the key). */
function namesOneOf(message: string, paths: string[]): boolean {
  return paths.some((p) => message.startsWith(`${p} `) || message.startsWith(`${p}.`));
}

function describeSample(s: Sample): string {
  return `${s.invalid.join(', ') || 'valid'}`;
}

// --- createClient ---

function tryCreate(options: Record<string, unknown>): { client?: KeepAliveClient; error?: Error } {
  // A logger is always set: the default would be a pino logger on stdout.
  const o = Object.prototype.hasOwnProperty.call(options, 'logger') ? options : { ...options, logger: false };
  try {
    return { client: createClient(o as Parameters<typeof createClient>[0]) };
  } catch (error) {
    return { error: error as Error };
  }
}

function checkCreate(sample: Sample): Promise<void> | void {
  const s = withRelation(sample);
  const { client, error } = tryCreate(s.value);
  if (s.invalid.length === 0) {
    if (error !== undefined) throw new Error(`valid options rejected: ${error.message}`);
    return client!.keepAlive.close();
  }
  if (client !== undefined) {
    void client.keepAlive.close();
    throw new Error(`invalid options accepted (${describeSample(s)})`);
  }
  expect(error instanceof TypeError || error instanceof RangeError).toBe(true);
  if (!namesOneOf(error!.message, s.invalid)) throw new Error(`message "${error!.message}" names none of ${s.invalid.join(', ')}`);
}

test('createClient: every valid options object is accepted', async () => {
  await fc.assert(fc.asyncProperty(sampleArb('options', CLIENT_LEAVES, CLIENT_CONTAINERS, CLIENT_KEYS, 0), async (s) => checkCreate(s)), { numRuns: NUM_RUNS });
});

test('createClient: one invalid field throws TypeError/RangeError naming exactly that field', async () => {
  await fc.assert(
    fc.asyncProperty(oneInvalidArb('options', CLIENT_LEAVES, CLIENT_CONTAINERS, CLIENT_KEYS), async (sample) => {
      const s = withRelation(sample);
      const { client, error } = tryCreate(s.value);
      if (client !== undefined) await client.keepAlive.close();
      expect(error).toBeDefined();
      expect(error instanceof TypeError || error instanceof RangeError).toBe(true);
      // With exactly one bad field (the relation can add maxFreeSockets), the message names it.
      expect(namesOneOf(error!.message, s.invalid)).toBe(true);
      if (s.invalid.length === 1) expect(namesOneOf(error!.message, [s.invalid[0]])).toBe(true);
    }),
    { numRuns: NUM_RUNS },
  );
});

test('createClient: any mix of valid and invalid fields throws iff one is invalid, naming one of them', async () => {
  await fc.assert(fc.asyncProperty(sampleArb('options', CLIENT_LEAVES, CLIENT_CONTAINERS, CLIENT_KEYS, 0.15), async (s) => checkCreate(s)), { numRuns: NUM_RUNS * 2 });
});

test('createClient / applyKeepAlive: whole-options and edge cases', () => {
  for (const bad of ['x', 5, [], true, new Map(), new (class Options {})()]) {
    expect(() => createClient(bad as never)).toThrow(/^options must be a plain object/);
  }
  // null is "no options", like undefined.
  expect(() => createClient(null as never).keepAlive.close()).not.toThrow();
  // An own `__proto__` key (as JSON.parse makes it) is an unknown key, not a prototype.
  expect(() => createClient(JSON.parse('{"logger": false, "timeouts": {"__proto__": {"idle": 1}}}'))).toThrow(/^options\.timeouts\.__proto__ is not an option/);
  expect(() => createClient({ logger: false, agent: { maxSockets: 10, maxFreeSockets: 11 } })).toThrow(RangeError);
  expect(() => createClient({ logger: false, agent: { maxSockets: 10, maxFreeSockets: 11 } })).toThrow(/^options\.agent\.maxFreeSockets must not exceed options\.agent\.maxSockets \(10\), got 11$/);
  expect(() => createClient({ logger: false, agent: { maxFreeSockets: 51 } })).toThrow(/^options\.agent\.maxFreeSockets /);
  expect(() => createClient({ logger: false, timeouts: { idle: 2 ** 31 } })).toThrow(/^options\.timeouts\.idle must be a whole number from 0 to 2147483647, got 2147483648$/);
  expect(() => createClient({ logger: false, timeouts: { idle: NaN } })).toThrow(TypeError);
  // applyKeepAlive does not create an instance: `axios` is not one of its options.
  expect(() => applyKeepAlive(axios.create(), { logger: false, axios: {} } as never)).toThrow(/^options\.axios is not an option/);
});

// --- config.keepAlive ---

let server: FaultServer;
let client: KeepAliveClient;
beforeAll(async () => {
  server = await startFaultServer();
  client = createClient({ logger: false, axios: { baseURL: server.url } });
});
afterAll(async () => {
  await client.keepAlive.close();
  await server.close();
});

async function checkRequest(s: Sample, keepAlive: unknown): Promise<void> {
  const requestsBefore = server.requests();
  const connectionsBefore = server.connections();
  const outcome = await client.get('/ok', { keepAlive: keepAlive as never }).then(
    (r) => ({ status: r.status, error: undefined }),
    (e: KeepAliveAxiosError) => ({ status: undefined, error: e }),
  );
  if (s.invalid.length === 0) {
    // Accepted. A valid but tiny deadline (1 ms) may expire: that is the option working.
    if (outcome.error !== undefined) {
      expect(outcome.error.code).not.toBe('ERR_BAD_OPTION_VALUE');
      expect(outcome.error.code).toBe('ETIMEDOUT');
    } else {
      expect(outcome.status).toBe(200);
    }
    return;
  }
  expect(outcome.error).toBeDefined();
  const error = outcome.error!;
  expect(axios.isAxiosError(error)).toBe(true);
  expect(error.code).toBe('ERR_BAD_OPTION_VALUE');
  expect(error.cause instanceof TypeError || error.cause instanceof RangeError).toBe(true);
  if (!namesOneOf(error.message, s.invalid)) throw new Error(`message "${error.message}" names none of ${s.invalid.join(', ')}`);
  // Nothing was sent: no request, no connection.
  expect(server.requests()).toBe(requestsBefore);
  expect(server.connections()).toBe(connectionsBefore);
}

test('config.keepAlive: valid overrides are accepted, invalid ones reject with ERR_BAD_OPTION_VALUE naming the field, nothing is sent', async () => {
  const arb = fc.oneof(
    sampleArb('config.keepAlive', REQUEST_LEAVES, REQUEST_CONTAINERS, REQUEST_KEYS, 0),
    oneInvalidArb('config.keepAlive', REQUEST_LEAVES, REQUEST_CONTAINERS, REQUEST_KEYS),
    sampleArb('config.keepAlive', REQUEST_LEAVES, REQUEST_CONTAINERS, REQUEST_KEYS, 0.15),
  );
  await fc.assert(fc.asyncProperty(arb, (s) => checkRequest(s, s.value)), { numRuns: NUM_RUNS });
});

test('config.keepAlive: `__proto__` / `constructor` keys are dropped by axios before the library sees them, and pollute nothing', async () => {
  const res = await client.get('/ok', { keepAlive: JSON.parse('{"__proto__": {"polluted": 1}, "timeouts": {"constructor": 1, "__proto__": {"total": 1}}}') });
  expect(res.status).toBe(200);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(({} as Record<string, unknown>).total).toBeUndefined();
});

test('config.keepAlive: not an object rejects naming config.keepAlive; null and undefined mean no overrides', async () => {
  for (const bad of ['x', 5, true, false, [], new Date(0)]) {
    await checkRequest({ value: {}, invalid: ['config.keepAlive'] }, bad);
  }
  for (const none of [null, undefined]) await checkRequest({ value: {}, invalid: [] }, none);
});
