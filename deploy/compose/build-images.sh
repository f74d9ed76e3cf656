#!/usr/bin/env bash
# Builds the images of the docker-compose cluster, locally and without any registry:
#
#   minikube/debian:<codename>      Debian base made with debootstrap (minbase), imported with `docker import`
#   minikube/etcd:local             the same tree with etcd-server installed
#   minikube/apiserver:local        the base plus a self-contained, ReadyToRun `dotnet publish -r linux-x64` of each component
#   minikube/scheduler:local
#   minikube/controller-manager:local
#   minikube/kubelet:local
#   minikube/proxy:local
#   minikube/dashboard:local
#
#   deploy/compose/build-images.sh            build what is missing
#   deploy/compose/build-images.sh --force    rebuild everything
#
# The Debian suite and mirror are the host's own (its apt sources); DEBIAN_SUITE and DEBIAN_MIRROR override them.
# Also builds the pod images (deploy/images/build.sh). Needs root (debootstrap, chroot) and Docker.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
repo_root=$(pwd)
script_name=build-images.sh
# shellcheck source=../lib.sh
. deploy/lib.sh

force=false
for arg in "$@"; do
    case "$arg" in
        --force) force=true ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$arg' (use --force or --help)" ;;
    esac
done

components=(apiserver scheduler controller-manager kubelet proxy dashboard)
declare -A projects=(
    [apiserver]=src/MiniKube.ApiServer/MiniKube.ApiServer.csproj
    [scheduler]=src/MiniKube.Scheduler/MiniKube.Scheduler.csproj
    [controller-manager]=src/MiniKube.ControllerManager/MiniKube.ControllerManager.csproj
    [kubelet]=src/MiniKube.Kubelet/MiniKube.Kubelet.csproj
    [proxy]=src/MiniKube.Proxy/MiniKube.Proxy.csproj
    [dashboard]=src/MiniKube.Dashboard/MiniKube.Dashboard.csproj
)

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }
wanted() { $force || ! image_exists "$1"; }

# The host's Debian suite and mirror (deb822 sources first, then the one-line format).
host_suite() { . /etc/os-release && echo "${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}"; }
host_mirror() {
    local uri=""
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
    fi
    if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
        uri=$(awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list)
    fi
    [ -n "$uri" ] || die "cannot tell the Debian mirror from the apt sources: set DEBIAN_MIRROR"
    echo "$uri"
}

ensure_packages debootstrap
ensure_dotnet
ensure_dockerd /var/log/minikube-dockerd.log keep
deploy/images/build.sh

suite=${DEBIAN_SUITE:-$(host_suite)}
mirror=${DEBIAN_MIRROR:-$(host_mirror)}
base_image="minikube/debian:$suite"
work="$repo_root/deploy/compose/.build"
mkdir -p "$work"
: >"$work/chroot.log"

# --- Debian base and etcd ----------------------------------------------------------------------
import_tree() { # tree image
    tar --numeric-owner -C "$1" -c . | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$2" >/dev/null
    log "built $2"
}

if wanted "$base_image" || wanted minikube/etcd:local; then
    tree="$work/rootfs"
    as_root rm -rf "$tree"
    log "debootstrap $suite (minbase) from $mirror"
    started=$(date +%s)
    as_root debootstrap --variant=minbase "$suite" "$tree" "$mirror" >"$work/debootstrap.log" 2>&1 \
        || { tail -n 30 "$work/debootstrap.log" >&2; die "debootstrap failed (log: $work/debootstrap.log)"; }
    log "debootstrap took $(( $(date +%s) - started )) s"
    # apt in a chroot: the host's resolver, and no service may start there.
    as_root cp /etc/resolv.conf "$tree/etc/resolv.conf"
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$tree/usr/sbin/policy-rc.d" >/dev/null
    as_root chmod +x "$tree/usr/sbin/policy-rc.d"
    in_tree() { as_root chroot "$tree" env DEBIAN_FRONTEND=noninteractive "$@" >>"$work/chroot.log" 2>&1; }
    tidy_tree() { as_root rm -rf "$tree"/var/cache/apt/archives/*.deb "$tree"/var/lib/apt/lists/*; }
    in_tree apt-get update -q || { tail -n 30 "$work/chroot.log" >&2; die "apt-get update in the tree failed"; }
    # .NET's cryptography (hashes included) loads OpenSSL: libssl3 (libssl3t64 from trixie on). The proxy runs iptables
    # and ip (iptables, iproute2).
    in_tree apt-get install -y -q --no-install-recommends ca-certificates libssl3 iptables iproute2 \
        || in_tree apt-get install -y -q --no-install-recommends ca-certificates libssl3t64 iptables iproute2 \
        || { tail -n 30 "$work/chroot.log" >&2; die "installing libssl in the tree failed (log: $work/chroot.log)"; }
    tidy_tree
    as_root truncate -s 0 "$tree/etc/resolv.conf"
    import_tree "$tree" "$base_image"

    # etcd: the same tree with etcd-server.
    as_root cp /etc/resolv.conf "$tree/etc/resolv.conf"
    in_tree apt-get update -q && in_tree apt-get install -y -q --no-install-recommends etcd-server \
        || { tail -n 30 "$work/chroot.log" >&2; die "installing etcd-server in the tree failed (log: $work/chroot.log)"; }
    tidy_tree
    as_root rm -f "$tree/usr/sbin/policy-rc.d"
    as_root truncate -s 0 "$tree/etc/resolv.conf"
    import_tree "$tree" minikube/etcd:local
    as_root rm -rf "$tree"
fi

# --- components: self-contained ReadyToRun publishes on the base (precompiled: no JIT on first requests) -------
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
for component in "${components[@]}"; do
    image="minikube/$component:local"
    wanted "$image" || continue
    context="$work/$component"
    rm -rf "$context"
    mkdir -p "$context"
    log "dotnet publish ${projects[$component]} (linux-x64, self-contained, ReadyToRun)"
    dotnet publish "${projects[$component]}" -c Release -r linux-x64 --self-contained -p:PublishReadyToRun=true -o "$context/app" -v quiet -nologo >"$work/publish-$component.log" 2>&1 \
        || { tail -n 30 "$work/publish-$component.log" >&2; die "publishing $component failed (log: $work/publish-$component.log)"; }
    cat >"$context/Dockerfile" <<DOCKERFILE
FROM $base_image
COPY app/ /opt/minikube/
# The GC settings ship in each runtimeconfig.json (Directory.Build.targets); few glibc malloc arenas (see docs/benchmarks.md).
ENV MALLOC_ARENA_MAX=2
ENTRYPOINT ["/opt/minikube/minikube-$component"]
DOCKERFILE
    # The classic builder: builds FROM a local image without a registry (no BuildKit plugin needed).
    DOCKER_BUILDKIT=0 docker build -q -t "$image" "$context" >"$work/build-$component.log" 2>&1 \
        || { cat "$work/build-$component.log" >&2; die "docker build of $image failed"; }
    log "built $image"
    rm -rf "$context"
done
log "images ready: $base_image minikube/etcd:local $(printf 'minikube/%s:local ' "${components[@]}")"
