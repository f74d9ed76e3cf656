#!/usr/bin/env bash
# Makes the compose clusters' PKI in deploy/compose/pki (mounted read-only at /etc/minikube/pki in every container) with
# `minictl cluster certs`, the same code as `minictl cluster up`'s PKI: the cluster CA; the API servers' serving certificate
# (127.0.0.1, localhost, apiserver, apiserver-1..3 and the compose network's gateway 172.29.87.1); etcd's server and peer
# certificates (etcd, etcd-1..3); client and serving certificates for the kubelets compose-node-1..3 (serving for their
# --address 172.29.87.1); the scheduler's, controller-manager's, proxy's, dashboard's, the API server's kubelet and etcd
# client certificates; the admin's certificate with pki/minictl.conf (MINIKUBE_CONFIG) and pki/admin.conf (KUBECONFIG);
# the service account key pair all API servers share; the encryption config. Keys 0600, the directory 0700.
# A second run keeps every file (so a running cluster and copies of ca.crt stay valid); rm -r deploy/compose/pki starts over.
#
#   deploy/compose/certs.sh         for docker-compose.yml      (minictl.conf names https://127.0.0.1:18081)
#   deploy/compose/certs.sh --ha    for docker-compose.ha.yml   (the three API servers' published gRPC ports)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
script_name=certs.sh
# shellcheck source=../lib.sh
. deploy/lib.sh

server=https://127.0.0.1:18081
for arg in "$@"; do
    case "$arg" in
        --ha) server=https://127.0.0.1:18081,https://127.0.0.1:18181,https://127.0.0.1:18281 ;;
        -h|--help) sed -n '2,/^set /{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$arg' (use --ha or --help)" ;;
    esac
done

minictl_dll=src/MiniKube.Cli/bin/Release/net10.0/minictl.dll
[ -f "$minictl_dll" ] || dotnet build src/MiniKube.Cli -c Release -v quiet -nologo >/dev/null
dotnet "$minictl_dll" cluster certs --cert-dir deploy/compose/pki \
    --node-name compose-node-1,compose-node-2,compose-node-3 \
    --apiserver-cert-extra-sans 172.29.87.1 \
    --etcd-cert-extra-sans etcd,etcd-1,etcd-2,etcd-3 \
    --kubelet-cert-extra-sans 172.29.87.1 \
    --minictl-server "$server" \
    --kubeconfig-server https://127.0.0.1:18080 \
    --cluster-name minikube-compose
