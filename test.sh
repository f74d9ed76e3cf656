#!/usr/bin/env bash
# The one test command, for developers and CI alike:
#
#   ./test.sh                     build and run every test
#   ./test.sh --filter Etcd       extra arguments go to `dotnet test`
#
# It installs what is missing (Debian packages), starts dockerd if it is not running, starts a
# private etcd on free loopback ports, builds the local images, runs `dotnet test MiniKube.sln`,
# and ends with one line `tests: N passed, N failed, N skipped`. Everything it started is stopped
# again on exit, including failures and Ctrl-C.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
repo_root=$(pwd)
# Non-root shells often lack the sbin directories, where dockerd, iptables and ip live.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

log() { printf 'test.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Prefix for commands that need root; an array rather than a function so that `$!` of a
# backgrounded command is the daemon itself (or the sudo that relays signals to it).
root_cmd=()
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then root_cmd=(sudo); fi
as_root() {
    if [ "$(id -u)" -ne 0 ] && [ ${#root_cmd[@]} -eq 0 ]; then die "not root and no sudo: cannot run '$*'"; fi
    "${root_cmd[@]}" "$@"
}

# Polls "$@" every 0.2 s until it succeeds or $1 seconds pass. Returns 1 on timeout.
wait_until() {
    local seconds=$1; shift
    local deadline=$(( $(date +%s) + seconds ))
    until "$@"; do
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

run_root="$repo_root/.test-run"
run_dir=""
etcd_pid=""
dockerd_pid=""
dotnet_pid=""
cleaned=false

# Background processes get their own process group (job control on just for the fork): a Ctrl-C in
# the terminal then reaches only this script, whose trap stops everything in a sensible order,
# instead of killing etcd under still-running tests. Sets bg_pid.
start_detached() {
    set -m
    "$@" </dev/null &
    bg_pid=$!
    set +m
}

stop_pid() { # pid seconds name [as_root]: SIGTERM, wait, then SIGKILL
    local pid=$1 seconds=$2 name=$3 prefix=${4:-}
    [ -n "$pid" ] || return 0
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    $prefix kill -TERM "$pid" 2>/dev/null || true
    if ! wait_until "$seconds" eval "! kill -0 $pid 2>/dev/null"; then
        log "$name (pid $pid) ignored SIGTERM for ${seconds}s; killing it"
        $prefix kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

stop_group() { # pgid seconds name: like stop_pid, for a whole process group (dotnet test and its hosts)
    local pgid=$1 seconds=$2 name=$3
    [ -n "$pgid" ] || return 0
    if kill -0 -- "-$pgid" 2>/dev/null; then
        log "stopping $name (process group $pgid)"
        kill -TERM -- "-$pgid" 2>/dev/null || true
        if ! wait_until "$seconds" eval "! kill -0 -- -$pgid 2>/dev/null"; then
            log "$name ignored SIGTERM for ${seconds}s; killing it"
            kill -KILL -- "-$pgid" 2>/dev/null || true
        fi
    fi
    wait "$pgid" 2>/dev/null || true
}

cleanup() {
    # A second Ctrl-C must not cut the cleanup short; every step below has its own deadline.
    trap '' INT TERM
    $cleaned && return 0
    cleaned=true
    # Only still running when the script was interrupted.
    stop_group "$dotnet_pid" 15 "dotnet test"
    dotnet_pid=""
    stop_pid "$etcd_pid" 10 etcd
    etcd_pid=""
    if [ -n "$run_dir" ]; then
        # Test processes put their own etcd data dirs under $run_dir (MINIKUBE_TEST_TMPDIR); anything
        # still running with that unique path in its command line leaked from a crashed test host.
        local pid
        for pid in $(pgrep -f -- "$run_dir/" || true); do
            [ "$pid" != "$$" ] || continue
            log "warning: killing leftover process $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
            kill -KILL "$pid" 2>/dev/null || true
        done
    fi
    if [ -n "$dockerd_pid" ]; then
        ! kill -0 "$dockerd_pid" 2>/dev/null || log "stopping the dockerd this script started (pid $dockerd_pid)"
        stop_pid "$dockerd_pid" 30 dockerd as_root
        dockerd_pid=""
    fi
    if [ -n "$run_dir" ]; then
        rm -rf "$run_dir"
        rmdir "$run_root" 2>/dev/null || true   # other runs may still be using it
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- 1. packages -------------------------------------------------------------------------------
pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
static_busybox() { [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; }

missing=()
# Command checks first, so Docker from other sources (e.g. docker-ce on CI runners) counts as present.
{ command -v docker && command -v dockerd; } >/dev/null 2>&1 || missing+=(docker.io)
command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
command -v etcdctl >/dev/null 2>&1 || missing+=(etcd-client)
{ pkg_installed busybox-static || static_busybox; } || missing+=(busybox-static)
command -v iptables >/dev/null 2>&1 || missing+=(iptables)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get to install them"
    log "installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! command -v dotnet >/dev/null 2>&1; then
    for dir in "${DOTNET_ROOT:-}" "$HOME/.dotnet" /usr/share/dotnet /usr/lib/dotnet; do
        if [ -n "$dir" ] && [ -x "$dir/dotnet" ]; then export PATH="$dir:$PATH"; break; fi
    done
    command -v dotnet >/dev/null 2>&1 || die "dotnet not found: install the .NET 10 SDK (or set DOTNET_ROOT)"
fi

mkdir -p "$run_root"
run_dir=$(mktemp -d "$run_root/run.XXXXXX")

# --- 2. docker ---------------------------------------------------------------------------------
docker_ready() { docker info >/dev/null 2>&1; }
dockerd_alive_or_ready() { docker_ready || ! kill -0 "$dockerd_pid" 2>/dev/null; }
if ! docker_ready; then
    log "docker is not running; starting dockerd (log: $run_dir/dockerd.log)"
    if [ "$(id -u)" -ne 0 ] && [ ${#root_cmd[@]} -eq 0 ]; then die "docker is not running and starting dockerd needs root or sudo"; fi
    start_detached "${root_cmd[@]}" dockerd >"$run_dir/dockerd.log" 2>&1
    dockerd_pid=$bg_pid
    if ! wait_until 60 dockerd_alive_or_ready || ! docker_ready; then
        tail -n 30 "$run_dir/dockerd.log" >&2 || true
        if kill -0 "$dockerd_pid" 2>/dev/null; then
            die "dockerd did not answer 'docker info' within 60 s (log above)"
        fi
        die "dockerd exited before answering 'docker info' (log above)"
    fi
    log "dockerd is up"
fi

# --- 3. etcd -----------------------------------------------------------------------------------
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Below the kernel's ephemeral range (32768+) and the NodePort range (30000-32767).
pick_port() {
    local port attempt
    for attempt in $(seq 1 200); do
        port=$(( 20000 + RANDOM % 9000 ))
        if [ "$port" != "${1:-}" ] && ! port_open "$port"; then echo "$port"; return 0; fi
    done
    die "no free loopback port found in 20000-28999"
}
etcd_healthy() {
    ETCDCTL_API=3 etcdctl --endpoints "$etcd_url" --dial-timeout 1s --command-timeout 2s endpoint health >/dev/null 2>&1
}
etcd_exited_or_healthy() { etcd_healthy || ! kill -0 "$etcd_pid" 2>/dev/null; }

etcd_url=""
for attempt in 1 2 3; do
    client_port=$(pick_port)
    peer_port=$(pick_port "$client_port")
    etcd_url="http://127.0.0.1:$client_port"
    peer_url="http://127.0.0.1:$peer_port"
    etcd_log="$run_dir/etcd.log"
    rm -rf "$run_dir/etcd-data"
    start_detached etcd --name minikube-test --data-dir "$run_dir/etcd-data" \
        --listen-client-urls "$etcd_url" --advertise-client-urls "$etcd_url" \
        --listen-peer-urls "$peer_url" --initial-advertise-peer-urls "$peer_url" \
        --initial-cluster "minikube-test=$peer_url" --initial-cluster-state new \
        --logger zap --log-outputs stderr >"$etcd_log" 2>&1
    etcd_pid=$bg_pid
    if wait_until 30 etcd_exited_or_healthy && etcd_healthy; then
        break
    fi
    if ! kill -0 "$etcd_pid" 2>/dev/null && grep -qi 'address already in use' "$etcd_log" && [ "$attempt" -lt 3 ]; then
        # Someone took a port between the probe and etcd's bind: try others.
        wait "$etcd_pid" 2>/dev/null || true
        etcd_pid=""
        continue
    fi
    tail -n 30 "$etcd_log" >&2 || true
    die "etcd did not become healthy on $etcd_url within 30 s (log above)"
done
log "etcd is healthy at $etcd_url (pid $etcd_pid)"

# --- 4. images ---------------------------------------------------------------------------------
deploy/images/build.sh

# --- 5. tests ----------------------------------------------------------------------------------
export MINIKUBE_TEST_ETCD="$etcd_url"
export MINIKUBE_TEST_TMPDIR="$run_dir/tmp"
export MINIKUBE_TEST_REQUIRE_DOCKER=1
# Testcontainers 4.x does not negotiate the API version: pin it to the engine's own (1.41 for
# Debian's docker.io; newer engines reject versions below their minimum). No reaper image to pull.
if [ -z "${DOCKER_API_VERSION:-}" ]; then
    DOCKER_API_VERSION=$(docker version --format '{{.Server.APIVersion}}')
    export DOCKER_API_VERSION
fi
export TESTCONTAINERS_RYUK_DISABLED="${TESTCONTAINERS_RYUK_DISABLED:-true}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
mkdir -p "$MINIKUBE_TEST_TMPDIR"

results="$run_dir/results"
status=0
# In the background so that a signal to this script is handled at once (bash defers traps while a
# foreground command runs) and the trap can stop the whole test run.
start_detached dotnet test MiniKube.sln --logger trx --results-directory "$results" "$@"
dotnet_pid=$bg_pid
wait "$dotnet_pid" || status=$?
dotnet_pid=""

# Count per test result rather than from the <Counters> summary, which leaves skipped tests out.
outcomes=$(cat /dev/null "$results"/*.trx 2>/dev/null | grep -o '<UnitTestResult [^>]*>' | grep -o ' outcome="[A-Za-z]*"' || true)
count() { grep -cE "\"($1)\"" <<<"$outcomes" || true; }
passed=$(count Passed)
failed=$(count 'Failed|Error|Timeout|Aborted')
skipped=$(count NotExecuted)

cleanup
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    log "dotnet test exited with $status: the build failed or a test run aborted (see above)"
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then
    exit 1
fi
