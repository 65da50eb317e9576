// The shipped scheduler files (deploy/): the Kubernetes Indexed Job read as YAML for what matters (indexed
// completion, more completions than pods at once, retries per index, the index reaching --shard, each
// share its own database, the merge over them), and the Slurm array job and its merge run as Slurm would
// run them (its variables set by hand, the real binary): the shares merge into one row per line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CLI, ROOT } from '../support/cli.js';
import { readDb, tempDir } from '../support/simSweep.js';

interface Job {
  kind: string;
  metadata: { name: string };
  spec: {
    completionMode?: string;
    completions?: number;
    parallelism?: number;
    backoffLimitPerIndex?: number;
    template: { spec: { restartPolicy: string; containers: Array<{ args: string[]; env?: Array<{ name: string; value: string }>; volumeMounts: Array<{ name: string; mountPath: string }> }>; volumes: Array<{ name: string; persistentVolumeClaim: { claimName: string } }> } };
  };
}

const manifest = (name: string): Job[] => parseAllDocuments(readFileSync(join(ROOT, 'deploy/kubernetes', name), 'utf8')).map((d) => d.toJS() as Job);

test('the Kubernetes Indexed Job: each index a share of its own, more shares than pods, retried per index; the merge over them', () => {
  const [job] = manifest('indexed-job.yaml');
  assert.equal(job!.kind, 'Job');
  const { spec } = job!;
  assert.equal(spec.completionMode, 'Indexed');
  assert.ok(spec.completions! >= 4 * spec.parallelism!, `${spec.completions} shares for ${spec.parallelism} pods: small shares absorb stragglers`);
  assert.ok(spec.backoffLimitPerIndex! >= 1, 'retries per index');
  assert.equal(spec.template.spec.restartPolicy, 'Never');
  const container = spec.template.spec.containers[0]!;
  const command = container.args.join(' ');
  assert.match(command, /urlsweep run .* --shard "\$\{JOB_COMPLETION_INDEX\}\/\$\{SHARES\}"/, 'the index reaches --shard');
  assert.equal(Number(container.env!.find((e) => e.name === 'SHARES')!.value), spec.completions, 'N is the number of completions');
  assert.match(command, /--db "\/results\/part-\$\{JOB_COMPLETION_INDEX\}\.db"/, 'each share its own database');
  const results = container.volumeMounts.find((m) => m.mountPath === '/results')!;
  const claim = spec.template.spec.volumes.find((v) => v.name === results.name)!.persistentVolumeClaim.claimName;

  const [merge] = manifest('merge-job.yaml');
  const mergeSpec = merge!.spec.template.spec;
  assert.match(mergeSpec.containers[0]!.args.join(' '), /urlsweep merge \/results\/crawl\.db \/results\/part-\*\.db/);
  const mergeMount = mergeSpec.containers[0]!.volumeMounts.find((m) => m.mountPath === '/results')!;
  assert.equal(mergeSpec.volumes.find((v) => v.name === mergeMount.name)!.persistentVolumeClaim.claimName, claim, 'the merge reads the shares’ volume');
});

test('the Slurm array job and its merge, run as Slurm runs them: every task a share, merged into one row per line', () => {
  const temp = tempDir();
  try {
    const list = join(temp.dir, 'urls.txt');
    writeFileSync(list, Array.from({ length: 9 }, (_, i) => `not a url ${i}`).join('\n') + '\n');
    const results = join(temp.dir, 'results');
    const env = { ...process.env, INPUT: list, RESULTS: results, URLSWEEP: `${process.execPath} ${CLI}`, SLURM_ARRAY_TASK_COUNT: '3' };
    for (const task of ['0', '1', '2']) {
      execFileSync('bash', [join(ROOT, 'deploy/slurm/sweep.sbatch')], { env: { ...env, SLURM_ARRAY_TASK_ID: task }, stdio: 'ignore' });
    }
    execFileSync('bash', [join(ROOT, 'deploy/slurm/merge.sbatch')], { env, stdio: 'ignore' });
    assert.deepEqual(readDb(join(results, 'crawl.db')).rows.map((r) => r.line), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // The array's size is the number of shares the script gives --shard.
    const script = readFileSync(join(ROOT, 'deploy/slurm/sweep.sbatch'), 'utf8');
    assert.match(script, /#SBATCH --array=0-31%8/);
    assert.match(script, /--shard "\$\{SLURM_ARRAY_TASK_ID\}\/\$\{SHARES\}"/);
  } finally {
    temp.remove();
  }
});
