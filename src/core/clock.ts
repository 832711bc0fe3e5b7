// One monotonic clock for every duration the library measures or logs, and the timers that watch
// deadlines. Both are looked up on the global object at each call, never captured: jest's modern
// fake timers replace `globalThis.performance` (the whole object) and `setTimeout` after our module
// has loaded, and a deadline must follow the clock the user fakes, as plain axios's `timeout` does.
// Node's `require('node:perf_hooks').performance` is never faked: a timer scheduled with the faked
// setTimeout but checked against it would re-arm for ever (checked under jest 29).

export function now(): number {
  return globalThis.performance.now();
}

/** Milliseconds to two decimals: precise enough for logs, short in JSON. */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** A timer that never keeps the process alive (the sockets do while it matters). */
export function unrefTimer<A>(fn: (arg: A) => void, ms: number, arg: A): NodeJS.Timeout {
  const timer = setTimeout(fn, ms, arg);
  timer.unref();
  return timer;
}
