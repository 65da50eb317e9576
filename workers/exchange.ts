// One HTTP request/response over undici's low-level dispatch: no stream objects, the body is drained by
// counting its bytes (never buffered), so the connection goes back to the pool for keep-alive.
import type { Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'undici/types/header.js';
import type { ConnectionPools } from './connectionPools.js';
import type { Deadline } from './deadline.js';
import { CodedError, Codes } from '../src/result/errors.js';
import { BodyReader, type BodyFacts } from './bodyReader.js';
import { ResponseCapture } from './warc/capture.js';
import type { SpillPlace } from './warc/record.js';

export interface Answer {
  status: number;
  contentType: string | null;
  contentLength: number | null;
  location: string | null;
  retryAfter: string | null;
  /** Body bytes read (0 for HEAD). */
  bodyBytes: number;
  /** The final response's headers as JSON (capped); null for an interim or no answer. */
  headers: string | null;
  /** What a GET's body says; null for HEAD. */
  body: BodyFacts | null;
  /** --store-bodies: the exchange as WARC records, ready to be written once the URL's row is final. */
  capture: ResponseCapture | null;
}

export interface ExchangeRequest {
  url: URL;
  method: 'HEAD' | 'GET';
  headers: Record<string, string>;
  headersTimeout: number;
  bodyTimeout: number;
  /** --max-body: a GET's body is cut past this many bytes (on the wire or decoded). */
  maxBody: number;
  /** --store-bodies: a GET's request and response are kept as WARC records (Answer.capture), big bodies waiting there when the thread holds too many. */
  spillTo: SpillPlace | null;
}

/**
 * A failed exchange; `connected` tells whether the request got onto a connection before it failed,
 * `answered` whether the response's headers had come, and `reused` whether a connection kept alive from
 * an earlier request was there for it.
 */
export class ExchangeError extends Error {
  constructor(
    readonly failure: Error,
    readonly connected: boolean,
    readonly answered: boolean,
    readonly reused: boolean,
  ) {
    super(failure.message);
  }
}

/** One request; `fresh`: on a connection of its own, not one kept alive from an earlier request. */
export function exchange(pools: ConnectionPools, req: ExchangeRequest, deadline: Deadline, fresh = false): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    let settled = false;
    let abort: ((reason: Error) => void) | null = null;
    const answer: Answer = { status: 0, contentType: null, contentLength: null, location: null, retryAfter: null, bodyBytes: 0, headers: null, body: null, capture: null };
    let reader: BodyReader | null = null;
    /** The body went past --max-body: the request is aborted with this, and the answer stands. */
    const cut = new Error('body cut at --max-body');
    const origin = fresh ? pools.leaseFresh(req.url.origin) : pools.lease(req.url.origin);
    // As many connections open as requests on them, this one counted: one was free for it (undici's pool
    // takes a free connection before it opens one).
    const reused = origin.connected >= origin.active;

    // The deadline may pass before undici hands us an abort function: then the connection was never made,
    // so it is a connect timeout. Answer at once, and abort the request as soon as it starts.
    const unlisten = deadline.listen((err) => {
      if (abort) abort(err);
      settle(abort ? err : deadline.error(true));
    });
    const settle = (err: Error | null): void => {
      if (settled) return;
      settled = true;
      unlisten();
      pools.release(origin);
      if (err) {
        reader?.abandon();
        answer.capture?.discard();
        reject(new ExchangeError(err, abort !== null, answer.status > 0, reused));
      } else if (reader) {
        // The decoder may still hold the body's last bytes: the facts come when it has them.
        reader.end().then((facts) => {
          answer.body = facts;
          resolve(answer);
        }, reject);
      } else resolve(answer);
    };
    // undici's handler API of 7.x: the controller aborts; headers come parsed (names in lower case).
    const handler: Dispatcher.DispatchHandler = {
      // Called again if undici retries the request on another connection: the newest controller aborts.
      onRequestStart(controller) {
        if (settled) controller.abort(deadline.error(true));
        else abort = (err) => controller.abort(err);
      },
      onResponseStart(controller, status, headers, statusText) {
        // undici takes any three digits for a status, and one below 100 then trips an assertion of its own.
        if (status < 100) {
          controller.abort(new CodedError(Codes.badStatus, `status ${String(status).padStart(3, '0')} is not an HTTP status`));
          return;
        }
        // An interim answer (103 Early Hints, 102): its headers are not the final answer's (RFC 9110 §15.2).
        if (status < 200) return;
        answer.status = status;
        readHeaders(answer, headers);
        answer.headers = headersJson(headers);
        if (req.method === 'GET') reader = new BodyReader(all(headers['content-encoding']), answer.contentType, req.maxBody);
        if (req.method === 'GET' && req.spillTo !== null) {
          answer.capture = new ResponseCapture(req.url, req.headers, status, statusText ?? '', controller.rawHeaders as Buffer[], req.spillTo);
        }
        // undici keeps the raw header block on the controller, which lives until the body is read: up to
        // 128 KiB per request in flight for nothing.
        controller.rawHeaders = null;
      },
      onResponseData(controller, chunk) {
        // What is kept is what is read: up to --max-body of the wire.
        answer.capture?.data(chunk.length <= req.maxBody - answer.bodyBytes ? chunk : chunk.subarray(0, Math.max(0, req.maxBody - answer.bodyBytes)));
        answer.bodyBytes += chunk.length;
        // Past --max-body the rest is not read: the connection goes, the answer stands, marked truncated.
        if (reader?.write(chunk) === 'stop') {
          answer.capture?.cut();
          controller.abort(cut);
        }
      },
      onResponseEnd() {
        settle(null);
      },
      onResponseError(_controller, err) {
        settle(err === cut ? null : err);
      },
    };

    origin.pool.dispatch(
      {
        origin: req.url.origin,
        path: req.url.pathname + req.url.search,
        method: req.method,
        headers: req.headers,
        headersTimeout: req.headersTimeout,
        bodyTimeout: req.bodyTimeout,
        // undici closes the connection after every HEAD by default (in case a server sends a body anyway);
        // that costs a new connection per URL, several times slower. Keep it alive: a server that does send
        // a body breaks only the next exchange on that connection, which fails as a protocol error.
        reset: false,
      },
      handler,
    );
  });
}

/** Only the headers the results need; a header sent twice counts as its last value, as before. */
function readHeaders(answer: Answer, headers: IncomingHttpHeaders): void {
  answer.location = last(headers.location);
  answer.retryAfter = last(headers['retry-after']);
  answer.contentType = last(headers['content-type']);
  const length = last(headers['content-length']);
  const n = length === null ? NaN : Number(length);
  answer.contentLength = Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/** Response headers kept with a result, at most this much JSON; the rest are left out. */
const MAX_HEADERS_JSON = 16 * 1024;

/** The final answer's headers as a JSON object (repeated ones as arrays), within MAX_HEADERS_JSON. */
function headersJson(headers: IncomingHttpHeaders): string {
  const kept: Record<string, string | string[]> = {};
  let size = 2;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const entry = JSON.stringify(name).length + JSON.stringify(value).length + 2;
    if (size + entry > MAX_HEADERS_JSON) continue;
    kept[name] = value;
    size += entry;
  }
  return JSON.stringify(kept);
}

/** A header's lines joined, as one list (RFC 9110 §5.3). */
function all(value: string | string[] | undefined): string | null {
  return value === undefined ? null : [value].flat().join(', ');
}

function last(value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[value.length - 1] : value) ?? null;
}
