// Issue 5, against a real server nobody here wrote: nginx with a short keepalive_timeout (and no
// Keep-Alive hint) and a small keepalive_requests, driven with idle gaps around its timeout.
import { createClient } from '../../src';
import { NGINX, startNginx, type Nginx } from '../helpers/nginx';
import { settle } from '../helpers/wait';

// CI installs nginx (.ci/run) and must run this; a developer machine without it skips it, loudly.
const run = NGINX !== undefined || process.env.CI === 'true' ? test : test.skip;
if (NGINX === undefined && process.env.CI !== 'true') {
  console.warn('nginx is not installed: skipping the nginx keep-alive test (apt-get install -y nginx-light)');
}

let nginx: Nginx | undefined;
afterEach(async () => {
  await nginx?.stop();
  nginx = undefined;
});

run('idle gaps around nginx keepalive_timeout 1s, keepalive_requests 7: zero errors', async () => {
  nginx = await startNginx({ keepaliveTimeout: '1s', keepaliveRequests: 7 });
  const c = createClient({ logger: false, axios: { baseURL: nginx.url } });
  let next = 0;
  let errors = 0;
  let seed = 7;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const deadline = Date.now() + 60_000;
  try {
    await Promise.all(
      Array.from({ length: 25 }, async () => {
        while (next < 400 && Date.now() < deadline) {
          next++;
          await c.get('/').catch(() => errors++);
          await settle(700 + Math.floor(random() * 600)); // 0.7-1.3 s: around nginx's 1 s
        }
      }),
    );
    expect(next).toBe(400);
    expect(errors).toBe(0);
    const stats = c.keepAlive.stats().total;
    expect(stats.reused).toBeGreaterThan(0);
    // nginx closed connections (idle timeout, keepalive_requests); none of it reached a caller.
    expect(stats.closed.byReason['server-closed'] ?? 0).toBeGreaterThan(0);
  } finally {
    await c.keepAlive.close();
  }
}, 90_000);
