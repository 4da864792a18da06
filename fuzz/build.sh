#!/bin/sh
# build.sh - build the libFuzzer targets with clang, out of tree
#
# Usage: fuzz/build.sh BUILDDIR [OUTDIR]
#
# BUILDDIR is a configured signet build directory (for config.h); the
# targets go to OUTDIR (default BUILDDIR/fuzz). The library sources are
# taken from libsignet_a_SOURCES in Makefile.am and compiled again with
# clang -fsanitize=fuzzer-no-link,address,undefined; each fuzz/fuzz_*.c
# is linked against them with -fsanitize=fuzzer,address,undefined.
# Exits 77 when clang or its libFuzzer runtime is missing.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: fuzz/build.sh BUILDDIR [OUTDIR]}" && pwd)
out=${2:-$build/fuzz}
CLANG=${CLANG:-clang}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
jobs=${FUZZ_JOBS:-2}

if ! command -v "$CLANG" >/dev/null 2>&1; then
	echo "fuzz/build.sh: $CLANG not found: install the Debian package clang" >&2
	exit 77
fi
mkdir -p "$out/obj"
probe=$out/obj/probe.c
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { return (int) (d != 0 && n > 1 && 0); }\n' >"$probe"
if ! "$CLANG" -fsanitize=fuzzer $SAN "$probe" -o "$out/obj/probe" 2>/dev/null; then
	echo "fuzz/build.sh: $CLANG cannot link libFuzzer: install the Debian package clang (libclang-rt-dev)" >&2
	exit 77
fi
[ -f "$build/config.h" ] || {
	echo "fuzz/build.sh: no config.h in $build: run $top/configure there first" >&2
	exit 2
}

mods="yaml-0.1 libcrypto sqlite3 libunbound libpq expat zlib libzip gmime-3.0 libpsl"
# shellcheck disable=SC2086
pcflags=$(pkg-config --cflags $mods)
# shellcheck disable=SC2086
pclibs=$(pkg-config --libs $mods)
inc="-I$build -I$top -I$top/lib -I$top/policy -I$top/keys -I$top/dkim -I$top/dns -I$top/counters -I$top/dmarc -I$top/milter"
CFLAGS="-g -O1 -fno-omit-frame-pointer $SAN -DSYSCONFDIR=\"/etc\" $inc $pcflags"
export CLANG CFLAGS top out

# The library sources, as the Makefile lists them.
srcs=$(sed -n '/^libsignet_a_SOURCES/,/^$/p' "$top/Makefile.am" |
	tr ' \t\\' '\n\n\n' | grep '\.c$')

# Compile what changed, two at a time; a changed header rebuilds all.
if [ -f "$out/obj/stamp" ] && [ -n "$(find "$top" "$build/config.h" -name node_modules -prune \
	-o -name '*.h' -newer "$out/obj/stamp" -print | head -1)" ]; then
	rm -f "$out"/obj/*.o
fi
touch "$out/obj/stamp.new"
echo "$srcs" | xargs -P "$jobs" -I{} sh -c '
	o="$out/obj/$(echo "{}" | tr / _ | sed "s/\.c$/.o/")"
	if [ ! -f "$o" ] || [ "$top/{}" -nt "$o" ]; then
		$CLANG -fsanitize=fuzzer-no-link $CFLAGS -w -c "$top/{}" -o "$o" || exit 255
	fi'
mv "$out/obj/stamp.new" "$out/obj/stamp"
rm -f "$out/libsignet-fuzz.a"
ar cr "$out/libsignet-fuzz.a" $(echo "$srcs" | tr / _ | sed "s|^|$out/obj/|; s/\.c$/.o/")

for t in "$top"/fuzz/fuzz_*.c; do
	name=$(basename "$t" .c)
	objs=$out/libsignet-fuzz.a extra=
	case $name in
	*_odkim)	# the libopendkim comparison, when it is installed;
		# only the canonicaliser: dkim/sign.c has names libopendkim has
		if ! extra=$(pkg-config --cflags --libs opendkim 2>/dev/null); then
			echo "fuzz/build.sh: $name not built: no libopendkim (libopendkim-dev)"
			rm -f "$out/$name"
			continue
		fi
		objs=$(echo dkim_canon lib_buf lib_xalloc lib_log |
			sed "s|[a-z_]*|$out/obj/&.o|g") ;;
	fuzz_milter)	# the daemon's protocol engine, not in the library
		objs="$top/milter/engine_proto.c $objs" ;;
	esac
	# shellcheck disable=SC2086
	$CLANG -fsanitize=fuzzer $CFLAGS -Wall -Wextra -Wno-unused-parameter -Wno-comment \
		"$t" $objs $pclibs $extra -lspf2 -lpthread \
		-o "$out/$name"
done
echo "fuzz/build.sh: targets in $out"
