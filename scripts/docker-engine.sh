#!/usr/bin/env bash
# Start or stop a local Docker engine for builds and tests.
#   scripts/docker-engine.sh up      install docker.io + debootstrap if missing (root), start dockerd if no engine
#                                    answers, wait until `docker info` answers; records a pid file when it started it
#   scripts/docker-engine.sh down    stop the engine only if `up` started it
#   scripts/docker-engine.sh status  say whether an engine answers and who started it
# Idempotent: running `up` twice starts one engine; `down` without a recorded start leaves a foreign engine alone.
set -euo pipefail

DOCKER=/usr/bin/docker                      # Debian's client: matches the 20.10 engine (the one first on PATH may not)
STATE_DIR=${DOCKER_ENGINE_STATE_DIR:-/tmp/docker-engine}
PID_FILE=$STATE_DIR/dockerd.pid
LOG_FILE=$STATE_DIR/dockerd.log
TIMEOUT=${DOCKER_ENGINE_TIMEOUT:-90}        # seconds to wait for the engine to answer

say() { printf 'docker-engine: %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

engine_answers() {
    [ -x "$DOCKER" ] && "$DOCKER" info >/dev/null 2>&1
}

recorded_pid() {
    # Print the pid recorded by `up` if that process is still a dockerd; nothing otherwise.
    [ -f "$PID_FILE" ] || return 0
    local pid
    pid=$(cat "$PID_FILE" 2>/dev/null || true)
    case "$pid" in ''|*[!0-9]*) return 0 ;; esac
    if [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = dockerd ]; then
        echo "$pid"
    fi
}

install_missing() {
    local missing=()
    [ -x /usr/sbin/dockerd ] && [ -x "$DOCKER" ] || missing+=(docker.io)
    command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        die "missing ${missing[*]}; run as root or install them: sudo apt-get install -y ${missing[*]}"
    fi
    say "installing ${missing[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || die "apt-get update failed; check the machine's Debian mirror"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || die "apt-get install ${missing[*]} failed"
}

wait_for_engine() {
    local pid=$1 waited=0
    while ! engine_answers; do
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            say "dockerd exited early; last lines of $LOG_FILE:"
            tail -n 20 "$LOG_FILE" >&2 || true
            rm -f "$PID_FILE"
            die "dockerd did not start (see $LOG_FILE)"
        fi
        if [ "$waited" -ge "$TIMEOUT" ]; then
            tail -n 20 "$LOG_FILE" >&2 || true
            die "no answer from '$DOCKER info' after ${TIMEOUT}s (log: $LOG_FILE; raise DOCKER_ENGINE_TIMEOUT to wait longer)"
        fi
        sleep 1
        waited=$((waited + 1))
    done
}

cmd_up() {
    install_missing
    if engine_answers; then
        if [ -n "$(recorded_pid)" ]; then
            say "engine already running (started by this script, pid $(recorded_pid))"
        else
            say "engine already running (not started by this script; 'down' will leave it alone)"
        fi
        return 0
    fi
    local pid
    pid=$(recorded_pid)
    if [ -z "$pid" ]; then
        [ "$(id -u)" = 0 ] || die "no Docker engine answers and starting dockerd needs root"
        mkdir -p "$STATE_DIR"
        rm -f "$PID_FILE"
        say "starting dockerd (log: $LOG_FILE)"
        # setsid: the engine outlives this shell and is not killed with its process group
        setsid /usr/sbin/dockerd >>"$LOG_FILE" 2>&1 < /dev/null &
        pid=$!
        echo "$pid" > "$PID_FILE"
    else
        say "dockerd pid $pid recorded but not answering yet; waiting"
    fi
    wait_for_engine "$pid"
    say "engine answers: $("$DOCKER" version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}}')"
}

cmd_down() {
    local pid waited=0
    pid=$(recorded_pid)
    if [ -z "$pid" ]; then
        rm -f "$PID_FILE"
        say "no engine started by this script; nothing to stop"
        return 0
    fi
    say "stopping dockerd pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$waited" -ge 30 ]; then
            say "dockerd pid $pid still running after 30s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 1
        waited=$((waited + 1))
    done
    rm -f "$PID_FILE"
    say "stopped"
}

cmd_status() {
    if engine_answers; then
        if [ -n "$(recorded_pid)" ]; then echo "running (started by this script, pid $(recorded_pid))"
        else echo "running (not started by this script)"; fi
    else
        echo "not running"; return 3
    fi
}

case "${1:-}" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
