#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-3.0-or-later
# Build the image ispyb-schema/mariadb:10.11 from Debian's packages, without any image registry:
#   1. debootstrap a minimal Debian with mariadb-server (needs root and debootstrap; about a minute),
#      kept as a tarball under $ISPYB_SCHEMA_CACHE (default /var/cache/ispyb-schema);
#   2. `docker import` it as the base image ispyb-schema/debian-mariadb:<key>;
#   3. `docker build` the Dockerfile beside this script FROM that base (the official image's
#      entrypoint interface), labelled with the recipe's hash.
# Nothing is rebuilt when the image already carries the current recipe hash.
# Usage: build.sh [TAG]   (the engine is the one at $DOCKER_HOST; exit 2 with the reason on failure)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tag=${1:-ispyb-schema/mariadb:10.11}
suite=bookworm
packages=mariadb-server,mariadb-client
cache=${ISPYB_SCHEMA_CACHE:-/var/cache/ispyb-schema}

die() { echo "build-image: error: $*" >&2; exit 2; }

apt_mirror() {  # the Debian mirror apt already uses here (deb822 or one-line sources), else deb.debian.org
  local found
  found=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v -- '-security' | head -n1 || true)
  [ -n "$found" ] || found=$(grep -hs '^deb ' /etc/apt/sources.list | sed 's/\[[^]]*\]//' \
    | awk -v s="$suite" '$3 == s {print $2; exit}' || true)
  echo "${found:-http://deb.debian.org/debian}"
}

command -v docker >/dev/null || die "the docker client is not installed (apt-get install docker.io)"
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 \
  || die "no Docker engine answers at ${DOCKER_HOST:-the default socket}: start dockerd or set DOCKER_HOST"

base_key=$(printf '%s\n' "$suite" "$packages" | sha256sum | cut -c1-12)
recipe=$(cat "$0" "$here/Dockerfile" "$here/entrypoint.sh" | sha256sum | cut -c1-12)
label=org.ispyb-schema.recipe
if [ "$(docker image inspect -f "{{index .Config.Labels \"$label\"}}" "$tag" 2>/dev/null || true)" = "$recipe" ]; then
  echo "build-image: $tag is up to date (recipe $recipe)"
  exit 0
fi

base=ispyb-schema/debian-mariadb:$base_key
if ! docker image inspect "$base" >/dev/null 2>&1; then
  tarball=$cache/rootfs-$suite-$base_key.tar
  if [ ! -s "$tarball" ]; then
    [ "$(id -u)" = 0 ] || die "debootstrap needs root to build $tarball: run this script with sudo"
    command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
    mkdir -p "$cache"
    rootfs=$(mktemp -d "$cache/rootfs.XXXXXX")
    trap 'rm -rf "$rootfs"' EXIT
    mirror=${ISPYB_SCHEMA_DEBIAN_MIRROR:-$(apt_mirror)}
    echo "build-image: debootstrap $suite with $packages from $mirror (about a minute)"
    debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1 \
      || die "debootstrap failed; see $cache/debootstrap.log ($(tail -n1 "$cache/debootstrap.log"))"
    # The package's own initialised datadir and the package caches are not part of the image.
    rm -rf "$rootfs"/var/lib/mysql/* "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/* \
      "$rootfs"/usr/share/doc "$rootfs"/usr/share/man "$rootfs"/usr/share/info "$rootfs"/usr/share/locale
    tar -C "$rootfs" --numeric-owner -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
    rm -rf "$rootfs"
    trap - EXIT
  fi
  echo "build-image: importing $tarball as $base"
  docker import "$tarball" "$base" >/dev/null || die "docker import of $tarball failed"
fi

echo "build-image: building $tag (recipe $recipe) FROM $base"
# The classic builder: the engine may lack BuildKit, and nothing here needs it.
out=$(DOCKER_BUILDKIT=0 docker build --build-arg "BASE=$base" --label "$label=$recipe" -t "$tag" "$here" 2>&1) \
  || die "docker build of $tag failed:
$(tail -n 15 <<<"$out")"
docker image prune -f --filter "label=$label" >/dev/null || true  # earlier builds this one replaced
echo "build-image: built $tag (recipe $recipe)"
