// The embedded loopback server of the demo and the probe: answers JSON POSTs, counts the TCP
// connections it accepts.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface DemoServer {
  url: string;
  connections(): number;
  close(): Promise<void>;
}

export async function startDemoServer(): Promise<DemoServer> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    let size = 0;
    req.on('data', (chunk: Buffer) => (size += chunk.length));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ok: true, received: size }));
    });
  });
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/orders`,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
