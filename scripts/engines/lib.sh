# Shared by the engine scripts (scripts/engines/<engine>): sourced, never run.
#
# Each engine script answers three commands, which tests/engines/engine_session.py calls:
#   install      make the engine's programs available (idempotent; fast when they are).
#                Exit 3 with one line on stderr when they cannot be installed on this machine
#                (not root, no apt-get, ...): the tests then skip with that line as the reason.
#   up BASE      start the engine, everything under BASE (state, logs, pid files); print the
#                settings a client needs as KEY=VALUE lines on stdout, nothing else there.
#   down BASE    stop what `up BASE` started, by pid file, and whatever that left running (a
#                job's own processes: `sweep_marked`); exit 0 even if it is gone already.

set -euo pipefail

ENGINES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Virtual environments of the engines' Python packages: outside the project's .venv, kept
# between runs (a second `make test` does not reinstall Ray).
ENGINES_CACHE=${JOBDECK_ENGINES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jobdeck-engines}

# cannot_install REASON: the engine cannot be installed here (the tests skip, saying why).
cannot_install() {
    echo "$*" >&2
    exit 3
}

# apt_install PACKAGE...: Debian packages, as root, without starting their services (the
# tests start what they need themselves, on their own ports, and stop it by pid).
apt_install() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    [ "$(id -u)" = 0 ] || cannot_install "needs root to install ${missing[*]} (apt-get); install them, or run the tests as root"
    command -v apt-get >/dev/null || cannot_install "needs ${missing[*]}, and this machine has no apt-get"
    local policy=/usr/sbin/policy-rc.d ours=""
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" && ours=1
    fi
    # The package lists are refreshed once per boot at most (several engines install in one run).
    local stamp=/tmp/.jobdeck-apt-updated
    if [ ! -e "$stamp" ] || [ "$(stat -c %Y "$stamp")" -lt "$(date -d "$(uptime -s)" +%s)" ]; then
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq >&2 && touch "$stamp"
    fi
    local status=0
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >&2 || status=$?
    [ -n "$ours" ] && rm -f "$policy"
    return $status
}

# pip_venv NAME PACKAGE...: a virtual environment of its own under ENGINES_CACHE, holding
# PACKAGEs; prints its path. Reused while its stamp names the same packages.
pip_venv() {
    local name=$1; shift
    local venv=$ENGINES_CACHE/$name stamp="$*"
    if [ "$(cat "$venv/.jobdeck-packages" 2>/dev/null)" != "$stamp" ]; then
        mkdir -p "$ENGINES_CACHE"
        rm -rf "$venv"
        python3 -m venv "$venv" >&2
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@" >&2
        echo "$stamp" > "$venv/.jobdeck-packages"
    fi
    echo "$venv"
}

# not COMMAND...: succeeds when COMMAND fails (for wait_until).
not() {
    ! "$@"
}

# wait_until SECONDS COMMAND...: runs COMMAND every 0.2 s until it succeeds; 1 on time out.
wait_until() {
    local deadline=$(( $(date +%s) + $1 )); shift
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -ge "$deadline" ] && return 1
        sleep 0.2
    done
}

# start_daemon BASE NAME COMMAND...: COMMAND in the background in a session of its own,
# output to BASE/log/NAME.log, pid to BASE/NAME.pid. Its environment names BASE
# (JOBDECK_ENGINE_BASE, inherited by whatever it starts): `sweep_marked` finds them by it.
start_daemon() {
    local base=$1 name=$2; shift 2
    mkdir -p "$base/log"
    JOBDECK_ENGINE_BASE=$(cd "$base" && pwd) setsid "$@" >"$base/log/$name.log" 2>&1 < /dev/null &
    echo $! > "$base/$name.pid"
}

# marked_pids BASE [SID...]: every process started under BASE, whatever process group it moved
# to and whoever is its parent now: by the environment start_daemon gave its daemons (a Ray
# job's entrypoint, in a session of its own), or by the session of one of the daemons, pids
# SID (an Airflow task runner, in a group of its own: setproctitle leaves such a process no
# environment to read).
marked_pids() {
    local base=$1 marker files file pid sessions
    shift
    marker="JOBDECK_ENGINE_BASE=$(cd "$base" 2>/dev/null && pwd)" || marker=""
    {
        if [ -n "$marker" ]; then
            files=$(grep -lzxF -- "$marker" /proc/[0-9]*/environ 2>/dev/null || true)
            for file in $files; do
                pid=${file#/proc/}; echo "${pid%/environ}"
            done
        fi
        if [ $# -gt 0 ]; then
            sessions=" $* "
            ps -eo pid=,sid= | while read -r pid sid; do
                case "$sessions" in *" $sid "*) echo "$pid" ;; esac
            done
        fi
    } | sort -u | while read -r pid; do
        [ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ] || ! is_running "$pid" || echo "$pid"
    done
}

# sweep_marked BASE GRACE [SID...]: SIGTERM to every process marked_pids finds, SIGKILL to those
# left after GRACE seconds. Run after the daemons are stopped: what they left running ends too.
sweep_marked() {
    local base=$1 grace=$2 left
    shift 2
    left=$(marked_pids "$base" "$@")
    [ -z "$left" ] && return 0
    kill -TERM $left 2>/dev/null || true
    local deadline=$(( $(date +%s) + grace ))
    while [ -n "$left" ] && [ "$(date +%s)" -lt "$deadline" ]; do
        sleep 0.2
        left=$(marked_pids "$base" "$@")
    done
    [ -z "$left" ] && return 0
    kill -KILL $left 2>/dev/null || true
    # Gone before `down` returns (a killed process takes a moment to end).
    wait_until 5 none_marked "$base" "$@" || true
}

# none_marked BASE [SID...]: marked_pids finds none (for wait_until).
none_marked() {
    [ -z "$(marked_pids "$@")" ]
}

# is_running PID: the process runs (a zombie does not: where PID 1 reaps no orphans, as in
# some containers, a stopped daemon stays a zombie, and kill -0 would wait out every grace).
is_running() {
    local state
    state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    [ -n "$state" ] && [ "${state#Z}" = "$state" ]
}

# group_running PGID: a process of that group runs (zombies aside, as for is_running).
group_running() {
    ps -eo pgid=,stat= | awk -v group="$1" '$1 == group && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}

# started_after_file PID FILE: the process PID started more than 2 s after FILE was last
# written: it is not the daemon whose pid FILE holds, but a later process given the same pid.
started_after_file() {
    local stat ticks btime hz written
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }  # past the command's name, which may hold spaces and parentheses
    ticks=$(echo "$stat" | awk '{ print $20 }')
    btime=$(awk '/^btime/ { print $2 }' /proc/stat)
    hz=$(getconf CLK_TCK)
    written=$(stat -c %Y "$2")
    [ $(( btime + ticks / hz )) -gt $(( written + 2 )) ]
}

# daemon_pid BASE NAME: the pid in BASE/NAME.pid, to stop the daemon's group or session by;
# nothing when there is no such file, or when that pid now belongs to a later process.
daemon_pid() {
    local file="$1/$2.pid" pid
    [ -f "$file" ] || return 0
    pid=$(cat "$file")
    if is_running "$pid" && started_after_file "$pid" "$file"; then
        echo "$2: pid $pid is no longer the daemon started under $1 (it ended); left alone" >&2
        return 0
    fi
    echo "$pid"
}

# stop_pids BASE SIGNAL GRACE NAME...: SIGNAL to each BASE/NAME.pid's process group (the
# session start_daemon gave it), then SIGKILL whatever is left after GRACE seconds. A pid
# file whose pid now belongs to a process started after it (the daemon died long ago and
# its pid was given again) is left alone, and so is that process: never another's group.
stop_pids() {
    local base=$1 signal=$2 grace=$3; shift 3
    local pids=() pid
    for name in "$@"; do
        pid=$(daemon_pid "$base" "$name")
        [ -n "$pid" ] || continue
        kill -"$signal" -- "-$pid" 2>/dev/null || kill -"$signal" "$pid" 2>/dev/null || true
        pids+=("$pid")
    done
    [ ${#pids[@]} -eq 0 ] && return 0
    local deadline=$(( $(date +%s) + grace ))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        local alive=0
        for pid in "${pids[@]}"; do is_running "$pid" && alive=1; done
        [ $alive = 0 ] && break
        sleep 0.2
    done
    for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; done
    for name in "$@"; do rm -f "$base/$name.pid"; done
}
