import { createClient, type KeepAliveAxiosError } from '../src';
import { startFaultServer, type FaultServer } from './helpers/fault-server';
import { settle } from './helpers/wait';

let server: FaultServer;
beforeAll(async () => { server = await startFaultServer(); });
afterAll(async () => { await server.close(); });

const routes = ['REFUSED', '/status-500', '/reset-before-status', '/reset-after-headers', '/reset-mid-body', '/malformed-status', '/malformed-headers', '/short-body', '/chunked-cut', '/slow-headers', '/big', '/gzip-bomb', '/early-close', '/unsolicited'];
test.each(routes)('explore %s', async (route) => {
  const c = createClient({ logger: false, timeouts: { response: 1000, idle: 500, total: 3000, connect: 1000 }, axios: { baseURL: server.url, maxContentLength: 65536 } });
  for (const warm of [false, true]) {
    if (warm) await c.get('/ok');
    const t0 = performance.now();
    const url = route === 'REFUSED' ? server.refusedUrl + '/x' : route;
    const out = await c.get(url).then((r) => ({ status: r.status, code: undefined as string|undefined, msg: '', ka: r.keepAlive as unknown }), (e: KeepAliveAxiosError) => ({ status: e.response?.status, code: e.code, msg: e.message, ka: e.keepAlive as unknown }));
    const ms = Math.round(performance.now() - t0);
    await settle(route === '/unsolicited' ? 200 : 30);
    const st = c.keepAlive.stats().total;
    const next = await c.get('/ok').then((r) => r.status, (e) => e.code);
    console.log(JSON.stringify({ route, warm, ms, ...out, active: st.active, idle: st.idle, closed: st.closed.byReason, retries: st.retries, next }));
  }
  await c.keepAlive.close();
});
