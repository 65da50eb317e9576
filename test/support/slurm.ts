// A single-node Slurm cluster for a test, from Debian's slurm-wlm and munge: its own munge key and socket,
// slurmctld and slurmd on free loopback ports, every file in one folder, nothing of the machine's own
// configuration read or changed. Jobs run as the user who submits them (root here), as on a real cluster.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, hostname, totalmem } from 'node:os';
import { join } from 'node:path';

export interface Slurm {
  /** The environment that aims sbatch, squeue and scontrol at this cluster. */
  env: NodeJS.ProcessEnv;
  /** A job's state as `scontrol` tells it (PENDING, RUNNING, COMPLETED, FAILED, …), one per array task. */
  states(job: string): string[];
  stop(): Promise<void>;
}

const DAEMONS = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'scontrol'];

/** Why Slurm cannot run here, or null when its programs are installed. */
export function slurmMissing(): string | null {
  const missing = DAEMONS.filter((name) => !['/usr/sbin', '/usr/bin'].some((dir) => existsSync(join(dir, name))));
  return missing.length === 0 ? null : `Slurm is not installed here (${missing.join(', ')} missing; apt-get install slurm-wlm munge, as .ci/run does)`;
}

/** Starts the cluster in `dir`; throws, with the daemons' logs, when its node does not come up within 30 s. */
export async function startSlurm(dir: string): Promise<Slurm> {
  for (const sub of ['munge', 'state', 'spool', 'log']) mkdirSync(join(dir, sub), { recursive: true });
  const key = join(dir, 'munge', 'munge.key');
  writeFileSync(key, randomBytes(128));
  chmodSync(key, 0o400);
  const socket = join(dir, 'munge', 'munge.sock');
  const [controllerPort, nodePort] = [await freePort(), await freePort()];
  // slurmctld runs only where SlurmctldHost names this machine; the node is named so that nothing else is.
  const controller = hostname().split('.')[0]!;
  const conf = join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=urlsweep-test',
      `SlurmctldHost=${controller}(127.0.0.1)`,
      `SlurmctldPort=${controllerPort}`,
      `SlurmdPort=${nodePort}`,
      'SlurmUser=root',
      'SlurmdUser=root',
      'AuthType=auth/munge',
      `AuthInfo=socket=${socket}`,
      'CredType=cred/munge',
      `StateSaveLocation=${join(dir, 'state')}`,
      `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${join(dir, 'log', 'slurmctld.log')}`,
      `SlurmdLogFile=${join(dir, 'log', 'slurmd.log')}`,
      // No cgroups, accounting or MPI: what a container allows, and nothing these jobs need.
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'JobCompType=jobcomp/none',
      'MpiDefault=none',
      'SwitchType=switch/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'ReturnToService=2',
      // Finished jobs stay visible to scontrol for the test's length.
      'MinJobAge=600',
      `NodeName=testnode NodeAddr=127.0.0.1 CPUs=${cpus().length} RealMemory=${Math.floor(totalmem() / 2 ** 20 / 2)} State=UNKNOWN`,
      'PartitionName=test Nodes=testnode Default=YES MaxTime=INFINITE State=UP',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SLURM_CONF: conf };
  const daemons: ChildProcess[] = [];
  const daemon = (command: string, args: string[]) => {
    // Their logs go to files (read back when the node does not come up).
    const child = spawn(command, args, { env, stdio: 'ignore' });
    child.on('error', () => {});
    daemons.push(child);
  };
  const stop = async () => {
    await Promise.all(
      daemons.reverse().map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
          }),
      ),
    );
  };
  // munged refuses root without --force; its own socket and key keep it apart from a system munged.
  daemon('munged', ['-F', '--force', `--socket=${socket}`, `--key-file=${key}`, `--log-file=${join(dir, 'log', 'munged.log')}`, `--pid-file=${join(dir, 'munge', 'munged.pid')}`, `--seed-file=${join(dir, 'munge', 'seed')}`]);
  await waitFor(() => existsSync(socket), 10_000);
  daemon('slurmctld', ['-D', '-i']);
  daemon('slurmd', ['-D', '-N', 'testnode']);
  const up = await waitFor(() => sinfoState(env) === 'idle', 30_000);
  if (!up) {
    await stop();
    const logs = ['munged.log', 'slurmctld.log', 'slurmd.log']
      .map((name) => join(dir, 'log', name))
      .filter(existsSync)
      .map((path) => `${path}:\n${readFileSync(path, 'utf8').split('\n').slice(-15).join('\n')}`);
    throw new Error(`Slurm's node did not come up within 30 s (sinfo: ${sinfoState(env) || 'no answer'})\n${logs.join('\n')}`);
  }
  return {
    env,
    states: (job) => {
      const text = execFileSync('scontrol', ['-o', 'show', 'job', job], { env, encoding: 'utf8' });
      return [...text.matchAll(/JobState=(\S+)/g)].map((m) => m[1]!);
    },
    stop,
  };
}

function sinfoState(env: NodeJS.ProcessEnv): string {
  try {
    return execFileSync('sinfo', ['-h', '-o', '%t'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 }).trim();
  } catch {
    return '';
  }
}

async function waitFor(ready: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (ready()) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return ready();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
