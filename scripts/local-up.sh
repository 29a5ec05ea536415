#!/usr/bin/env bash
# One command for the `local` stack: a kind cluster with a local registry, the local file
# backend, then `pulumi up`. Needs docker, kind, kubectl and the Pulumi CLI; no cloud account.
# Re-running it is safe: it reuses the cluster, the registry and the stack.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cluster="agent-cloud"
registry="kind-registry"
registry_port="5001"

# Every prerequisite is checked before anything starts, and every missing one is listed at once.
problems=()
version_at_least() { # version_at_least HAVE WANT: dotted versions, HAVE >= WANT
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}
for tool in docker kind kubectl pulumi; do
  command -v "$tool" >/dev/null 2>&1 || problems+=("'$tool' is not on PATH")
done
if command -v docker >/dev/null 2>&1; then
  if ! docker info >/dev/null 2>&1; then
    problems+=("the Docker daemon is not reachable ('docker info' fails): start Docker, and check this user may use it without sudo")
  elif ! docker buildx version >/dev/null 2>&1; then
    problems+=("docker buildx is missing (install the buildx plugin)")
  fi
fi
if command -v kind >/dev/null 2>&1; then
  have="$(kind version 2>/dev/null | sed -n 's/^kind v\([0-9.]*\).*/\1/p')"
  version_at_least "${have:-0}" 0.29.0 ||
    problems+=("kind ${have:-?} is too old: need >= 0.29.0 (kindnet NetworkPolicy, probes under deny-all, the pinned node image)")
fi
if command -v pulumi >/dev/null 2>&1; then
  have="$(pulumi version 2>/dev/null | sed -n 's/^v\([0-9.]*\).*/\1/p')"
  version_at_least "${have:-0}" 3.190.0 || problems+=("pulumi ${have:-?} is too old: need >= 3.190.0")
fi
if [ "${#problems[@]}" -gt 0 ]; then
  echo "local-up: cannot start; fix these first (README.md, Prerequisites):" >&2
  printf '  - %s\n' "${problems[@]}" >&2
  exit 1
fi

case "$(docker inspect -f '{{.State.Running}}' "$registry" 2>/dev/null || echo missing)" in
  true) ;;
  false) echo "--- starting the stopped local registry"; docker start "$registry" ;;
  *)
    echo "--- starting the local registry on 127.0.0.1:$registry_port"
    docker run -d --restart=always -p "127.0.0.1:${registry_port}:5000" --network bridge --name "$registry" registry:2
    ;;
esac

# The docker-build provider needs a BuildKit builder (not the legacy docker driver); on the host
# network so that it pushes to the registry at localhost:5001 (Pulumi.local.yaml image.builder).
if ! docker buildx inspect agent-cloud-local >/dev/null 2>&1; then
  echo "--- creating the buildx builder agent-cloud-local"
  docker buildx create --name agent-cloud-local --driver docker-container --driver-opt network=host
fi

new_cluster=""
if ! kind get clusters | grep -qx "$cluster"; then
  echo "--- creating kind cluster $cluster"
  kind create cluster --config "$root/deploy/kind/cluster.yaml"
  new_cluster=1
fi

# Let the node pull localhost:5001/... from the registry container (kind's documented recipe).
for node in $(kind get nodes --name "$cluster"); do
  docker exec "$node" mkdir -p "/etc/containerd/certs.d/localhost:${registry_port}"
  printf '[host."http://%s:5000"]\n' "$registry" |
    docker exec -i "$node" cp /dev/stdin "/etc/containerd/certs.d/localhost:${registry_port}/hosts.toml"
done
if [ "$(docker inspect -f='{{json .NetworkSettings.Networks.kind}}' "$registry")" = "null" ]; then
  docker network connect kind "$registry"
fi
kubectl --context "kind-$cluster" apply -f - <<YAML
apiVersion: v1
kind: ConfigMap
metadata:
  name: local-registry-hosting
  namespace: kube-public
data:
  localRegistryHosting.v1: |
    host: "localhost:${registry_port}"
YAML

export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$root/.pulumi-state}"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-agent-cloud-local}"
export KUBECONFIG="${KUBECONFIG:-$HOME/.kube/config}"
mkdir -p "$root/.pulumi-state"
cd "$root"
if [ -n "$new_cluster" ] && pulumi stack ls 2>/dev/null | grep -Eq '^local\*?( |$)'; then
  # A state kept by local:down describes the cluster it deleted: a refresh cannot read it (the
  # database it would ask is gone too) and the tenants' hardening would never run again. The
  # stack file and its config stay; the state starts over with the new cluster.
  echo "--- the new cluster replaces the one the local stack's state describes: starting that state over"
  pulumi stack rm --force --preserve-config --yes local
fi
pulumi stack select --create local
pulumi up --yes --stack local "$@"
pulumi stack output hostsFileLines --stack local
echo "--- done. npm run ops -- ... finds this backend by itself; for plain pulumi, in this shell:"
# Only the default passphrase is printed: an operator's own is a secret, kept off the terminal.
if [ "$PULUMI_CONFIG_PASSPHRASE" = agent-cloud-local ]; then
  echo "export PULUMI_BACKEND_URL=\"$PULUMI_BACKEND_URL\" PULUMI_CONFIG_PASSPHRASE=\"agent-cloud-local\""
else
  echo "export PULUMI_BACKEND_URL=\"$PULUMI_BACKEND_URL\""
  echo "# and export PULUMI_CONFIG_PASSPHRASE: yours is not printed"
fi
echo "--- tear down with: npm run local:down"
