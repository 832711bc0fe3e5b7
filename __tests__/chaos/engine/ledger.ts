// What the servers received and did, by request id (the `x-request-id` header every chaos call
// sends) and by connection (the client's port), kept only until the epoch that sent them is checked,
// so a long run holds no more than one epoch of it. Also the triggers a call sets on server events
// (a cancel "when the server has the request", "when it sent the head", "when the retry arrives").
import type { FaultConnection, FaultEvent } from '../../helpers/fault-server';
import type { ServerName } from './world';

export interface Receipt {
  server: ServerName;
  path: string;
  method: string;
  /** Request number on its connection. */
  seq: number;
  connId: number;
  /** Its connection (live: a later unsolicited response on it shows here). */
  conn: FaultConnection;
  bodyBytes: number;
  /** The server wrote the status line and headers for it (status), or not (undefined); when. */
  headStatus: number | undefined;
  headAt: number | undefined;
  /**
   * When the event loop had been through a poll phase after the turn the head was written in (two
   * setImmediate hops: the second runs in the next turn's check phase, after its poll): from then on
   * the client, in this same process, could have read the head.
   */
  headPolledAt: number | undefined;
  at: number;
}

export type TriggerKind = 'request' | 'head' | 'retry';

interface ConnRecord {
  conn: FaultConnection;
  /** Path of the last request on it. */
  lastPath: string;
  /** The last few requests on it (id and path), for diagnostics. */
  history: string[];
}

/** The number in a chaos request id (`c123`). */
export function indexOfId(id: string): number {
  return Number(id.slice(1));
}

export class Ledger {
  private readonly receipts = new Map<string, Receipt[]>();
  private readonly triggers = new Map<string, { kind: TriggerKind; fire: () => void }>();
  private readonly conns = new Map<string, ConnRecord>();
  /** Calls with a lower index belong to checked epochs: a request for them now arrived too late. */
  checkedBelow = 0;
  readonly late: string[] = [];

  onServerEvent(server: ServerName, event: FaultEvent): void {
    switch (event.type) {
      case 'conn-open':
        this.conns.set(`${server}:${event.conn.remotePort}`, { conn: event.conn, lastPath: '', history: [] });
        return;
      case 'conn-close':
        return;
      case 'request': {
        const req = event.req;
        const record = this.conns.get(`${server}:${req.conn.remotePort}`);
        if (record !== undefined && record.conn === req.conn) {
          record.lastPath = req.path;
          record.history.push(`${req.id ?? '-'} ${req.method} ${req.path}`);
          if (record.history.length > 6) record.history.shift();
        }
        const id = req.id;
        if (id === undefined) return;
        if (indexOfId(id) < this.checkedBelow) {
          this.late.push(`${id} ${req.method} ${req.path} on ${server}`);
          return;
        }
        let list = this.receipts.get(id);
        if (list === undefined) this.receipts.set(id, (list = []));
        list.push({
          server, path: req.path, method: req.method, seq: req.seq, connId: req.conn.id, conn: req.conn, bodyBytes: req.bodyBytes,
          headStatus: undefined, headAt: undefined, headPolledAt: undefined, at: performance.now(),
        });
        const trigger = this.triggers.get(id);
        if (trigger !== undefined && (trigger.kind === 'request' || (trigger.kind === 'retry' && list.length === 2))) {
          this.triggers.delete(id);
          trigger.fire();
        }
        return;
      }
      case 'head-sent': {
        const id = event.req.id;
        if (id === undefined) return;
        const list = this.receipts.get(id);
        const last = list?.[list.length - 1];
        if (last !== undefined && last.connId === event.req.conn.id && last.seq === event.req.seq) {
          last.headStatus = event.status;
          last.headAt = performance.now();
          const receipt = last;
          setImmediate(() => setImmediate(() => {
            receipt.headPolledAt = performance.now();
          }));
        }
        const trigger = this.triggers.get(id);
        if (trigger?.kind === 'head') {
          this.triggers.delete(id);
          trigger.fire();
        }
        return;
      }
    }
  }

  /** Calls `fire` once, when the server sees that for this request. */
  onceFor(id: string, kind: TriggerKind, fire: () => void): void {
    this.triggers.set(id, { kind, fire });
  }

  dropTrigger(id: string): void {
    this.triggers.delete(id);
  }

  /** The receipts of a request, taken out of the ledger. */
  take(id: string): Receipt[] {
    const list = this.receipts.get(id) ?? [];
    this.receipts.delete(id);
    return list;
  }

  /** The connection a client socket with this local port has (had) on that server. */
  connection(server: ServerName, clientPort: number): ConnRecord | undefined {
    return this.conns.get(`${server}:${clientPort}`);
  }

  /** Connections of a server on which it wrote a response nobody asked for (since the last forgetClosed()). */
  unsolicitedConnections(server: ServerName): number {
    let n = 0;
    for (const [key, record] of this.conns) if (key.startsWith(`${server}:`) && record.conn.sentUnsolicited) n++;
    return n;
  }

  /** Forgets the closed connections (at rest, between lives). */
  forgetClosed(): void {
    for (const [key, record] of this.conns) if (!record.conn.open) this.conns.delete(key);
  }

  size(): number {
    return this.receipts.size + this.triggers.size;
  }
}
