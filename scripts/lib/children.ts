// The benchmarks' processes (scripts/processes/) started as children: a measured program in a process of
// its own, so its peak memory is its own, or a server, so that serving does not share an event loop with
// what is measured.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const processes = fileURLToPath(new URL('../processes/', import.meta.url));

/** Runs a measuring process (sweep.js, baselinePool.js) to its end; returns the JSON line it prints last. `signal` kills it. */
export async function measure<T>(script: string, config: object, signal?: AbortSignal): Promise<T> {
  const proc = spawn(process.execPath, [join(processes, script), JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'], signal });
  proc.on('error', () => {}); // an abort: `once` below rejects with it
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d));
  const [code] = (await once(proc, 'exit')) as [number];
  if (code !== 0) throw new Error(`${script} exited with ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as T;
}

export interface ServerProcess {
  /** The first line it printed (its address). */
  line: string;
  /** Writes a line to its stdin and returns the line it answers. */
  ask(question: string): Promise<string>;
  /** Closes its stdin, which ends it. */
  stop(): void;
}

/** Starts a server process (sim.js, origin.js) and waits for the line with its address. */
export async function serve(script: string, args: string[]): Promise<ServerProcess> {
  const proc = spawn(process.execPath, [join(processes, script), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [data] = (await once(proc.stdout!, 'data')) as [Buffer];
  return {
    line: data.toString().trim(),
    ask: async (question) => {
      proc.stdin!.write(question + '\n');
      const [answer] = (await once(proc.stdout!, 'data')) as [Buffer];
      return answer.toString().trim();
    },
    stop: () => proc.stdin!.end(),
  };
}
