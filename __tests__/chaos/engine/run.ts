// The chaos run: lives of clients (created, driven through epochs of concurrent calls against the
// misbehaving servers, closed at rest or at a random point), with the invariants checked at every
// sample, after every epoch (the pool at rest, each call against the servers' ledger) and after
// every close (nothing left). Shared by the jest suite (src/, through ts-jest) and `npm run chaos`
// (dist/, scripts/chaos.js): the library comes in as a parameter.
import { AsyncLocalStorage } from 'node:async_hooks';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { AxiosStatic } from 'axios';
import pino from 'pino';
import type { KeepAliveOptions, applyKeepAlive as ApplyKeepAlive, createClient as CreateClient } from '../../../src';
import { problems, watchProcess } from '../../helpers/fault-server';
import { runCall, type CallEnv, type CallRecord, type ClientRuntime } from './caller';
import { checkCall, show, showReceipts } from './checks-call';
import {
  checkAccounting, checkBooks, checkReasonCounts, emptyTally, restMismatches, tallyCall, watchCloses, type ClientTally,
} from './checks-pool';
import { heapAfterGc, judgeHeap } from './heap';
import { Invariants } from './invariants';
import { LogSink } from './log-sink';
import { drawCall, drawLife, type ClientPlan, type EpochPlan, type LifePlan, type RunShape } from './plan';
import { ResourceTracker } from './resources';
import { CERT, World, type ServerName } from './world';

export interface ChaosLib {
  createClient: typeof CreateClient;
  applyKeepAlive: typeof ApplyKeepAlive;
  /** The axios the library is bound to (CancelToken, isAxiosError, create). */
  axios: AxiosStatic;
}

export interface ChaosOptions {
  lib: ChaosLib;
  seed: number;
  /** Calls in the run (the last life is cut short to fit). */
  calls: number;
  /**
   * How late a call may settle after its deadline, and a stream end after its bound. The assumption
   * it states: the event loop is never late by more than this (the run reports how late it was).
   */
  marginMs?: number;
  /** Share of lives with a client that goes through the forward proxy. */
  proxied?: number;
  /** Run only these lives (the plan of the others is still drawn: call numbers stay the same). */
  lives?: number[];
  /** Track timers and sockets with an async hook (the no-leftovers invariant). Default true. */
  trackResources?: boolean;
  /** Progress lines (one per life). */
  progress?: (line: string) => void;
}

export interface ChaosReport {
  seed: number;
  calls: number;
  lives: number;
  wallMs: number;
  ok: boolean;
  invariants: Invariants;
  table: string;
  /** Counts for the report: outcomes by code, stream endings, retries, closes by reason, ... */
  summary: Record<string, number>;
  maxLagMs: number;
}

const REST_BOUND_MS = 5000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function count(summary: Record<string, number>, key: string, n = 1): void {
  summary[key] = (summary[key] ?? 0) + n;
}

class LifeRunner {
  readonly clients: ClientRuntime[] = [];
  readonly tallies: ClientTally[] = [];
  private readonly sink: LogSink | undefined;
  private readonly unwatch: Array<() => void> = [];
  private readonly closing: Array<Promise<void>> = [];

  constructor(
    private readonly run: ChaosRun,
    readonly life: LifePlan,
  ) {
    this.sink = life.logger ? new LogSink(run.inv) : undefined;
    const logger = this.sink === undefined ? false : pino({ level: 'debug' }, this.sink);
    for (const [index, cp] of life.clients.entries()) {
      const client = this.makeClient(index, cp, logger);
      this.clients.push(client);
      this.tallies.push(emptyTally());
      const tally = this.tallies[index];
      this.unwatch.push(watchCloses(run.inv, run.world, run.world.ledger, client, (event) => {
        if (event.type !== 'timeout') return;
        // Emitted from the call's own timer: the timer runs in the async context the call was made in.
        const id = run.als.getStore() ?? '?';
        const list = tally.counted.get(id) ?? [];
        list.push(event.phase);
        tally.counted.set(id, list);
      }, (what) => count(run.summary, what)));
      if (this.sink !== undefined) {
        const als = run.als;
        this.unwatch.push(client.handle.addLogFields(() => {
          const id = als.getStore();
          return id === undefined ? undefined : { chaosId: id };
        }));
      }
    }
  }

  private makeClient(index: number, cp: ClientPlan, logger: pino.Logger | false): ClientRuntime {
    const { lib, world } = this.run;
    const options: KeepAliveOptions = {
      logger,
      logLevel: 'debug',
      agent: {
        maxSockets: cp.maxSockets, maxFreeSockets: cp.maxFreeSockets, freeSocketTimeout: cp.freeSocketTimeout,
        socketActiveTTL: cp.socketActiveTTL, tls: { ca: CERT },
      },
      timeouts: cp.timeouts,
      stream: cp.stream,
      proxy: cp.kind === 'create-proxied' ? world.proxy.url : false,
      ...(this.life.summary && logger !== false ? { summary: { interval: 1000 } } : {}),
    };
    if (cp.kind === 'apply-redirects') {
      // An existing instance with redirects on (follow-redirects: the pool's agent views).
      const instance = lib.axios.create({ maxRedirects: 5 });
      const handle = lib.applyKeepAlive(instance, options);
      return { index, plan: cp, instance, handle, closingAt: undefined };
    }
    const instance = lib.createClient(options);
    return { index, plan: cp, instance, handle: instance.keepAlive, closingAt: undefined };
  }

  private async close(client: ClientRuntime): Promise<void> {
    if (client.closingAt !== undefined) return;
    client.closingAt = performance.now();
    await client.handle.close();
    const s = checkBooks(this.run.inv, client, 'after close()').total;
    this.run.inv.check('close-complete', s.active === 0 && s.idle === 0 && s.queued === 0 && s.created === s.closed.total, () =>
      `client ${client.index} after close(): active ${s.active}, idle ${s.idle}, queued ${s.queued}, created ${s.created}, closed ${s.closed.total}`);
  }

  async runEpoch(epoch: EpochPlan, last: boolean): Promise<CallRecord[]> {
    const { run } = this;
    const records: CallRecord[] = [];
    const started = this.clients.map(() => 0);
    let next = epoch.first;
    const end = epoch.first + epoch.calls;
    const env: CallEnv = { world: run.world, clients: this.clients, axios: run.lib.axios, als: run.als, marginMs: run.marginMs };
    const worker = async (): Promise<void> => {
      while (next < end) {
        const plan = drawCall(run.shape, this.life, next++);
        if (plan.startDelayMs > 0) await sleep(plan.startDelayMs);
        const client = this.clients[plan.client];
        const closeAt = client.plan.closeAt;
        if (last && closeAt !== undefined && started[plan.client]++ === closeAt.started) {
          this.closing.push(sleep(closeAt.delayMs).then(() => this.close(client)));
        }
        const rec = await runCall(env, plan);
        for (const c of this.clients) checkBooks(run.inv, c, `after ${plan.id} settled`);
        records.push(rec);
      }
    };
    await Promise.all(Array.from({ length: epoch.concurrency }, worker));
    await Promise.all(this.closing.splice(0));
    return records;
  }

  /** Waits for the pool and the servers to come to rest; checks it. */
  async atRest(where: string, records: readonly CallRecord[] = []): Promise<void> {
    const { run } = this;
    const t0 = performance.now();
    const byId = new Map(records.map((r) => [r.plan.id, r]));
    const describe = (id: string): string | undefined => {
      const r = byId.get(id);
      return r === undefined ? undefined : show(r);
    };
    let mismatches = restMismatches(run.world, this.clients);
    while (mismatches.length > 0 && performance.now() - t0 < REST_BOUND_MS) {
      await sleep(20);
      mismatches = restMismatches(run.world, this.clients);
    }
    if (mismatches.length > 0) mismatches = restMismatches(run.world, this.clients, describe);
    run.inv.check('at-rest', mismatches.length === 0, () => `${where}, after ${REST_BOUND_MS} ms: ${mismatches.join('; ')}`);
    for (const c of this.clients) checkBooks(run.inv, c, `at rest ${where}`);
  }

  checkRecords(records: CallRecord[], lagMs: number, elu: number): void {
    const { run } = this;
    const byId = new Map(records.map((r) => [r.plan.id, r]));
    const receipts = new Map(records.map((r) => [r.plan.id, run.world.ledger.take(r.plan.id)]));
    const describe = (id: string): string | undefined => {
      const other = byId.get(id);
      return other === undefined ? undefined : `${show(other)}; the server received it ${showReceipts(receipts.get(id) ?? [])}`;
    };
    for (const rec of records) {
      const client = this.clients[rec.plan.client];
      const logs = this.sink !== undefined && rec.plan.log ? this.sink.take(rec.plan.id) : undefined;
      checkCall({ inv: run.inv, marginMs: run.marginMs, logLines: logs, maxSockets: client.plan.maxSockets, lagMs, elu, describe, allow: (kind) => count(run.summary, kind),
        history: (r) => run.world.ledger.connection(r.server, r.conn.remotePort)?.history.join(', ') ?? '?',
        strayOn: (server) => run.world.ledger.unsolicitedConnections(server as ServerName) > 0,
        connectionOf: (server, port) => run.world.ledger.connection(server as ServerName, port) }, rec, receipts.get(rec.plan.id) ?? []);
      if (client.closingAt !== undefined && rec.startAt >= client.closingAt) {
        // axios rejects a call canceled before it starts without calling the adapter (dispatchRequest).
        const preCanceled = rec.code === 'ERR_CANCELED' && rec.plan.cancel?.when === 'before';
        run.inv.check('close-complete', rec.code === 'ERR_CLIENT_CLOSED' || preCanceled, () => `${rec.plan.id} started after close(): ${rec.ok ? 'succeeded' : rec.code}`, rec.plan.index);
      }
      tallyCall(this.tallies[rec.plan.client], rec);
      run.summarize(rec);
    }
  }

  async finish(): Promise<void> {
    const { run } = this;
    for (const c of this.clients) await this.close(c);
    for (const [i, c] of this.clients.entries()) {
      checkReasonCounts(run.inv, c, this.tallies[i]);
      checkAccounting(run.inv, c, this.tallies[i]);
      for (const [reason, n] of Object.entries(c.handle.stats().total.closed.byReason)) count(run.summary, `closed ${reason}`, n ?? 0);
    }
    for (const off of this.unwatch) off();
    this.sink?.clear();
    if (this.sink !== undefined) count(run.summary, 'log lines', this.sink.lines);
  }
}

class ChaosRun {
  readonly inv = new Invariants();
  readonly als = new AsyncLocalStorage<string>();
  readonly summary: Record<string, number> = {};
  readonly marginMs: number;
  readonly shape: RunShape;
  maxLagMs = 0;

  constructor(
    readonly lib: ChaosLib,
    readonly world: World,
    opts: ChaosOptions,
  ) {
    this.marginMs = opts.marginMs ?? 400;
    this.shape = { seed: opts.seed, calls: opts.calls, proxied: opts.proxied ?? 0.5 };
  }

  summarize(rec: CallRecord): void {
    const s = this.summary;
    count(s, 'calls');
    count(s, rec.ok ? 'outcome ok' : `outcome ${rec.code ?? 'none'}${rec.facts?.timeoutPhase !== undefined ? ` ${rec.facts.timeoutPhase}` : ''}`);
    if (rec.stream !== undefined) count(s, `stream ${rec.stream.how}`);
    if ((rec.facts?.retries ?? 0) > 0) count(s, 'retried');
    if (rec.facts?.notRetried !== undefined) count(s, 'notRetried');
    if (rec.facts?.bodyTruncated === true) count(s, 'bodyTruncated');
    if (rec.cancelAt !== undefined) count(s, `cancel fired (${rec.plan.cancel?.when})`);
    count(s, `route ${rec.plan.route.name}`);
    count(s, `origin ${rec.plan.origin.server}${rec.plan.origin.proxied ? ' via proxy' : ''}`);
  }
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const t0 = performance.now();
  const tracker = opts.trackResources === false ? undefined : new ResourceTracker();
  const watch = watchProcess();
  tracker?.start();
  const world = await World.start();
  const run = new ChaosRun(opts.lib, world, opts);
  const { inv } = run;
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const heap: number[] = [];
  let lives = 0;
  let calls = 0;
  try {
    let first = 0;
    for (let index = 0; first < opts.calls; index++) {
      const life = drawLife(run.shape, index, first, opts.calls - first);
      const size = life.epochs.reduce((n, e) => n + e.calls, 0);
      first += size;
      if (opts.lives !== undefined && !opts.lives.includes(index)) continue;
      inv.life = index;
      const runner = new LifeRunner(run, life);
      const sampler = setInterval(() => {
        for (const c of runner.clients) checkBooks(inv, c, 'at a sample');
      }, 25);
      try {
        for (const [e, epoch] of life.epochs.entries()) {
          if (epoch.pauseMs > 0) await sleep(epoch.pauseMs);
          lag.reset();
          const elu0 = performance.eventLoopUtilization();
          const records = await runner.runEpoch(epoch, e === life.epochs.length - 1);
          const elu = performance.eventLoopUtilization(elu0).utilization;
          await runner.atRest(`after epoch ${e}`, records);
          const lagMs = lag.max / 1e6;
          run.maxLagMs = Math.max(run.maxLagMs, lagMs);
          runner.checkRecords(records, lagMs, elu);
          world.ledger.checkedBelow = epoch.first + epoch.calls;
          calls += records.length;
        }
        await runner.finish();
      } finally {
        clearInterval(sampler);
      }
      await runner.atRest('after close()');
      world.ledger.forgetClosed();
      if (tracker !== undefined) {
        const left = await tracker.leftovers('library');
        inv.check('no-leftovers', left.length === 0, () => `after close() of life ${index}: ${left.map((l) => `${l.type} ${l.detail} from ${l.frame}`).join('; ')}`);
      }
      heap.push(heapAfterGc());
      lives++;
      opts.progress?.(`life ${index}: ${size} calls, ${life.clients.map((c) => c.kind).join(' + ')}; ${calls} calls in ${Math.round((performance.now() - t0) / 1000)} s, ${inv.count()} violations`);
    }
    inv.check('no-unsafe-retry', world.ledger.late.length === 0, () => `requests that reached a server after their call was checked: ${world.ledger.late.slice(0, 5).join(', ')}`);
  } finally {
    lag.disable();
    await world.close();
  }
  if (tracker !== undefined) {
    // What Node's own http servers leave (the Date header cache's 1 s timer) runs out by itself:
    // give it that long; the library's and the engine's must be gone at once.
    let left = await tracker.leftovers();
    inv.check('no-leftovers', !left.some((l) => l.owner === 'library' || l.owner === 'engine'), () =>
      `at the end of the run: ${left.filter((l) => l.owner === 'library' || l.owner === 'engine').map((l) => `${l.owner} ${l.type} ${l.detail} from ${l.frame}`).join('; ')}`);
    for (let i = 0; i < 15 && left.length > 0; i++) {
      await sleep(100);
      left = await tracker.leftovers();
    }
    inv.check('no-leftovers', left.length === 0, () => `at the end of the run: ${left.map((l) => `${l.owner} ${l.type} ${l.detail} from ${l.frame}`).join('; ')}`);
    inv.notes.set('no-leftovers', Object.entries(tracker.created).map(([t, n]) => `${n} ${t}`).join(', ') + ' tracked');
    tracker.stop();
  }
  await sleep(20);
  watch.stop();
  const trouble = problems(watch);
  inv.check('process-clean', trouble.length === 0, () => trouble.slice(0, 5).join('; '));
  const verdict = judgeHeap(heap);
  inv.check('heap-flat', verdict.ok, () => verdict.note);
  inv.notes.set('heap-flat', verdict.note);
  inv.notes.set('settled-in-time', `margin ${run.marginMs} ms + the epoch's event-loop lag (late by ${Math.round(run.maxLagMs)} ms at most)`);
  inv.notes.set('facts-consistent', 'a phase timeout is not judged against the route in an epoch whose event loop was late by half its limit or more, or busy 90 % of it');
  inv.notes.set('streams-end', `bound: body time + idle + 1.5 x stream.idleTimeout + margin`);
  const wallMs = performance.now() - t0;
  return {
    seed: opts.seed, calls, lives, wallMs, ok: inv.count() === 0, invariants: inv, table: inv.table(), summary: run.summary, maxLagMs: run.maxLagMs,
  };
}
