#!/usr/bin/env bash
# One command from a fresh Debian/Ubuntu machine (with the .NET 10 SDK) to a running local cluster:
#
#   ./up.sh                  2 nodes
#   ./up.sh --nodes 3        extra arguments go to `minictl cluster up`
#
# It installs what is missing (docker.io, etcd-server, etcd-client, busybox-static, iptables, iproute2),
# starts dockerd if Docker is not running (detached, log in $MINIKUBE_HOME/logs/dockerd.log), publishes
# MiniKube precompiled (ReadyToRun: `dotnet publish -c Release -r linux-x64`, so no component JIT-compiles its code
# on its first requests; see docs/benchmarks.md, "#18 precompiled components"), runs that `minictl cluster up`
# (which starts the components from the same directory) and shows `minictl get nodes`.
# Stop the cluster with `minictl cluster down` (see the end of the output for the minictl path).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
script_name=up.sh
# shellcheck source=deploy/lib.sh
. deploy/lib.sh

minikube_home=${MINIKUBE_HOME:-$HOME/.minikube}
bin_dir="$(pwd)/src/MiniKube.Cli/bin/Release/net10.0/linux-x64/publish"
minictl="$bin_dir/minictl"

ensure_packages
ensure_dotnet
mkdir -p "$minikube_home/logs"
ensure_dockerd "$minikube_home/logs/dockerd.log" keep

log "publishing MiniKube precompiled (dotnet publish -c Release -r linux-x64, ReadyToRun)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
: >"$minikube_home/logs/build.log"
# minictl's publish brings every component (project references); the dashboard is published on top of it for its
# static web assets (wwwroot and their endpoint manifest), which a referencing project's publish leaves out.
for project in src/MiniKube.Cli/MiniKube.Cli.csproj src/MiniKube.Dashboard/MiniKube.Dashboard.csproj; do
    if ! dotnet publish "$project" -c Release -r linux-x64 --self-contained false -o "$bin_dir" \
            -v quiet -nologo -clp:ErrorsOnly >>"$minikube_home/logs/build.log" 2>&1; then
        tail -n 40 "$minikube_home/logs/build.log" >&2
        die "publishing $project failed (full log: $minikube_home/logs/build.log)"
    fi
done

"$minictl" cluster up "$@"
echo
"$minictl" get nodes
echo
echo "minictl is $minictl; put it on your PATH, e.g.: export PATH=\"$bin_dir:\$PATH\""
