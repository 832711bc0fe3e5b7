import { proxyWorld } from '../helpers/proxy-world';
const w = proxyWorld();
test('expect', async () => {
  const c = w.client({ proxy: w.proxy.url.replace('http://', 'http://u:pw@') });
  const res = await c.post(`${w.http.url}/json`, 'x', { headers: { Expect: '100-continue', 'Content-Type': 'text/plain' } }).catch((e) => e.response);
  console.log(res.status, res.data, JSON.stringify(w.proxy.received));
});
test('stall', async () => {
  w.proxy.behave('stall');
  const c = w.client({ proxy: w.proxy.url, timeouts: { connect: 1000 } });
  const t = Date.now();
  const e = await c.get(`${w.https.url}/json`).catch((e) => e);
  console.log(Date.now() - t, e.code, e.message, JSON.stringify(w.proxy.received), w.proxy.connections());
});
