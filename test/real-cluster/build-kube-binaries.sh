#!/usr/bin/env bash
# Builds kube-apiserver and kube-controller-manager v1.20.2 from Debian's `kubernetes` source package
# (the newest Kubernetes whose server parts the Debian mirror carries) and caches them outside the
# work tree. A second run with the binaries present does nothing. Prints the bin directory last.
#
#   DEVO_KUBE_CACHE   cache root (default /var/cache/devo-kube); binaries land in $DEVO_KUBE_CACHE/v1.20.2/bin
#
# Why each step is there: docs/real-cluster.md.
set -euo pipefail

version=v1.20.2
cache_root=${DEVO_KUBE_CACHE:-/var/cache/devo-kube}
cache=$cache_root/$version
bin=$cache/bin
binaries=(kube-apiserver kube-controller-manager)

have_all() {
  for b in "${binaries[@]}"; do [ -x "$bin/$b" ] || return 1; done
}

if have_all; then
  echo "$bin"
  exit 0
fi

mkdir -p "$cache"
# Two test runs starting at once must not build twice into the same directory.
exec 9>"$cache/.build.lock"
flock 9
if have_all; then
  echo "$bin"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
need=()
for p in dpkg-dev golang-go golang-github-modern-go-reflect2-dev golang-github-json-iterator-go-dev make rsync jq; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done

# `apt-get source` needs a deb-src entry: the same URIs, suites and keyring as the binary entries.
src_list=/etc/apt/sources.list.d/devo-kube-src.sources
added_src=0
if ! grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed -E 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$src_list"
  else
    grep -E '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' >"${src_list%.sources}.list"
  fi
  added_src=1
fi
if [ $added_src = 1 ] || [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
fi
if [ ${#need[@]} -gt 0 ]; then
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

work=$cache/build
rm -rf "$work"
mkdir -p "$work"
cd "$work"
echo "Fetching Debian's kubernetes source package into $work" >&2
apt-get source -qq kubernetes >/dev/null 2>&1 || apt-get source kubernetes
src=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'kubernetes-*' | head -n1)
[ -n "$src" ] || {
  echo "apt-get source kubernetes produced no kubernetes-* directory in $work" >&2
  exit 1
}

# The vendored reflect2 1.0.1 / json-iterator 1.1.10 crash an apiserver built with Go >= 1.18 on the
# first custom-resource create (fatal fault in reflect2.UnsafeMapType.UnsafeIterate). Debian's newer
# packaged sources (reflect2 1.0.2, json-iterator 1.1.12) fix it.
replace_vendor() {
  local pkg=$1
  local from=/usr/share/gocode/src/$pkg to=$src/vendor/$pkg
  [ -d "$from" ] || {
    echo "missing $from (install its golang-github-*-dev package)" >&2
    exit 1
  }
  rm -rf "$to"
  mkdir -p "$to"
  (cd "$from" && find . -type f \( -name '*.go' -o -name '*.s' -o -name 'LICENSE*' \) ! -name '*_test.go' \
    -exec cp --parents -t "$to" {} +)
}
replace_vendor github.com/modern-go/reflect2
replace_vendor github.com/json-iterator/go

# Module mode fails with Go 1.19 (-mod=vendor wants go.mod updates); build in GOPATH mode the way
# debian/rules does. make also generates pkg/generated/openapi, which the tarball lacks.
mkdir -p "$src/.go/src/k8s.io"
ln -sfn ../../.. "$src/.go/src/k8s.io/kubernetes"
cd "$src/.go/src/k8s.io/kubernetes"
echo "Building ${binaries[*]} $version (several minutes)" >&2
GOPATH=$src/.go GO111MODULE=off CGO_ENABLED=0 GOFLAGS= \
  make WHAT="cmd/kube-apiserver cmd/kube-controller-manager" KUBE_GIT_VERSION=$version >&2

mkdir -p "$bin.tmp"
for b in "${binaries[@]}"; do
  cp "$src/_output/bin/$b" "$bin.tmp/$b"
done
rm -rf "$bin"
mv "$bin.tmp" "$bin"
cd /
rm -rf "$work"
echo "$bin"
