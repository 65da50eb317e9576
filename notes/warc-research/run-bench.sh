#!/bin/sh
# runs every writer x set, one process each, then checks every output with the Python reader
cd "$(dirname "$0")"; mkdir -p results; : > results/bench.jsonl
for set in small large random; do
  for w in warcio warcio-sha256hex warcio-pako warcio-node warcio-nogzip hand-buf-l6 hand-buf-l1 hand-buf-async-l6 hand-stream-l6 hand-stream-l1; do
    node bench.mjs $w $set | tee -a results/bench.jsonl
    case $w in *nogzip) continue;; esac
    python3 warc_check.py out/bench-$w-$set.warc.gz $(cat out/bench-$w-$set.warc.gz.idx) > /dev/null 2> results/check-$w-$set.txt || echo "CHECK FAILED $w $set"
  done
done
