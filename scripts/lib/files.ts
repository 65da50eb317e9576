// Files the benchmarks make and clear: URL lists written in large chunks, and SQLite databases with
// their side files.
import { createWriteStream, rmSync } from 'node:fs';
import { once } from 'node:events';

/** Writes `count` lines made by `line(i)`, a megabyte at a time (lists of millions never held whole). */
export async function writeLines(path: string, count: number, line: (i: number) => string): Promise<string> {
  const out = createWriteStream(path);
  let chunk = '';
  for (let i = 0; i < count; i++) {
    chunk += line(i) + '\n';
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return path;
}

/** Removes a database and its WAL and shared-memory files. */
export function removeDatabase(path: string): void {
  for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
}
