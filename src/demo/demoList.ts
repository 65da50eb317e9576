// The demo's URL list: a web in miniature for the simulated internet. Each host behaves one way for all
// its URLs (a dead site is dead for every page), hosts are mostly healthy, and a few big sites hold many
// URLs while most hold one or two, as in real crawl lists. Seeded, so every demo sweeps the same list.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Behaviour } from '../sim/behaviours.js';
import { seededRandom } from '../seededRandom.js';

/** Share of hosts per behaviour, in thousandths. */
const HOST_MIX: [Behaviour, number][] = [
  ['fine', 700],
  ['redirect', 50],
  ['crosshost', 10],
  ['nohead', 20],
  ['big', 10],
  ['chunked', 10],
  ['slow', 40],
  ['notfound', 40],
  ['error', 15],
  ['unavailable', 10],
  ['flaky', 10],
  ['ratelimit', 5],
  ['nxdomain', 30],
  ['servfail', 5],
  ['refused', 20],
  ['blackhole', 5],
  ['hang', 3],
  ['malformed', 2],
  ['reset', 2],
  ['wrongname', 3],
  ['plainonly', 10],
];
/** Share of hosts served over HTTPS (a handshake per host; the sim mints each host's certificate). */
const HTTPS_SHARE = 0.1;
const PATHS = ['/', '/about', '/contact', '/blog/', '/products/', '/docs/', '/news/2026/', '/search?q='];

function behaviourFor(draw: number): Behaviour {
  let upTo = 0;
  for (const [behaviour, share] of HOST_MIX) {
    upTo += share;
    if (draw * 1000 < upTo) return behaviour;
  }
  return 'fine';
}

export interface DemoHost {
  name: string;
  scheme: 'http' | 'https';
}

export function demoHosts(count: number, seed = 1): DemoHost[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    // The biggest sites (the lowest indexes get the most URLs) are healthy, as big sites mostly are.
    const behaviour = i < 20 ? 'fine' : behaviourFor(random());
    return { name: `${behaviour}-${i}.demo.test`, scheme: random() < HTTPS_SHARE ? 'https' : 'http' };
  });
}

/** Writes `urls` lines over `hosts` hosts to `path`. */
export async function writeDemoList(path: string, urls: number, hosts: number, seed = 1): Promise<void> {
  const random = seededRandom(seed + 1);
  const sites = demoHosts(hosts, seed);
  const out = createWriteStream(path);
  out.write('# urlsweep demo: a simulated web on loopback. The first label of a host names its behaviour.\n');
  for (let i = 0; i < urls; i++) {
    // The square skews URLs towards the low indexes: a few sites with hundreds of pages, a long tail of one or two.
    const site = sites[Math.floor(random() ** 2 * sites.length)]!;
    const path = PATHS[Math.floor(random() * PATHS.length)]!;
    const page = path === '/' ? '' : path.endsWith('=') || path.endsWith('/') ? String(i) : '';
    // A slow site takes from a fifth of a second to 1.8 s.
    const query = site.name.startsWith('slow-') ? `${path.includes('?') ? '&' : '?'}delay=${200 + Math.floor(random() * 1600)}` : '';
    if (!out.write(`${site.scheme}://${site.name}${path}${page}${query}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
