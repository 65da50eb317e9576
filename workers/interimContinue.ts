// undici 7 destroys a connection that brings an unsolicited `100 Continue` ("bad response",
// client-h1.js onHeadersComplete), though RFC 9110 §15.2 says a client must accept any number of 1xx
// answers before the final one; it passes the other 1xx (102, 103) to the handler, which skips them. Its
// HTTP/1.1 parser is not exported: it is found on the first socket undici gives one, and its
// onHeadersComplete is taught to pass a 100 on as a 102. test/integration/hostile.test.ts (`continue100`) says so if
// an undici upgrade changes what this relies on; until the patch applies, a 100 fails as before.
import type { Duplex } from 'node:stream';

type OnHeadersComplete = (statusCode: number, upgrade: boolean, shouldKeepAlive: boolean) => number;

let patched = false;

/** Call with every socket handed to undici; patches its parser's class once, before any answer is read. */
export function acceptInterimContinue(socket: Duplex): void {
  if (patched) return;
  // undici sets the socket's parser right after the connector's callback, and writes the request after
  // that: this runs before any answer can be read.
  setImmediate(() => {
    if (patched) return;
    const key = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'parser');
    const parser = key ? (socket as unknown as Record<symbol, unknown>)[key] : null;
    const proto = parser ? (Object.getPrototypeOf(parser) as { onHeadersComplete?: OnHeadersComplete }) : null;
    if (!proto || typeof proto.onHeadersComplete !== 'function') return;
    const original = proto.onHeadersComplete;
    proto.onHeadersComplete = function (this: unknown, statusCode, upgrade, shouldKeepAlive) {
      return original.call(this, statusCode === 100 ? 102 : statusCode, upgrade, shouldKeepAlive);
    };
    patched = true;
  });
}
