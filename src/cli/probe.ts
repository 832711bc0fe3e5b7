// `npm run demo` and `axios-keepalive probe`: the classic keep-alive failure beside the preset,
// measured on the same requests.
import axios from 'axios';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { bindApi } from '../axios/bind-api';
import { startDemoServer } from './demo-server';
import { run, table, type Measurement } from './measure';
import pino from 'pino';

export interface ProbeOptions {
  /** Target URL; default: the embedded loopback server. */
  url?: string;
  requests: number;
  concurrency: number;
  /** Print this many of the preset's log lines after the table. */
  logLines: number;
  out: (line: string) => void;
}

/** A keepAlive:false agent pair that counts the sockets it opens. */
function countingAgents(): { httpAgent: http.Agent; httpsAgent: https.Agent; opened(): number } {
  let opened = 0;
  const count = (socket: Socket): void => {
    opened++;
    socket.once('error', () => undefined);
  };
  const httpAgent = new http.Agent({ keepAlive: false });
  const httpsAgent = new https.Agent({ keepAlive: false });
  for (const agent of [httpAgent, httpsAgent]) {
    const create = agent.createConnection.bind(agent) as (...a: unknown[]) => Socket;
    (agent as unknown as { createConnection: (...a: unknown[]) => Socket }).createConnection = (...args: unknown[]) => {
      const socket = create(...args);
      count(socket);
      return socket;
    };
  }
  return { httpAgent, httpsAgent, opened: () => opened };
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

export function prettyLine(line: Record<string, unknown>): string {
  const { level, time, msg, pid: _pid, hostname: _host, lib: _lib, evt: _evt, name: _name, method, url, status, ...rest } = line;
  const shown = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  const clock = new Date(Number(time)).toISOString().slice(11, 23);
  const request = method === undefined ? '' : ` ${String(method)} ${String(url)} ${String(status ?? '')}`;
  return `[${clock}] ${(LEVEL_NAMES[Number(level)] ?? String(level)).padEnd(5)} ${String(msg)}${request}  ${shown}`;
}

export async function probe(options: ProbeOptions): Promise<Measurement[]> {
  const server = options.url === undefined ? await startDemoServer() : undefined;
  const url = options.url ?? server!.url;
  const method = server ? 'POST' : 'GET';
  const logLines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void logLines.push(s) });
  const plain = countingAgents();
  const plainClient = axios.create({ httpAgent: plain.httpAgent, httpsAgent: plain.httpsAgent, proxy: false });
  // The embedded server is on loopback: never through a proxy from the environment.
  const preset = bindApi(axios).createClient({ logger, ...(server ? { proxy: false as const } : {}) });
  try {
    const shared = { url, method, requests: options.requests, concurrency: options.concurrency } as const;
    const rows = [
      await run({ ...shared, client: 'axios, keepAlive: false', instance: plainClient, connections: server ? server.connections : plain.opened }),
      await run({ ...shared, client: 'axios-keepalive createClient()', instance: preset, connections: server ? server.connections : () => preset.keepAlive.stats().total.created }),
    ];
    options.out(`${options.requests} ${method} requests to ${url}, ${options.concurrency} in flight\n`);
    options.out(table(rows));
    if (options.logLines > 0) {
      await preset.keepAlive.close();
      const parsed = logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
      const requestLines = parsed.filter((l) => l.evt === 'request');
      const picked = [
        ...parsed.filter((l) => l.evt === 'socket-open').slice(0, 2),
        ...requestLines.slice(0, 2),
        ...requestLines.slice(-2),
        ...parsed.filter((l) => l.evt === 'socket-close').slice(0, 2),
      ].slice(0, options.logLines);
      options.out(`\nA few of the preset's log lines (pino JSON, shown pretty):`);
      for (const line of picked) options.out(prettyLine(line));
    }
    return rows;
  } finally {
    await preset.keepAlive.close();
    plain.httpAgent.destroy();
    plain.httpsAgent.destroy();
    await server?.close();
  }
}
