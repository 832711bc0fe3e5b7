// A socket created asynchronously - a CONNECT tunnel (proxy/route.ts), ready only after the proxy
// answered and TLS is up - can arrive after the request it was opened for has given up (its call
// timed out, was canceled, or the client closed). Node then frees it at once (lib/_http_client.js
// onSocketNT: a destroyed request's socket emits 'free'), and the agent destroys a freed socket that
// never carried a request when no other request waits for one (lib/_http_agent.js 'free' handler).
// That close has the reason the request gave up for, not the one a freed socket gets by default
// (socket-state.ts: 'pool-full').
import type { ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { socketState } from './socket-state';
import type { CloseReason, TimeoutPhase } from '../core/stats';

let kError: symbol | null | undefined;

/** The error a request was destroyed with: Node keeps it under its internal `kError` symbol (ClientRequest.destroy). */
function destroyError(req: ClientRequest): { code?: unknown; keepAlive?: { timeoutPhase?: TimeoutPhase } } | undefined {
  if (kError === undefined) kError = Object.getOwnPropertySymbols(req).find((s) => s.description === 'kError') ?? null;
  return kError === null ? undefined : (req as unknown as Record<symbol, { code?: unknown } | undefined>)[kError];
}

/** Called with a socket the agent created for `req`, as it is handed over. */
export function labelUnclaimedSocket(req: ClientRequest, socket: Socket): void {
  if (!req.destroyed) return;
  const st = socketState(socket);
  if (st === undefined) return;
  const error = destroyError(req);
  let reason: CloseReason;
  if (error?.code === 'ETIMEDOUT' || error?.code === 'ECONNABORTED') reason = 'timeout';
  else if (error?.code === 'ERR_CLIENT_CLOSED') reason = 'client-closed';
  else if (error?.code === 'ERR_CANCELED') reason = 'canceled';
  // No error: a request Node made this socket for (its queue's first, lib/_http_agent.js
  // removeSocket) that was served by another socket meanwhile and has finished (responseKeepAlive
  // marks it destroyed). The socket is handed to the queue, or closed as 'unused' (socket-state.ts).
  else return;
  st.close(reason, reason === 'timeout' ? error?.keepAlive?.timeoutPhase : undefined);
}
