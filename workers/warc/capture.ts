// A GET's exchange as WARC keeps it: the request as sent and the response as received (its head byte for
// byte, its body as it came off the wire with only the chunked framing removed), built while the body
// streams in. Written to the thread's WARC file only once the URL's row is final (workers/checkUrl.ts), so
// a retried or redirected answer is not stored with the line's.
import { newRecordId, RecordBuilder, wholeRecord, type Member, type SpillPlace } from './record.js';

export class ResponseCapture {
  private readonly response: RecordBuilder;
  private readonly date = new Date().toISOString();
  private truncated = false;
  /** The address the response came from, when known (not through a proxy). */
  remoteIp: string | null = null;

  /**
   * `rawHeaders`: the response's header lines as undici read them (name, value, name, value…); `spillTo`:
   * where the body waits when the thread holds too many in memory.
   */
  constructor(
    private readonly url: URL,
    private readonly requestHeaders: Record<string, string>,
    status: number,
    statusText: string,
    rawHeaders: Buffer[],
    spillTo: SpillPlace,
  ) {
    this.response = new RecordBuilder(responseHead(status, statusText, rawHeaders), true, spillTo);
  }

  data(chunk: Buffer): void {
    this.response.data(chunk);
  }

  /** The body was cut at --max-body: the record says so (WARC-Truncated). */
  cut(): void {
    this.truncated = true;
  }

  /** Not to be stored after all (retried, failed, redirected from and the URL failed): what it holds goes. */
  discard(): void {
    this.response.discard();
  }

  /** The request and response records, as gzip members. */
  members(): [request: Member, response: Member] {
    const remoteIp = this.remoteIp;
    const requestId = newRecordId();
    const responseId = newRecordId();
    const common: Array<[string, string]> = [
      ['WARC-Date', this.date],
      ['WARC-Target-URI', this.url.href],
      ...(remoteIp ? ([['WARC-IP-Address', remoteIp]] as Array<[string, string]>) : []),
    ];
    const request = wholeRecord(
      [['WARC-Type', 'request'], ['WARC-Record-ID', requestId], ...common, ['WARC-Concurrent-To', responseId], ['Content-Type', 'application/http;msgtype=request']],
      requestHead(this.url, this.requestHeaders),
    );
    const response = this.response.member([
      ['WARC-Type', 'response'],
      ['WARC-Record-ID', responseId],
      ...common,
      ['WARC-Concurrent-To', requestId],
      ['Content-Type', 'application/http;msgtype=response'],
      ...(this.truncated ? ([['WARC-Truncated', 'length']] as Array<[string, string]>) : []),
    ]);
    return [request, response];
  }
}

/**
 * The response's head as received. Transfer-Encoding goes: the body is kept without its chunked framing,
 * and a reader would otherwise look for chunks that are not there (what wget and warcio do too).
 */
function responseHead(status: number, statusText: string, rawHeaders: Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`HTTP/1.1 ${status} ${statusText}\r\n`, 'latin1')];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 17 && name.toString('latin1').toLowerCase() === 'transfer-encoding') continue;
    parts.push(name, Buffer.from(': '), rawHeaders[i + 1]!, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

/** The request as undici sends it (its own headers first). */
function requestHead(url: URL, headers: Record<string, string>): Buffer {
  let text = `GET ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\nconnection: keep-alive\r\n`;
  for (const [name, value] of Object.entries(headers)) text += `${name}: ${value}\r\n`;
  return Buffer.from(`${text}\r\n`, 'latin1');
}
