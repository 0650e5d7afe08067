#!/usr/bin/env bash
# A single-node Slurm cluster (Debian's slurm-wlm 22.05 and munge) for the tests and for trying
# `impasto batch --slurm` on one machine: no systemd, no accounting daemon, everything (keys,
# sockets, configuration, state, logs, pid files) in one folder of its own.
#
#   scripts/slurm-local.sh up [DIR]     start munged, slurmctld and slurmd; prints the SLURM_CONF line
#   scripts/slurm-local.sh down [DIR]   stop them (by their pid files) and keep DIR's logs
#   scripts/slurm-local.sh env [DIR]    print `export SLURM_CONF=...` for this cluster
#
# DIR defaults to $IMPASTO_SLURM_DIR, else build/slurm-local in this checkout. Several clusters
# may run side by side (each picks free ports). `up` on a cluster that is up and answering does
# nothing; after a crash it stops what the pid files still name, clears the old state and starts
# afresh. Daemons are only ever stopped through their pid files, never by name.
#
# The node has this machine's cores and two fake GPUs (character devices made with mknod, as
# Slurm's gres plugin checks), so `--gres=gpu:1` schedules; nothing can run on them.
# Needs root (slurmd starts job steps as their user; mknod). Exit code 77: this machine cannot
# run the cluster (not root, or the packages are missing): the reason is printed.
set -euo pipefail

readonly NODE=impasto-node
readonly PARTITION=local
readonly GPUS=2

usage() { echo "usage: $0 up|down|env [DIR]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
action=$1
repo=$(cd "$(dirname "$0")/.." && pwd)
dir=${2:-${IMPASTO_SLURM_DIR:-$repo/build/slurm-local}}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
conf=$dir/slurm.conf
run=$dir/run

cannot_run() { echo "slurm-local: this machine cannot run a local Slurm cluster: $*" >&2; exit 77; }

# The process a pid file names, if it is still alive and still that daemon (a pid can be reused
# after a crash): prints the pid.
live_pid() {
  local file=$1 daemon=$2 pid
  [ -s "$file" ] || return 1
  pid=$(tr -dc '0-9' < "$file")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "$daemon" || return 1
  echo "$pid"
}

# Running, not a zombie waiting for a parent that does not reap it.
alive() { [ -r "/proc/$1/stat" ] && ! awk '{exit $3 != "Z"}' "/proc/$1/stat" 2>/dev/null; }

down() {
  # Signal all three at once, then wait for each (each takes a second or two to stop).
  local daemon pid pids=() i
  for daemon in slurmd slurmctld munged; do
    if pid=$(live_pid "$run/$daemon.pid" "$daemon"); then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  for pid in "${pids[@]}"; do
    for i in $(seq 100); do
      alive "$pid" || break
      sleep 0.1
    done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
  done
  rm -f "$run/slurmd.pid" "$run/slurmctld.pid" "$run/munged.pid"
}

free_port() {
  # Starting from a port derived from the folder's name, the first that nothing listens on
  # and that the other daemon of this cluster does not take.
  local port=$(( 20000 + $(printf '%s' "$dir$1" | cksum | cut -d' ' -f1) % 20000 )) taken=${2:-0}
  while [ "$port" -eq "$taken" ] || ss -Htln "sport = :$port" | grep -q .; do
    port=$(( port + 1 ))
  done
  echo "$port"
}

write_config() {
  local controller_port slurmd_port cpus memory
  controller_port=$(free_port controller)
  slurmd_port=$(free_port node "$controller_port")
  cpus=$(nproc)
  memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))
  cat > "$conf" <<EOF
# Written by scripts/slurm-local.sh: a one-node cluster for tests. Rewritten by every "up".
ClusterName=impasto-local
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$controller_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
# munged runs without systemd, on a socket in this folder
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/socket/munge.socket.2,cred_expire=10
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$run/slurmctld.pid
SlurmdPidFile=$run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
# no cgroups and no accounting daemon: processes tracked through /proc, final job states in a text file
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
MinJobAge=300
# start jobs at once; a dependency that can never be met cancels its job
SchedulerType=sched/builtin
SchedulerParameters=batch_sched_delay=0,kill_invalid_depend
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
KillWait=5
GresTypes=gpu
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory Gres=gpu:$GPUS State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
  # Slurm's gpu plugin wants character devices: give it /dev/null's numbers, harmless to open.
  mkdir -p "$dir/dev"
  local gres="" i
  for i in $(seq 0 $((GPUS - 1))); do
    [ -c "$dir/dev/gpu$i" ] || { rm -f "$dir/dev/gpu$i"; mknod "$dir/dev/gpu$i" c 1 3; }
  done
  echo "NodeName=$NODE Name=gpu File=$dir/dev/gpu[0-$((GPUS - 1))]" > "$dir/gres.conf"
}

start_munge() {
  mkdir -p "$dir/munge/socket"
  chmod 0711 "$dir/munge"
  chmod 0711 "$dir/munge/socket"  # munged insists on this for its socket folder
  [ -s "$dir/munge/munge.key" ] || mungekey --create --keyfile="$dir/munge/munge.key" > /dev/null
  chmod 0600 "$dir/munge/munge.key"
  rm -f "$dir/munge/socket/munge.socket.2" "$dir/munge/socket/munge.socket.2.lock"
  munged --socket="$dir/munge/socket/munge.socket.2" --key-file="$dir/munge/munge.key" \
         --pid-file="$run/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed"
}

answering() {
  SLURM_CONF=$conf timeout 5 sinfo -h -N -o '%T' 2>/dev/null | grep -Eq '^(idle|mixed|allocated)'
}

wait_for_node() {
  local i
  for i in $(seq 100); do
    answering && return 0
    sleep 0.2
  done
  echo "slurm-local: the node did not come up; logs in $dir/log:" >&2
  tail -n 5 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
  return 1
}

up() {
  [ "$(id -u)" -eq 0 ] || cannot_run "it needs root (slurmd starts jobs as their user; fake GPUs need mknod)"
  local tool
  for tool in munged mungekey slurmctld slurmd sbatch sinfo ss; do
    command -v "$tool" > /dev/null || cannot_run "$tool is missing (scripts/install-deps.sh installs it)"
  done
  if live_pid "$run/slurmctld.pid" slurmctld > /dev/null && live_pid "$run/slurmd.pid" slurmd > /dev/null &&
     live_pid "$run/munged.pid" munged > /dev/null && answering; then
    echo "export SLURM_CONF=$conf"
    return 0
  fi
  down  # whatever a crash left behind
  rm -rf "$dir/state" "$dir/spool"
  mkdir -p "$run" "$dir/log" "$dir/state" "$dir/spool"
  write_config
  start_munge
  export SLURM_CONF=$conf
  slurmctld -c -i  # -c: no state from an earlier run
  slurmd -N "$NODE" -c
  wait_for_node
  echo "export SLURM_CONF=$conf"
}

case $action in
  up) up ;;
  down) down ;;
  env) echo "export SLURM_CONF=$conf" ;;
  *) usage ;;
esac
