// The "connect timeout" host: listening sockets that never accept and whose accept
// queue is full, so the kernel drops further SYNs and a client's connect hangs
// until its own timeout. Node cannot listen without accepting, so a python3 child
// holds the listening sockets; it exits when its stdin closes (i.e. with us).
import { spawn } from 'node:child_process';
import net from 'node:net';

export interface Blackhole {
  host: string;
  ports: number[];
  close(): Promise<void>;
}

const SCRIPT = `
import socket, sys
held = []
for port in sys.argv[2:]:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((sys.argv[1], int(port)))
    s.listen(0)
    held.append(s)
print("ready", flush=True)
sys.stdin.read()
`;

const READY_TIMEOUT_MS = 5000;
const FILL_WAIT_MS = 100; // a loopback connect that has not completed by then was dropped: the queue is full
const MAX_FILLERS = 4;

export async function startBlackhole(ports: number[], options: { host?: string; python?: string } = {}): Promise<Blackhole> {
  const host = options.host ?? '127.0.0.3';
  const python = options.python ?? 'python3';
  const child = spawn(python, ['-c', SCRIPT, host, ...ports.map(String)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const fillers: net.Socket[] = [];

  const close = async () => {
    for (const socket of fillers) socket.destroy();
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`urlsweep sim: blackhole: ${python} did not get ready in ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      const fail = (err: Error) => {
        clearTimeout(timer);
        reject(err);
      };
      child.once('error', (err: NodeJS.ErrnoException) =>
        fail(new Error(err.code === 'ENOENT'
          ? `urlsweep sim: blackhole needs ${python}, which was not found on PATH`
          : `urlsweep sim: blackhole: could not start ${python}: ${err.message}`)),
      );
      child.once('exit', (code) => fail(new Error(`urlsweep sim: blackhole: ${python} exited (${code}) before ready: ${stderr.trim()}`)));
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        if (chunk.includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await Promise.all(ports.map((port) => fillBacklog(host, port, fillers)));
  } catch (err) {
    await close();
    throw err;
  }
  return { host, ports, close };
}

// Opens connections until one stays pending; those that did connect sit in the
// accept queue forever (nobody accepts), which is what makes the queue full.
async function fillBacklog(host: string, port: number, fillers: net.Socket[]): Promise<void> {
  for (let i = 0; i < MAX_FILLERS; i++) {
    const socket = net.connect({ host, port });
    socket.on('error', () => socket.destroy()); // pending ones time out eventually; nothing to report
    fillers.push(socket);
    const connected = await new Promise<boolean>((resolve, reject) => {
      const timer = setTimeout(() => resolve(false), FILL_WAIT_MS);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(true);
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`urlsweep sim: blackhole: filling ${host}:${port} failed: ${err.message}`));
      });
    });
    if (!connected) return;
  }
  throw new Error(`urlsweep sim: blackhole: ${host}:${port} kept accepting connections; its backlog never filled`);
}
