// An HTTP server on loopback for a test file: listening before its tests, closed after them.
import { after, before } from 'node:test';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoopbackHttp {
  /** Its port, once the file's tests run. */
  readonly port: number;
  /** `http://127.0.0.1:PORT`. */
  readonly base: string;
}

export function httpOnLoopback(handler: RequestListener): LoopbackHttp {
  let server: Server;
  const state = {
    port: 0,
    get base() {
      return `http://127.0.0.1:${this.port}`;
    },
  };
  before(async () => {
    server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    state.port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  return state;
}
