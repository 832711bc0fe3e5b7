// An http: request to an upstream behind a forward proxy goes to the proxy in absolute form
// (`GET http://upstream:80/path HTTP/1.1`, RFC 9112 3.2.2), with Proxy-Authorization when the proxy
// URL has credentials. Node's ClientRequest renders its head on the first write/end, after
// agent.addRequest() has run in its constructor (lib/_http_client.js), so the agent can still change
// the path and add the header; only a head rendered in the constructor needs rewriting.
import type { ClientRequest } from 'node:http';

/** Called from the agent's addRequest(): `target` is the absolute URL, `auth` the Proxy-Authorization value. */
export function toAbsoluteForm(req: ClientRequest, target: string, auth: string | undefined): void {
  const rendered = (req as ClientRequest & { _header?: string | null })._header;
  if (typeof rendered === 'string' && rendered !== '') {
    // Rendered in the constructor already (an `Expect` header, or headers given as an array).
    const lineEnd = rendered.indexOf('\r\n');
    rewriteHead(req, rendered, `${req.method} ${target} HTTP/1.1\r\n${auth !== undefined ? `Proxy-Authorization: ${auth}\r\n` : ''}${rendered.slice(lineEnd + 2)}`);
  } else if (auth !== undefined && !req.hasHeader('proxy-authorization')) {
    req.setHeader('Proxy-Authorization', auth);
  }
  req.path = target;
}

type RenderedRequest = ClientRequest & {
  _header: string;
  _headerSent: boolean;
  outputData?: Array<{ data: unknown }>;
  outputSize?: number;
};

/**
 * Replaces a request head Node rendered in the ClientRequest constructor. With `Expect:
 * 100-continue`, _storeHeader() has also queued it for sending already (lib/_http_outgoing.js:
 * `if (state.expect) this._send('')`, which with no socket yet lands in `outputData`).
 */
function rewriteHead(req: ClientRequest, old: string, head: string): void {
  const r = req as RenderedRequest;
  r._header = head;
  if (!r._headerSent) return;
  const queued = r.outputData?.[0];
  if (queued !== undefined && queued.data === old) {
    queued.data = head;
    if (typeof r.outputSize === 'number') r.outputSize += head.length - old.length;
    return;
  }
  // Not where Node 20 keeps it: never send the origin-form head to the proxy.
  req.destroy(new Error('axios-keepalive could not rewrite a request head that was already rendered for the proxy (absolute form)'));
}
