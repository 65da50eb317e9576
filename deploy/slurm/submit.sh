#!/bin/bash
# Submits the sweep's array job and its merge, the merge to start when every task has succeeded (and to be
# cancelled if one fails for good: its shares' databases stay, so a resubmitted task resumes them).
# Usage: deploy/slurm/submit.sh LIST RESULTS_FOLDER [sbatch options]
#   --array (-a) applies to the sweep (e.g. --array=0-127%16 for 128 shares, 16 at once); every other
#   option (--account, --partition, --time, --qos …) to both jobs. Both jobs need the environment
#   (--export=ALL: INPUT, RESULTS, URLSWEEP…), and the merge's --dependency is this script's.
# If a share fails for good, Slurm cancels the merge: run that task again on its own (see sweep.sbatch),
# then submit merge.sbatch with RESULTS set.
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
while [ $# -gt 0 ]; do
  case "$1" in
    --array | -a) array+=("--array=${2:?$1 needs a value}"); shift ;;
    --array=*) array+=("$1") ;;
    -a*) value=${1#-a}; array+=("--array=${value#=}") ;;
    *) both+=("$1") ;;
  esac
  shift
done
# ${x[@]+"${x[@]}"}: an empty array under set -u, on bash before 4.4 too.
job=$(sbatch --parsable --export=ALL ${both[@]+"${both[@]}"} ${array[@]+"${array[@]}"} "$here/sweep.sbatch")
job=${job%%;*}
echo "sweep: job $job"
if ! merge=$(sbatch --parsable --export=ALL ${both[@]+"${both[@]}"} --dependency=afterok:"$job" --kill-on-invalid-dep=yes "$here/merge.sbatch"); then
  echo "$0: the merge was not submitted; cancelling the sweep (job $job)" >&2
  scancel "$job"
  exit 1
fi
echo "merge: job ${merge%%;*} (after it); results in $RESULTS/crawl.db"
