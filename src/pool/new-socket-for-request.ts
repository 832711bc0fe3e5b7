// A request the pool gives a new connection outside Node's addRequest(): a stale-socket retry
// (agent.ts addRequestOnNewSocket) and the next queued request after a failed tunnel
// (proxy/route.ts afterFailure). What follows createSocket() is Node's setRequestSocket()
// (lib/_http_agent.js, Node 20): hand the request its socket, or the error, and apply the request's
// own timeout where it differs from the agent's.
import type { ClientRequest } from 'node:http';
import type { Socket } from 'node:net';

/** What this needs of the agent. */
export interface SocketCreator {
  readonly options: { timeout?: number };
  createSocket(req: ClientRequest, options: Record<string, unknown>, cb: (error: Error | null, socket: Socket) => void): void;
}

type NativeRequest = ClientRequest & { onSocket(socket: Socket | undefined, error?: Error): void; timeout?: number };

export function newSocketForRequest(agent: SocketCreator, req: ClientRequest, options: Record<string, unknown>): void {
  agent.createSocket(req, options, (error, socket) => {
    const r = req as NativeRequest;
    if (error) {
      r.onSocket(socket, error);
      return;
    }
    r.onSocket(socket);
    const agentTimeout = agent.options.timeout || 0;
    if (r.timeout !== undefined && r.timeout !== agentTimeout) socket.setTimeout(r.timeout);
  });
}
