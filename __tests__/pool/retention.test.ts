// A pooled socket outlives the calls it serves, and must not keep any of them alive. Node keeps the
// options createSocket() built for a new socket until that socket closes: the closures
// installListeners() adds (onFree, onClose, onTimeout, onRemove) hold them for removeSocket()
// (lib/_http_agent.js, Node 20). Those options are a copy of the request's, own symbols and `agent`
// included; the attempt in them (the transport path) or the agent view carrying it (redirects on)
// would keep the call that opened the socket - its config and body, native request and response -
// for the socket's whole life: up to maxSockets call graphs per origin for minutes.
import axios from 'axios';
import { applyKeepAlive } from '../../src';
import { withServer } from '../helpers/clients';
import { fullGc } from '../helpers/gc';
import type { TestServer } from '../helpers/server';

let server: TestServer;
const client = withServer((s) => (server = s));

/** WeakRef targets stay alive until the current job ends: collect after a macrotask. */
async function collected(refs: Array<WeakRef<object>>): Promise<boolean[]> {
  await new Promise((resolve) => setTimeout(resolve, 20));
  fullGc();
  fullGc();
  return refs.map((r) => r.deref() === undefined);
}

async function firstCall(send: () => Promise<{ config: object; request: object; keepAlive?: { reused: boolean | null } }>): Promise<Array<WeakRef<object>>> {
  const res = await send();
  // The call opened the socket: it is the one whose options Node keeps.
  expect(res.keepAlive?.reused).toBe(false);
  return [new WeakRef(res.config), new WeakRef(res.request), new WeakRef(res)];
}

test('createClient (the transport path): the socket a call opened keeps nothing of that call', async () => {
  const c = client();
  const refs = await firstCall(() => c.post('/json', { note: 'x'.repeat(2000) }));
  expect(await collected(refs)).toEqual([true, true, true]);
  // The socket itself stayed pooled, and serves the next call.
  const again = await c.post('/json', { note: 'y' });
  expect(again.keepAlive?.reused).toBe(true);
});

test('applyKeepAlive with redirects on (agent views): the socket a call opened keeps nothing of that call', async () => {
  const instance = axios.create({ baseURL: server.url });
  const handle = applyKeepAlive(instance, { logger: false });
  try {
    const refs = await firstCall(() => instance.post('/json', { note: 'x'.repeat(2000) }));
    // axios itself keeps the last request a pooled socket served when follow-redirects made it: it
    // clears socket[kAxiosCurrentReq] on the request's 'close' (axios 1.21 lib/adapters/http.js), and
    // RedirectableRequest does not emit 'close' (follow-redirects 1.16: only abort, aborted, connect,
    // error, socket, timeout). So the socket serves a second call first; the first must then be gone.
    const again = await instance.post('/json', { note: 'y' });
    expect(again.keepAlive?.reused).toBe(true);
    expect(await collected(refs)).toEqual([true, true, true]);
  } finally {
    await handle.close();
  }
});
