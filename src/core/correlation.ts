// Tying outbound calls to the inbound request that caused them, without patching anything global:
// the user opts in by running each inbound request inside runWithInbound() (or the middleware);
// a client with `propagateHeaders` copies those headers, and every call made inside logs through
// the inbound request's logger (pino-http's req.log) unless the call names its own.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { CallLogger } from './log';

export interface InboundContext {
  /** The inbound request's headers (Node's IncomingHttpHeaders: lower-case names). */
  headers: Record<string, string | string[] | undefined>;
  /** The inbound request's logger, for example pino-http's `req.log` or fastify's `request.log`. */
  logger?: CallLogger;
}

// Created on first use only: an AsyncLocalStorage that nobody uses costs nothing.
let storage: AsyncLocalStorage<InboundContext> | undefined;

/** Runs `fn` (and everything it starts) with `context` as the current inbound request. */
export function runWithInbound<T>(context: InboundContext, fn: () => T): T {
  storage ??= new AsyncLocalStorage<InboundContext>();
  return storage.run(context, fn);
}

interface InboundRequest {
  headers: InboundContext['headers'];
  log?: CallLogger;
}

/**
 * Express/Connect middleware: each inbound request (with pino-http's `req.log`, when present)
 * becomes the current one for the calls made while handling it. Register it after pino-http.
 */
export function inboundMiddleware(): (req: InboundRequest, res: unknown, next: () => void) => void {
  return (req, _res, next) => runWithInbound({ headers: req.headers, logger: req.log }, next);
}

export function currentInbound(): InboundContext | undefined {
  return storage?.getStore();
}

/** Copies the listed inbound headers onto an outbound request that does not set them itself. */
export function propagate(headers: { has(name: string): boolean; set(name: string, value: string): unknown }, names: readonly string[], inbound: InboundContext): void {
  for (const name of names) {
    const value = inbound.headers[name];
    if (value === undefined || headers.has(name)) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
}
