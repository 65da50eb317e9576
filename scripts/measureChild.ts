// Runs one measuring script (benchSweep.js, baselinePool.js) in a process of its own, so its peak memory
// is its own, and returns the JSON line it prints last.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const scripts = fileURLToPath(new URL('.', import.meta.url));

export async function measure<T>(script: string, config: object): Promise<T> {
  const proc = spawn(process.execPath, [join(scripts, script), JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d));
  const [code] = (await once(proc, 'exit')) as [number];
  if (code !== 0) throw new Error(`${script} exited with ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as T;
}
