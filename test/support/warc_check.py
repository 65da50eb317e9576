#!/usr/bin/env python3
"""Independent WARC(.gz) checker for the tests, Python stdlib only: it shares no code with urlsweep's writer.
Usage: warc_check.py FILE.warc.gz [OFFSET:LENGTH ...]
Walks every gzip member, requires exactly one whole WARC record per member, checks Content-Length,
the trailing CRLFCRLF, WARC-Block-Digest and WARC-Payload-Digest (sha1/sha256/md5; base32, hex or base64),
and, for each OFFSET:LENGTH given (as stored in SQLite), that a member starts and ends exactly there.
Prints one JSON line per record (with the HTTP head and the payload's SHA-256 for the tests to compare
against what was served); exits 1 on the first problem."""
import base64, hashlib, json, mmap, os, sys, zlib

ALGOS = {'sha1': 'sha1', 'sha256': 'sha256', 'sha-256': 'sha256', 'sha-1': 'sha1', 'md5': 'md5'}

def digest_ok(label, data):
    algo, _, want = label.partition(':')
    h = hashlib.new(ALGOS[algo.lower()], data).digest()
    return want in (base64.b32encode(h).decode(), h.hex(), base64.b64encode(h).decode())

def parse_record(raw):
    head, sep, rest = raw.partition(b'\r\n\r\n')
    if not sep: raise ValueError('no end of WARC headers')
    lines = head.split(b'\r\n')
    if lines[0] not in (b'WARC/1.1', b'WARC/1.0'): raise ValueError(f'bad version line {lines[0][:20]!r}')
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.decode('utf-8').partition(':')
        hdrs.setdefault(k.strip().lower(), v.strip())
    if hdrs.get('warc-type') in ('request', 'response', 'warcinfo') and 'warc-record-id' not in hdrs:
        raise ValueError('no WARC-Record-ID')
    n = int(hdrs['content-length'])
    block, tail = rest[:n], rest[n:]
    if len(block) != n: raise ValueError(f'block is {len(block)} bytes, Content-Length says {n}')
    if tail != b'\r\n\r\n': raise ValueError(f'{len(tail)} bytes after block instead of CRLFCRLF')
    if 'warc-block-digest' in hdrs and not digest_ok(hdrs['warc-block-digest'], block):
        raise ValueError('WARC-Block-Digest mismatch')
    if 'warc-payload-digest' in hdrs and hdrs.get('content-type', '').startswith('application/http'):
        i = block.find(b'\r\n\r\n')
        if i < 0: raise ValueError('no end of HTTP headers')
        if not digest_ok(hdrs['warc-payload-digest'], block[i + 4:]): raise ValueError('WARC-Payload-Digest mismatch')
    return hdrs, n, block

def members(buf, chunk=1 << 20):
    pos = 0
    while pos < len(buf):
        d = zlib.decompressobj(wbits=31)          # 31 = gzip wrapper; stops at the end of ONE member
        out, p = [], pos
        while not d.eof and p < len(buf):         # feed 1 MiB at a time until this member ends
            out.append(d.decompress(buf[p:p + chunk])); p += chunk
        if not d.eof: raise ValueError(f'torn gzip member at offset {pos}')
        length = min(p, len(buf)) - pos - len(d.unused_data)
        yield pos, length, b''.join(out)
        pos += length

def main(path, spans):
    want = {tuple(map(int, s.split(':'))) for s in spans}
    with open(path, 'rb') as f, (mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if os.fstat(f.fileno()).st_size else memoryview(b'')) as buf:
        count = 0
        for off, length, raw in members(buf):
            hdrs, n, block = parse_record(raw)
            want.discard((off, length)); count += 1
            record = {'offset': off, 'length': length, 'type': hdrs.get('warc-type'),
                      'uri': hdrs.get('warc-target-uri'), 'content_length': n,
                      'id': hdrs.get('warc-record-id'), 'concurrent_to': hdrs.get('warc-concurrent-to'),
                      'truncated': hdrs.get('warc-truncated'), 'ip': hdrs.get('warc-ip-address')}
            if hdrs.get('content-type', '').startswith('application/http'):
                head, _, payload = block.partition(b'\r\n\r\n')
                record['http_head'] = head.decode('latin-1')
                record['payload_sha256'] = hashlib.sha256(payload).hexdigest()
            print(json.dumps(record))
    if want: raise ValueError(f'no member at {sorted(want)}')
    print(f'OK {count} records', file=sys.stderr)

if __name__ == '__main__':
    try: main(sys.argv[1], sys.argv[2:])
    except (ValueError, KeyError, OSError, zlib.error) as e: print(f'FAIL: {e}', file=sys.stderr); sys.exit(1)
