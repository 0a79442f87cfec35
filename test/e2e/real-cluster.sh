#!/usr/bin/env bash
# End-to-end check against a real cluster (kind, k3d or any cluster your kubeconfig points at).
# NOT part of CI here: CI has no cluster and no Docker. Run it by hand:
#
#   kind create cluster --name devo          # or: k3d cluster create devo
#   test/e2e/real-cluster.sh                 # uses the current kubectl context
#
# It applies the CRDs, runs the operator locally (this checkout, against the cluster), creates the
# example Collector/Services with throwaway Secrets, waits for every Collector to be Ready, checks a
# state reset, and cleans up. The collector pods need a runtime image the cluster can pull: build
# Dockerfile.runtime and load it (kind load docker-image / k3d image import), then pass it as
# RUNTIME_IMAGE. Without real Microsoft Graph credentials the pods start but their pulls fail, so
# Ready is checked on the Deployment only when WAIT_FOR_PODS=1.
#
# Supported clusters: Kubernetes 1.20 and newer. From 1.25 the CRDs are applied server-side and the API
# server enforces their CEL rules; before 1.25 the API server does not know x-kubernetes-validations, so
# the CRDs are applied client-side without kubectl's schema validation (the server drops the rules) and
# the operator enforces the same rules itself (reason CrdRuleViolated).
#
# Environment:
#   RUNTIME_IMAGE   collector runtime image (default devo-collector-runtime:dev)
#   NAMESPACE       namespace for the example resources (default devo-collectors; the examples name none)
#   WAIT_FOR_PODS   1 to also wait for Ready=True (needs a pullable image that can start)
#   KEEP            1 to leave everything in place for inspection
set -euo pipefail

cd "$(dirname "$0")/../.."
RUNTIME_IMAGE=${RUNTIME_IMAGE:-devo-collector-runtime:dev}
NAMESPACE=${NAMESPACE:-devo-collectors}
WAIT_FOR_PODS=${WAIT_FOR_PODS:-0}
KEEP=${KEEP:-0}
LOG=$(mktemp -t devo-operator-XXXX.log)

say() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

command -v kubectl >/dev/null || fail "kubectl is required"
kubectl version >/dev/null 2>&1 || fail "no reachable cluster in the current kubectl context"
say "cluster: $(kubectl config current-context)"

cleanup() {
  # The operator runs in its own process group (npx and the node process under it): stop them all.
  if [[ -n "${OPERATOR_PID:-}" ]]; then
    kill -TERM -- "-$OPERATOR_PID" 2>/dev/null || true
    wait "$OPERATOR_PID" 2>/dev/null || true
  fi
  if [[ "$KEEP" != 1 ]]; then
    kubectl delete namespace "$NAMESPACE" --ignore-not-found --wait=false >/dev/null || true
  fi
  echo "operator log: $LOG"
}
trap cleanup EXIT

minor=$(kubectl get --raw /version | sed -n 's/.*"minor": *"\([0-9]*\).*/\1/p')
[[ -n "$minor" ]] || fail "cannot read the server version from /version"
(( minor >= 20 )) || fail "Kubernetes 1.$minor is not supported: 1.20 or newer is needed"
if (( minor >= 25 )); then
  say "applying CRDs (server-side; Kubernetes 1.$minor enforces their CEL rules)"
  kubectl apply --server-side -f crds/
else
  say "applying CRDs (client-side; Kubernetes 1.$minor drops their CEL rules, the operator checks them)"
  kubectl apply --validate=false -f crds/
fi
kubectl wait --for=condition=Established crd/collectors.collectors.devo.com crd/services.collectors.devo.com --timeout=60s

say "creating namespace $NAMESPACE and throwaway Secrets"
kubectl create namespace "$NAMESPACE" --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$NAMESPACE" create secret generic graph-credentials \
  --from-literal=tenant_id=00000000-0000-0000-0000-000000000000 \
  --from-literal=client_id=00000000-0000-0000-0000-000000000000 \
  --from-literal=client_secret=not-a-real-secret \
  --dry-run=client -o yaml | kubectl apply -f -
tmp=$(mktemp -d)
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=devo-e2e" \
  -keyout "$tmp/tls.key" -out "$tmp/tls.crt" >/dev/null 2>&1
cp "$tmp/tls.crt" "$tmp/ca.crt"
kubectl -n "$NAMESPACE" create secret generic devo-certificate --type=kubernetes.io/tls \
  --from-file="$tmp/tls.crt" --from-file="$tmp/tls.key" --from-file="$tmp/ca.crt" \
  --dry-run=client -o yaml | kubectl apply -f -

say "starting the operator locally (log: $LOG)"
set -m # its own process group, so cleanup reaches the node process npx starts, not only npx
npx node operator/src/cli/main.ts run --namespaces "$NAMESPACE" --metrics-port 0 \
  --runtime-image "$RUNTIME_IMAGE" >"$LOG" 2>&1 &
OPERATOR_PID=$!
set +m

say "applying the examples"
kubectl apply -n "$NAMESPACE" -f examples/microsoft-graph/

collectors=$(kubectl -n "$NAMESPACE" get collectors.collectors.devo.com -o name)
for c in $collectors; do
  say "waiting for $c: ConfigValid and SecretsFound, children created"
  kubectl -n "$NAMESPACE" wait "$c" --for=condition=ConfigValid --timeout=60s
  kubectl -n "$NAMESPACE" wait "$c" --for=condition=SecretsFound --timeout=60s
  name=${c##*/}
  kubectl -n "$NAMESPACE" get "deployment/$name" "configmap/$name-config" "serviceaccount/$name" >/dev/null
  if [[ "$WAIT_FOR_PODS" == 1 ]]; then
    kubectl -n "$NAMESPACE" wait "$c" --for=condition=Ready --timeout=180s
  fi
done
kubectl get devo -n "$NAMESPACE"

say "changing startTimeInUtc of Service sign-ins: expect a state reset"
kubectl -n "$NAMESPACE" patch services.collectors.devo.com sign-ins --type merge \
  -p '{"spec":{"startTimeInUtc":"2025-02-01T00:00:00Z"}}'
kubectl -n "$NAMESPACE" wait collectors.collectors.devo.com/graph-audit --for=condition=StateReset --timeout=120s
kubectl -n "$NAMESPACE" get events --field-selector reason=StateReset | grep -q graph-audit \
  || fail "no StateReset Event for graph-audit"

say "deleting a Collector: its children go with it"
kubectl -n "$NAMESPACE" delete collectors.collectors.devo.com graph-security --wait=true
for i in $(seq 1 30); do
  kubectl -n "$NAMESPACE" get deployment graph-security >/dev/null 2>&1 || break
  sleep 2
done
kubectl -n "$NAMESPACE" get deployment graph-security >/dev/null 2>&1 && fail "Deployment graph-security still exists"

say "OK"
