// The frontier: what stands between reading and requesting, so that no host sets the pace of the sweep.
//
// Each host has a lane. A lane may have a quota of URLs out at its worker: enough to keep the host busy
// while the coordinator is away (QUOTA_PER_HOST × its share of --per-host, or what it answers in
// QUOTA_SECONDS when that is more), few enough that one host never fills a worker. A URL whose lane is
// full is parked in the database (`pending`), and reading goes on to find other hosts; the lane takes its
// parked URLs back, in order, as its own answers come in.
//
// The reader waits instead of parking when parking cannot make the sweep go faster: when every worker is
// busy (the URLs it holds keep its share of --concurrency going), and when the lane fills its worker on
// its own (--per-host at least the worker's share of --concurrency) and the last LOOKAHEAD URLs parked
// found nothing else to do: a list of one big host would otherwise be copied into the database whole.
//
// A worker's capacity is the sum over its lanes of min(URLs out, what the host can have running), the
// latter as the worker last reported it (its window; 1 when paced; 0 while paused or down).
//
// Parked URLs are committed state: they are written in the same transactions as the results and the
// checkpoint, and a URL's parking place is deleted in the transaction that records its result, so a
// kill -9 at any moment loses none and records none twice. A URL out at a worker for long (its host
// paused, paced or slow) is parked as well, so the checkpoint never waits long for it.
import type { HostDown, HostReport, Job, ResultRow } from '../messages.js';
import { hostDownRow } from '../result/row.js';
import { parseLine } from '../input/parseLine.js';
import type { CheckpointTracker } from '../store/checkpoint.js';
import type { BatchWriter } from '../store/batchWriter.js';
import type { Parked, ResultStore } from '../store/resultStore.js';
import type { Sent } from './workerPool.js';
import { shardOf } from './route.js';
import { Fifo } from '../util/fifo.js';

/** What the frontier needs of the workers (src/frontier/workerPool.ts): how many URLs each holds, and a way to send more. */
export interface Workers {
  /** URLs out at worker `shard`. */
  outstanding(shard: number): number;
  /** The URLs out at worker `shard`, oldest first. */
  sentTo(shard: number): Iterable<Sent>;
  isOut(line: number): boolean;
  send(shard: number, job: Job, parked: boolean): void;
  /** Sends what is queued for the workers now. */
  flush(): void;
}

export interface FrontierConfig {
  threads: number;
  /** --spread-hosts: a host's URLs go to every worker, each holding its share of its limits. */
  spread: boolean;
  /** Requests in flight per worker. */
  concurrency: number;
  /** URLs out per worker, at most. */
  window: number;
  /** A host's requests in flight in one worker (its share of --per-host). */
  perHost: number;
  /** --host-rate is set: a host keeps about one request busy until its worker says otherwise. */
  paced: boolean;
}

/** A lane's quota: this many times its share of --per-host, or what it answers in QUOTA_SECONDS, at most half a window. */
const QUOTA_PER_HOST = 2;
const QUOTA_SECONDS = 0.25;
/** A lane's answer rate is measured over stretches of at least this long. */
const RATE_EVERY_MS = 250;
/** URLs out at a worker longer than this are parked too, so the checkpoint need not wait for them. */
const PARK_AFTER_MS = 10_000;
/** Hosts with parked URLs, at most; past this the reader waits (each costs a little memory). */
const MAX_PARKED_HOSTS = 10_000;
/** Hosts known to be down (their URLs are answered at once), at most; the oldest are forgotten first. */
const DOWN_HOSTS_KEPT = 100_000;
/** Idle hosts whose worker reported a standing other than the default are remembered, up to this many. */
const IDLE_LANES_KEPT = 10_000;
/** URLs parked for lanes that fill their worker alone, without meeting another host, before the reader waits for them. */
const LOOKAHEAD = 100_000;
/** Parked URLs of a down host recorded per turn of the event loop. */
const DRAIN_SLICE = 4096;

interface Lane {
  readonly host: string;
  /** Its worker; -1 with --spread-hosts (each URL goes to the worker where the host has most room). */
  readonly shard: number;
  /** URLs out, per worker (one entry unless spread), and in all. */
  readonly out: number[];
  outTotal: number;
  /** Requests it can have running, as its worker last said. */
  parallel: number;
  /** Parked URLs: how many in all, those read back and not yet sent, whether more wait in the database after `cursor`. */
  parked: number;
  cache: Fifo<Job>;
  onDisk: boolean;
  cursor: number;
  down: HostDown | null;
  /** URLs it may have out per worker; answers counted since `since`, for its rate. */
  quota: number;
  answered: number;
  since: number;
}

export interface FrontierStats {
  /** Hosts with URLs out at a worker. */
  activeHosts: number;
  /** URLs parked, waiting for their host. */
  parked: number;
  /** Hosts found down in this run. */
  downHosts: number;
}

export class Frontier {
  private readonly lanes = new Map<string, Lane>();
  private readonly idleLanes = new Set<Lane>();
  private readonly down = new Map<string, HostDown>();
  private readonly capacity: number[];
  /**
   * Lanes with parked URLs whose worker had no room in its window: tried again when it has. Every lane
   * with parked URLs has URLs out (its answers pump it), is here, or is down (drained): else it stalls.
   */
  private readonly waitingForRoom = new Set<Lane>();
  private readonly minQuota: number;
  private nextSeq: number;
  private parkedTotal = 0;
  private parkedHosts = 0;
  private activeHosts = 0;
  private downCount = 0;
  private wakeReader: (() => void) | null = null;
  private sentParked = false;
  /** URLs parked since the reader last met a host that does not fill its worker alone. */
  private lookahead = 0;
  private sentAll: (() => void) | null = null;
  private stopped = false;
  private readonly parkTimer: NodeJS.Timeout;

  constructor(
    private readonly config: FrontierConfig,
    private readonly pool: Workers,
    private readonly store: ResultStore,
    private readonly writer: BatchWriter,
    private readonly checkpoint: CheckpointTracker,
    /** Records a result: counted, written, its line complete. */
    private readonly record: (row: ResultRow) => void,
  ) {
    this.capacity = Array<number>(config.threads).fill(0);
    this.minQuota = Math.max(4, QUOTA_PER_HOST * config.perHost);
    this.nextSeq = store.nextParkingSeq();
    this.parkTimer = setInterval(() => this.parkLongWaits(), 1000);
  }

  get stats(): FrontierStats {
    return { activeHosts: this.activeHosts, parked: this.parkedTotal, downHosts: this.downCount };
  }

  /**
   * A URL from the reader: sent to its worker, answered at once (its host is down), or parked. Returns a
   * promise when the reader should wait (the worker is busy anyway); offer the same URL again after it.
   */
  offer(job: Job): Promise<void> | null {
    const down = this.down.get(job.host) ?? this.lanes.get(job.host)?.down;
    if (down) {
      this.record(hostDownRow(job, down));
      return null;
    }
    const lane = this.lane(job.host);
    const alone = this.fillsWorker(lane);
    if (!alone) this.lookahead = 0;
    if (lane.parked === 0) {
      const shard = this.room(lane);
      if (shard >= 0) {
        this.send(lane, shard, job, false);
        return null;
      }
    }
    if (this.allBusy() || (alone && this.lookahead >= LOOKAHEAD) || (lane.parked === 0 && this.parkedHosts >= MAX_PARKED_HOSTS)) {
      return this.readerWaits();
    }
    if (alone) this.lookahead++;
    this.park(lane, job);
    // Parked for want of room in its worker's window, with no answer of its own to come and pump it:
    // the worker's next results do.
    if (lane.outTotal === 0) this.waitingForRoom.add(lane);
    return null;
  }

  /**
   * A host's URLs parked by an earlier run (a resumed sweep, or --redo): `urls` of them, from place
   * `first` on. Returns a promise when the reader should wait first, as offer does.
   */
  adopt(host: string, urls: number, first: number): Promise<void> | null {
    const lane = this.lane(host);
    if (this.allBusy() || (lane.parked === 0 && this.parkedHosts >= MAX_PARKED_HOSTS)) return this.readerWaits();
    if (!lane.onDisk) lane.cursor = first - 1;
    lane.onDisk = true;
    this.addParked(lane, urls);
    this.pump(lane);
    this.flushUnparked();
    return null;
  }

  /** Resolves once every parked URL has been sent (or answered): the workers may then be told to end. */
  allSent(): Promise<void> {
    if (this.parkedTotal === 0) return Promise.resolve();
    return new Promise((resolve) => (this.sentAll = resolve));
  }

  /** Results from worker `shard`: recorded, and their hosts' lanes take parked URLs back. */
  results(shard: number, rows: ResultRow[], sent: Sent[]): void {
    const touched = new Set<Lane>();
    const slot = this.config.spread ? shard : 0;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const { job, parked } = sent[i]!;
      if (parked) this.writer.unpark(row.line);
      this.record(row);
      const lane = this.lanes.get(job.host);
      if (!lane) continue;
      if (lane.out[slot]! <= lane.parallel) this.capacity[shard]!--;
      lane.out[slot]!--;
      if (--lane.outTotal === 0) this.activeHosts--;
      lane.answered++;
      touched.add(lane);
    }
    const now = performance.now();
    for (const lane of touched) {
      this.measure(lane, now);
      this.pump(lane);
      this.settle(lane);
    }
    if (this.waitingForRoom.size > 0 && this.pool.outstanding(shard) < this.config.window) {
      const waiting = [...this.waitingForRoom];
      this.waitingForRoom.clear();
      for (const lane of waiting) this.pump(lane);
    }
    this.flushUnparked();
    this.wake();
  }

  /** Hosts whose standing changed in worker `shard`. */
  hosts(shard: number, reports: HostReport[]): void {
    for (const r of reports) {
      if (r.down) this.markDown(r.host, r.down);
      const lane = this.lanes.get(r.host);
      if (!lane) continue;
      this.setParallel(lane, shard, r.parallel);
      if (lane.down) this.pump(lane);
    }
    this.flushUnparked();
    this.wake();
  }

  /** A worker failed for good: whoever waits stops waiting (the sweep ends with the failure). */
  failed(): void {
    this.wake();
    this.sentAll?.();
  }

  /**
   * The sweep is stopping: nothing more goes to the workers (parked URLs stay parked, for the resume),
   * and a waiting reader goes on, to find that out.
   */
  stop(): void {
    this.stopped = true;
    clearInterval(this.parkTimer);
    this.wake();
  }

  close(): void {
    clearInterval(this.parkTimer);
  }

  private lane(host: string): Lane {
    let lane = this.lanes.get(host);
    if (!lane) {
      const spread = this.config.spread;
      lane = {
        host,
        shard: spread ? -1 : shardOf(host, this.config.threads),
        out: Array<number>(spread ? this.config.threads : 1).fill(0),
        outTotal: 0,
        parallel: this.config.paced ? 1 : this.config.perHost,
        parked: 0,
        cache: new Fifo<Job>(),
        onDisk: false,
        cursor: 0,
        down: null,
        quota: this.minQuota,
        answered: 0,
        since: performance.now(),
      };
      this.lanes.set(host, lane);
    }
    this.idleLanes.delete(lane);
    return lane;
  }

  /** A worker where the lane may have one more URL out now, or -1. */
  private room(lane: Lane): number {
    if (lane.shard >= 0) {
      return lane.out[0]! < lane.quota && this.pool.outstanding(lane.shard) < this.config.window ? lane.shard : -1;
    }
    let best = -1;
    for (let s = 0; s < this.config.threads; s++) {
      if (lane.out[s]! >= lane.quota || this.pool.outstanding(s) >= this.config.window) continue;
      if (best < 0 || lane.out[s]! < lane.out[best]!) best = s;
    }
    return best;
  }

  /** A worker where the lane has quota left has a full window. */
  private windowFull(lane: Lane): boolean {
    if (lane.shard >= 0) return this.pool.outstanding(lane.shard) >= this.config.window;
    for (let s = 0; s < this.config.threads; s++) {
      if (lane.out[s]! < lane.quota && this.pool.outstanding(s) >= this.config.window) return true;
    }
    return false;
  }

  /** Every worker has enough to do already: parking would not make the sweep go faster. */
  private allBusy(): boolean {
    for (let s = 0; s < this.config.threads; s++) if (!this.workerBusy(s)) return false;
    return true;
  }

  /** The host can use its worker's whole share of --concurrency by itself. */
  private fillsWorker(lane: Lane): boolean {
    return lane.parallel >= this.config.concurrency;
  }

  private workerBusy(shard: number): boolean {
    return this.capacity[shard]! >= this.config.concurrency || this.pool.outstanding(shard) >= this.config.window;
  }

  /** Parked URLs sent while handling a worker's message leave now; the reader's leave when it pauses. */
  private flushUnparked(): void {
    if (!this.sentParked) return;
    this.sentParked = false;
    this.pool.flush();
  }

  private send(lane: Lane, shard: number, job: Job, parked: boolean): void {
    if (parked) this.sentParked = true;
    const slot = lane.shard >= 0 ? 0 : shard;
    if (lane.out[slot]! < lane.parallel) this.capacity[shard]!++;
    lane.out[slot]!++;
    if (lane.outTotal++ === 0) this.activeHosts++;
    this.pool.send(shard, job, parked);
  }

  private setParallel(lane: Lane, shard: number, parallel: number): void {
    // Spread, one figure stands for the host in every worker: the latest any of them reported.
    void shard;
    const shards = lane.shard >= 0 ? [lane.shard] : [...lane.out.keys()];
    for (const s of shards) {
      const out = lane.out[lane.shard >= 0 ? 0 : s]!;
      this.capacity[s]! += Math.min(out, parallel) - Math.min(out, lane.parallel);
    }
    lane.parallel = parallel;
  }

  /** A fast host gets a quota for what it answers in QUOTA_SECONDS: its worker then never runs dry while the coordinator writes. */
  private measure(lane: Lane, now: number): void {
    const elapsed = now - lane.since;
    if (elapsed < RATE_EVERY_MS) return;
    const perSecond = (lane.answered * 1000) / elapsed;
    lane.quota = Math.min(this.config.window / 2, Math.max(this.minQuota, Math.ceil(perSecond * QUOTA_SECONDS)));
    lane.answered = 0;
    lane.since = now;
  }

  /** Parks a URL: written with the next transaction, and complete as far as the checkpoint goes. */
  private park(lane: Lane, job: Job): void {
    const seq = this.nextSeq++;
    this.writer.park(seq, job);
    this.checkpoint.complete(job.line);
    if (!lane.onDisk) {
      lane.onDisk = true;
      lane.cursor = seq - 1;
    }
    this.addParked(lane, 1);
  }

  private addParked(lane: Lane, n: number): void {
    if (lane.parked === 0 && n > 0) this.parkedHosts++;
    lane.parked += n;
    this.parkedTotal += n;
    if (lane.parked === 0 && n < 0) this.parkedHosts--;
    if (this.parkedTotal === 0) {
      this.sentAll?.();
      this.sentAll = null;
    }
  }

  /** Sends the lane's parked URLs while it has room; a down host's are answered instead. */
  private pump(lane: Lane): void {
    if (this.stopped) return;
    if (lane.down) return this.drainDown(lane);
    while (lane.parked > 0) {
      const shard = this.room(lane);
      if (shard < 0) {
        // Its quota is full (its own answers pump it again), or a worker's window is (the next results do).
        if (this.windowFull(lane)) this.waitingForRoom.add(lane);
        return;
      }
      const job = this.unparkNext(lane);
      if (!job) return;
      this.send(lane, shard, job, true);
    }
  }

  /** A down host's parked URLs, answered a slice at a time so that the event loop keeps turning. */
  private drainDown(lane: Lane): void {
    for (let n = 0; n < DRAIN_SLICE && lane.parked > 0; n++) {
      const job = this.unparkNext(lane);
      if (!job) return;
      this.writer.unpark(job.line);
      this.record(hostDownRow(job, lane.down!));
    }
    if (lane.parked > 0) setImmediate(() => this.pump(lane));
    else this.settle(lane);
  }

  /** The lane's next parked URL, read back from the database a chunk at a time. */
  private unparkNext(lane: Lane): Job | null {
    while (lane.cache.length === 0) {
      if (!lane.onDisk) {
        // Nothing left: the count was ahead of the database (never, unless a row went missing).
        this.addParked(lane, -lane.parked);
        return null;
      }
      this.readBack(lane);
    }
    this.addParked(lane, -1);
    return lane.cache.shift()!;
  }

  private readBack(lane: Lane): void {
    // Rows parked in this batch are not in the database yet; write them first.
    if (this.writer.holdsParked(lane.host)) this.writer.flush();
    const chunk = Math.max(lane.quota, 64);
    const rows: Parked[] = this.store.parked(lane.host, lane.cursor, chunk);
    if (rows.length < chunk) lane.onDisk = false;
    for (const row of rows) {
      lane.cursor = row.seq;
      // A copy parked while its URL was out (PARK_AFTER_MS), whose URL is still out or just answered.
      if (this.pool.isOut(row.line) || this.writer.unparking(row.line)) continue;
      const parsed = parseLine(row.url);
      if (parsed.kind !== 'url') continue;
      lane.cache.push({ line: row.line, text: row.url, target: parsed.target, host: row.host, bare: parsed.bare, source: row.source });
    }
  }

  private markDown(host: string, down: HostDown): void {
    if (!this.down.has(host)) this.downCount++;
    this.down.delete(host);
    this.down.set(host, down);
    if (this.down.size > DOWN_HOSTS_KEPT) this.down.delete(this.down.keys().next().value!);
    const lane = this.lanes.get(host);
    if (lane) lane.down = down;
  }

  /** A lane with nothing out or parked is dropped, or kept a while when its host's standing is not the default. */
  private settle(lane: Lane): void {
    if (lane.outTotal > 0 || lane.parked > 0) return;
    this.waitingForRoom.delete(lane);
    const start = this.config.paced ? 1 : this.config.perHost;
    if (lane.parallel === start && !lane.down) {
      this.lanes.delete(lane.host);
      return;
    }
    this.idleLanes.add(lane);
    if (this.idleLanes.size <= IDLE_LANES_KEPT) return;
    const oldest = this.idleLanes.values().next().value!;
    this.idleLanes.delete(oldest);
    this.lanes.delete(oldest.host);
  }

  private readerWaits(): Promise<void> {
    return new Promise((resolve) => (this.wakeReader = resolve));
  }

  private wake(): void {
    const wake = this.wakeReader;
    this.wakeReader = null;
    wake?.();
  }

  /** URLs out at a worker for long are parked too: complete for the checkpoint, taken back by a resume. */
  private parkLongWaits(): void {
    const before = performance.now() - PARK_AFTER_MS;
    for (let shard = 0; shard < this.config.threads; shard++) {
      for (const sent of this.pool.sentTo(shard)) {
        if (sent.at > before) break;
        if (sent.parked) continue;
        sent.parked = true;
        this.writer.park(this.nextSeq++, sent.job);
        this.checkpoint.complete(sent.job.line);
      }
    }
  }
}
