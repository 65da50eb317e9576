// A raw TCP server of the simulated internet on 127.0.0.1, with a close() that ends its open connections
// too (a server's own close waits for every client to leave, and clients keep connections alive).
import { createServer, type AddressInfo, type Socket } from 'node:net';

export interface LoopbackServer {
  port: number;
  close(): Promise<void>;
}

export async function listenOnLoopback(onConnection: (socket: Socket) => void, port = 0): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', 4096, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
