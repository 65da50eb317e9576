#!/bin/bash
# Submits the sweep's array job and its merge, the merge to start when every task has succeeded (and to be
# cancelled if one fails for good: its shares' databases stay, so a resubmitted task resumes them).
# Usage: deploy/slurm/submit.sh LIST RESULTS_FOLDER [sbatch options]
#   --array=… applies to the sweep (e.g. --array=0-127%16 for 128 shares, 16 at once); every other
#   option (--account, --partition, --time, --qos …) to both jobs.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 LIST RESULTS_FOLDER [sbatch options, e.g. --array=0-127%16 --account=…]" >&2
  exit 2
fi
if [ ! -r "$1" ]; then
  echo "$0: cannot read the list $1" >&2
  exit 2
fi
here="$(cd "$(dirname "$0")" && pwd)"
INPUT="$(realpath "$1")"
RESULTS="$(realpath -m "$2")"
export INPUT RESULTS
shift 2
array=() both=()
for option in "$@"; do
  case "$option" in --array=*) array+=("$option") ;; *) both+=("$option") ;; esac
done
job=$(sbatch --parsable --export=ALL "${both[@]}" "${array[@]}" "$here/sweep.sbatch")
job=${job%%;*}
echo "sweep: job $job"
if ! merge=$(sbatch --parsable --export=ALL "${both[@]}" --dependency=afterok:"$job" --kill-on-invalid-dep=yes "$here/merge.sbatch"); then
  echo "$0: the merge was not submitted; cancelling the sweep (job $job)" >&2
  scancel "$job"
  exit 1
fi
echo "merge: job ${merge%%;*} (after it); results in $RESULTS/crawl.db"
