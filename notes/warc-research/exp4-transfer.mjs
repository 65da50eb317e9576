// Exp 4: cost of moving bodies from a worker thread to the coordinator: structured clone vs transferList.
// node exp4-transfer.mjs  -> one JSON line per (size, mode)
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

if (isMainThread) {
  const cases = [[10_000, 20_000], [1_000_000, 500]];
  for (const [size, count] of cases) {
    for (const mode of ['clone', 'copy+transfer', 'transfer-owned', 'clone-chunks']) {
      const w = new Worker(new URL(import.meta.url), { workerData: { size, count, mode } });
      let got = 0, bytes = 0, t0 = null, recvCpu = 0;
      const res = await new Promise((resolve, reject) => {
        w.on('message', (m) => {
          if (m.start) { t0 = process.hrtime.bigint(); return; }
          if (m.done) { resolve({ sendSideMs: m.postMs, ...m }); return; }
          const c = process.cpuUsage();
          bytes += m.body ? m.body.byteLength : m.chunks.reduce((a, c) => a + c.byteLength, 0); got++;
          const d = process.cpuUsage(c); recvCpu += d.user + d.system;
        });
        w.on('error', reject);
      });
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      await w.terminate();
      console.log(JSON.stringify({ size, count, mode, received: got, secs: +secs.toFixed(3), MBps: Math.round(bytes / 1e6 / secs), msgsPerSec: Math.round(got / secs), usPerMsgSender: +(res.postMs * 1000 / count).toFixed(1) }));
    }
  }
} else {
  const { size, count, mode } = workerData;
  const src = Array.from({ length: 8 }, (_, i) => Buffer.alloc(size, i + 1));   // stands for received data
  const srcChunks = src.map((b) => { const cs = []; for (let i = 0; i < b.length; i += 16384) cs.push(b.subarray(i, i + 16384)); return cs; });
  parentPort.postMessage({ start: true });
  let postNs = 0n;
  for (let i = 0; i < count; i++) {
    const b = src[i % src.length];
    if (mode === 'transfer-owned') { // a buffer the worker owns outright (e.g. it assembled the body itself); allocation not counted
      const own = Buffer.allocUnsafeSlow(size); b.copy(own);
      const t = process.hrtime.bigint(); parentPort.postMessage({ i, body: own }, [own.buffer]); postNs += process.hrtime.bigint() - t;
      continue;
    }
    const t = process.hrtime.bigint();
    if (mode === 'clone') parentPort.postMessage({ i, body: b });
    else if (mode === 'clone-chunks') parentPort.postMessage({ i, chunks: srcChunks[i % src.length] });
    else { const copy = Buffer.allocUnsafeSlow(size); b.copy(copy); parentPort.postMessage({ i, body: copy }, [copy.buffer]); }
    postNs += process.hrtime.bigint() - t;
  }
  parentPort.postMessage({ done: true, postMs: Number(postNs) / 1e6 });
}
