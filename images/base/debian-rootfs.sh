#!/bin/sh
# Assemble a minimal Debian root filesystem and write it as a tar stream, for `docker import` (local base images).
#   debian-rootfs.sh SUITE MIRROR OUT.tar
# Uses `debootstrap --variant=minbase`, then configures apt as the official Debian images do (no recommends, no
# package caches, no translations) and removes caches and logs, so that layers built on it stay small. Needs root.
set -eu

suite=${1:?usage: debian-rootfs.sh SUITE MIRROR OUT.tar}
mirror=${2:?usage: debian-rootfs.sh SUITE MIRROR OUT.tar}
out=${3:?usage: debian-rootfs.sh SUITE MIRROR OUT.tar}

[ "$(id -u)" = 0 ] || { echo "debian-rootfs.sh: debootstrap needs root" >&2; exit 1; }
command -v debootstrap >/dev/null 2>&1 || { echo "debian-rootfs.sh: debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }

root=$(mktemp -d "${TMPDIR:-/tmp}/rootfs.XXXXXX")
trap 'rm -rf "$root"' EXIT INT TERM

debootstrap --variant=minbase "$suite" "$root" "$mirror" >&2

# apt settings of the official images: every layer that runs apt leaves no cache behind
cat > "$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
echo 'Acquire::Languages "none";' > "$root/etc/apt/apt.conf.d/docker-no-languages"
echo 'Acquire::GzipIndexes "true"; Acquire::CompressionTypes::Order:: "gz";' > "$root/etc/apt/apt.conf.d/docker-gzip-indexes"
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' > "$root/etc/apt/apt.conf.d/docker-no-recommends"
cat > "$root/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb ${mirror%/debian}/debian-security $suite-security main
EOF

# no documentation, manual pages or translations, as in the official "-slim" images
cat > "$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
EOF
find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* "$root"/usr/share/lintian/*

rm -rf "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/var/log/* "$root"/tmp/* "$root"/root/.cache
mkdir -p "$root/var/lib/apt/lists/partial"
: > "$root/etc/machine-id"

tar --numeric-owner --xattrs -C "$root" -cf "$out" .
