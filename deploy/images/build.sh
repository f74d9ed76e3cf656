#!/usr/bin/env bash
# Builds MiniKube's local images without any registry: `docker import` of a root tree made
# from Debian's statically linked busybox (package busybox-static).
#
#   deploy/images/build.sh            build only the images that are missing
#   deploy/images/build.sh --force    rebuild all of them
#
# Images:
#   minikube/pause:latest      pod sandbox; blocks forever, exits promptly on SIGTERM/SIGINT
#   minikube/busybox:1.0       test workloads (default command: sh); also tagged :latest
#   minikube/busybox:2.0       same files, different label/env, so a different image ID
#                              (rolling-update tests need two distinct images)
#   minikube/curl:1.0          busybox plus the host's curl and the libraries it links (a TLS client
#                              that checks certificates, for pods calling the API in tests)
set -euo pipefail

force=false
for arg in "$@"; do
    case "$arg" in
        --force) force=true ;;
        -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "build.sh: unknown argument '$arg' (use --force or --help)" >&2; exit 2 ;;
    esac
done

busybox_bin=/bin/busybox
command -v docker >/dev/null || { echo "build.sh: docker not found (apt-get install docker.io)" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "build.sh: the docker daemon is not reachable (is dockerd running?)" >&2; exit 1; }

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

wanted=(minikube/pause:latest minikube/busybox:1.0 minikube/busybox:latest minikube/busybox:2.0 minikube/curl:1.0)
missing=()
for image in "${wanted[@]}"; do
    if $force || ! image_exists "$image"; then missing+=("$image"); fi
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "images: all present (${wanted[*]}); use --force to rebuild"
    exit 0
fi

[ -x "$busybox_bin" ] || { echo "build.sh: $busybox_bin missing (apt-get install busybox-static)" >&2; exit 1; }
# A dynamically linked busybox would fail inside the image with a confusing 'no such file'.
if command -v ldd >/dev/null && ldd "$busybox_bin" >/dev/null 2>&1; then
    echo "build.sh: $busybox_bin is not a static ELF binary (install busybox-static, not busybox)" >&2
    exit 1
fi

started=$(date +%s%N)
work=$(mktemp -d "${TMPDIR:-/tmp}/minikube-images.XXXXXX")
trap 'rm -rf "$work"' EXIT

root="$work/root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,var/www,proc,sys,dev}
install -d -m 1777 "$root/tmp"
install -m 0755 "$busybox_bin" "$root/bin/busybox"
# One symlink per applet at the path busybox itself reports (bin/sh, usr/bin/wget, sbin/ip ...).
while IFS= read -r applet; do
    case "$applet" in
        */*) ;;
        *) continue ;;   # 'linuxrc' sits at / and would only shadow nothing useful
    esac
    [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done < <("$busybox_bin" --list-full)
printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' > "$root/etc/passwd"
printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' > "$root/etc/group"
tarball="$work/rootfs.tar"
# Fixed owner and sorted names keep the layer identical between builds of the same busybox.
tar --numeric-owner --owner=0 --group=0 --sort=name -C "$root" -cf "$tarball" .

# The curl image: the same tree plus curl and every library ldd names (busybox's wget cannot do TLS with
# our ECDSA certificates and does not check certificates at all).
curl_tarball="$work/curl-rootfs.tar"
if printf '%s\n' "${missing[@]}" | grep -qx 'minikube/curl:1.0'; then
    curl_bin=$(command -v curl) || { echo "build.sh: curl missing (apt-get install curl)" >&2; exit 1; }
    curl_root="$work/curl-root"
    cp -a "$root" "$curl_root"
    install -D -m 0755 "$curl_bin" "$curl_root/usr/bin/curl"
    while IFS= read -r lib; do
        install -D -m 0755 "$lib" "$curl_root$lib"
    done < <(ldd "$curl_bin" | grep -o '/[^ ]*')
    tar --numeric-owner --owner=0 --group=0 --sort=name -C "$curl_root" -cf "$curl_tarball" .
fi

path_env='ENV PATH=/bin:/usr/bin:/sbin:/usr/sbin'
# PID 1 ignores signals it has no handler for, so the sandbox installs one: without it
# `docker stop` would wait out the whole grace period and then SIGKILL every pod sandbox.
pause_cmd='CMD ["/bin/sh", "-c", "trap \"exit 0\" TERM INT; while :; do sleep 3600 & wait $!; done"]'

build() {
    local image=$1; shift
    local id from=$tarball
    [ "$image" = minikube/curl:1.0 ] && from=$curl_tarball
    id=$(docker import "$@" "$from" "$image")
    echo "built $image ${id#sha256:}"
}

# --force leaves the images it replaces untagged; remember them to drop them at the end.
replaced=()
for image in "${missing[@]}"; do
    replaced+=("$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)")
done

for image in "${missing[@]}"; do
    case "$image" in
        minikube/pause:latest)
            build "$image" --change "$path_env" --change "$pause_cmd" \
                --change 'LABEL io.minikube.image=pause' ;;
        minikube/busybox:1.0)
            build "$image" --change "$path_env" --change 'CMD ["sh"]' \
                --change 'ENV MINIKUBE_IMAGE_VERSION=1.0' \
                --change 'LABEL io.minikube.image=busybox io.minikube.version=1.0' ;;
        minikube/busybox:latest)
            # :latest is the 1.0 image; build it first if this run has not already.
            image_exists minikube/busybox:1.0 || { echo "build.sh: minikube/busybox:1.0 missing" >&2; exit 1; }
            docker tag minikube/busybox:1.0 minikube/busybox:latest
            echo "tagged minikube/busybox:latest -> minikube/busybox:1.0" ;;
        minikube/busybox:2.0)
            build "$image" --change "$path_env" --change 'CMD ["sh"]' \
                --change 'ENV MINIKUBE_IMAGE_VERSION=2.0' \
                --change 'LABEL io.minikube.image=busybox io.minikube.version=2.0' ;;
        minikube/curl:1.0)
            build "$image" --change "$path_env" --change 'CMD ["sh"]' \
                --change 'LABEL io.minikube.image=curl io.minikube.version=1.0' ;;
    esac
done

for old in "${replaced[@]}"; do
    [ -n "$old" ] || continue
    if [ -z "$(docker image inspect --format '{{join .RepoTags ""}}' "$old" 2>/dev/null || echo gone)" ]; then
        docker rmi "$old" >/dev/null 2>&1 || true   # still fails, harmlessly, if a container uses it
    fi
done

elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
echo "images: built ${missing[*]} in ${elapsed_ms} ms"
