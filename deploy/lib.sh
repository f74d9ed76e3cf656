#!/usr/bin/env bash
# Shell functions shared by ./test.sh and ./up.sh. Source it (after setting `script_name` for log lines);
# it only defines functions and extends PATH, it starts nothing.

# Non-root shells often lack the sbin directories, where dockerd, iptables and ip live.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

log() { printf '%s: %s\n' "${script_name:-minikube}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Prefix for commands that need root; an array rather than a function so that `$!` of a
# backgrounded command is the daemon itself (or the sudo that relays signals to it).
root_cmd=()
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then root_cmd=(sudo); fi
can_be_root() { [ "$(id -u)" -eq 0 ] || [ ${#root_cmd[@]} -gt 0 ]; }
as_root() {
    can_be_root || die "not root and no sudo: cannot run '$*'"
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

# Background processes get their own process group (job control on just for the fork): a Ctrl-C in
# the terminal then reaches only the script, whose trap stops everything in a sensible order. Sets bg_pid.
start_detached() {
    set -m
    "$@" </dev/null &
    bg_pid=$!
    set +m
}

pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
static_busybox() { [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; }

# Installs with apt-get what MiniKube needs and is missing: Docker, etcd (server and etcdctl),
# a static busybox for the local images, curl (copied into the minikube/curl image; tests call the
# kubelet with it), iptables and iproute2 (and any extra packages named).
ensure_packages() {
    local missing=() extra
    for extra in "$@"; do
        pkg_installed "$extra" || missing+=("$extra")
    done
    # Command checks first, so Docker from other sources (e.g. docker-ce on CI runners) counts as present.
    { command -v docker && command -v dockerd; } >/dev/null 2>&1 || missing+=(docker.io)
    command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
    command -v etcdctl >/dev/null 2>&1 || missing+=(etcd-client)
    { pkg_installed busybox-static || static_busybox; } || missing+=(busybox-static)
    command -v curl >/dev/null 2>&1 || missing+=(curl)
    command -v iptables >/dev/null 2>&1 || missing+=(iptables)
    command -v ip >/dev/null 2>&1 || missing+=(iproute2)
    if [ ${#missing[@]} -gt 0 ]; then
        command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get to install them"
        log "installing ${missing[*]}"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
}

# Puts dotnet on PATH if it is installed somewhere usual.
ensure_dotnet() {
    if ! command -v dotnet >/dev/null 2>&1; then
        local dir
        for dir in "${DOTNET_ROOT:-}" "$HOME/.dotnet" /usr/share/dotnet /usr/lib/dotnet; do
            if [ -n "$dir" ] && [ -x "$dir/dotnet" ]; then export PATH="$dir:$PATH"; break; fi
        done
        command -v dotnet >/dev/null 2>&1 || die "dotnet not found: install the .NET 10 SDK (or set DOTNET_ROOT)"
    fi
}

docker_ready() { docker info >/dev/null 2>&1; }
dockerd_alive_or_ready() { docker_ready || ! kill -0 "$dockerd_pid" 2>/dev/null; }

# Starts dockerd if Docker does not answer, logging to $1, and waits until it does. Sets dockerd_pid
# (empty when Docker was already running). With $2 = keep, dockerd gets a session of its own and
# outlives the script (./up.sh); otherwise it is in a process group the caller stops (./test.sh).
dockerd_pid=""
ensure_dockerd() {
    local logfile=$1 mode=${2:-}
    docker_ready && return 0
    log "docker is not running; starting dockerd (log: $logfile)"
    can_be_root || die "docker is not running and starting dockerd needs root or sudo"
    if [ "$mode" = keep ]; then
        "${root_cmd[@]}" setsid dockerd </dev/null >>"$logfile" 2>&1 &
        dockerd_pid=$!
    else
        start_detached "${root_cmd[@]}" dockerd >"$logfile" 2>&1
        dockerd_pid=$bg_pid
    fi
    if ! wait_until 60 dockerd_alive_or_ready || ! docker_ready; then
        tail -n 30 "$logfile" >&2 || true
        if kill -0 "$dockerd_pid" 2>/dev/null; then
            die "dockerd did not answer 'docker info' within 60 s (log above)"
        fi
        die "dockerd exited before answering 'docker info' (log above)"
    fi
    log "dockerd is up"
}
