// Small assertion helpers: every message names the option, the value and what is allowed.
import { inspect } from 'node:util';

export function show(value: unknown): string {
  return inspect(value, { depth: 1, breakLength: Infinity, maxStringLength: 60 });
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Throws when `value` is not a plain object or has keys outside `allowed`. `undefined` passes. */
export function assertObject(name: string, value: unknown, allowed: readonly string[]): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) {
    throw new TypeError(`${name} must be a plain object, got ${show(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new TypeError(`${name}.${key} is not an option (${show(value[key])}); allowed: ${allowed.join(', ')}`);
    }
  }
  return value;
}

/** A whole number of milliseconds from `min` to `max`, or `undefined`. */
export function checkInteger(name: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${name} must be a number from ${min} to ${max}, got ${show(value)}`);
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be a whole number from ${min} to ${max}, got ${show(value)}`);
  }
  return value;
}

export function checkBoolean(name: string, value: unknown): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw new TypeError(`${name} must be true or false, got ${show(value)}`);
}

export function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new TypeError(`${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${show(value)}`);
}

/** The names among `methods` that `value` has no function for (all of them when it is not an object). */
export function missingMethods(value: unknown, methods: readonly string[]): readonly string[] {
  return typeof value === 'object' && value !== null
    ? methods.filter((m) => typeof (value as Record<string, unknown>)[m] !== 'function')
    : methods;
}
