// The content coding a response's Content-Encoding names, and its decoder, as the body's readers undo it:
// the hash and title (workers/bodyReader.ts) and `urlsweep body` (src/query/storedBody.ts) must agree.
import { constants, createBrotliDecompress, createGunzip, createInflate, createInflateRaw, type Gunzip } from 'node:zlib';

export type Decoder = Gunzip;

/** `other`: a coding not known, or several stacked ("gzip, br"): not undone, the facts are null. */
export type Coding = 'gzip' | 'deflate' | 'br' | 'other';

/** The coding a Content-Encoding (all its lines, joined) names; null for none. */
export function codingOf(encoding: string | null): Coding | null {
  const codings = (encoding ?? '').split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '' && c !== 'identity');
  if (codings.length === 0) return null;
  if (codings.length > 1) return 'other';
  const [coding] = codings;
  if (coding === 'gzip' || coding === 'x-gzip') return 'gzip';
  return coding === 'deflate' || coding === 'br' ? coding : 'other';
}


/**
 * The decoder for a coding, told by the body's first bytes where it matters; `tolerant`: a body cut short
 * (--max-body) gives what it holds instead of an error.
 */
export function decoderFor(coding: Exclude<Coding, 'other'>, first: Buffer, tolerant: boolean): Decoder {
  const flush = tolerant ? { finishFlush: constants.Z_SYNC_FLUSH } : {};
  if (coding === 'gzip') return createGunzip(flush);
  if (coding === 'br') return createBrotliDecompress(tolerant ? { finishFlush: constants.BROTLI_OPERATION_FLUSH } : {}) as unknown as Gunzip;
  // "deflate" is zlib's format (RFC 9110), but servers send raw deflate too, and browsers take both.
  return zlibHeader(first) ? createInflate(flush) : (createInflateRaw(flush) as unknown as Gunzip);
}

/** A zlib stream begins with CM 8 and a header check that makes the first two bytes a multiple of 31. */
function zlibHeader(first: Buffer): boolean {
  return first.length >= 2 && (first[0]! & 0x0f) === 8 && ((first[0]! << 8) | first[1]!) % 31 === 0;
}
