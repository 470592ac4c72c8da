#!/usr/bin/env bash
# Builds a stand-in for the node:20-bookworm-slim image where no container registry can be
# reached (this project's CI machines reach only the npm, PyPI and Debian package archives):
# a minimal Debian bookworm (debootstrap, from the Debian archive) plus this machine's Node 20
# (binary, npm, headers) at the paths the official image uses (/usr/local), and this machine's
# CA certificates (Node, npm and pip are pointed at them). The Dockerfile is
# then built on it with --build-arg NODE_IMAGE=localhost/bridgekit-node-base:20.
#
#   bash test/container/local-node-base.sh            # needs root, debootstrap, podman
set -euo pipefail

TAG="${1:-localhost/bridgekit-node-base:20}"
ROOTFS="${ROOTFS:-/var/tmp/bridgekit-rootfs}"
NODE="$(command -v node)"
NODE_PREFIX="$(cd "$(dirname "$(readlink -f "$NODE")")/.." && pwd)"

[ "$(node -p 'process.versions.node.split(".")[0]')" = 20 ] || { echo "needs Node 20 on this machine" >&2; exit 1; }
if [ ! -x "$ROOTFS/bin/bash" ]; then
  debootstrap --variant=minbase bookworm "$ROOTFS" http://deb.debian.org/debian
fi
# Node at the official image's paths: binary, npm (with npx), and the headers node-gyp wants.
install -D -m 0755 "$NODE" "$ROOTFS/usr/local/bin/node"
rm -rf "$ROOTFS/usr/local/lib/node_modules/npm" "$ROOTFS/usr/local/include/node"
mkdir -p "$ROOTFS/usr/local/lib/node_modules" "$ROOTFS/usr/local/include"
cp -a "$NODE_PREFIX/lib/node_modules/npm" "$ROOTFS/usr/local/lib/node_modules/npm"
cp -a "$NODE_PREFIX/include/node" "$ROOTFS/usr/local/include/node"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$ROOTFS/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$ROOTFS/usr/local/bin/npx"
# This machine's trust store (it may hold a CA of the network's TLS proxy): the bundle, and the
# extra CAs where update-ca-certificates finds them again if an image reinstalls ca-certificates.
mkdir -p "$ROOTFS/etc/ssl/certs" "$ROOTFS/usr/local/share/ca-certificates"
cp /etc/ssl/certs/ca-certificates.crt "$ROOTFS/etc/ssl/certs/ca-certificates.crt"
cp /usr/local/share/ca-certificates/*.crt "$ROOTFS/usr/local/share/ca-certificates/" 2>/dev/null || true
# The Debian archive, as the official image has it, so the Dockerfile's apt-get works.
printf 'deb http://deb.debian.org/debian bookworm main\ndeb http://deb.debian.org/debian-security bookworm-security main\n' > "$ROOTFS/etc/apt/sources.list"
rm -rf "$ROOTFS/var/lib/apt/lists/"* "$ROOTFS/var/cache/apt/archives/"*.deb
BUNDLE=/etc/ssl/certs/ca-certificates.crt
tar -C "$ROOTFS" -c . | podman import --change 'CMD ["node"]' \
  --change "ENV NODE_EXTRA_CA_CERTS=$BUNDLE" --change "ENV npm_config_cafile=$BUNDLE" --change "ENV PIP_CERT=$BUNDLE" \
  - "$TAG"
echo "built $TAG"
