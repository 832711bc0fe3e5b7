// Reads a config key the way axios's http adapter does (`own()` = utils.getSafeProp, axios 1.21.1
// lib/utils.js): an own property, or one inherited from an application prototype (a class or a
// template object), never one reachable only through Object.prototype, so a polluted
// Object.prototype cannot change a request. dispatchRequest hands adapters a flat null-prototype
// config (utils.toSafeFlatObject), so in practice the first test answers and this is one read.
const hasOwn = Object.prototype.hasOwnProperty;

/** Prototype chains are finite (setPrototypeOf refuses cycles); the bound is for Proxies. */
const MAX_DEPTH = 64;

export function own(obj: unknown, key: string): unknown {
  if (obj === null || obj === undefined) return undefined;
  // A null-prototype object (what dispatchRequest hands adapters) has nothing to inherit.
  if (typeof obj === 'object' && Object.getPrototypeOf(obj) === null) return (obj as Record<string, unknown>)[key];
  const source = obj as Record<string, unknown>;
  let current: object | null = Object(obj) as object;
  for (let depth = 0; current !== null && depth < MAX_DEPTH; depth++) {
    const proto = Object.getPrototypeOf(current) as object | null;
    // The boundaries: Object.prototype itself, and a null-prototype object that is not the source.
    if (current === Object.prototype || (depth > 0 && proto === null)) return undefined;
    if (hasOwn.call(current, key)) return source[key];
    current = proto;
  }
  return undefined;
}
