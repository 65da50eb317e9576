// The summary printed when a sweep ends (src/progress/summaryText.ts), each of its optional parts, and the
// number formats it and the progress lines are written in (src/progress/format.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summaryText } from '../../src/progress/summaryText.js';
import { count, duration, millis } from '../../src/progress/format.js';
import { bareSummary } from '../support/summaries.js';

const bare = bareSummary;

const tryLines = [
  'Results are in sweep.db. Try:',
  '  urlsweep query sweep.db "SELECT * FROM hosts ORDER BY failures DESC LIMIT 10"',
  '  urlsweep query sweep.db "SELECT * FROM errors LIMIT 20"',
];

const lines = (...l: string[]): string => l.join('\n') + '\n';

test('a finished sweep: counts and shares by outcome, status classes, latency, the hosts section', () => {
  const text = summaryText({
    ...bare,
    total: 1_234_567,
    recorded: 1_234_567,
    byOutcome: { response: 1_200_000, dns_error: 30_000, too_many_redirects: 4567 },
    byStatusClass: { '2xx': 1_100_000, '3xx': 50_000, '4xx': 40_000, '5xx': 10_000 },
    latency: { p50: 42.4, p90: 987.6, p99: 12_345 },
    elapsedMs: 125_000,
    indexMs: 65_000,
    rate: 9876.5,
    peakRssMb: 512.4,
    hosts: {
      hosts: 1500,
      slowest: [
        { host: 'slow.example', urls: 10, avgMs: 2500, maxMs: 9000 },
        { host: 'slower.example', urls: 6, avgMs: 1234, maxMs: 2000 },
      ],
      busiest: [{ host: 'big.example', urls: 100, requests: 123_456 }],
      down: { hosts: 2, urls: 3000, top: [{ host: 'dead.example', notTried: 2999, tried: 1, outcome: 'dns_error', code: 'ENOTFOUND' }] },
      pushedBack: { hosts: 0, answers: 0, top: [] },
    },
    // With the hosts section, this run's own counts are not said again.
    notTried: 2999,
    throttled: 0,
  });
  assert.equal(
    text,
    lines(
      'Recorded 1,234,567 results in 2m05s (9,877 URLs/s, 1m05s of it building the indexes; peak memory 512 MB).',
      '',
      'outcome                     rows  share',
      'response               1,200,000   97.2%',
      'dns_error                 30,000    2.4%',
      'too_many_redirects         4,567    0.4%',
      'total                  1,234,567',
      '',
      'status   2xx 1,100,000   3xx 50,000   4xx 40,000   5xx 10,000',
      'latency  p50 42 ms   p90 988 ms   p99 12.3 s',
      '',
      'hosts    1,500 swept; 2 down (3,000 URLs not tried); 0 pushed back (0 answers of 429/503)',
      '  slowest        slow.example 2.50 s avg, slower.example 1.23 s avg',
      '  most requests  big.example 123,456',
      '  down           dead.example (dns_error, 2,999 not tried)',
      '',
      ...tryLines,
    ),
  );
});

test('the hosts section names the hosts that pushed back', () => {
  const text = summaryText({
    ...bare,
    hosts: {
      hosts: 2,
      slowest: [],
      busiest: [],
      down: { hosts: 0, urls: 0, top: [] },
      pushedBack: {
        hosts: 2,
        answers: 1234,
        top: [
          { host: 'busy.example', urls: 5, answers: 1200, endedThrottled: 1 },
          { host: 'shy.example', urls: 1, answers: 34, endedThrottled: 0 },
        ],
      },
    },
  });
  assert.equal(
    text,
    lines(
      'Recorded 3 results in 2s (2 URLs/s; peak memory 80 MB).',
      '',
      'outcome           rows  share',
      'response             2   66.7%',
      'timeout              1   33.3%',
      'total                3',
      '',
      'hosts    2 swept; 0 down (0 URLs not tried); 2 pushed back (1,234 answers of 429/503)',
      '  pushed back    busy.example (1,200), shy.example (34)',
      '',
      ...tryLines,
    ),
  );
});

test('an interrupted run: what stopped it, workers replaced, and its own hosts counts without the hosts section', () => {
  const text = summaryText({ ...bare, interrupted: 'SIGINT', workerRestarts: 2, notTried: 12, throttled: 3 });
  assert.equal(
    text,
    lines(
      'Recorded 3 results in 2s (2 URLs/s; peak memory 80 MB).',
      'Interrupted (SIGINT): what was done is saved; run the same command again to resume.',
      '2 worker thread(s) died and were replaced; their URLs were sent again.',
      '',
      'outcome           rows  share',
      'response             2   66.7%',
      'timeout              1   33.3%',
      'total                3',
      'hosts    this run: 12 URLs not tried (host down), 3 answers of 429/503',
      '',
      ...tryLines,
    ),
  );
  // Either count alone is enough to say them.
  assert.match(summaryText({ ...bare, throttled: 1 }), /^hosts {4}this run: 0 URLs not tried \(host down\), 1 answers of 429\/503$/m);
  assert.doesNotMatch(summaryText(bare), /^hosts/m);
});

test('a sweep already complete says so instead of what was recorded; an empty one has a table of no rows', () => {
  assert.equal(
    summaryText({ ...bare, alreadyComplete: true, recorded: 0, elapsedMs: 0, rate: 0, byOutcome: { response: 3 } }),
    lines(
      'This sweep is already complete; nothing to do (use --fresh to start over).',
      '',
      'outcome           rows  share',
      'response             3  100.0%',
      'total                3',
      '',
      ...tryLines,
    ),
  );
  assert.equal(
    summaryText({ ...bare, total: 0, recorded: 0, byOutcome: {}, rate: 0 }),
    lines('Recorded 0 results in 2s (0 URLs/s; peak memory 80 MB).', '', 'outcome           rows  share', 'total                0', '', ...tryLines),
  );
});

test('building the indexes is said in the first line only when it took a second or more', () => {
  const first = (indexMs: number | null): string => summaryText({ ...bare, indexMs }).split('\n')[0]!;
  assert.equal(first(null), 'Recorded 3 results in 2s (2 URLs/s; peak memory 80 MB).');
  assert.equal(first(999), 'Recorded 3 results in 2s (2 URLs/s; peak memory 80 MB).');
  assert.equal(first(1000), 'Recorded 3 results in 2s (2 URLs/s, 1s of it building the indexes; peak memory 80 MB).');
});

test('format.ts: counts rounded with thousands separators', () => {
  assert.equal(count(0), '0');
  assert.equal(count(0.4), '0');
  assert.equal(count(999.5), '1,000');
  assert.equal(count(1_234_567), '1,234,567');
  assert.equal(count(100_000_000), '100,000,000');
});

test('format.ts: durations in s, then m and s, then h and m; unknown as ?', () => {
  const cases: Array<[number | null, string]> = [
    [null, '?'],
    [Infinity, '?'],
    [NaN, '?'],
    [0, '0s'],
    [499, '0s'],
    [500, '1s'],
    [59_499, '59s'],
    [59_500, '1m00s'],
    [61_000, '1m01s'],
    [3_599_499, '59m59s'],
    [3_599_500, '1h00m'],
    [7_260_000, '2h01m'],
    [360_000_000, '100h00m'],
  ];
  for (const [ms, text] of cases) assert.equal(duration(ms), text, String(ms));
});

test('format.ts: milliseconds, one decimal under 10 ms, whole up to a second, then seconds', () => {
  const cases: Array<[number | null, string]> = [
    [null, '-'],
    [0, '0.0 ms'],
    [0.5, '0.5 ms'],
    [9.4, '9.4 ms'],
    [10, '10 ms'],
    [999.4, '999 ms'],
    [1000, '1.00 s'],
    [9_990, '9.99 s'],
    [10_000, '10.0 s'],
    [65_432, '65.4 s'],
  ];
  for (const [ms, text] of cases) assert.equal(millis(ms), text, String(ms));
});
