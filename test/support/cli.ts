// Runs the real binary as a user would, and reads its database.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const CLI = join(ROOT, 'dist/src/cli.js');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** A command the binary runs under (prlimit …), as a user's shell would. */
  wrap?: string[];
  /** Options for node itself (--trace-gc …). */
  nodeArgs?: string[];
}

/** Runs urlsweep to the end. */
export function urlsweep(args: string[], options: RunOptions & { stdin?: string }): Promise<Run> {
  const child = start(args, options);
  child.stdin!.end(options.stdin ?? '');
  return finished(child);
}

/** Starts urlsweep and leaves it running (for signals). */
export function start(args: string[], options: RunOptions): ChildProcess & { output: Run } {
  const [command, ...prefix] = [...(options.wrap ?? []), process.execPath];
  const child = spawn(command!, [...prefix, ...(options.nodeArgs ?? []), CLI, ...args], {
    cwd: options.cwd,
    // Every test sweeps loopback: a proxy from the environment must never see its names (a test that
    // wants one says so in `options.env`).
    env: { ...withoutProxies(process.env), ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  }) as ChildProcess & { output: Run };
  child.output = { code: -1, stdout: '', stderr: '' };
  child.stdout!.on('data', (d: Buffer) => (child.output.stdout += d));
  child.stderr!.on('data', (d: Buffer) => (child.output.stderr += d));
  return child;
}

export function finished(child: ChildProcess & { output: Run }): Promise<Run> {
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      child.output.code = code ?? (signal ? 128 : -1);
      resolve(child.output);
    });
  });
}

export function countRows(db: string): number {
  let conn: Database.Database;
  try {
    conn = new Database(db, { readonly: true, fileMustExist: true });
  } catch {
    return 0; // not created yet
  }
  try {
    return (conn.prepare('SELECT count(*) AS n FROM results').get() as { n: number }).n;
  } catch {
    return 0; // tables not created yet
  } finally {
    conn.close();
  }
}

/** Polls until `predicate` holds, or fails after `ms`. */
export async function waitFor(predicate: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The environment without the proxy variables (http_proxy, HTTPS_PROXY, all_proxy, no_proxy, …). */
function withoutProxies(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !/^(https?|all|no)_proxy$/i.test(name)));
}
