#!/usr/bin/env bash
# Puts snac2 (a Mastodon-API server, Debian bookworm-backports) in a private folder, uninstalled.
#   tests/real/get_snac2.sh [DEST]    DEST defaults to $SNAC2_HOME or ~/.cache/front-counter/snac2
# The package is fetched with a private apt configuration (the system's sources and package
# state stay untouched) and unpacked with dpkg-deb -x: installing it would run its postinst,
# which enables Apache modules and a systemd unit we do not want. It needs only libcurl4 and
# libssl3, which Debian 12 has. Prints the path of the binary on success.
set -euo pipefail
dest="${1:-${SNAC2_HOME:-$HOME/.cache/front-counter/snac2}}"
binary="$dest/root/usr/bin/snac"
if [ -x "$binary" ]; then echo "$binary"; exit 0; fi
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || {
  echo "get_snac2: needs apt-get and dpkg-deb (a Debian system)" >&2; exit 2; }
for lib in libcurl4 libssl3; do
  dpkg -s "$lib" >/dev/null 2>&1 || { echo "get_snac2: the Debian package $lib is missing (.ci/system-packages test)" >&2; exit 2; }
done
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || { echo "get_snac2: $keyring is missing (package debian-archive-keyring)" >&2; exit 2; }
work="$dest/apt"
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/sources.list.d" "$dest/root"
echo "deb [signed-by=$keyring] http://deb.debian.org/debian bookworm-backports main" > "$work/sources.list"
opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=$work/sources.list.d"
      -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o "Debug::NoLocking=1"
      -o "APT::Sandbox::User=root" -qq)
if ! apt-get "${opts[@]}" update >"$work/update.log" 2>&1 || ! apt-cache "${opts[@]}" show snac2 >/dev/null 2>&1; then
  echo "get_snac2: could not read bookworm-backports' package list (offline?); see $work/update.log" >&2
  exit 3
fi
( cd "$work" && apt-get "${opts[@]}" download snac2 >"$work/download.log" 2>&1 ) || {
  echo "get_snac2: could not download snac2 from bookworm-backports (offline?); see $work/download.log" >&2
  exit 3
}
deb=$(ls "$work"/snac2_*.deb | head -n 1)
dpkg-deb -x "$deb" "$dest/root"
[ -x "$binary" ] || { echo "get_snac2: $deb holds no usr/bin/snac" >&2; exit 4; }
echo "$binary"
