// The shipped Slurm files under a real Slurm (a single node from Debian's slurm-wlm and munge, started by
// the test): deploy/slurm/submit.sh submits the array job, each task sweeps its share of a list over the
// simulated internet (`--sim`), the merge job waits for them all; the merged database equals a single
// run of the same list, line by line. A task that fails cancels the merge, and the task resubmitted on
// its own, then the merge, finish the sweep. Skipped where Slurm cannot run, except in CI, which installs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CLI, ROOT, urlsweep } from '../support/cli.js';
import { readDb, tempDir, type Row } from '../support/simSweep.js';
import { slurmMissing, startSlurm, type Slurm } from '../support/slurm.js';

const missing = slurmMissing();
const SHARES = 6;
/** States a job (or an array task) does not leave. */
const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE', 'OUT_OF_MEMORY']);

/** Hosts of four behaviours, five URLs each, with lines that hold no host among them. */
function list(): string[] {
  const lines = ['# a list for six machines', ''];
  for (let h = 0; h < 24; h++) {
    const behaviour = ['fine', 'notfound', 'redirect', 'nxdomain'][h % 4]!;
    for (let u = 0; u < 5; u++) lines.push(`https://${behaviour}-slurm${h}.test/p${u}`);
    if (h % 6 === 0) lines.push(`not a url ${h}`);
  }
  return lines;
}

const view = (r: Row) => ({ line: r.line, url: r.url, outcome: r.outcome, status: r.status, error_code: r.error_code, final_url: r.final_url, redirects: r.redirects });

test('under a real Slurm: the array job sweeps six shares, the merge after it equals a single run line by line', { skip: !process.env.CI && missing ? missing : false, timeout: 420_000 }, async () => {
  // CI installs Slurm and runs as root: there, a cluster that cannot start is a failure, not a skip.
  if (missing) assert.fail(missing);
  const temp = tempDir();
  let slurm: Slurm | undefined;
  try {
    slurm = await startSlurm(join(temp.dir, 'slurm'));
    const cluster = slurm;
    const input = join(temp.dir, 'urls.txt');
    const lines = list();
    writeFileSync(input, lines.join('\n') + '\n');
    const single = await urlsweep(['run', input, '--sim', '--db', join(temp.dir, 'single.db'), '--progress', 'none'], { cwd: temp.dir });
    assert.equal(single.code, 0, single.stderr);
    const whole = readDb(join(temp.dir, 'single.db'));

    const env: NodeJS.ProcessEnv = { ...cluster.env, URLSWEEP: `${process.execPath} ${CLI}`, URLSWEEP_ARGS: '--sim' };
    delete env.SHARES;
    const logs = () => readdirSync(temp.dir).filter((name) => name.endsWith('.log')).map((name) => `${name}:\n${readFileSync(join(temp.dir, name), 'utf8')}`).join('\n');
    const sbatch = (args: string[], extra: NodeJS.ProcessEnv = {}): string =>
      execFileSync('sbatch', ['--parsable', ...args], { cwd: temp.dir, env: { ...env, ...extra }, encoding: 'utf8', timeout: 30_000 }).trim().split(';')[0]!;
    const submit = (results: string, array: string): { sweep: string; merge: string } => {
      const said = execFileSync('bash', [join(ROOT, 'deploy/slurm/submit.sh'), input, results, `--array=${array}`], { cwd: temp.dir, env, encoding: 'utf8', timeout: 30_000 });
      const [, sweep, merge] = /sweep: job (\d+)\nmerge: job (\d+)/.exec(said) ?? assert.fail(`submit.sh said: ${said}`);
      return { sweep: sweep!, merge: merge! };
    };
    /** Waits until every record of the jobs is final (or waits on a dependency that can never be met); their states. */
    const settle = async (...jobs: string[]): Promise<string[][]> => {
      const until = Date.now() + 120_000;
      for (;;) {
        const records = jobs.map((job) => cluster.jobs(job));
        if (records.flat().every((r) => FINAL.has(r.state) || r.reason === 'DependencyNeverSatisfied')) return records.map((rs) => rs.map((r) => r.state));
        assert.ok(Date.now() < until, `jobs ${jobs.join(', ')} unfinished after 120 s: ${JSON.stringify(records)}\n${logs()}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    };
    const checkMerged = (results: string, shares: number) => {
      const merged = readDb(join(results, 'crawl.db'));
      assert.equal(merged.rows.length, lines.filter((l) => l !== '' && !l.startsWith('#')).length, 'one row per line that is not blank or a comment');
      assert.deepEqual(merged.rows.map(view), whole.rows.map(view), 'the merged database reads as the single run, line by line');
      for (const r of whole.rows) assert.deepEqual(merged.hops(r.line), whole.hops(r.line), `hops of line ${r.line}`);
      const db = new Database(join(results, 'crawl.db'), { readonly: true });
      try {
        const options = JSON.parse(db.prepare('SELECT options FROM runs').pluck().get() as string) as { merged: Array<{ shard: string; db: string }> };
        // Each task swept its own share into its own database, as Slurm numbered it.
        assert.deepEqual(options.merged.map((m) => m.shard), Array.from({ length: shares }, (_, i) => `${i}/${shares}`));
        assert.deepEqual(options.merged.map((m) => m.db), Array.from({ length: shares }, (_, i) => join(realpathSync(results), `part-${i}.db`)));
      } finally {
        db.close();
      }
    };
    assert.ok(new Set(whole.rows.map((r) => r.outcome)).size >= 3 && whole.rows.some((r) => r.status === 404), 'answers, 404s, failures among them');

    // As a user submits it, with a smaller array than the shipped 32 (sbatch's options over the script's).
    const results = join(temp.dir, 'results');
    const jobs = submit(results, `0-${SHARES - 1}%2`);
    const [tasks, merge] = await settle(jobs.sweep, jobs.merge);
    assert.deepEqual(tasks, Array<string>(SHARES).fill('COMPLETED'), `every task of the array completed\n${logs()}`);
    assert.deepEqual(merge, ['COMPLETED'], `the merge completed\n${logs()}`);
    checkMerged(results, SHARES);

    // A task that fails (its database is not one) cancels the merge; the others' databases stay.
    const broken = join(temp.dir, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'part-1.db'), 'not a database\n'.repeat(100));
    const failing = submit(broken, '0-2');
    const [failedTasks, cancelled] = await settle(failing.sweep, failing.merge);
    assert.deepEqual(failedTasks, ['COMPLETED', 'FAILED', 'COMPLETED'], logs());
    assert.deepEqual(cancelled, ['CANCELLED'], 'the merge does not wait for ever on a failed share');
    assert.ok(!existsSync(join(broken, 'crawl.db')));
    // Resubmitted on its own, as sweep.sbatch's comment says, then merged: the same rows as the single run.
    rmSync(join(broken, 'part-1.db'));
    const again = sbatch([join(ROOT, 'deploy/slurm/sweep.sbatch')], { SHARES: '3', INPUT: input, RESULTS: broken, SBATCH_ARRAY_INX: '1' });
    const mergeAgain = sbatch([`--dependency=afterok:${again}`, join(ROOT, 'deploy/slurm/merge.sbatch')], { RESULTS: broken });
    const [redone, merged] = await settle(again, mergeAgain);
    assert.deepEqual([redone, merged], [['COMPLETED'], ['COMPLETED']], logs());
    checkMerged(broken, 3);
  } finally {
    await slurm?.stop();
    try {
      temp.remove();
    } catch {
      // A job's last write racing the removal leaves a temporary folder, not a failed test.
    }
  }
});
