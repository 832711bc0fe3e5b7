// The public API with the lean path off (`lean: false` unless a test says otherwise): jest's second
// project ("axios's adapter", jest.config.js) maps the tests' `../src` imports here, so every
// behaviour suite also runs with every call through axios's own http adapter. Options that are not
// a plain object go through unchanged, so the tests of bad input still see what they gave.
import * as lib from '../../src/index';

export * from '../../src/index';

function leanOff<T>(options: T): T {
  if (options === undefined) return { lean: false } as T;
  const plain = typeof options === 'object' && options !== null && Object.getPrototypeOf(options) === Object.prototype;
  return plain && !('lean' in (options as object)) ? { lean: false, ...options } : options;
}

export const createClient: typeof lib.createClient = (options) => lib.createClient(leanOff(options));
export const applyKeepAlive: typeof lib.applyKeepAlive = (instance, options) => lib.applyKeepAlive(instance, leanOff(options));
