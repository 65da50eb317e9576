// Exp 2: does warcio.js stream? When is the first output byte emitted, how much memory, where does it spool?
// node exp2-warcio-streaming.mjs lib|node <MiB>
import fs from 'node:fs'; import os from 'node:os';
import { WARCRecord, WARCSerializer } from 'warcio';
import { WARCSerializer as NodeWARCSerializer } from 'warcio/node';
const [which, mib] = [process.argv[2], Number(process.argv[3] || 100)];
const chunk = Buffer.alloc(65536, 0x61);
let consumed = 0, firstOutAt = null, outBytes = 0, peakRss = 0, tmpSeen = new Set();
const tmpBefore = new Set(fs.readdirSync(os.tmpdir()));
async function* bodyGen() { for (let i = 0; i < mib * 16; i++) { consumed += chunk.length; peakRss = Math.max(peakRss, process.memoryUsage().rss); if (i % 160 === 0) for (const f of fs.readdirSync(os.tmpdir())) if (!tmpBefore.has(f)) tmpSeen.add(f); yield Buffer.from(chunk); } }
const rec = WARCRecord.create({ url: 'http://example.test/big', type: 'response', warcVersion: 'WARC/1.1', httpHeaders: [['Content-Type', 'application/octet-stream']] }, bodyGen());
const Ser = which === 'node' ? NodeWARCSerializer : WARCSerializer;
for await (const out of new Ser(rec, { gzip: true })) {
  if (firstOutAt === null) { firstOutAt = consumed; for (const f of fs.readdirSync(os.tmpdir())) if (!tmpBefore.has(f)) tmpSeen.add(f); }
  outBytes += out.length; peakRss = Math.max(peakRss, process.memoryUsage().rss);
}
console.log(JSON.stringify({ serializer: which, bodyMiB: mib, bodyBytesConsumedBeforeFirstOutput: firstOutAt, outBytes, peakRssMiB: Math.round(peakRss / 2 ** 20), tempFilesSeenIn: os.tmpdir(), tempFiles: [...tmpSeen] }));
