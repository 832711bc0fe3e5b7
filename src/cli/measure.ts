// The measurement behind `npm run demo` and `axios-keepalive probe`: n requests at a fixed
// concurrency through one client, with the connections it took and the latency it saw.
import type { AxiosInstance } from 'axios';

export interface Measurement {
  client: string;
  requests: number;
  errors: number;
  connections: number;
  reuseRatio: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface RunSpec {
  client: string;
  instance: AxiosInstance;
  url: string;
  method: 'GET' | 'POST';
  requests: number;
  concurrency: number;
  /** TCP connections opened so far (server-side when the server is ours, client-side otherwise). */
  connections(): number;
}

/** A 216-byte JSON order, the classic small BFF POST. */
export const SAMPLE_BODY = {
  orderId: 'A-1029384756',
  customer: { id: 'c-5521', tier: 'gold' },
  items: [
    { sku: 'SKU-100', qty: 2, price: 19.99 },
    { sku: 'SKU-200', qty: 1, price: 5.5 },
  ],
  currency: 'EUR',
  notes: 'leave at the door',
};

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export async function run(spec: RunSpec): Promise<Measurement> {
  const before = spec.connections();
  const latencies: number[] = [];
  let errors = 0;
  let started = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (started < spec.requests) {
      started++;
      const t = performance.now();
      try {
        if (spec.method === 'POST') await spec.instance.post(spec.url, SAMPLE_BODY);
        else await spec.instance.get(spec.url);
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: Math.min(spec.concurrency, spec.requests) }, worker));
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const connections = spec.connections() - before;
  return {
    client: spec.client,
    requests: spec.requests,
    errors,
    connections,
    reuseRatio: spec.requests === 0 ? 0 : Math.max(0, (spec.requests - connections) / spec.requests),
    requestsPerSecond: spec.requests / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

export function table(rows: Measurement[]): string {
  const header = ['client', 'requests', 'errors', 'TCP connections', 'reuse ratio', 'requests/s', 'p50 ms', 'p99 ms'];
  const body = rows.map((r) => [
    r.client,
    String(r.requests),
    String(r.errors),
    String(r.connections),
    r.reuseRatio.toFixed(3),
    r.requestsPerSecond.toFixed(0),
    r.p50Ms.toFixed(2),
    r.p99Ms.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]): string => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  return [line(header), '|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|', ...body.map(line)].join('\n');
}
