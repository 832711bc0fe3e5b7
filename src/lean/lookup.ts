// config.lookup as axios's http adapter passes it to Node (normalizeLookup, axios 1.21.1
// lib/adapters/http.js): an async function is turned into a callback one (its value wrapped in an
// array unless it is one, then spread into the callback: lib/helpers/callbackify.js), and whatever
// the lookup answers (an address, [address, family], { address, family }, or an array of those as
// the first argument) becomes Node's `all` or single answer; a missing family is 6 without a '.'
// in the address, 4 with one; an address that is not a string fails with ERR_BAD_OPTION_VALUE.
import type { LookupFunction } from 'node:net';
import type { AxiosBinding } from './binding';

type Callback = (err: Error | null, address?: unknown, family?: unknown) => void;
type AnyLookup = (hostname: string, options: { all?: boolean }, callback: Callback) => void;

interface Entry {
  address: string;
  family: number;
}

function isAsyncFunction(fn: unknown): fn is (...args: unknown[]) => Promise<unknown> {
  return Object.prototype.toString.call(fn) === '[object AsyncFunction]';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

export function lookupNormalizer(binding: AxiosBinding): (lookup: unknown) => LookupFunction {
  // One normalized function per user lookup, as axios caches it: the same function every call.
  const cache = new WeakMap<object, LookupFunction>();

  function entry(address: unknown, family: unknown): Entry {
    const value = isObject(address) ? address : { address, family };
    if (typeof value.address !== 'string') {
      throw new binding.AxiosError('address must be a string', binding.AxiosError.ERR_BAD_OPTION_VALUE);
    }
    return { address: value.address, family: (value.family as number) || (value.address.indexOf('.') < 0 ? 6 : 4) };
  }

  function callbackStyle(fn: (...args: unknown[]) => unknown): AnyLookup {
    if (!isAsyncFunction(fn)) return fn as AnyLookup;
    return function (this: unknown, hostname, options, cb) {
      fn.call(this, hostname, options).then((value) => {
        try {
          if (Array.isArray(value)) cb(null, ...(value as [unknown, unknown]));
          else cb(null, value);
        } catch (err) {
          cb(err as Error);
        }
      }, cb);
    };
  }

  return (lookup: unknown): LookupFunction => {
    const fn = lookup as (...args: unknown[]) => unknown;
    let normalized = cache.get(fn);
    if (normalized !== undefined) return normalized;
    const call = callbackStyle(fn);
    normalized = ((hostname: string, opt: { all?: boolean }, cb: (err: Error | null, ...rest: unknown[]) => void) => {
      call(hostname, opt, (err, arg0, arg1) => {
        if (err) {
          cb(err);
          return;
        }
        let addresses: Entry[];
        try {
          addresses = Array.isArray(arg0) ? arg0.map((a: unknown) => entry(a, undefined)) : [entry(arg0, arg1)];
        } catch (error) {
          cb(error as Error);
          return;
        }
        if (opt.all) cb(err, addresses);
        else cb(err, addresses[0].address, addresses[0].family);
      });
    }) as unknown as LookupFunction;
    cache.set(fn, normalized);
    return normalized;
  };
}
