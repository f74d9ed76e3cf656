#!/usr/bin/env bash
# One command from a fresh Debian/Ubuntu machine (with the .NET 10 SDK) to a running local cluster:
#
#   ./up.sh                  2 nodes
#   ./up.sh --nodes 3        extra arguments go to `minictl cluster up`
#
# It installs what is missing (docker.io, etcd-server, etcd-client, busybox-static, iptables, iproute2),
# starts dockerd if Docker is not running (detached, log in $MINIKUBE_HOME/logs/dockerd.log), builds
# MiniKube (dotnet build -c Release), runs `minictl cluster up` and shows `minictl get nodes`.
# Stop the cluster with `minictl cluster down` (see the end of the output for the minictl path).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
script_name=up.sh
# shellcheck source=deploy/lib.sh
. deploy/lib.sh

minikube_home=${MINIKUBE_HOME:-$HOME/.minikube}
bin_dir="$(pwd)/src/MiniKube.Cli/bin/Release/net10.0"
minictl="$bin_dir/minictl"

ensure_packages
ensure_dotnet
mkdir -p "$minikube_home/logs"
ensure_dockerd "$minikube_home/logs/dockerd.log" keep

log "building MiniKube (dotnet build -c Release)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if ! dotnet build src/MiniKube.Cli/MiniKube.Cli.csproj -c Release -v quiet -nologo -clp:ErrorsOnly >"$minikube_home/logs/build.log" 2>&1; then
    tail -n 40 "$minikube_home/logs/build.log" >&2
    die "the build failed (full log: $minikube_home/logs/build.log)"
fi

"$minictl" cluster up "$@"
echo
"$minictl" get nodes
echo
echo "minictl is $minictl; put it on your PATH, e.g.: export PATH=\"$bin_dir:\$PATH\""
