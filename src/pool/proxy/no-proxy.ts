// NO_PROXY: which upstreams are reached directly although a proxy is configured.
//
// The ecosystem does not agree on the details; the rules here are the common ground of
// undici 7 EnvHttpProxyAgent (lib/dispatcher/env-http-proxy-agent.js #shouldProxy), curl and Go
// (golang.org/x/net/http/httpproxy), in one list separated by commas or white space:
// - `*` alone: no proxy for any host.
// - `example.com`, `.example.com`, `*.example.com`: example.com and every subdomain (undici, curl;
//   proxy-from-env, axios's dependency, matches a name without the dot only exactly, which surprises
//   people who wrote `NO_PROXY=internal.corp` for `api.internal.corp`).
// - `host:port`, `[::1]:port`: that host on that port only.
// - IP literals (`10.1.2.3`, `::1`, `[::1]`) match that address exactly; CIDR blocks (`10.0.0.0/8`,
//   `fd00::/8`) match the addresses in them, as Go and axios's own bypass check do. Names are not
//   resolved: `localhost` does not match 127.0.0.1.
// Names are compared lower-case and without a trailing dot.
import { BlockList, isIP } from 'node:net';

interface NameEntry {
  /** Without leading `*.` / `.`. */
  readonly name: string;
  /** 0: any port. */
  readonly port: number;
}

export class NoProxy {
  private readonly names: NameEntry[] = [];
  private readonly addresses: Array<{ address: string; port: number }> = [];
  private readonly blocks = new BlockList();
  private hasBlocks = false;
  readonly all: boolean;

  constructor(value: string) {
    const entries = value.toLowerCase().split(/[\s,]+/).filter(Boolean);
    this.all = entries.includes('*');
    for (const entry of entries) this.add(entry);
  }

  get empty(): boolean {
    return !this.all && this.names.length === 0 && this.addresses.length === 0 && !this.hasBlocks;
  }

  private add(entry: string): void {
    const slash = entry.indexOf('/');
    if (slash !== -1) {
      const base = trimHost(entry.slice(0, slash));
      const prefix = Number(entry.slice(slash + 1));
      const family = isIP(base);
      if (family !== 0 && Number.isInteger(prefix) && prefix >= 0 && prefix <= (family === 4 ? 32 : 128)) {
        this.blocks.addSubnet(base, prefix, family === 4 ? 'ipv4' : 'ipv6');
        this.hasBlocks = true;
      }
      return; // not a CIDR block: nothing a host could match
    }
    let host = entry;
    let port = 0;
    const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    const hostPort = /^([^:]+):(\d+)$/.exec(entry);
    if (bracket !== null) {
      host = bracket[1];
      port = bracket[2] === undefined ? 0 : Number(bracket[2]);
    } else if (hostPort !== null) {
      host = hostPort[1];
      port = Number(hostPort[2]);
    }
    host = trimHost(host);
    if (host === '*' || host === '') return;
    if (isIP(host) !== 0) this.addresses.push({ address: host, port });
    else this.names.push({ name: host.replace(/^\*?\./, ''), port });
  }

  /** True when `host:port` is to be reached directly. `host` as in request options (IPv6 with or without brackets). */
  matches(hostname: string, port: number): boolean {
    if (this.all) return true;
    const host = trimHost(hostname.toLowerCase());
    const family = isIP(host);
    if (family !== 0) {
      for (const a of this.addresses) if ((a.port === 0 || a.port === port) && sameAddress(a.address, host)) return true;
      return this.hasBlocks && this.blocks.check(host, family === 4 ? 'ipv4' : 'ipv6');
    }
    for (const n of this.names) {
      if (n.port !== 0 && n.port !== port) continue;
      if (host === n.name || (host.length > n.name.length && host.endsWith(n.name) && host[host.length - n.name.length - 1] === '.')) return true;
    }
    return false;
  }
}

function trimHost(host: string): string {
  let h = host;
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  while (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

/** `::1` and `0:0:0:0:0:0:0:1` are one address: compare IPv6 through a one-address block list. */
function sameAddress(a: string, b: string): boolean {
  if (a === b) return true;
  const family = isIP(a);
  if (family !== 6 || isIP(b) !== 6) return false;
  const list = new BlockList();
  list.addAddress(a, 'ipv6');
  return list.check(b, 'ipv6');
}
