// What a chaos run does, drawn from its seed before anything runs: lives (a set of clients from
// creation to close()), their epochs (bursts of calls, after which the pool must be at rest) and
// every call (client, origin, method, body, misbehaviour, response handling, cancel, deadlines).
// Nothing here depends on what happened at run time, so a seed replays the same plan.
import { Rng } from './prng';
import { drawRoute, type RouteDraw } from './routes';
import type { Origin } from './world';

export type ClientKind = 'create' | 'apply-redirects' | 'create-proxied';

export interface Deadlines {
  queue: number;
  connect: number;
  response: number;
  idle: number;
  total: number;
}

export interface StreamLimits {
  idleTimeout: number;
  drainLimit: number;
  drainTimeout: number;
}

export interface ClientPlan {
  kind: ClientKind;
  origins: Origin[];
  maxSockets: number;
  maxFreeSockets: number;
  freeSocketTimeout: number;
  socketActiveTTL: number;
  timeouts: Deadlines;
  stream: StreamLimits;
  /** close() in the life's last epoch, once this many of its calls there have started, after delayMs; else at rest. */
  closeAt: { started: number; delayMs: number } | undefined;
}

export interface EpochPlan {
  /** Index of its first call (in the run), and how many. */
  first: number;
  calls: number;
  concurrency: number;
  /** Pause before it starts (idle sockets age: hints, idle closes, free timeouts). */
  pauseMs: number;
}

export interface LifePlan {
  index: number;
  clients: ClientPlan[];
  epochs: EpochPlan[];
  logger: boolean;
  summary: boolean;
}

export type BodyKind = 'none' | 'string' | 'buffer' | 'json' | 'urlencoded' | 'stream' | 'form-data';
export type StreamPolicy = 'read' | 'stop-early' | 'abandon' | 'slow-read';
export type CancelWhen = 'before' | 'time' | 'request' | 'head' | 'retry';

export interface CallPlan {
  index: number;
  id: string;
  client: number;
  origin: Origin;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body: { kind: BodyKind; size: number };
  idempotencyKey: boolean;
  route: RouteDraw;
  responseType: 'json' | 'stream';
  stream: { policy: StreamPolicy; stopAfter: number; pauseMs: number };
  cancel: { via: 'signal' | 'token'; when: CancelWhen; delayMs: number } | undefined;
  /** Per-request overrides (config.keepAlive), if any. */
  timeouts: Partial<Deadlines> | undefined;
  streamLimits: Partial<StreamLimits> | undefined;
  staleRetry: boolean;
  /** axios's own `timeout`, if set. */
  axiosTimeout: number | undefined;
  log: boolean;
  /** Wait before starting it, once a slot is free. */
  startDelayMs: number;
}

const IDEMPOTENT = new Set(['GET', 'PUT', 'DELETE']);

export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.has(method);
}

export interface RunShape {
  seed: number;
  calls: number;
  /** Probability that a life has a proxied client. */
  proxied: number;
}

function drawClient(rng: Rng, kind: ClientKind): ClientPlan {
  const maxSockets = rng.int(1, 6);
  const origins: Origin[] = kind === 'create-proxied'
    ? [{ server: 'behind', proxied: true }, { server: 'tls', proxied: true }]
    : [{ server: 'plain', proxied: false }, { server: 'tls', proxied: false }];
  return {
    kind,
    origins,
    maxSockets,
    maxFreeSockets: rng.chance(0.15) ? rng.int(0, maxSockets) : maxSockets,
    freeSocketTimeout: rng.pick([300, 1000, 2500, 4000]),
    socketActiveTTL: rng.chance(0.2) ? rng.int(500, 3000) : 300_000,
    timeouts: {
      queue: rng.int(300, 1500),
      connect: rng.int(1000, 2000),
      response: rng.int(300, 1200),
      idle: rng.int(150, 600),
      total: rng.int(900, 2500),
    },
    stream: {
      idleTimeout: rng.int(150, 600),
      drainLimit: rng.pick([1024, 16_384, 65_536]),
      drainTimeout: rng.int(100, 500),
    },
    closeAt: undefined,
  };
}

/** The life's plan; its calls are numbered from `first`. */
export function drawLife(shape: RunShape, index: number, first: number, maxCalls: number): LifePlan {
  const rng = Rng.derive(shape.seed, 1, index);
  const clients = [drawClient(rng, 'create'), drawClient(rng, 'apply-redirects')];
  if (rng.chance(shape.proxied)) clients.push(drawClient(rng, 'create-proxied'));
  const epochs: EpochPlan[] = [];
  const total = Math.min(maxCalls, rng.int(150, 900));
  let at = first;
  while (at < first + total) {
    const calls = Math.min(first + total - at, rng.int(40, 250));
    epochs.push({ first: at, calls, concurrency: rng.int(4, 40), pauseMs: rng.chance(0.3) ? rng.int(50, 1500) : 0 });
    at += calls;
  }
  if (rng.chance(0.4)) {
    // close() at a random point of the last epoch, for some of the clients.
    for (const c of clients) if (rng.chance(0.7)) c.closeAt = { started: rng.int(0, epochs[epochs.length - 1].calls / clients.length), delayMs: rng.int(0, 300) };
  }
  return { index, clients, epochs, logger: rng.chance(0.5), summary: rng.chance(0.3) };
}

function drawBody(rng: Rng, method: CallPlan['method']): CallPlan['body'] {
  if (method === 'GET' || (method === 'DELETE' && rng.chance(0.7))) return { kind: 'none', size: 0 };
  const kind = rng.weighted({ string: 2, buffer: 2, json: 3, urlencoded: 1, stream: 2, 'form-data': 1, none: 1 } as const);
  const size = rng.chance(0.15) ? rng.int(64 * 1024, 300 * 1024) : rng.int(0, 2048);
  return { kind, size };
}

export function drawCall(shape: RunShape, life: LifePlan, index: number): CallPlan {
  const rng = Rng.derive(shape.seed, 2, index);
  const client = rng.int(0, life.clients.length - 1);
  const cp = life.clients[client];
  const origin = rng.pick(cp.origins);
  const method = rng.weighted({ GET: 40, POST: 25, PUT: 10, PATCH: 8, DELETE: 7 } as const);
  const timeouts: Partial<Deadlines> | undefined = rng.chance(0.3) ? {} : undefined;
  if (timeouts !== undefined) {
    if (rng.chance(0.5)) timeouts.response = rng.int(200, 1000);
    if (rng.chance(0.5)) timeouts.idle = rng.int(120, 500);
    if (rng.chance(0.5)) timeouts.total = rng.int(400, 2000);
    if (rng.chance(0.3)) timeouts.queue = rng.int(100, 800);
  }
  const streamLimits: Partial<StreamLimits> | undefined = rng.chance(0.15)
    ? { idleTimeout: rng.int(120, 500), drainLimit: rng.pick([512, 4096, 100_000]), drainTimeout: rng.int(80, 400) }
    : undefined;
  const idle = timeouts?.idle ?? cp.timeouts.idle;
  const route = drawRoute(rng, { idle, proxied: origin.proxied, redirects: cp.kind === 'apply-redirects' });
  const body = drawBody(rng, method);
  const responseType = rng.chance(0.35) ? 'stream' : 'json';
  const policy = rng.weighted({ read: 50, 'stop-early': 20, abandon: 15, 'slow-read': 15 } as const);
  const streamIdle = streamLimits?.idleTimeout ?? cp.stream.idleTimeout;
  let cancel: CallPlan['cancel'];
  if (rng.chance(0.25)) {
    const when = rng.weighted({ before: 10, time: 50, request: 15, head: 15, retry: 10 } as const);
    const delayMs = when === 'time' ? rng.int(0, 900) : when === 'retry' ? rng.int(0, 10) : rng.int(0, 60);
    cancel = { via: rng.chance(0.6) ? 'signal' : 'token', when, delayMs };
  }
  return {
    index,
    id: `c${index}`,
    client,
    origin,
    method,
    body,
    idempotencyKey: !isIdempotent(method) && rng.chance(0.2),
    route,
    responseType,
    stream: { policy, stopAfter: rng.int(1, 4096), pauseMs: Math.max(1, Math.floor(streamIdle / rng.int(4, 8))) },
    cancel,
    timeouts,
    streamLimits,
    staleRetry: !rng.chance(0.1),
    axiosTimeout: rng.chance(0.03) ? rng.int(300, 1500) : undefined,
    log: !rng.chance(0.05),
    startDelayMs: rng.chance(0.2) ? rng.int(0, 30) : 0,
  };
}
