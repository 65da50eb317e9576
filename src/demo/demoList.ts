// The demo's URL list: a web in miniature for the simulated internet. Each host behaves one way for all
// its URLs (a dead site is dead for every page), hosts are mostly healthy, and a few big sites hold many
// URLs while most hold one or two, as in real crawl lists. Some big sites come grouped, their URLs one
// after another as a sitemap export or a sorted list has them: a healthy one, a slow one, one that
// rate-limits, and dead ones (dropped, refused, unresolvable): the frontier's cases. Seeded, so every
// demo sweeps the same list.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Behaviour } from '../sim/behaviours.js';
import { seededRandom } from '../util/seededRandom.js';

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
  ['throttle', 5],
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

/** Big sites whose URLs come one after another, at a share of the way through the list. */
export const GROUPED_SITES: Array<{ host: string; urls: number; at: number; query?: (random: () => number) => string }> = [
  { host: 'fine-catalogue.demo.test', urls: 2000, at: 0.02 },
  // A rate limiter in front of it allows 5 requests a second: 100 URLs are 20 s at best.
  { host: 'throttle-shop.demo.test', urls: 100, at: 0.04 },
  { host: 'slow-archive.demo.test', urls: 200, at: 0.06, query: (random) => `?delay=${200 + Math.floor(random() * 600)}` },
  { host: 'blackhole-oldsite.demo.test', urls: 300, at: 0.08 },
  { host: 'refused-intranet.demo.test', urls: 300, at: 0.1 },
  { host: 'nxdomain-expired.demo.test', urls: 300, at: 0.12 },
];
/** The list size the grouped sites' sizes are for; a smaller list gets smaller blocks. */
const GROUPED_FOR_URLS = 60_000;

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

/** A slow site takes from a fifth of a second to 1.8 s per page. */
function slowQuery(random: () => number, path: string): string {
  return `${path.includes('?') ? '&' : '?'}delay=${200 + Math.floor(random() * 1600)}`;
}

/**
 * Writes `urls` lines over `hosts` hosts to `path`: the grouped sites' blocks (scaled down for a small
 * list, so they stay a small share of it) at their places, the rest drawn from the mix.
 */
export async function writeDemoList(path: string, urls: number, hosts: number, seed = 1): Promise<void> {
  const random = seededRandom(seed + 1);
  const sites = demoHosts(hosts, seed);
  const scale = Math.min(1, urls / GROUPED_FOR_URLS);
  const blocks = GROUPED_SITES.map((g) => ({ ...g, urls: Math.max(1, Math.round(g.urls * scale)), from: Math.floor(g.at * urls) }));
  let next = 0;
  const out = createWriteStream(path);
  const write = async (line: string): Promise<void> => {
    if (!out.write(line + '\n')) await once(out, 'drain');
  };
  await write('# urlsweep demo: a simulated web on loopback. The first label of a host names its behaviour.');
  let i = 0;
  while (i < urls) {
    const block = blocks[next];
    if (block && i >= block.from) {
      next++;
      for (let n = 0; n < block.urls && i < urls; n++, i++) await write(`http://${block.host}/page/${n}${block.query?.(random) ?? ''}`);
      continue;
    }
    // The square skews URLs towards the low indexes: a few sites with hundreds of pages, a long tail of one or two.
    const site = sites[Math.floor(random() ** 2 * sites.length)]!;
    const p = PATHS[Math.floor(random() * PATHS.length)]!;
    const page = p === '/' ? '' : p.endsWith('=') || p.endsWith('/') ? String(i) : '';
    const query = site.name.startsWith('slow-') ? slowQuery(random, p) : '';
    await write(`${site.scheme}://${site.name}${p}${page}${query}`);
    i++;
  }
  out.end();
  await once(out, 'finish');
}
