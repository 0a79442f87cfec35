#!/usr/bin/env bash
# Builds the two images from the repository root: the runtime (Dockerfile.runtime) and the operator
# (Dockerfile.operator), with the OCI labels filled in. Both share their first stages, so the second build
# reuses the first one's layers (node, libraries, node_modules).
#
#   images/build.sh                     # tags ${IMAGE_PREFIX}devo-collector:${VERSION} and ...-operator:${VERSION}
#
# Environment (all optional):
#   BASE_IMAGE    build-stage base, default node:24-slim; releases pin a digest: node:24-slim@sha256:...
#   IMAGE_PREFIX  registry and namespace, default localhost/ (releases: ghcr.io/devo/)
#   VERSION       default: package.json's version;  REVISION  default: git rev-parse HEAD
#   NPMRC         an npmrc for `npm ci` (private registry, token), passed as the build secret `npmrc`
#   NPM_CA        a CA bundle for the registry (e.g. a TLS-intercepting proxy), passed as the secret `npm-ca`;
#                 without NPMRC an npmrc saying cafile=/run/secrets/npm-ca is made for it
#   BUILDER       podman (default) or docker (BuildKit)
set -euo pipefail
cd "$(dirname "$0")/.."

base=${BASE_IMAGE:-node:24-slim}
prefix=${IMAGE_PREFIX:-localhost/}
version=${VERSION:-$(node -p 'require("./package.json").version')}
revision=${REVISION:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}
builder=${BUILDER:-podman}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
args=(--build-arg "BASE_IMAGE=$base" --build-arg "VERSION=$version" --build-arg "REVISION=$revision")
npmrc=${NPMRC:-}
if [ -n "${NPM_CA:-}" ]; then
  args+=(--secret "id=npm-ca,src=$NPM_CA")
  if [ -z "$npmrc" ]; then
    npmrc="$tmp/npmrc"
    echo 'cafile=/run/secrets/npm-ca' >"$npmrc"
  fi
fi
[ -n "$npmrc" ] && args+=(--secret "id=npmrc,src=$npmrc")
# A base that exists only locally (images/base-image.sh) must not be looked up in a registry.
if [ "$builder" = podman ] && [[ "$base" == localhost/* ]]; then args+=(--pull=never); fi

for image in runtime operator; do
  case $image in
    runtime) name=devo-collector ;;
    operator) name=devo-collector-operator ;;
  esac
  echo "building ${prefix}${name}:${version} (Dockerfile.$image, base $base)"
  "$builder" build "${args[@]}" -f "Dockerfile.$image" -t "${prefix}${name}:${version}" .
done
"$builder" images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -F "${prefix}devo-collector" | grep -F ":$version " || true
