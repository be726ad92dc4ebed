#!/usr/bin/env bash
# Unpacks (does not install) an arm64 CPython 3.13 from Debian's packages into a directory, for
# running the arm64 Lambda layer under qemu-user-static:
#   qemu-aarch64-static -L DIR DIR/usr/bin/python3.13 ...
# Uses a private apt configuration (Debian trixie, arm64) so the machine's own apt state is not
# touched. Idempotent: does nothing when DIR/usr/bin/python3.13 exists.
set -euo pipefail

dest="${1:?usage: arm64-python313.sh DIR}"
[[ -x "$dest/usr/bin/python3.13" ]] && exit 0
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{lists/partial,cache/archives/partial,debs} "$dest"
cat >"$work/sources.list" <<SOURCES
deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main
SOURCES
apt_opts=(
    -o "Dir::Etc::sourcelist=$work/sources.list" -o "Dir::Etc::sourceparts=-"
    -o "Dir::State::lists=$work/lists" -o "Dir::Cache=$work/cache"
    -o "APT::Architecture=arm64" -o "APT::Architectures::=arm64"
    -o "APT::Sandbox::User=root"
)
apt-get "${apt_opts[@]}" -qq update
# The interpreter, its standard library, and the shared libraries it and the layer's native
# wheels (cryptography, bcrypt, pynacl, cffi, dulwich, pysequoia) load.
(cd "$work/debs" && apt-get "${apt_opts[@]}" -qq download \
    python3.13-minimal libpython3.13-minimal libpython3.13-stdlib libc6 libssl3t64 libffi8 \
    zlib1g libexpat1 libbz2-1.0 liblzma5 libuuid1 libmpdec4 libzstd1 libgcc-s1 libstdc++6 \
    ca-certificates)
for deb in "$work"/debs/*.deb; do
    dpkg-deb -x "$deb" "$dest"
done
# Debian's merged /usr: the loader is looked up as /lib/ld-linux-aarch64.so.1.
ln -sfn usr/lib "$dest/lib"
"$(command -v qemu-aarch64-static)" -L "$dest" "$dest/usr/bin/python3.13" -I -c 'import ssl'
echo "arm64 Python 3.13 unpacked in $dest"
