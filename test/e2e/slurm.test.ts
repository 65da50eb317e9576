// The shipped Slurm files under a real Slurm (a single node from Debian's slurm-wlm and munge, started by
// the test): deploy/slurm/submit.sh submits the array job, each task sweeps its share of a list over the
// simulated internet (`--sim`), the merge job waits for them all; the merged database equals a single
// run of the same list, line by line. Skipped where Slurm is not installed, unless in CI, which installs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CLI, ROOT, urlsweep } from '../support/cli.js';
import { readDb, tempDir, type Row } from '../support/simSweep.js';
import { slurmMissing, startSlurm } from '../support/slurm.js';

const missing = slurmMissing();
const SHARES = 6;

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

test('under a real Slurm: the array job sweeps six shares, the merge after it equals a single run line by line', { skip: !process.env.CI && missing ? missing : false, timeout: 300_000 }, async () => {
  const temp = tempDir();
  const slurm = await startSlurm(join(temp.dir, 'slurm'));
  try {
    const input = join(temp.dir, 'urls.txt');
    const lines = list();
    writeFileSync(input, lines.join('\n') + '\n');
    const single = await urlsweep(['run', input, '--sim', '--db', join(temp.dir, 'single.db'), '--progress', 'none'], { cwd: temp.dir });
    assert.equal(single.code, 0, single.stderr);

    // As a user submits it, with a smaller array than the shipped 64 (sbatch's options over the script's).
    const results = join(temp.dir, 'results');
    const env = { ...slurm.env, URLSWEEP: `${process.execPath} ${CLI}`, URLSWEEP_ARGS: '--sim' };
    const said = execFileSync('bash', [join(ROOT, 'deploy/slurm/submit.sh'), input, results, `--array=0-${SHARES - 1}%2`], { cwd: temp.dir, env, encoding: 'utf8' });
    const [, sweepJob, mergeJob] = /sweep: job (\d+); merge: job (\d+)/.exec(said) ?? assert.fail(`submit.sh said: ${said}`);

    const logs = () => readdirSync(temp.dir).filter((name) => name.endsWith('.log')).map((name) => `${name}:\n${readFileSync(join(temp.dir, name), 'utf8')}`).join('\n');
    const until = Date.now() + 240_000;
    while (!['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT'].includes(slurm.states(mergeJob!)[0]!) && !slurm.states(sweepJob!).some((s) => s === 'FAILED')) {
      assert.ok(Date.now() < until, `jobs unfinished after 240 s: sweep ${slurm.states(sweepJob!).join(' ')}, merge ${slurm.states(mergeJob!).join(' ')}\n${logs()}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const tasks = slurm.states(sweepJob!);
    assert.deepEqual(tasks, Array<string>(SHARES).fill('COMPLETED'), `every task of the array completed\n${logs()}`);
    assert.deepEqual(slurm.states(mergeJob!), ['COMPLETED'], `the merge completed\n${logs()}`);

    // Each task swept its own share into its own database, as Slurm numbered it.
    const merged = readDb(join(results, 'crawl.db'));
    const db = new Database(join(results, 'crawl.db'), { readonly: true });
    try {
      const options = JSON.parse(db.prepare('SELECT options FROM runs').pluck().get() as string) as { merged: Array<{ shard: string; db: string }> };
      assert.deepEqual(options.merged.map((m) => m.shard), Array.from({ length: SHARES }, (_, i) => `${i}/${SHARES}`));
      assert.deepEqual(options.merged.map((m) => m.db), Array.from({ length: SHARES }, (_, i) => join(results, `part-${i}.db`)));
    } finally {
      db.close();
    }
    const whole = readDb(join(temp.dir, 'single.db'));
    assert.equal(merged.rows.length, lines.filter((l) => l !== '' && !l.startsWith('#')).length, 'one row per line that is not blank or a comment');
    assert.deepEqual(merged.rows.map(view), whole.rows.map(view), 'the merged database reads as the single run, line by line');
    for (const r of whole.rows) assert.deepEqual(merged.hops(r.line), whole.hops(r.line), `hops of line ${r.line}`);
    assert.ok(new Set(whole.rows.map((r) => r.outcome)).size >= 3 && whole.rows.some((r) => r.status === 404), 'answers, 404s, failures among them');
  } finally {
    await slurm.stop();
    temp.remove();
  }
});
