// Benchmark 1: N URLs to one loopback origin (keep-alive, tiny responses). urlsweep, recording every
// result in SQLite, against a plain undici promise-pool loop that records nothing, alternately for
// several rounds in the same run; prints medians and the ratio.
// Usage: node dist/scripts/bench-keepalive.js [--urls 1000000] [--rounds 3] [--concurrency 128]
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';

const { values } = parseArgs({
  options: {
    urls: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '128' },
    threads: { type: 'string', default: '2' },
  },
});
const URLS = Number(values.urls);
const ROUNDS = Number(values.rounds);
const CONCURRENCY = Number(values.concurrency);
const root = fileURLToPath(new URL('../..', import.meta.url));
const work = join(root, '.bench');
mkdirSync(work, { recursive: true });

async function startOrigin(): Promise<{ port: number; stop(): void }> {
  const child = spawn(process.execPath, [join(root, 'dist/scripts/benchOrigin.js')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [data] = (await once(child.stdout!, 'data')) as [Buffer];
  return { port: Number(data.toString().trim()), stop: () => child.stdin!.end() };
}

async function writeList(path: string, port: number): Promise<void> {
  const out = createWriteStream(path);
  let chunk = '';
  for (let i = 0; i < URLS; i++) {
    chunk += `http://127.0.0.1:${port}/item/${i}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

/** urlsweep as a user runs it: the real binary, every result recorded. */
async function runUrlsweep(list: string, db: string): Promise<number> {
  rmSync(db, { force: true });
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [join(root, 'dist/src/cli.js'), 'run', list, '--db', db, '--fresh', '--progress', 'none',
      '-c', String(CONCURRENCY), '--per-host', String(CONCURRENCY), '--threads', String(values.threads)],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const [code] = (await once(child, 'exit')) as [number];
  if (code !== 0) throw new Error(`urlsweep exited with ${code}`);
  return URLS / ((performance.now() - started) / 1000);
}

/** What a user writes instead: undici with a promise pool, keep-alive kept, nothing recorded. */
async function runPlainUndici(port: number): Promise<number> {
  const agent = new Agent({ connections: CONCURRENCY });
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < URLS) {
      const i = next++;
      const res = await request(`http://127.0.0.1:${port}/item/${i}`, { method: 'HEAD', dispatcher: agent, reset: false });
      await res.body.dump();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const rate = URLS / ((performance.now() - started) / 1000);
  await agent.close();
  return rate;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

const origin = await startOrigin();
const list = join(work, 'keepalive.txt');
await writeList(list, origin.port);
const sweep: number[] = [];
const plain: number[] = [];
console.log(`keep-alive, one origin: ${URLS.toLocaleString('en-US')} URLs, concurrency ${CONCURRENCY}, ${ROUNDS} rounds`);
for (let round = 1; round <= ROUNDS; round++) {
  sweep.push(await runUrlsweep(list, join(work, 'keepalive.db')));
  plain.push(await runPlainUndici(origin.port));
  console.log(`  round ${round}: urlsweep ${Math.round(sweep.at(-1)!)} URLs/s (recorded)   plain undici ${Math.round(plain.at(-1)!)} URLs/s (not recorded)`);
}
origin.stop();
const ratio = median(sweep) / median(plain);
console.log(`median: urlsweep ${Math.round(median(sweep))} URLs/s   plain undici ${Math.round(median(plain))} URLs/s   ratio ${ratio.toFixed(2)}`);
