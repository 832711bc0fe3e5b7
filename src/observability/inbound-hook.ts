// Fastify: the inbound request as the current one for the calls made while handling it, in two
// lines (`app.addHook('onRequest', inboundHook())`). No fastify dependency: typed structurally
// against what fastify passes, so fastify's own request type fits without a cast under --strict.
//
// Why a callback-style hook, whatever the app's other hooks are: AsyncLocalStorage.run() holds its
// store only for what runs inside it. Here done() runs inside it, so fastify's next hooks, the body
// parser and the handler start there and keep it (the body parser resumes in an AsyncResource made
// in that context: fastify 5 lib/content-type-parser.js). An async hook cannot do this: fastify continues
// after the hook's promise settles (lib/hooks.js hookRunnerGenerator: `result.then(handleResolve)`),
// in the context fastify was in, so context entered inside an async hook never reaches the handler.
// The app's own async hooks are fine before or after this one: they run inside it, or hand on to it.
import { runWithInbound, type InboundContext } from '../core/correlation';
import type { CallLogger } from '../core/log';

/** What the hook reads of fastify's request: its headers and its logger (`request.log`). */
export interface InboundHookRequest {
  headers: InboundContext['headers'];
  log?: CallLogger;
}

/** Fastify's `onRequest` hook signature, reduced to what is used: no promise returned, done() called once. */
export type InboundHook = (request: InboundHookRequest, reply: unknown, done: (error?: Error) => void) => void;

/**
 * A Fastify `onRequest` hook: every upstream call made while handling the request logs through
 * `request.log` (so its line carries fastify's `reqId`) and copies the client's `propagateHeaders`
 * from the inbound headers. Register it first: `app.addHook('onRequest', inboundHook())`.
 */
export function inboundHook(): InboundHook {
  return function axiosKeepAliveInbound(request, _reply, done) {
    runWithInbound({ headers: request.headers, logger: request.log }, done);
  };
}
