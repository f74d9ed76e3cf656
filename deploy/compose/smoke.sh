#!/usr/bin/env bash
# Manual check of the docker-compose cluster (not part of ./test.sh: building the images takes minutes):
# builds the images if missing, starts the cluster, waits until the three nodes are Ready through the published
# API port, runs one pod to Running on a compose node, and tears everything down again (also on failure).
#
#   deploy/compose/smoke.sh            build what is missing, up, check, down
#   deploy/compose/smoke.sh --keep     leave the cluster running
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
script_name=smoke.sh
# shellcheck source=../lib.sh
. deploy/lib.sh

keep=false
[ "${1:-}" = --keep ] && keep=true
compose=(docker-compose -f deploy/compose/docker-compose.yml -p minikube)
server=http://127.0.0.1:18081
minictl=(dotnet src/MiniKube.Cli/bin/Release/net10.0/minictl.dll --server "$server" --request-timeout 10s)
nodes=(compose-node-1 compose-node-2 compose-node-3)

teardown() {
    $keep && return 0
    log "tearing down"
    "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
    local node
    for node in "${nodes[@]}"; do
        docker ps -aq --filter "label=io.minikube.node=$node" | xargs -r docker rm -f >/dev/null 2>&1 || true
    done
}
trap teardown EXIT

deploy/compose/build-images.sh
[ -f src/MiniKube.Cli/bin/Release/net10.0/minictl.dll ] || dotnet build src/MiniKube.Cli -c Release -v quiet -nologo >/dev/null

started=$(date +%s)
"${compose[@]}" up -d
all_ready() {
    local out
    out=$("${minictl[@]}" get nodes 2>/dev/null) || return 1
    [ "$(grep -cE '^compose-node-[123] +Ready ' <<<"$out")" -eq 3 ]
}
if ! wait_until 180 all_ready; then
    "${compose[@]}" ps >&2
    "${compose[@]}" logs --tail 20 >&2 || true
    die "the three compose nodes did not become Ready within 180 s"
fi
log "3 nodes Ready $(( $(date +%s) - started )) s after docker-compose up"
"${minictl[@]}" get nodes -o wide

pod=smoke-$RANDOM
cat <<YAML | "${minictl[@]}" create -f -
apiVersion: v1
kind: Pod
metadata:
  name: $pod
spec:
  containers:
  - name: app
    image: minikube/busybox:1.0
    command: ["sh", "-c", "echo hello from \$(hostname); sleep 3600"]
YAML
pod_running() { "${minictl[@]}" get pod "$pod" 2>/dev/null | grep -q ' Running '; }
wait_until 90 pod_running || { "${minictl[@]}" describe pod "$pod" >&2 || true; die "pod $pod did not reach Running"; }
"${minictl[@]}" get pod "$pod" -o wide
"${minictl[@]}" delete pod "$pod" --grace-period 1 >/dev/null
log "smoke test passed"
