// One chaos call, as a user of the library would make it: the config (body, headers, deadlines,
// response type, cancel), the cancel fired at its planned point (a time, or a server event: the
// request arrived, the head was sent, the stale-socket retry arrived), the response or error taken
// apart into a small record, and a stream body handled by its policy. Nothing is checked here.
import type { AsyncLocalStorage } from 'node:async_hooks';
import type { Readable } from 'node:stream';
import type { AxiosInstance, AxiosRequestConfig, AxiosStatic } from 'axios';
import type { KeepAliveHandle } from '../../../src';
import { makeBody } from './bodies';
import type { CallPlan, ClientPlan, Deadlines, StreamLimits } from './plan';
import { consumeStream, readAll, type StreamResult } from './stream-reader';
import type { World } from './world';

export interface ClientRuntime {
  index: number;
  plan: ClientPlan;
  instance: AxiosInstance;
  handle: KeepAliveHandle;
  /** When close() was called (performance.now()), if it was. */
  closingAt: number | undefined;
}

export interface CallEnv {
  world: World;
  clients: ClientRuntime[];
  axios: AxiosStatic;
  als: AsyncLocalStorage<string>;
  marginMs: number;
}

export interface Facts {
  reused: boolean | null | undefined;
  socketRequests: number | null | undefined;
  retries: number | undefined;
  durationMs: number | undefined;
  timeoutPhase: string | undefined;
  notRetried: string | undefined;
  bodyTruncated: boolean | undefined;
  bypassed: string | undefined;
  /** The client's port of the socket the call ended on: it names the connection at the server. */
  localPort: number | null | undefined;
}

export interface CallRecord {
  plan: CallPlan;
  limits: Deadlines;
  streamLimits: StreamLimits;
  startAt: number;
  /** Times the promise settled (resolve or reject) by the time the record was checked. */
  settles: number;
  settledAt: number | undefined;
  ok: boolean | undefined;
  status: number | undefined;
  code: string | undefined;
  isAxiosError: boolean;
  message: string;
  facts: Facts | undefined;
  /** A buffered success's data. */
  data: unknown;
  /** An error's response body: text, bytes, or read from the stream put back on the error; 'none' when absent. */
  errorBody: Buffer | string | 'none' | undefined;
  cancelAt: number | undefined;
  /** close() of the client was called before the call settled: when. */
  closeAt: number | undefined;
  /** For a queue timeout: the origin's active sockets and tunnels being set up when it was seen. */
  activeAtQueueTimeout: number | undefined;
  stream: StreamResult | undefined;
  expectedLength: number | undefined;
}

function factsOf(value: unknown): Facts | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const f = value as Record<string, unknown>;
  return {
    reused: f.reused as boolean | null | undefined,
    socketRequests: f.socketRequests as number | null | undefined,
    retries: f.retries as number | undefined,
    durationMs: f.durationMs as number | undefined,
    timeoutPhase: f.timeoutPhase as string | undefined,
    notRetried: f.notRetried as string | undefined,
    bodyTruncated: f.bodyTruncated as boolean | undefined,
    bypassed: f.bypassed as string | undefined,
    localPort: f.localPort as number | null | undefined,
  };
}

function isReadable(value: unknown): value is Readable {
  return typeof value === 'object' && value !== null && typeof (value as Readable).pipe === 'function' && typeof (value as Readable).on === 'function';
}

/** The origin as the library writes it (stats keys): scheme, host and explicit port. */
export function originKey(url: string): string {
  return url.replace(/\/$/, '');
}

export async function runCall(env: CallEnv, plan: CallPlan): Promise<CallRecord> {
  const client = env.clients[plan.client];
  const cp = client.plan;
  const limits: Deadlines = { ...cp.timeouts, ...plan.timeouts };
  const streamLimits: StreamLimits = { ...cp.stream, ...plan.streamLimits };
  const base = env.world.url(plan.origin);
  const body = makeBody(plan.body.kind, plan.body.size, plan.id);
  const rec: CallRecord = {
    plan, limits, streamLimits, startAt: 0, settles: 0, settledAt: undefined, ok: undefined, status: undefined, code: undefined,
    isAxiosError: false, message: '', facts: undefined, data: undefined, errorBody: undefined, cancelAt: undefined, closeAt: undefined,
    activeAtQueueTimeout: undefined, stream: undefined, expectedLength: body?.length ?? 0,
  };
  const headers: Record<string, string> = { 'x-request-id': plan.id };
  if (plan.idempotencyKey) headers['Idempotency-Key'] = `key-${plan.id}`;
  const config: AxiosRequestConfig = {
    method: plan.method,
    url: base + plan.route.path,
    headers,
    data: body?.data,
    responseType: plan.responseType,
    // The chaos bodies reach 300 KiB; axios's own default for follow-redirects is 10 MiB.
    maxBodyLength: Infinity,
    keepAlive: {
      ...(plan.timeouts !== undefined ? { timeouts: plan.timeouts } : {}),
      ...(plan.streamLimits !== undefined ? { stream: plan.streamLimits } : {}),
      ...(!plan.staleRetry ? { retry: { staleSocket: false } } : {}),
      ...(!plan.log ? { log: false } : {}),
    },
  };
  if (plan.axiosTimeout !== undefined) config.timeout = plan.axiosTimeout;

  // --- the cancel, at its planned point ---
  const timers: NodeJS.Timeout[] = [];
  let fire: (() => void) | undefined;
  if (plan.cancel !== undefined) {
    let cancel: () => void;
    if (plan.cancel.via === 'signal') {
      const controller = new AbortController();
      config.signal = controller.signal;
      cancel = () => controller.abort();
    } else {
      const source = env.axios.CancelToken.source();
      config.cancelToken = source.token;
      cancel = () => source.cancel('chaos cancel');
    }
    fire = () => {
      rec.cancelAt ??= performance.now();
      cancel();
    };
    const delayed = (): void => {
      timers.push(setTimeout(fire!, plan.cancel!.delayMs));
    };
    switch (plan.cancel.when) {
      case 'before':
        fire();
        break;
      case 'time':
        delayed();
        break;
      default:
        env.world.ledger.onceFor(plan.id, plan.cancel.when, delayed);
    }
  }

  rec.startAt = performance.now();
  const promise = env.als.run(plan.id, () => client.instance.request(config));
  let response: { status: number; data: unknown; keepAlive?: unknown } | undefined;
  let error: unknown;
  const settleBound = limits.total + env.marginMs + 5000;
  const outcome = await Promise.race([
    promise.then(
      (r) => {
        rec.settles++;
        response = r;
        return 'resolved' as const;
      },
      (e: unknown) => {
        rec.settles++;
        error = e;
        return 'rejected' as const;
      },
    ),
    new Promise<'hung'>((resolve) => timers.push(setTimeout(() => resolve('hung'), settleBound))),
  ]);
  if (outcome !== 'hung') rec.settledAt = performance.now();
  if (client.closingAt !== undefined && rec.settledAt !== undefined && client.closingAt <= rec.settledAt) rec.closeAt = client.closingAt;

  if (outcome === 'resolved' && response !== undefined) {
    rec.ok = true;
    rec.status = response.status;
    rec.facts = factsOf(response.keepAlive);
    if (isReadable(response.data)) {
      const s = streamLimits;
      const bound = plan.route.bodyMs + 25 * plan.stream.pauseMs + limits.idle + 1.5 * s.idleTimeout + env.marginMs;
      rec.stream = await consumeStream(response.data, plan.stream.policy, plan.stream.stopAfter, plan.stream.pauseMs, bound);
    } else {
      rec.data = response.data;
    }
  } else if (outcome === 'rejected') {
    rec.ok = false;
    const e = error as { code?: string; message?: string; response?: { status?: number; data?: unknown }; keepAlive?: unknown } | undefined;
    rec.isAxiosError = env.axios.isAxiosError(error);
    rec.code = e?.code;
    rec.message = String(e?.message ?? error);
    rec.status = e?.response?.status;
    rec.facts = factsOf(e?.keepAlive);
    if (rec.code === 'ETIMEDOUT' && rec.facts?.timeoutPhase === 'queue') {
      // Tunnels being set up hold maxSockets slots too (stats().connecting).
      const o = client.handle.stats().origins[originKey(base)];
      rec.activeAtQueueTimeout = o === undefined ? 0 : o.active + o.connecting;
    }
    const data = e?.response?.data;
    if (e?.response === undefined) rec.errorBody = 'none';
    else if (isReadable(data)) rec.errorBody = await readAll(data, 2000);
    else rec.errorBody = typeof data === 'string' || Buffer.isBuffer(data) ? data : 'none';
  }
  env.world.ledger.dropTrigger(plan.id);
  for (const t of timers) clearTimeout(t);
  return rec;
}
