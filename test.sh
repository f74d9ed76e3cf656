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
script_name=test.sh
# shellcheck source=deploy/lib.sh
. deploy/lib.sh

run_root="$repo_root/.test-run"
run_dir=""
etcd_pid=""
dockerd_pid=""
dotnet_pid=""
cleaned=false

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
        # Clusters that tests brought up (minictl cluster up, MINIKUBE_HOME under $run_dir) and could not
        # tear down: cluster.json lists their processes, and their nodes' containers carry the node label.
        local state pid name
        while IFS= read -r state; do
            for pid in $(grep -o '"pid": [0-9]*' "$state" | grep -o '[0-9]*$' || true); do
                if grep -qaE 'minikube-|etcd' "/proc/$pid/cmdline" 2>/dev/null; then
                    log "warning: killing leftover cluster process $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
                    kill -KILL "$pid" 2>/dev/null || true
                fi
            done
            name=$(grep -o '"name": "[^"]*"' "$state" | head -n 1 | cut -d'"' -f4)
            if [ -n "$name" ]; then
                docker ps -a --filter "label=io.minikube.node" --format '{{.ID}} {{.Label "io.minikube.node"}}' 2>/dev/null \
                    | awk -v p="$name-node-" 'index($2, p) == 1 { print $1 }' | xargs -r docker rm -f >/dev/null 2>&1 || true
            fi
        done < <(find "$run_dir" -name cluster.json 2>/dev/null)
        # Test processes put their own etcd data dirs under $run_dir (MINIKUBE_TEST_TMPDIR); anything
        # still running with that unique path in its command line leaked from a crashed test host.
        # (pid is local already)
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
# Test-only extras: the official Python client (REST compatibility tests, tests/MiniKube.Kubectl.Tests) and Debian's
# chromium for the dashboard's Playwright tests (Playwright downloads nothing).
ensure_packages python3-kubernetes chromium
ensure_dotnet

mkdir -p "$run_root"
run_dir=$(mktemp -d "$run_root/run.XXXXXX")

# --- 2. docker ---------------------------------------------------------------------------------
ensure_dockerd "$run_dir/dockerd.log"

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
# Browser tests save screenshots under the results.
export MINIKUBE_TEST_RESULTS="$results"
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
