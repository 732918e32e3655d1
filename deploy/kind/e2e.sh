#!/usr/bin/env bash
# Bring keybrake up on a local kind cluster and run the demo story there:
#   build the image, install cert-manager and the chart, deploy the support-refunds agent with its
#   policy, watch the sidecar get injected, make a call the policy refuses, kill the policy from
#   kubectl, see every later call refused, revive it.
#
# Needs: docker, kind, kubectl, helm, node + npm (for the kubectl plugin and `keybrake keys new`).
# Optional: STRIPE_TEST_KEY=sk_test_… to also make one ALLOWED call against Stripe's test mode.
#
# This script was NOT run where it was written (no Docker engine, no cluster there). The chart,
# the kustomize base and the examples it installs are checked by test/deploy/*.test.ts with the real
# helm and kubectl; the cluster behaviour itself is untested. Read it before you run it.
set -euo pipefail

CLUSTER="${CLUSTER:-keybrake-e2e}"
NS_SYSTEM=keybrake-system
NS_AGENTS=agents
CERT_MANAGER_VERSION="${CERT_MANAGER_VERSION:-v1.17.2}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VERSION="$(node -p "require('$ROOT/package.json').version")"
IMAGE="ghcr.io/keybrake/keybrake:$VERSION"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

step() { printf '\n==> %s\n' "$*"; }
for tool in docker kind kubectl helm node npm; do
  command -v "$tool" >/dev/null || { echo "e2e.sh: $tool is not on PATH; install it first" >&2; exit 1; }
done

step "build $IMAGE and the CLI"
docker build -t "$IMAGE" --build-arg "VERSION=$VERSION" "$ROOT"
(cd "$ROOT" && npm ci --no-audit --no-fund && npm run build)
# kubectl finds plugins as kubectl-NAME on PATH; link every bin of the package into one directory.
mkdir -p "$WORK/bin"
node -e '
  const pkg = require(process.argv[1] + "/package.json");
  const fs = require("fs");
  for (const [name, file] of Object.entries(pkg.bin)) {
    const target = process.argv[1] + "/" + file;
    fs.chmodSync(target, 0o755);
    fs.symlinkSync(target, process.argv[2] + "/" + name);
  }' "$ROOT" "$WORK/bin"
export PATH="$WORK/bin:$PATH"

step "kind cluster $CLUSTER"
kind get clusters | grep -qx "$CLUSTER" || kind create cluster --name "$CLUSTER" --wait 120s
kubectl config use-context "kind-$CLUSTER"
kind load docker-image "$IMAGE" --name "$CLUSTER"

step "cert-manager $CERT_MANAGER_VERSION (NameConstraints on: the mesh CA is name-constrained)"
helm repo add jetstack https://charts.jetstack.io --force-update >/dev/null
helm upgrade --install cert-manager jetstack/cert-manager --namespace cert-manager --create-namespace \
  --version "$CERT_MANAGER_VERSION" --set crds.enabled=true \
  --set featureGates=NameConstraints=true --set webhook.featureGates=NameConstraints=true --wait

step "keybrake chart"
kubectl create namespace "$NS_AGENTS" --dry-run=client -o yaml | kubectl apply -f -
helm upgrade --install keybrake "$ROOT/charts/keybrake" --namespace "$NS_SYSTEM" --create-namespace \
  --set image.pullPolicy=Never --wait --timeout 5m
kubectl -n "$NS_SYSTEM" rollout status deployment/keybrake-controller
kubectl -n "$NS_AGENTS" wait --for=condition=Ready certificate/keybrake-mesh-ca --timeout=120s

step "secrets: the vendor key (sidecar only) and the agent's own keybrake key"
kubectl -n "$NS_AGENTS" create secret generic stripe-live \
  --from-literal=apiKey="${STRIPE_TEST_KEY:-sk_test_placeholder_no_call_is_forwarded}" --dry-run=client -o yaml | kubectl apply -f -
node "$ROOT/dist/cli.js" keys new --id support-1 --out "$WORK/agent-key" >"$WORK/keys.out"
AGENT_KEY="$(cat "$WORK/agent-key")"
AGENT_SHA="$(printf '%s' "$AGENT_KEY" | sha256sum | cut -d' ' -f1)"
kubectl -n "$NS_AGENTS" create secret generic support-agent-key --from-literal=key="$AGENT_KEY" --dry-run=client -o yaml | kubectl apply -f -

step "policy and agent (annotated keybrake.dev/inject: \"true\")"
sed "s/0\{64\}/$AGENT_SHA/" "$ROOT/deploy/examples/support-refunds/policy.yaml" | kubectl apply -f -
kubectl -n "$NS_AGENTS" get egresspolicies
kubectl apply -f "$ROOT/deploy/examples/support-refunds/deployment.yaml"
kubectl -n "$NS_AGENTS" rollout status deployment/support-agent --timeout=180s
POD="$(kubectl -n "$NS_AGENTS" get pod -l app=support-agent -o jsonpath='{.items[0].metadata.name}')"
echo "injected init containers: $(kubectl -n "$NS_AGENTS" get pod "$POD" -o jsonpath='{.spec.initContainers[*].name}')"

agent_call() { # method path [data]: a Stripe call from inside the agent container, no proxy settings
  kubectl -n "$NS_AGENTS" exec "$POD" -c agent -- sh -c \
    "curl -sS -X $1 https://api.stripe.com$2 -u \"\$STRIPE_API_KEY:\" ${3:+-d '$3'} -w '\nHTTP %{http_code}\n'"
}

step "a payout: not allowed by the policy, refused by the sidecar (never reaches Stripe)"
agent_call POST /v1/payouts 'amount=100000&currency=usd'

if [[ -n "${STRIPE_TEST_KEY:-}" ]]; then
  step "an allowed read against Stripe test mode, with the real key swapped in by the sidecar"
  agent_call GET '/v1/customers?limit=1'
fi

step "spend and state, read from every sidecar"
kubectl keybrake status -n "$NS_AGENTS"

step "kill the policy from kubectl: every matching sidecar refuses at once"
kubectl keybrake kill policy/support-refunds -n "$NS_AGENTS" --reason "e2e: runaway refunds"
agent_call GET '/v1/customers?limit=1'
kubectl -n "$NS_AGENTS" get egresspolicies

step "revive (through the policy: RBAC on the CRD is the permission)"
kubectl keybrake revive policy/support-refunds -n "$NS_AGENTS"
kubectl keybrake status -n "$NS_AGENTS"

step "done. Delete the cluster with: kind delete cluster --name $CLUSTER"
