// How an origin is written everywhere the library shows one (logs, stats, metrics, messages):
// protocol, host (IPv6 in brackets) and the port, always explicit.
export function formatOrigin(protocol: string, host: string, port: number | string): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${protocol}//${h}:${port}`;
}
