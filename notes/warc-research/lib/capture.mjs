// Fetch with undici 7's dispatch handler API (as urlsweep's workers/exchange.ts does), exposing
// raw header Buffers, the status message, and the body as a back-pressured async iterable.
import { Pool } from 'undici';

export function capture(pool, url, headers = {}) {
  return new Promise((resolve, reject) => {
    const queue = []; let done = false, err = null, wake = null, ctl = null;
    const HIGH = 4;
    const push = () => { if (wake) { const w = wake; wake = null; w(); } };
    async function* bodyIter() {
      for (;;) {
        if (queue.length) { const c = queue.shift(); if (queue.length < HIGH && ctl?.paused) ctl.resume(); yield c; continue; }
        if (err) throw err;
        if (done) return;
        await new Promise((r) => (wake = r));
      }
    }
    pool.dispatch({ origin: url.origin, path: url.pathname + url.search, method: 'GET', headers }, {
      onRequestStart(c) { ctl = c; },
      onResponseStart(c, statusCode, _parsed, statusMessage) {
        resolve({ statusCode, statusMessage, rawHeaders: c.rawHeaders, body: bodyIter() });
      },
      onResponseData(c, chunk) { queue.push(chunk); if (queue.length >= HIGH) c.pause(); push(); },
      onResponseEnd() { done = true; push(); },
      onResponseError(_c, e) { err = e; push(); reject(e); },
    });
  });
}
export { Pool };
