// What an installed instance's `defaults.proxy` holds: the pool handles proxying for its calls.
//
// axios's own proxy handling must stay off for calls that go through the pool (it would tunnel
// https through an agent of its own per request, bypassing the pool: lib/adapters/http.js setProxy),
// and only `proxy: false` turns it off. But `false` on the instance would hide what a request asks
// for itself: a per-request `proxy: false` ("not through the proxy, this one") merges into the same
// `false`. So the instance holds this marker instead (axios's mergeConfig copies an object that is not
// a plain object by reference, so every request's config carries it, and so do derived instances),
// and the keep-alive adapter turns it into `false` for axios's adapter only while that adapter reads
// its config, then puts it back (call.ts), so that a config sent again (axios-retry) still carries it.
// A request whose config says `proxy: false` itself goes direct even where the pool would proxy.
export class PoolProxy {
  /** JSON.stringify(defaults) shows what axios sees: no proxy of axios's own. */
  toJSON(): false {
    return false;
  }
}

export const POOL_PROXY: PoolProxy = Object.freeze(new PoolProxy());

export function isPoolProxy(value: unknown): value is PoolProxy {
  return value instanceof PoolProxy;
}
