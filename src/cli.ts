#!/usr/bin/env node
// The command line: parses argv into the library's options and calls the library. Nothing else.
import { readFileSync } from 'node:fs';
import yargs, { type ArgumentsCamelCase, type Argv } from 'yargs';

import { hideBin } from 'yargs/helpers';
import { parseDuration } from './options/duration.js';
import { parseRate } from './options/rate.js';
import { parseSize } from './options/size.js';
import { parseShard } from './options/shard.js';
import { GRACE_MS, runSweep, type SweepListener } from './sweep/sweep.js';
import { UrlsweepError, UsageError } from './result/errors.js';
import { Interrupt } from './sweep/interrupt.js';
import { defaultOptions, type SweepOptions } from './options/sweepOptions.js';
import { NO_PROXY_AT_ALL } from './options/proxySettings.js';
import { SIM_TIMEOUTS, sweepSim } from './sim/sweepSim.js';
import { checkResolver, parseHeader, readCa, redoList, resolveTimeouts } from './options/optionChecks.js';
import { createReporter, type ProgressMode } from './progress/reporters.js';
import { summaryText } from './progress/summaryText.js';
import { VERSION } from './version.js';
import { runQuery } from './query/runQuery.js';
import { writeStoredBody } from './query/storedBody.js';
import { mergeShards } from './merge/mergeShards.js';
import type { Format } from './query/formats.js';
import { readReport } from './report/reportData.js';
import { reportText } from './report/reportText.js';
import { writeReportHtml } from './report/reportHtml.js';
import { DEMO_QUERIES, runDemo } from './demo/demo.js';
import { INPUT_FORMATS, type InputFormat } from './input/records.js';
import type { SweepSummary } from './sweep/summary.js';

const defaults = defaultOptions();
/** The parsed arguments of a command, typed from its builder (yargs infers them from the options). */
type ArgsOf<B> = B extends (y: Argv) => Argv<infer T> ? ArgumentsCamelCase<T> : never;
/** yargs drops a lone `-` from positionals, so stdin travels through parsing as this token. */
const STDIN_TOKEN = '<stdin>';

function seconds(ms: number): string {
  return `${ms / 1000}s`;
}

/** A scalar option given twice takes its last value, as in most tools (yargs would make an array). */
function last<T>(): (value: T | T[]) => T;
function last<T, R>(convert: (value: T) => R): (value: T | T[]) => R;
function last<T, R>(convert?: (value: T) => R) {
  return (value: T | T[]): T | R => {
    const v = Array.isArray(value) ? value[value.length - 1]! : value;
    return convert ? convert(v) : v;
  };
}

function positive(name: string) {
  return last((n: number): number => {
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a whole number of at least 1`);
    return n;
  });
}

function atLeastZero(name: string) {
  return last((n: number): number => {
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a whole number of at least 0`);
    return n;
  });
}

function timeouts(argv: ArgsOf<typeof runArgs>): ReturnType<typeof resolveTimeouts> {
  const given = { timeoutMs: argv.timeout, connectTimeoutMs: argv.connectTimeout, headersTimeoutMs: argv.headersTimeout, bodyTimeoutMs: argv.bodyTimeout };
  return resolveTimeouts(given, argv.sim ? SIM_TIMEOUTS : defaults);
}

async function run(argv: ArgsOf<typeof runArgs>): Promise<number> {
  const options: SweepOptions = {
    ...defaults,
    inputs: argv.input.map((i) => (i === STDIN_TOKEN ? '-' : i)),
    inputFormat: argv.inputFormat ?? null,
    column: argv.column ?? null,
    db: argv.db,
    fresh: argv.fresh,
    shard: argv.shard ?? null,
    threads: argv.threads,
    concurrency: argv.concurrency,
    perHost: argv.perHost,
    spreadHosts: argv.spreadHosts,
    hostRate: argv.hostRate ?? null,
    rate: argv.rate ?? null,
    hostErrors: argv.hostErrors,
    redo: argv.redo ?? [],
    method: argv.method,
    ...timeouts(argv),
    retries: argv.retries,
    maxRedirects: argv.maxRedirects,
    maxBody: argv.maxBody,
    storeBodies: argv.storeBodies,
    warcSize: argv.warcSize,
    insecure: argv.insecure,
    blockPrivate: argv.blockPrivate,
    proxy: argv.proxy ?? null,
    noProxy: argv.noproxy ?? null,
    caPem: argv.ca ? readCa(argv.ca) : null,
    headers: Object.fromEntries(argv.header.map(parseHeader)),
    userAgent: argv.userAgent,
    resolvers: argv.resolver,
  };
  if (options.inputs.filter((i) => i === '-').length > 1) throw new UsageError('stdin (-) can be read only once');
  const sweep = argv.sim ? sweepSim : runSweep;
  return sweepInTerminal(argv.progress, true, (listener, interrupt) => sweep(options, listener, interrupt));
}

/** A sweep with progress on stderr, signal handling and the summary: what `run` and `demo` share. */
async function sweepInTerminal(
  progress: ProgressMode,
  resumable: boolean,
  sweep: (listener: SweepListener, interrupt: Interrupt) => Promise<SweepSummary>,
): Promise<number> {
  const reporter = createReporter(progress);
  const interrupt = new Interrupt();
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(
      interrupt.stopping
        ? `\n${signal}: stopping now; what is done is being saved.\n`
        : `\n${signal}: finishing the requests in flight (up to ${GRACE_MS / 1000}s); again to stop at once.\n`,
    );
    // A third signal means the user has given up waiting: leave now (committed results are safe).
    if (interrupt.aborting) process.exit(signal === 'SIGTERM' ? 143 : 130);
    interrupt.request(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const summary = await sweep(reporter, interrupt);
    reporter.stop(summary);
    if (progress !== 'json') process.stdout.write(summaryText(summary));
    if (!summary.interrupted) return 0;
    if (resumable) process.stderr.write(`To resume: ${resumeCommand()}\n`);
    return summary.interrupted === 'SIGTERM' ? 143 : 130;
  } catch (err) {
    reporter.stop(null);
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The command as the user typed it, minus --fresh (which would throw away what was just saved). */
function resumeCommand(): string {
  const args = hideBin(process.argv).filter((a) => a !== '--fresh');
  return ['urlsweep', ...args].map((a) => (/^[\w./:=@%+,-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

async function query(argv: ArgsOf<typeof queryArgs>): Promise<void> {
  const sql = await querySql(argv);
  // `| head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const width = process.stdout.isTTY ? process.stdout.columns : 160;
  await runQuery({ db: argv.db, sql, format: argv.format, width });
}

async function querySql(argv: ArgsOf<typeof queryArgs>): Promise<string> {
  if (argv.sql && argv.file) throw new UsageError('give the SQL as an argument or with --file, not both');
  if (argv.sql) return argv.sql;
  if (argv.file) {
    try {
      return readFileSync(argv.file, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read --file ${argv.file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
  }
  if (process.stdin.isTTY) throw new UsageError('no SQL: give it as an argument, with --file, or on stdin');
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  if (!text.trim()) throw new UsageError('no SQL on stdin');
  return text;
}

function report(argv: ArgsOf<typeof reportArgs>): void {
  const data = readReport(argv.db);
  process.stdout.write(reportText(data));
  const file = argv.html;
  if (!file) return;
  writeReportHtml(data, file);
  process.stdout.write(`Charts: ${file} (one self-contained page; it opens offline)\n`);
}

async function demo(argv: ArgsOf<typeof demoArgs>): Promise<number> {
  const { db } = argv;
  const code = await sweepInTerminal(argv.progress, false, (listener, interrupt) =>
    runDemo({ db, urls: argv.urls, hosts: argv.hosts, concurrency: argv.concurrency }, listener, interrupt),
  );
  if (code !== 0) return code;
  const width = process.stdout.isTTY ? process.stdout.columns : 120;
  process.stdout.write(`\nThree questions answered from ${db} (any SQLite client works too):\n`);
  for (const [title, sql] of DEMO_QUERIES) {
    process.stdout.write(`\n# ${title}\n$ urlsweep query ${db} "${sql}"\n`);
    await runQuery({ db, sql, format: 'table', width });
  }
  process.stdout.write(`\nCharts: urlsweep report ${db} --html demo.html\n`);
  return 0;
}

const runArgs = (y: Argv) =>
  y
    .positional('input', { type: 'string', array: true, demandOption: true, describe: 'Files with one URL or host name per line, or CSV, TSV and JSON-lines lists (see --input-format)' })
    .option('db', { type: 'string', default: defaults.db, coerce: last<string>(), describe: 'Database file for the results' })
    .option('input-format', { choices: INPUT_FORMATS, coerce: last<InputFormat>(), describe: 'text: one URL or host name a line; csv, tsv: a header row, then records; jsonl: one JSON object a line (default: by extension, .csv .tsv .jsonl .ndjson, .gz looked through; else text)' })
    .option('column', { type: 'string', coerce: last<string>(), describe: "The URL's column in a CSV or TSV list (its name, or its number from 1) or field in a JSON-lines list (default: url); the other fields land in results.source as JSON" })
    .option('fresh', { type: 'boolean', default: false, describe: "Discard the database's earlier sweep and start over" })
    .option('shard', { type: 'string', coerce: last(parseShard), describe: 'Sweep only share I of N (from 0), every machine reading the same input: a host belongs to one share, so its limits hold on one machine; each share needs its own --db' })
    .option('method', { choices: ['HEAD', 'GET'] as const, default: defaults.method, coerce: last((m: string) => m.toUpperCase() as SweepOptions['method']), describe: 'HEAD falls back to GET on 405 and 501; GET reads (and counts) the body' })
    .option('concurrency', { alias: 'c', type: 'number', default: defaults.concurrency, coerce: positive('concurrency'), describe: 'Requests in flight, across all threads' })
    .option('threads', { type: 'number', default: defaults.threads, coerce: positive('threads'), describe: 'Worker threads (default: one per core)' })
    .option('per-host', { type: 'number', default: defaults.perHost, coerce: positive('per-host'), describe: 'Requests in flight per host' })
    .option('spread-hosts', { type: 'boolean', default: false, describe: "Every thread takes every host's URLs, --per-host split between them: faster for lists of a few big hosts, more connections for many small ones" })
    .option('host-rate', { type: 'string', coerce: last(parseRate), describe: 'Requests per second per host, e.g. 5/s or 30/m (default: none, but a host that answers 429 or 503 is slowed down)' })
    .option('rate', { type: 'string', coerce: last(parseRate), describe: 'Requests per second of the whole sweep, e.g. 200/s (default: none)' })
    .option('host-errors', { type: 'number', default: defaults.hostErrors, coerce: atLeastZero('host-errors'), describe: "Failures in a row with no answer (connection failures, timeouts) after which a host is down and its other URLs are recorded untried (URLSWEEP_HOST_DOWN); 0: never. Up to --per-host costs one round of connect timeouts" })
    .option('redo', { type: 'string', array: true, coerce: redoList, describe: 'Sweep again the rows of a finished sweep with these outcomes, error codes or statuses, e.g. timeout,URLSWEEP_HOST_DOWN,503 (earlier rows kept in results_history)' })
    .option('timeout', { type: 'string', defaultDescription: seconds(defaults.timeoutMs), coerce: last(parseDuration), describe: 'Total time per URL, redirects and retries included' })
    .option('connect-timeout', { type: 'string', defaultDescription: seconds(defaults.connectTimeoutMs), coerce: last(parseDuration), describe: 'Time to connect (TCP and TLS)' })
    .option('headers-timeout', { type: 'string', defaultDescription: seconds(defaults.headersTimeoutMs), coerce: last(parseDuration), describe: 'Time from request sent to response headers' })
    .option('body-timeout', { type: 'string', defaultDescription: seconds(defaults.bodyTimeoutMs), coerce: last(parseDuration), describe: 'Longest pause while reading the body' })
    .option('retries', { type: 'number', default: defaults.retries, coerce: atLeastZero('retries'), describe: 'Retries of transient failures (timeouts, resets, 429, 502, 503, 504)' })
    .option('max-redirects', { type: 'number', default: defaults.maxRedirects, coerce: atLeastZero('max-redirects'), describe: 'Redirects followed before giving up' })
    .option('max-body', { type: 'string', default: '10MiB', coerce: last(parseSize), describe: 'With GET: a body past this size (on the wire or decoded) is cut there and marked truncated, e.g. 1MiB' })
    .option('store-bodies', { type: 'boolean', default: false, describe: 'With GET: keep every response, headers and body as received, in WARC files beside the database (crawl.db → crawl.warc/crawl-00000.warc.gz); each row names its record (warc_file, warc_offset, warc_length)' })
    .option('warc-size', { type: 'string', default: '1GiB', coerce: last(parseSize), describe: 'A WARC file is closed, and the next begun, at this size' })
    .option('insecure', { type: 'boolean', default: false, describe: 'Accept any TLS certificate' })
    .option('block-private', {
      type: 'boolean',
      default: false,
      describe: 'Refuse addresses that are not public: loopback, private, link-local (cloud metadata), CGNAT, unique-local, multicast, unspecified; checked on the address connected to, after resolution and on every redirect (outcome blocked). For lists from untrusted sources',
    })
    .option('proxy', {
      type: 'string',
      coerce: last<string>(),
      describe: `Send every request through this HTTP proxy's CONNECT tunnel: http://[user:password@]host:port or https://…; "${NO_PROXY_AT_ALL}" ignores the environment's (default: https_proxy, http_proxy, all_proxy)`,
    })
    .option('noproxy', { type: 'string', coerce: last<string>(), describe: 'Hosts reached without the proxy, comma-separated: names (and their subdomains), .suffixes, IPs, CIDR ranges, * for all (default: no_proxy)' })
    .option('ca', { type: 'string', coerce: last<string>(), describe: 'PEM file of extra CA certificates to trust' })
    .option('header', { alias: 'H', type: 'string', array: true, default: [] as string[], describe: 'Extra request header "Name: value" (repeatable)' })
    .option('user-agent', { type: 'string', default: defaults.userAgent, coerce: last<string>(), describe: 'User-Agent header' })
    .option('resolver', { type: 'string', array: true, default: [] as string[], coerce: (list: string[]) => list.map(checkResolver), describe: 'DNS server IP[:PORT] (repeatable; default: the system’s servers)' })
    .option('progress', { choices: ['auto', 'bar', 'log', 'json', 'none'] as const, default: 'auto' as const, coerce: last<ProgressMode>(), describe: 'Progress on stderr: a bar on a terminal, a line every 10 s otherwise, or NDJSON' })
    .option('sim', { type: 'boolean', default: false, describe: 'Sweep the built-in simulated internet on loopback (offline showcase; timeouts default to 6s total, 2s each stage)' })
    .example('$0 run urls.txt', 'HEAD every URL in urls.txt into urlsweep.db')
    .example('$0 run part1.txt part2.txt.gz --db crawl.db -c 2000', 'Two inputs, 2000 requests in flight')
    .example('$0 run companies.csv --column website', "A spreadsheet export: its other columns in results.source (SELECT source->>'name', status FROM results)")
    .example('zcat dump.gz | $0 run - --method GET --timeout 20s', 'Read stdin, GET bodies: their titles, hashes and headers in results')
    .example('$0 run links.txt --method GET --store-bodies --db archive.db', 'Keep the pages too, in archive.warc/ (WARC 1.1, read by pywb, ReplayWeb.page, warcio)')
    .example('$0 run urls.txt --db crawl.db', 'Run again after a stop: resumes where it left off')
    .example('$0 run urls.txt --host-rate 2/s --rate 500/s', 'Politely: at most 2 requests a second to any host, 500 in all')
    .example('$0 run urls.txt --proxy http://proxy.corp:3128 --noproxy .corp.example', 'Through a proxy, but not for the intranet')
    .example('$0 run urls.txt --db crawl.db --redo timeout,URLSWEEP_HOST_DOWN', 'A second pass over what timed out or was not tried')
    .example('$0 run urls.txt --shard 2/8 --db part-2.db', 'On the third of eight machines: its share of the hosts')
    .epilogue(
      'Durations: 500ms, 10s, 2m; a bare number means seconds. A plain file resumes at the byte offset of its\n' +
        'checkpoint; gzip input and stdin are re-read and skipped up to it.\n' +
        'Ctrl-C (or SIGTERM) stops reading, lets requests in flight finish for up to 5s and saves; a second\n' +
        'one stops at once. Either way, running the same command again resumes.\n' +
        'No host sets the pace: URLs of a host that cannot take more now (its --per-host, its rate, a pause it\n' +
        'asked for) are parked in the database and reading goes on; a host that answers 429 or 503 is slowed\n' +
        'down and Retry-After pauses it; a host that fails --host-errors times in a row with no answer (cannot connect, or never answers) is down.\n' +
        'Exit codes: 0 done, 1 failed (database, input), 2 bad usage, 130 interrupted (SIGINT), 143 (SIGTERM).',
    );

const queryArgs = (y: Argv) =>
  y
    .positional('db', { type: 'string', demandOption: true, describe: 'The database of a sweep' })
    .positional('sql', { type: 'string', describe: 'One SQL statement' })
    .option('file', { alias: 'f', type: 'string', coerce: last<string>(), describe: 'Read the SQL from this file' })
    .option('format', { choices: ['table', 'csv', 'json', 'ndjson'] as const, default: 'table' as const, coerce: last<Format>(), describe: 'table: aligned to the terminal; csv: RFC 4180; json: an array; ndjson: one object per line, streamed' })
    .example(`$0 query urlsweep.db "SELECT * FROM summary"`, 'Outcomes and status classes')
    .example(`$0 query urlsweep.db "SELECT * FROM errors" --format csv > errors.csv`, 'Every failure, as CSV')
    .example(`$0 query big.db "SELECT * FROM results" --format ndjson | gzip > all.ndjson.gz`, 'Export everything, in constant memory')
    .epilogue('Views: summary, errors, hosts, redirects, slowest. Tables: results, redirect_hops, runs.');

const reportArgs = (y: Argv) =>
  y
    .positional('db', { type: 'string', demandOption: true, describe: 'The database of a sweep' })
    .option('html', { type: 'string', coerce: last<string>(), describe: 'Also write a self-contained HTML page with charts to this file' })
    .example('$0 report urlsweep.db', 'The report in the terminal')
    .example('$0 report crawl.db --html crawl.html', 'And a page with charts, to open in any browser')
    .epilogue('Figures are aggregated by SQLite, so the report takes seconds even on 100M rows.');

const bodyArgs = (y: Argv) =>
  y
    .positional('db', { type: 'string', demandOption: true, describe: 'The database of a sweep run with --store-bodies' })
    .positional('line', { type: 'number', demandOption: true, coerce: positive('line'), describe: "The line (a list's record number) whose body to write" })
    .option('raw', { type: 'boolean', default: false, describe: 'As received: gzip, br or deflate left on' })
    .example('$0 body archive.db 42 > page.html', "Line 42's page, decoded")
    .example(`$0 query archive.db "SELECT line FROM results WHERE title LIKE '%404%'" --format csv`, 'Lines to look at, for a script that calls body');

const mergeArgs = (y: Argv) =>
  y
    .positional('out', { type: 'string', demandOption: true, describe: 'The merged database (must not exist)' })
    .positional('shards', { type: 'string', array: true, demandOption: true, describe: "The shares' databases (--shard I/N), in any order" })
    .option('partial', { type: 'boolean', default: false, describe: 'Merge the shares given even if some are missing or unfinished, and record which' })
    .example('$0 merge crawl.db part-*.db', 'Four shares of one sweep into crawl.db, one row per line')
    .epilogue('The shares must have swept the same input, read the same way, out of the same N. The merged database is built as OUT.merging and renamed when whole: a merge stopped halfway can be run again.');

const demoArgs = (y: Argv) =>
  y
    .option('db', { type: 'string', default: 'demo.db', coerce: last<string>(), describe: 'Database for the results (replaced if it exists)' })
    .option('urls', { type: 'number', default: 60_000, coerce: positive('urls'), describe: 'URLs to generate' })
    .option('hosts', { type: 'number', default: 12_000, coerce: positive('hosts'), describe: 'Distinct host names among them' })
    .option('concurrency', { alias: 'c', type: 'number', default: defaults.concurrency, coerce: positive('concurrency'), describe: 'Requests in flight, as for run' })
    .option('progress', { choices: ['auto', 'bar', 'log', 'json', 'none'] as const, default: 'auto' as const, coerce: last<ProgressMode>(), describe: 'Progress on stderr, as for run' })
    .example('$0 demo', 'About a minute; leaves demo.db to explore')
    .example('$0 demo --urls 1000000 --hosts 200000', 'A bigger simulated web (about 15 minutes)');

const cli = yargs(hideBin(process.argv).map((a) => (a === '-' ? STDIN_TOKEN : a)))
  .scriptName('urlsweep')
  .usage('$0 <command> [options]\n\nCheck huge lists of URLs over HTTP, fast; every result lands in an SQLite database.')
  .command(
    'run <input..>',
    'Sweep URL lists (files, - for stdin, .gz read transparently) into an SQLite database',
    runArgs,
    async (argv) => {
      process.exitCode = await run(argv);
    },
  )
  .command(
    'query <db> [sql]',
    'Run SQL on a sweep database, read-only (the SQL from the argument, --file, or stdin)',
    queryArgs,
    async (argv) => {
      await query(argv);
    },
  )
  .command(
    'report <db>',
    'Summarise a sweep: outcomes, status codes, latency, rate over time, failing hosts (--html for charts)',
    reportArgs,
    (argv) => {
      report(argv);
    },
  )
  .command(
    'body <db> <line>',
    "Write one line's stored body (from the WARC files of a --store-bodies sweep) to stdout, decoded",
    bodyArgs,
    async (argv) => {
      await writeStoredBody({ db: argv.db, line: argv.line, raw: argv.raw }, process.stdout);
    },
  )
  .command(
    'merge <out> <shards..>',
    "Merge the databases of a sweep's shares (run --shard I/N) into one that reads like a single run",
    mergeArgs,
    (argv) => {
      const summary = mergeShards({ out: argv.out, shards: argv.shards, partial: argv.partial });
      process.stdout.write(`Merged ${summary.merged.length} shares (${summary.merged.join(', ')}): ${summary.rows.toLocaleString('en-US')} rows into ${argv.out}\n`);
      if (summary.missing.length > 0) process.stdout.write(`Missing shares: ${summary.missing.join(', ')}\n`);
      for (const u of summary.unfinished) {
        process.stdout.write(`Not finished: share ${u.shard} (lines after ${u.checkpointLine.toLocaleString('en-US')} not all swept, ${u.parked.toLocaleString('en-US')} URLs parked): their rows are not in ${argv.out}\n`);
      }
    },
  )
  .command(
    'demo',
    'Sweep a simulated internet on loopback: 60k URLs, no network needed, then query the result',
    demoArgs,
    async (argv) => {
      process.exitCode = await demo(argv);
    },
  )
  .demandCommand(1, 'Name a command: run, query, report, body, merge, demo')
  .strict()
  .help()
  .alias('h', 'help')
  .version(VERSION)
  .wrap(null)
  .fail((msg, err) => {
    // yargs' own complaints, and errors thrown by the coerce functions (which yargs re-wraps as YError),
    // are usage errors; anything else came from running the command.
    if (err && err.name !== 'YError') throw err;
    process.stderr.write(`urlsweep: ${msg ?? err?.message}\nSee 'urlsweep --help' for the commands and their options.\n`);
    process.exit(2);
  });

try {
  await cli.parseAsync();
} catch (err) {
  // Known failures are one line; anything else is a bug, shown with its stack for the report.
  const known = err instanceof UrlsweepError;
  process.stderr.write(`urlsweep: ${known ? err.message : ((err as Error)?.stack ?? String(err))}\n`);
  process.exitCode = known ? err.exitCode : 1;
}
