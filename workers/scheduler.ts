// Decides which request starts next in one worker thread: at most `concurrency` in flight, and for each
// host what its standing allows (workers/host.ts: window, pace, pause, down). Every request of a URL
// takes a turn on the host it goes to — the first one, a retry, the GET after a HEAD, each redirect hop —
// so a redirect's target is held to the same limits. Hosts with work take turns round-robin, big ones
// first (more URLs here than their window, until they run out: Host.big): a big host's --per-host pace
// is what sets the end of a sweep, so it keeps its window full while small hosts fill the other slots,
// instead of waiting a turn behind every small host and running alone at the end (BENCHMARKS.md
// section 7: 27 s → 16 s, ideal 12.7). Not under --rate: the sweep's pace is then its end whatever the
// order, and big hosts would take every start. A host that must wait (paced, paused) is woken by a timer
// and holds no slot meanwhile, and neither do its URLs.
import type { HostReport, Job, ResultRow } from '../src/messages.js';
import { hostDownRow, internalErrorRow } from '../src/result/row.js';
import { Host, type HostPolicy, type Signal } from './host.js';
import type { SharedPace } from './pace.js';
import { Fifo } from '../src/util/fifo.js';

/** A turn that will not come: the host is down (`down` says why), or the sweep is stopping (`down` null). */
export class TurnRefused extends Error {
  constructor(readonly down: Host['down']) {
    super(down ? down.message : 'the sweep is stopping');
  }
}

/** Hosts with nothing in flight or waiting are kept (with what they learnt) up to this many, least recently used first out. */
const IDLE_HOSTS_KEPT = 4096;

export class Scheduler {
  private readonly hosts = new Map<string, Host>();
  /** Idle hosts, least recently used first (a Set keeps insertion order). */
  private readonly idleHosts = new Set<Host>();
  private readonly ready = new Fifo<Host>();
  /** Big hosts with work here: they take turns before those in `ready`. */
  private readonly first = new Fifo<Host>();
  /** Requests in flight. */
  private active = 0;
  /** URLs taken and not answered yet: running, or waiting to start. */
  private open = 0;
  private stopping = false;
  private paceTimer: NodeJS.Timeout | null = null;
  private pumpSoon: NodeJS.Immediate | null = null;
  private readonly changed = new Set<Host>();
  private slowedHosts = 0;

  constructor(
    private readonly concurrency: number,
    private readonly policy: HostPolicy,
    /** The whole sweep's pace (--rate), shared with the other workers; null: none. */
    private readonly pace: SharedPace | null,
    /** Runs one URL from its first turn to its row (null: abandoned, the sweep is stopping). */
    private readonly run: (job: Job, first: Host) => Promise<ResultRow | null>,
    private readonly onResult: (row: ResultRow) => void,
    /** A host's standing changed: there are reports to send. */
    private readonly onChange: () => void,
  ) {}

  /** Requests in flight now. */
  get inFlight(): number {
    return this.active;
  }

  /** URLs taken and not answered yet. */
  get pending(): number {
    return this.open;
  }

  /** Nothing running or waiting: the worker may say it is done. */
  get idle(): boolean {
    return this.open === 0;
  }

  /** Hosts backing off now (a smaller window, a learnt pace, or a pause). */
  get slowed(): number {
    return this.slowedHosts;
  }

  add(jobs: Job[]): void {
    // URLs sent before the coordinator heard of the stop are not started: a resume does them.
    if (this.stopping) return;
    for (const job of jobs) {
      const host = this.host(job.host);
      if (host.down) {
        this.onResult(hostDownRow(job, host.down));
        continue;
      }
      host.jobs.push(job);
      this.open++;
      this.list(host);
    }
    this.pump();
  }

  /**
   * A turn on `name` for the next request of a URL that is already running: the host at once when it may
   * go now, else a promise of it (the URL waits at the head of the host's line). Throws TurnRefused when
   * the host is down or the sweep is stopping.
   */
  turn(name: string): Host | Promise<Host> {
    if (this.stopping) throw new TurnRefused(null);
    const host = this.host(name);
    if (host.down) throw new TurnRefused(host.down);
    const now = performance.now();
    if (host.resumes.length === 0 && this.active < this.concurrency && host.wait(now) === 0 && (this.pace?.tryTake() ?? 0) === 0) {
      this.grant(host, now);
      return host;
    }
    return new Promise<Host>((resolve, reject) => {
      host.resumes.push((granted) => (granted ? resolve(host) : reject(new TurnRefused(host.down))));
      this.list(host);
      this.pump();
    });
  }

  /** A request on `host` ended, and how it went. */
  release(host: Host, signal: Signal): void {
    this.active--;
    const now = performance.now();
    const wasDown = host.down !== null;
    host.finish(signal, now);
    if (!wasDown && host.down) this.turnAway(host);
    this.note(host, now);
    if (host.waiting > 0) this.list(host);
    this.settle(host);
    // The freed slots are filled once the answers that came together have all been heard: when a host
    // answers 200, 200, 429 at once, its pause is known before any new request goes out to it.
    this.pumpSoon ??= setImmediate(() => {
      this.pumpSoon = null;
      this.pump();
    });
  }

  /** What changed in hosts' standing since the last call, for the coordinator. */
  reports(): HostReport[] | null {
    if (this.changed.size === 0) return null;
    const now = performance.now();
    const out: HostReport[] = [];
    for (const host of this.changed) {
      host.reported = host.parallel(now);
      host.reportedDown = host.down !== null;
      out.push({ host: host.name, parallel: host.reported, down: host.down });
    }
    this.changed.clear();
    return out;
  }

  /** The sweep is interrupted: forget the URLs not started; those waiting between requests are abandoned. */
  dropQueued(): void {
    this.stopping = true;
    for (const host of this.hosts.values()) {
      this.open -= host.jobs.drain().length;
      for (const resume of host.resumes.splice(0)) resume(false);
      if (host.timer) clearTimeout(host.timer);
      host.timer = null;
    }
  }

  private host(name: string): Host {
    let host = this.hosts.get(name);
    if (!host) {
      host = new Host(name, this.policy);
      this.hosts.set(name, host);
    }
    return host;
  }

  private list(host: Host): void {
    this.idleHosts.delete(host);
    // A host that grows big while in `ready` (or small while in `first`) is in both lines for a while:
    // an entry that finds it with nothing to start, or its window full, is dropped; one that finds it
    // with work takes a turn.
    const big = host.noteSize() && this.pace === null;
    if (big && !host.listedFirst) {
      host.listedFirst = true;
      this.first.push(host);
    } else if (!big && !host.listed) {
      host.listed = true;
      this.ready.push(host);
    }
  }

  private pump(): void {
    while (this.active < this.concurrency && this.first.length + this.ready.length > 0) {
      const line = this.first.length > 0 ? this.first : this.ready;
      const host = line.shift()!;
      if (line === this.first) host.listedFirst = false;
      else host.listed = false;
      if (host.waiting === 0) continue;
      const now = performance.now();
      const wait = host.wait(now);
      if (wait === Infinity) continue; // its window is full: a request of its own that ends lists it again
      if (wait > 0) {
        this.wake(host, wait);
        continue;
      }
      const paced = this.pace?.tryTake() ?? 0;
      if (paced > 0) {
        // Back to the head of its line, and everyone waits for the sweep's next slot.
        line.unshift(host);
        if (line === this.first) host.listedFirst = true;
        else host.listed = true;
        this.paceTimer ??= setTimeout(() => {
          this.paceTimer = null;
          this.pump();
        }, Math.ceil(paced));
        break;
      }
      this.grant(host, now);
      const resume = host.resumes.shift();
      if (resume) resume(true);
      else this.startJob(host);
      if (host.waiting > 0) this.list(host);
      else host.noteSize();
    }
  }

  private grant(host: Host, now: number): void {
    this.idleHosts.delete(host);
    this.active++;
    host.start(now);
  }

  private startJob(host: Host): void {
    const job = host.jobs.shift()!;
    this.run(job, host).then(
      (row) => this.ended(row),
      // checkUrl turns every failure into a row; reaching here is a bug, reported on the row rather than lost.
      (err: unknown) => this.ended(internalErrorRow(job, err)),
    );
  }

  private ended(row: ResultRow | null): void {
    this.open--;
    if (row) this.onResult(row);
  }

  /** The host may go again in `ms`: a timer lists it then (its standing may have changed: a pause ended). */
  private wake(host: Host, ms: number): void {
    if (host.timer) clearTimeout(host.timer);
    host.timer = setTimeout(() => {
      host.timer = null;
      this.note(host, performance.now());
      this.list(host);
      this.pump();
      this.settle(host);
    }, Math.ceil(ms));
  }

  /** The host just went down: its waiting URLs are answered at once, those between requests end with what they had. */
  private turnAway(host: Host): void {
    const down = host.down!;
    for (const job of host.jobs.drain()) {
      this.open--;
      this.onResult(hostDownRow(job, down));
    }
    for (const resume of host.resumes.splice(0)) resume(false);
  }

  /** Records what the coordinator should hear about the host, and keeps the count of hosts backing off. */
  private note(host: Host, now: number): void {
    if (host.parallel(now) !== host.reported || (host.down !== null) !== host.reportedDown) {
      this.changed.add(host);
      this.onChange();
    }
    const slowed = host.slowed(now);
    if (slowed !== host.slowedCounted) {
      host.slowedCounted = slowed;
      this.slowedHosts += slowed ? 1 : -1;
    }
  }

  /** An idle host is kept for what it learnt, within a bound; the least recently used is forgotten first. */
  private settle(host: Host): void {
    if (!host.idle || host.timer) return;
    this.idleHosts.delete(host);
    this.idleHosts.add(host);
    if (this.idleHosts.size <= IDLE_HOSTS_KEPT) return;
    const oldest = this.idleHosts.values().next().value!;
    this.idleHosts.delete(oldest);
    this.hosts.delete(oldest.name);
    if (oldest.slowedCounted) this.slowedHosts--;
  }
}
