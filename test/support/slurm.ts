// A single-node Slurm cluster for a test, from Debian's slurm-wlm and munge: its own munge key and socket,
// slurmctld and slurmd on loopback ports of their own, every file in one folder, nothing of the machine's
// own configuration read or changed. Jobs run as the user who submits them (root here), as on a real cluster.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { waitFor as waitUntil } from './cli.js';
import { freePorts } from './freePorts.js';

export interface Slurm {
  /** The environment that aims sbatch, squeue and scontrol at this cluster (and nothing of the caller's Slurm settings). */
  env: NodeJS.ProcessEnv;
  /** A job's records as `scontrol` tells them, one per array task (a pending rest of an array is one record). */
  jobs(job: string): Array<{ state: string; reason: string }>;
  stop(): Promise<void>;
}

const PROGRAMS = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'scontrol', 'squeue', 'scancel', 'sinfo'];
const QUICK = { encoding: 'utf8' as const, stdio: ['ignore', 'pipe', 'pipe'] as Array<'ignore' | 'pipe'>, timeout: 10_000 };

/** Why Slurm cannot run here, or null when it can. */
export function slurmMissing(): string | null {
  const missing = PROGRAMS.filter((name) => !['/usr/sbin', '/usr/bin'].some((dir) => existsSync(join(dir, name))));
  if (missing.length > 0) return `Slurm is not installed here (${missing.join(', ')} missing; apt-get install slurm-wlm munge, as .ci/run does)`;
  // The cluster runs its daemons as the user who starts it, which Slurm allows only for root.
  return process.getuid?.() === 0 ? null : 'a test cluster of Slurm needs root (its daemons run as the user who starts them)';
}

/** Starts the cluster in `dir`; throws, with the node's state and the daemons' logs, when it does not come up within 30 s. */
export async function startSlurm(dir: string): Promise<Slurm> {
  for (const sub of ['state', 'spool', 'log']) mkdirSync(join(dir, sub), { recursive: true });
  // A socket's path has a limit of ~108 bytes: munge's lives in a short folder of its own.
  const mungeDir = mkdtempSync('/tmp/munge-');
  const key = join(mungeDir, 'munge.key');
  writeFileSync(key, randomBytes(128));
  chmodSync(key, 0o400);
  const socket = join(mungeDir, 'socket');
  const [controllerPort, nodePort] = await freePorts(2);
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
      // The node is declared as big as the shipped jobs ask for two tasks at once (2 CPUs and 2G each),
      // whatever this machine is: Slurm's testing option keeps a smaller machine from being marked invalid,
      // and nothing here enforces the limits.
      'SlurmdParameters=config_overrides',
      'NodeName=testnode NodeAddr=127.0.0.1 CPUs=4 RealMemory=4096 State=UNKNOWN',
      'PartitionName=test Nodes=testnode Default=YES MaxTime=INFINITE State=UP',
      '',
    ].join('\n'),
  );
  // The caller's own Slurm settings (a login node's SBATCH_ACCOUNT, say) would aim jobs elsewhere.
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(SBATCH|SALLOC|SRUN|SLURM|SQUEUE|SINFO|SCONTROL)_/.test(name)));
  env.SLURM_CONF = conf;
  const daemons: ChildProcess[] = [];
  const killAll = () => {
    for (const child of daemons) child.kill('SIGKILL');
  };
  // A test process that dies does not leave root daemons behind.
  process.once('exit', killAll);
  const daemon = (command: string, args: string[]) => {
    // Their logs go to files (read back when the node does not come up).
    const child = spawn(command, args, { env, stdio: 'ignore' });
    child.on('error', () => {});
    daemons.push(child);
  };
  const stop = async () => {
    // Jobs still running (a test that failed halfway) end with the cluster: slurmd kills their steps.
    try {
      execFileSync('scancel', ['--quiet', '--full', '--partition=test'], { ...QUICK, env });
      await waitFor(() => squeue(env) === '', 10_000);
    } catch {
      // No controller answers: its jobs' steps end with slurmd below.
    }
    // The node first (it ends the steps of its jobs), then the controller, then munge.
    for (const child of [...daemons].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    process.removeListener('exit', killAll);
    rmSync(mungeDir, { recursive: true, force: true });
  };
  // munged refuses root without --force; its own socket and key keep it apart from a system munged.
  daemon('munged', ['-F', '--force', `--socket=${socket}`, `--key-file=${key}`, `--log-file=${join(dir, 'log', 'munged.log')}`, `--pid-file=${join(mungeDir, 'pid')}`, `--seed-file=${join(mungeDir, 'seed')}`]);
  if (await waitFor(() => existsSync(socket), 10_000)) {
    daemon('slurmctld', ['-D', '-i']);
    daemon('slurmd', ['-D', '-N', 'testnode']);
  }
  if (!(await waitFor(() => nodeState(env) === 'idle', 30_000))) {
    // Read before stopping: what the node was, and why.
    const state = existsSync(socket) ? `sinfo: ${nodeState(env) || 'no answer'}; ${nodeReason(env)}` : 'munged made no socket';
    await stop();
    const logs = ['munged.log', 'slurmctld.log', 'slurmd.log']
      .map((name) => join(dir, 'log', name))
      .filter(existsSync)
      .map((path) => `${path}:\n${readFileSync(path, 'utf8').split('\n').slice(-15).join('\n')}`);
    throw new Error(`Slurm's node did not come up within 30 s (${state})\n${logs.join('\n')}`);
  }
  return {
    env,
    jobs: (job) => {
      const text = execFileSync('scontrol', ['-o', 'show', 'job', job], { ...QUICK, env });
      return text
        .split('\n')
        .filter((line) => line.includes('JobState='))
        .map((line) => ({ state: /JobState=(\S+)/.exec(line)![1]!, reason: /Reason=(\S+)/.exec(line)?.[1] ?? '' }));
    },
    stop,
  };
}

function squeue(env: NodeJS.ProcessEnv): string {
  return execFileSync('squeue', ['-h', '-o', '%i'], { ...QUICK, env }).trim();
}

function nodeState(env: NodeJS.ProcessEnv): string {
  try {
    return execFileSync('sinfo', ['-h', '-o', '%t'], { ...QUICK, env }).trim();
  } catch {
    return '';
  }
}

function nodeReason(env: NodeJS.ProcessEnv): string {
  try {
    return /Reason=.*/.exec(execFileSync('scontrol', ['show', 'node', 'testnode'], { ...QUICK, env }))?.[0] ?? 'no reason given';
  } catch {
    return 'scontrol has no answer';
  }
}

/** Whether `ready` holds within `ms` (polled). */
function waitFor(ready: () => boolean, ms: number): Promise<boolean> {
  return waitUntil(ready, ms, '').then(
    () => true,
    () => false,
  );
}
