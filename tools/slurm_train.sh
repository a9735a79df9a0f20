#!/usr/bin/env bash
# Train on a Slurm cluster with srun (one task per GPU).
#   bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [train.py options...]
# Environment: GPUS (total, default 8), GPUS_PER_NODE (8), CPUS_PER_TASK (5), SRUN_ARGS.
# Preemption: training resumes from WORK_DIR's newest checkpoint when it has one
# (--auto-resume, unless you pass --resume yourself). On SIGTERM or SIGUSR1 (e.g. sbatch
# --signal=USR1@90) the run checkpoints and exits 75; inside an sbatch job this script
# then requeues the job (scontrol requeue), which resumes where it stopped.
set -euo pipefail
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
WORK_DIR=$4
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-}
HERE=$(dirname "$0")
# shellcheck source=tools/python.sh
source "$HERE/python.sh"
RESUME=(--auto-resume)
for arg in "${@:5}"; do
    case $arg in --resume* | --auto-resume) RESUME=() ;; esac
done
status=0
# shellcheck disable=SC2086
PYTHONPATH="$HERE/..${PYTHONPATH:+:$PYTHONPATH}" srun -p "$PARTITION" \
    --job-name="$JOB_NAME" --gres=gpu:"$GPUS_PER_NODE" --ntasks="$GPUS" \
    --ntasks-per-node="$GPUS_PER_NODE" --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 $SRUN_ARGS \
    "$PYTHON" -u "$HERE/train.py" "$CONFIG" --work-dir="$WORK_DIR" --launcher=slurm \
    "${RESUME[@]}" "${@:5}" || status=$?
if [ "$status" -eq 75 ] && [ -n "${SLURM_JOB_ID:-}" ]; then
    echo "preempted: requeueing job $SLURM_JOB_ID to resume from $WORK_DIR" >&2
    scontrol requeue "$SLURM_JOB_ID"
fi
exit "$status"
