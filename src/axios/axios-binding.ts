// Which copy of axios a client works with. A process can hold two: an ESM project's
// `import axios from 'axios'` loads axios's ESM build (index.js), a `require('axios')` its CommonJS
// bundle (dist/node/axios.cjs), and each has its own AxiosError, CanceledError and AxiosHeaders
// classes. An error made by one copy is not `instanceof` the other's, and headers built by one copy
// and sent by the other's adapter lose their `null`/`false` disclaimers (the adapter copies them
// through toJSON(), which drops them). So nothing in the library imports axios at run time: each
// entry point (dist/index.js requires axios, dist/index.mjs imports it) hands its copy over, and
// applyKeepAlive() works with the copy the instance itself was made by.
import type { AxiosInstance, AxiosStatic } from 'axios';
import type { AdapterFunction } from '../call/call-context';
import { createLeanAdapter, type LeanAdapter } from '../lean';

export interface AxiosBinding {
  readonly axios: AxiosStatic;
  readonly AxiosError: AxiosStatic['AxiosError'];
  readonly CanceledError: AxiosStatic['CanceledError'];
  readonly AxiosHeaders: AxiosStatic['AxiosHeaders'];
  /** axios's own Node adapter, the one that uses httpAgent/httpsAgent. */
  readonly httpAdapter: AdapterFunction;
  /** The lean transport for this copy (its classes, its version): one per copy, shared by its clients. */
  readonly lean: LeanAdapter;
}

const bindings = new WeakMap<AxiosStatic, AxiosBinding>();
/** The copies handed over by our entry points, newest last. One core serves both entry points. */
const known: AxiosBinding[] = [];

export function bindingOf(axios: AxiosStatic): AxiosBinding {
  let b = bindings.get(axios);
  if (b === undefined) {
    b = Object.freeze({
      axios,
      AxiosError: axios.AxiosError,
      CanceledError: axios.CanceledError,
      AxiosHeaders: axios.AxiosHeaders,
      httpAdapter: axios.getAdapter('http') as unknown as AdapterFunction,
      lean: createLeanAdapter(axios),
    });
    bindings.set(axios, b);
    known.push(b);
  }
  return b;
}

/** Functions every instance copies by reference from its copy's defaults (mergeConfig keeps them). */
function madeBy(instance: AxiosInstance, b: AxiosBinding): boolean {
  const d = instance.defaults as unknown as Record<string, unknown>;
  const own = b.axios.defaults as unknown as Record<string, unknown>;
  if (d.validateStatus !== undefined && d.validateStatus === own.validateStatus) return true;
  for (const key of ['transformRequest', 'transformResponse'] as const) {
    const mine = d[key];
    const theirs = own[key];
    if (Array.isArray(mine) && Array.isArray(theirs) && theirs.length > 0 && mine.includes(theirs[0])) return true;
  }
  return false;
}

/**
 * The copy `instance` was made by, among the copies this process has handed us, and axios's
 * CommonJS copy (require() returns it from the module cache when the instance came from it).
 * `fallback` (the entry point's copy) when nothing tells: an instance whose defaults replaced all
 * of validateStatus, transformRequest and transformResponse.
 */
export function ownerBinding(instance: AxiosInstance, fallback: AxiosBinding): AxiosBinding {
  if (instance === (fallback.axios as AxiosInstance) || madeBy(instance, fallback)) return fallback;
  for (const b of known) if (b !== fallback && madeBy(instance, b)) return b;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS copy, for an instance made by a CommonJS dependency of an ESM project
    const cjs = bindingOf(require('axios') as AxiosStatic);
    if (cjs !== fallback && madeBy(instance, cjs)) return cjs;
  } catch {
    // axios not resolvable from here: the fallback it is
  }
  return fallback;
}
