// A response can end before its request has been written to the end: the server answered early (an
// auth or size check before reading an upload), or the request body never ends (axios 1.21.1 sends
// a stream body through stream.pipeline() when maxBodyLength is set, and a legacy `form-data` form
// flows synchronously inside pipe(), before pipeline listens for its 'end': the request is never
// ended although every byte was written). Node frees a socket only when the response ended *and*
// the request finished (lib/_http_client.js responseOnEnd / requestOnFinish -> responseKeepAlive),
// so such a socket would stay checked out for ever, and a call that succeeded would cost the pool a
// connection. Go's Transport waits 50 ms after the response for the request write to finish and
// otherwise closes the connection (net/http transport.go, maxWriteWaitBeforeConnReuse): so does this.
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { PooledSocket } from './hooks';

/** How long the request may take to finish writing after its response ended (Go's value). */
export const WRITE_WAIT_MS = 50;

interface Watched {
  req: ClientRequest;
  st: PooledSocket;
}

function check(w: Watched): void {
  const { req, st } = w;
  const socket = req.socket as (Socket & { _httpMessage?: unknown }) | null;
  // Finished meanwhile (Node frees the socket itself), or the socket went on without this request.
  if (req.writableFinished || socket === null || socket.destroyed || socket._httpMessage !== req) return;
  st.close('request-unfinished');
  socket.destroy();
}

function onResponseEnd(this: IncomingMessage & { [kWatched]?: Watched }): void {
  const w = this[kWatched];
  if (w === undefined || w.req.writableFinished) return;
  setTimeout(check, WRITE_WAIT_MS, w).unref();
}

const kWatched = Symbol('axios-keepalive.unfinished-request');

/** Called when a pooled request's response headers arrive; costs nothing when its request has finished. */
export function watchUnfinishedRequest(req: ClientRequest, res: IncomingMessage, st: PooledSocket): void {
  if (req.writableFinished) return;
  (res as IncomingMessage & { [kWatched]?: Watched })[kWatched] = { req, st };
  res.once('end', onResponseEnd);
}
