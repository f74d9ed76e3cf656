#!/usr/bin/env bash
# Manual check of the docker-compose cluster (not part of ./test.sh: building the images takes minutes):
# builds the images if missing, makes the PKI (certs.sh), starts the cluster, waits until the three nodes are Ready through
# the published API port (minictl as the admin, over TLS) and the dashboard lists them; checks security: anonymous requests
# get 401 on both API ports and from a kubelet, the real kubectl works with pki/admin.conf, a Secret is stored encrypted,
# and (--ha) a ServiceAccount token issued by one API server authenticates on another; then it runs one pod to Running on a compose node and reads its logs, then checks the proxy: a 2-replica httpd
# Deployment with an HTTP readiness probe, exposed as a NodePort Service, gets ready endpoints, the NodePort answers on 127.0.0.1, and the pod reaches the Service by its DNS
# name through the ClusterIP; then it tears everything down again (also on failure), the proxy's rules and route too
# (the PKI in deploy/compose/pki stays: a later run reuses it).
#
#   deploy/compose/smoke.sh            build what is missing, up, check, down
#   deploy/compose/smoke.sh --keep     leave the cluster running
#   deploy/compose/smoke.sh --ha       the same checks on docker-compose.ha.yml (3 etcd members, 3 API servers, leader-
#                                      elected schedulers and controller-managers), then: one Lease holder each, and
#                                      with an API server and then an etcd member killed (docker kill), minictl still
#                                      answers and a new pod is scheduled and runs
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
script_name=smoke.sh
# shellcheck source=../lib.sh
. deploy/lib.sh

keep=false
ha=false
for arg in "$@"; do
    case "$arg" in
        --keep) keep=true ;;
        --ha) ha=true ;;
        -h|--help) sed -n '2,/^set /{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$arg' (use --keep, --ha or --help)" ;;
    esac
done
if $ha; then
    compose=(docker-compose -f deploy/compose/docker-compose.ha.yml -p minikube-ha)
    server=https://127.0.0.1:18081,https://127.0.0.1:18181,https://127.0.0.1:18281
    certs=(deploy/compose/certs.sh --ha)
else
    compose=(docker-compose -f deploy/compose/docker-compose.yml -p minikube)
    server=https://127.0.0.1:18081
    certs=(deploy/compose/certs.sh)
fi
pki=deploy/compose/pki
minictl_dll=src/MiniKube.Cli/bin/Release/net10.0/minictl.dll
# The admin's client config from certs.sh (server, CA, admin certificate); nothing from the caller's ~/.minikube.
minictl=(env -u MINIKUBE_SERVER MINIKUBE_CONFIG="$pki/minictl.conf" dotnet "$minictl_dll" --server "$server" --request-timeout 10s)
kubectl_admin=(kubectl --kubeconfig "$pki/admin.conf" --request-timeout 10s)
# curl trusting the cluster CA only; prints the status code, the body goes to $body_file.
body_file=$(mktemp)
curl_ca() { curl -s --cacert "$pki/ca.crt" -o "$body_file" -w '%{http_code}' --max-time 10 "$@" || true; }
nodes=(compose-node-1 compose-node-2 compose-node-3)

teardown() {
    $keep && return 0
    log "tearing down"
    "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
    # A stopped proxy leaves its rules in place (as kube-proxy does): --cleanup removes its chains, jump rules and route.
    if docker image inspect minikube/proxy:local >/dev/null 2>&1; then
        docker run --rm --cap-add NET_ADMIN --cap-add NET_RAW --network host minikube/proxy:local --cleanup >/dev/null 2>&1 \
            || log "warning: minikube-proxy --cleanup failed; run it by hand (docs/deploy.md)"
    fi
    [ -z "$route_localnet_before" ] || echo "$route_localnet_before" >"$route_localnet"
    rm -f "$body_file"
    local node
    for node in "${nodes[@]}"; do
        docker ps -aq --filter "label=io.minikube.node=$node" | xargs -r docker rm -f >/dev/null 2>&1 || true
    done
}
route_localnet=/proc/sys/net/ipv4/conf/all/route_localnet
route_localnet_before=""
trap teardown EXIT

deploy/compose/build-images.sh
# A minictl from before `cluster certs` existed is rebuilt.
dotnet "$minictl_dll" cluster certs --help >/dev/null 2>&1 || dotnet build src/MiniKube.Cli -c Release -v quiet -nologo >/dev/null
"${certs[@]}" >/dev/null
log "PKI in $pki ($(find "$pki" -name '*.key' | wc -l) keys, all mode $(stat -c %a "$pki"/*.key "$pki"/*/*.key | sort -u | tr '\n' ' '))"

# The proxy container cannot write /proc/sys: NodePorts on 127.0.0.1 need route_localnet, set here and restored at teardown.
route_localnet_before=$(cat "$route_localnet")
echo 1 >"$route_localnet"
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
# The dashboard renders the nodes it sees through its informers (the first render is served as plain HTML).
dashboard_lists_nodes() { [ "$(timeout 5 wget -qO- http://127.0.0.1:18090/nodes 2>/dev/null | grep -oE 'compose-node-[123]' | sort -u | wc -l)" -eq 3 ]; }
wait_until 60 dashboard_lists_nodes || { "${compose[@]}" logs --tail 30 dashboard >&2 || true; die "the dashboard at http://127.0.0.1:18090/nodes did not list the three nodes"; }
log "dashboard at http://127.0.0.1:18090/ lists the three nodes"

# Security: without credentials only /livez, /readyz, /healthz and /version answer, on both ports.
status=$(curl_ca https://127.0.0.1:18080/api/v1/namespaces/default/pods)
[ "$status" = 401 ] && grep -q '"reason":"Unauthorized"' "$body_file" \
    || die "an anonymous REST request got $status, not 401 Unauthorized: $(cat "$body_file")"
[ "$(curl_ca https://127.0.0.1:18080/readyz)" = 200 ] || die "anonymous /readyz did not answer 200: $(cat "$body_file")"
anonymous=$(env -u MINIKUBE_SERVER MINIKUBE_CONFIG=/nonexistent dotnet "$minictl_dll" --server "$server" --certificate-authority "$pki/ca.crt" \
    --request-timeout 10s get pods 2>&1) && die "minictl without credentials listed pods: $anonymous"
grep -q 'You must be logged in to the server (Unauthorized)' <<<"$anonymous" || die "minictl without credentials did not get 401: $anonymous"
plaintext=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 http://127.0.0.1:18080/version || true)
[ "$plaintext" != 200 ] || die "the API server answered plain http"
log "anonymous requests: REST 401 Unauthorized, gRPC (minictl) Unauthorized, plain http refused; /readyz 200"
[ "$("${minictl[@]}" auth can-i '*' '*')" = yes ] || die "the admin's minictl cannot do everything"
"${kubectl_admin[@]}" get nodes >/dev/null || die "kubectl with $pki/admin.conf failed"
log "the admin: minictl auth can-i '*' '*' = yes; kubectl --kubeconfig $pki/admin.conf get nodes works"

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
# Logs come from the kubelet (host network, on the compose gateway address) through the API server's container.
has_logs() { "${minictl[@]}" logs "$pod" 2>/dev/null | grep -q 'hello from'; }
wait_until 30 has_logs || die "minictl logs $pod did not show the pod's output (API server → kubelet)"
log "logs of $pod through the API server: $("${minictl[@]}" logs "$pod")"
# The kubelets' API (logs, exec, stats) wants a certificate of the CA or a token as well.
status=$(curl_ca -X POST "https://172.29.87.1:10251/exec/default/$pod/app?command=id")
[ "$status" = 401 ] || die "an anonymous exec on compose-node-1's kubelet got $status, not 401: $(cat "$body_file")"
log "anonymous exec on a kubelet (https://172.29.87.1:10251): 401"

# Secrets reach etcd encrypted (aesgcm, the key in pki/encryption-config.yaml): the raw value, read over etcd's v3 JSON
# gateway with the API server's etcd client certificate (the host reaches the compose network's addresses).
secret=smoke-secret-$RANDOM
cat <<YAML | "${minictl[@]}" create -f - >/dev/null
apiVersion: v1
kind: Secret
metadata:
  name: $secret
data:
  password: $(printf plaintext-smoke-value | base64 -w0)
YAML
etcd_service=$($ha && echo etcd-1 || echo etcd)
etcd_ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$("${compose[@]}" ps -q "$etcd_service")")
key_b64=$(printf '/registry/secrets/default/%s' "$secret" | base64 -w0)
raw=$(curl -s --max-time 10 --cacert "$pki/ca.crt" --cert "$pki/apiserver-etcd-client.crt" --key "$pki/apiserver-etcd-client.key" \
    --resolve "$etcd_service:2379:$etcd_ip" -X POST "https://$etcd_service:2379/v3/kv/range" -d "{\"key\":\"$key_b64\"}")
# The stored value is binary: python says how it starts (printable part) and whether the plaintext is in it.
stored=$(python3 -c '
import base64, json, sys
kvs = json.loads(sys.argv[1]).get("kvs") or []
value = base64.b64decode(kvs[0]["value"]) if kvs else b""
print(value[:22].decode("latin-1") if value.startswith(b"k8s:enc:") else repr(value[:40]), b"plaintext-smoke-value" in value)' "$raw")
[ -n "$raw" ] && [ "$stored" != "b'' False" ] || die "etcd has no value for /registry/secrets/default/$secret: $raw"
[[ "$stored" == "k8s:enc:aesgcm:v1:key1 False" ]] || die "the Secret is not stored encrypted with aesgcm key1 (start, plaintext found): $stored"
noclient=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$pki/ca.crt" --resolve "$etcd_service:2379:$etcd_ip" \
    -X POST "https://$etcd_service:2379/v3/kv/range" -d "{\"key\":\"$key_b64\"}" || true)
[ "$noclient" = 000 ] || die "etcd answered a client without a certificate ($noclient)"
"${minictl[@]}" delete secret "$secret" >/dev/null
log "Secret $secret in etcd: ${stored% *}:… (no plaintext); etcd refuses a client without a certificate"

# Services through the compose cluster's proxy.
node_port=$(( 30000 + RANDOM % 2000 ))
cat <<YAML | "${minictl[@]}" create -f -
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: httpd
        image: minikube/busybox:1.0
        command: ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www"]
        ports:
        - {name: http, containerPort: 8080}
        readinessProbe:
          httpGet: {path: /, port: http}
          periodSeconds: 2
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http, nodePort: $node_port}
YAML
ready_endpoints() {
    "${minictl[@]}" get endpointslices -l kubernetes.io/service-name=web -o json 2>/dev/null | python3 -c '
import json, sys
doc = json.load(sys.stdin)
print(sum(1 for s in doc.get("items", [doc]) for e in s.get("endpoints") or [] if (e.get("conditions") or {}).get("ready")))'
}
two_ready() { [ "$(ready_endpoints)" -ge 2 ] 2>/dev/null; }
if ! wait_until 120 two_ready; then
    "${minictl[@]}" get pods -o wide >&2 || true
    "${minictl[@]}" get endpointslices >&2 || true
    die "the web Service did not get 2 ready endpoints within 120 s"
fi
"${minictl[@]}" get svc web
"${minictl[@]}" get endpointslices
node_port_answers() { [ -n "$(timeout 5 wget -qO- "http://127.0.0.1:$node_port/" 2>/dev/null)" ]; }
if ! wait_until 60 node_port_answers; then
    "${compose[@]}" logs --tail 30 proxy >&2 || true
    die "NodePort $node_port did not answer on 127.0.0.1 within 60 s"
fi
log "NodePort $node_port on 127.0.0.1 answered: $(timeout 5 wget -qO- "http://127.0.0.1:$node_port/")"
app=$(docker ps -q --filter "label=io.minikube.pod.name=$pod" --filter "label=io.minikube.container.name=app" | head -n 1)
[ -n "$app" ] || die "no container of pod $pod found"
by_name() { [ -n "$(docker exec "$app" timeout 5 wget -qO- http://web.default.svc.cluster.local/ 2>/dev/null)" ]; }
if ! wait_until 60 by_name; then
    docker exec "$app" cat /etc/resolv.conf >&2 || true
    "${compose[@]}" logs --tail 30 proxy >&2 || true
    die "pod $pod could not reach http://web.default.svc.cluster.local/ within 60 s"
fi
log "pod $pod reached http://web.default.svc.cluster.local/ (ClusterIP $("${minictl[@]}" get svc web | awk 'NR == 2 { print $3 }')): $(docker exec "$app" timeout 5 wget -qO- http://web.default.svc.cluster.local/)"

if $ha; then
    # One holder per Lease, and it is one of the three candidates of its kind.
    holders=$("${minictl[@]}" get leases -n kube-system -o json | python3 -c '
import json, sys
doc = json.load(sys.stdin)
for lease in doc.get("items", [doc]):
    print(lease["metadata"]["name"], (lease.get("spec") or {}).get("holderIdentity") or "-")')
    log "Lease holders: $(tr '\n' ' ' <<<"$holders")"
    grep -qE '^[a-z-]*scheduler scheduler-[123]$' <<<"$holders" || die "no scheduler holds the scheduler's Lease"
    grep -qE '^[a-z-]*controller-manager controller-manager-[123]$' <<<"$holders" || die "no controller-manager holds the controller-manager's Lease"

    # The three API servers share pki/sa.key: a token apiserver-1 signs authenticates on apiserver-2 (403, not 401: the
    # default ServiceAccount may not list pods).
    token=$("${kubectl_admin[@]}" create token default)
    status=$(curl_ca -H "Authorization: Bearer $token" https://127.0.0.1:18180/api/v1/namespaces/default/pods)
    [ "$status" = 403 ] && grep -q 'User \\"system:serviceaccount:default:default\\" cannot list resource \\"pods\\"' "$body_file" \
        || die "a token from apiserver-1 got $status on apiserver-2, not 403 for system:serviceaccount:default:default: $(cat "$body_file")"
    log "a ServiceAccount token from apiserver-1 authenticates on apiserver-2 (403 Forbidden for system:serviceaccount:default:default)"

    # kill -9 of an API server: the clients (minictl, the kubelets, the other components) go on through the other two.
    "${compose[@]}" kill -s SIGKILL apiserver-1 >/dev/null 2>&1
    log "killed apiserver-1"
    ha_pod_runs() { # name: a new pod is scheduled, started by a kubelet and reported Running
        local name=$1
        cat <<YAML | "${minictl[@]}" create -f - >/dev/null
apiVersion: v1
kind: Pod
metadata:
  name: $name
spec:
  containers:
  - name: app
    image: minikube/busybox:1.0
    command: ["sleep", "3600"]
YAML
        running() { "${minictl[@]}" get pod "$name" 2>/dev/null | grep -q ' Running '; }
        wait_until 90 running || { "${minictl[@]}" describe pod "$name" >&2 || true; die "pod $name did not reach Running"; }
        "${minictl[@]}" delete pod "$name" --grace-period 1 >/dev/null
    }
    ha_pod_runs "after-apiserver-kill-$RANDOM"
    "${minictl[@]}" get nodes >/dev/null || die "minictl get nodes failed with apiserver-1 down"
    log "with apiserver-1 down: minictl answers, a new pod ran"

    # kill -9 of an etcd member: the other two keep a quorum, writes go on.
    "${compose[@]}" kill -s SIGKILL etcd-1 >/dev/null 2>&1
    log "killed etcd-1"
    ha_pod_runs "after-etcd-kill-$RANDOM"
    log "with etcd-1 (and apiserver-1) down: a new pod ran"
    "${compose[@]}" start etcd-1 apiserver-1 >/dev/null
    apiserver_1_ready() { [ "$(curl -s --max-time 5 --cacert "$pki/ca.crt" https://127.0.0.1:18080/readyz 2>/dev/null)" = ok ]; }
    wait_until 60 apiserver_1_ready || die "apiserver-1 was not ready within 60 s of its restart"
    log "etcd-1 and apiserver-1 restarted; apiserver-1 ready"
fi

"${minictl[@]}" delete deployment web >/dev/null
"${minictl[@]}" delete service web >/dev/null
"${minictl[@]}" delete pod "$pod" --grace-period 1 >/dev/null
log "smoke test passed"
