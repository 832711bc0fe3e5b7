// The loopback world of a chaos run: three fault servers and a forward proxy, started once per run
// and closed at its end.
// - `plain`: http, reached directly;
// - `tls`: https, reached directly, and through the proxy's CONNECT tunnels (one per pooled socket);
// - `behind`: http, reached only through the proxy (absolute-form requests): its connections are
//   the proxy's, so what it does to them shows up at the client as the proxy's translation.
// Every server reports what it received and did (fault-server.ts observe()); the ledger keeps it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startFaultServer, type FaultServer } from '../../helpers/fault-server';
import { startForwardProxy, type ForwardProxy } from '../../helpers/forward-proxy';
import { Ledger } from './ledger';

export type ServerName = 'plain' | 'tls' | 'behind';

/** Where a call goes: a server, and whether the client reaches it through the proxy. */
export interface Origin {
  server: ServerName;
  proxied: boolean;
}

export const CERT = readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'localhost-cert.pem'), 'utf8');
const KEY = readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'localhost-key.pem'), 'utf8');

export class World {
  readonly ledger = new Ledger();
  private constructor(
    readonly servers: Record<ServerName, FaultServer>,
    readonly proxy: ForwardProxy,
  ) {
    for (const [name, server] of Object.entries(servers) as Array<[ServerName, FaultServer]>) {
      server.observe((event) => this.ledger.onServerEvent(name, event));
    }
  }

  static async start(): Promise<World> {
    const [plain, tls, behind, proxy] = await Promise.all([
      startFaultServer(),
      startFaultServer({ tls: { key: KEY, cert: CERT } }),
      startFaultServer(),
      startForwardProxy(),
    ]);
    return new World({ plain, tls, behind }, proxy);
  }

  url(origin: Origin): string {
    return this.servers[origin.server].url;
  }

  async close(): Promise<void> {
    await this.proxy.close();
    await Promise.all(Object.values(this.servers).map((s) => s.close()));
  }
}
