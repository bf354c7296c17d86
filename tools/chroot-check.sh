#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# chroot-check.sh [flagship|test|bench] - a Quick-start command on a bare
# minimal Debian 12, as root: `./tools/quickstart.sh flagship` (the default) in
# a fresh `debootstrap --variant=minbase bookworm` chroot holding a copy of this
# checkout (without .git and the build* directories). Fails when it fails.
#
# The debootstrapped base is cached as a tarball in $BBMSIM_CHROOT_CACHE
# (default ${XDG_CACHE_HOME:-/var/cache}/bbmsim) and made again when older than
# $BBMSIM_CHROOT_MAX_AGE days (default 7). Only the base: what quickstart.sh
# installs is never cached, every run starts from the bare base. The mirror is
# the one the host's apt uses for bookworm ($BBMSIM_DEBIAN_MIRROR overrides).
# The chroot is made under ${TMPDIR:-/var/tmp}, on a tmpfs when 8 GiB of memory
# are available, and removed on exit.
set -eu

cd "$(dirname "$0")/.."
src=$PWD
what=${1:-flagship}
case "$what" in
flagship|test|bench) ;;
*) echo "usage: tools/chroot-check.sh [flagship|test|bench]" >&2; exit 2 ;;
esac
suite=bookworm
say() { echo "chroot-check: $*"; }
now() { date +%s; }

[ "$(id -u)" = 0 ] || { say "must run as root (debootstrap, chroot, mount)" >&2; exit 1; }

# The tools on the host: debootstrap, and the archive keys it checks against.
missing=""
for p in debootstrap debian-archive-keyring; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	say "installing on the host:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi

# The host's Debian mirror: the first deb source for $suite, in one-line
# (sources.list, *.list) or deb822 (*.sources) form.
host_mirror() {
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk -v suite="$suite" '$1 == "deb" {
			sub(/^deb[ \t]+(\[[^]]*\][ \t]+)?/, "")
			if ($2 == suite) print $1
		}' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v suite="$suite" '
			function stanza() { if (deb && on && has) print uri; deb = has = 0; on = 1; uri = "" }
			BEGIN { on = 1 }
			/^[ \t]*$/ { stanza(); next }
			tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
			tolower($1) == "uris:" { uri = $2 }
			tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == suite) has = 1 }
			tolower($1) == "enabled:" && tolower($2) == "no" { on = 0 }
			END { stanza() }' "$f"
	done
}
mirror=${BBMSIM_DEBIAN_MIRROR:-$(host_mirror | head -n 1)}
mirror=${mirror:-http://deb.debian.org/debian}

arch=$(dpkg --print-architecture)
cache=${BBMSIM_CHROOT_CACHE:-${XDG_CACHE_HOME:-/var/cache}/bbmsim}
base="$cache/minbase-$suite-$arch-$(printf '%s' "$mirror" | cksum | cut -d ' ' -f 1).tar.gz"

work=$(mktemp -d "${TMPDIR:-/var/tmp}/bbmsim-chroot.XXXXXX")
work=$(cd "$work" && pwd -P)
root="$work/root"
# Processes still in the chroot (an interrupted apt-get or build) keep /proc
# busy and write into what is being removed: ended first, by their root.
inside() {
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && echo "${p#/proc/}"
	done
	:
}
cleanup() {
	tc=$(now)
	sig=TERM
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		pids=$(inside)
		[ -n "$pids" ] || break
		# shellcheck disable=SC2086
		kill -s "$sig" $pids 2>/dev/null || :
		sleep 1
		sig=KILL
	done
	for m in "$root/dev" "$root/proc" "$work"; do
		mountpoint -q "$m" 2>/dev/null || continue
		umount -R "$m" 2>/dev/null || umount -R -l "$m" || :
	done
	rm -f "$base.$$"
	if grep -qF " $work" /proc/mounts; then
		say "still mounted under $work, left in place" >&2
	else
		rm -rf --one-file-system "$work"
		say "chroot removed in $(($(now) - tc)) s"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# On a tmpfs when memory allows: dpkg's syncs and removing the chroot then cost
# nothing (flagship on a loaded 2-core machine: 40 s instead of 110 s).
avail=$(awk '$1 == "MemAvailable:" { print int($2 / 1024) }' /proc/meminfo)
if [ "${avail:-0}" -ge 8192 ]; then
	mount -t tmpfs -o size=$((avail / 2))m,mode=0700 bbmsim-chroot "$work"
	on="a tmpfs of $((avail / 2)) MiB"
else
	on="disk (less than 8 GiB of memory available)"
fi

t0=$(now)
if [ -f "$base" ] && [ -z "$(find "$base" -mtime +"${BBMSIM_CHROOT_MAX_AGE:-7}")" ]; then
	say "base: $base (cached)"
else
	say "base: debootstrap --variant=minbase $suite $mirror"
	mkdir -p "$cache"
	debootstrap --variant=minbase "$suite" "$work/base" "$mirror" >"$work/debootstrap.log" 2>&1 || {
		tail -n 30 "$work/debootstrap.log" >&2
		say "debootstrap failed" >&2
		exit 1
	}
	tar -C "$work/base" --numeric-owner -czf "$base.$$" .
	mv "$base.$$" "$base"
	rm -rf --one-file-system "$work/base"
	say "base: made $base in $(($(now) - t0)) s"
fi

t1=$(now)
mkdir "$root"
tar -C "$root" --numeric-owner -xzf "$base"
rm -f "$root/etc/resolv.conf"
cat /etc/resolv.conf >"$root/etc/resolv.conf"
mkdir "$root/root/bbmsim"
tar -C "$src" --anchored --exclude='./build*' --exclude=./.git -cf - . | tar -C "$root/root/bbmsim" -xf -
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
mount --make-rslave "$root/dev"
say "fresh chroot $root on $on ready in $(($(now) - t1)) s"

t2=$(now)
say "running ./tools/quickstart.sh $what in it"
if chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	sh -c "cd /root/bbmsim && exec ./tools/quickstart.sh $what"; then
	say "quickstart.sh $what passed on a bare Debian 12 in $(($(now) - t2)) s (total $(($(now) - t0)) s)"
else
	rc=$?
	say "quickstart.sh $what FAILED (exit $rc) on a bare Debian 12" >&2
	exit "$rc"
fi
