#!/bin/bash
# Submits the sweep's array job and its merge, the merge to start when every task has succeeded.
# Usage: deploy/slurm/submit.sh LIST RESULTS_FOLDER [sbatch options for the array, e.g. --array=0-127%16]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export INPUT="$(realpath "$1")" RESULTS="$(realpath -m "$2")"
shift 2
job=$(sbatch --parsable --export=ALL "$@" "$here/sweep.sbatch")
merge=$(sbatch --parsable --export=ALL --dependency=afterok:"${job%%;*}" "$here/merge.sbatch")
echo "sweep: job $job; merge: job $merge (after it); results in $RESULTS/crawl.db"
