#!/bin/sh
# NAME
#	reference.sh - compare signet's signer with other DKIM implementations
# SYNOPSIS
#	srcdir=DIR top_builddir=DIR reference.sh
# DESCRIPTION
#	For each message of tests/corpus, and a 10 MB one made by
#	gen-large.sh, for each algorithm (rsa-sha256, ed25519-sha256) and
#	canonicalization (relaxed/relaxed, simple/simple, relaxed/simple,
#	simple/relaxed):
#
#	1. sign with signet's dkimsign, with odkim-sign (libopendkim) and
#	   with dkimpy-sign.py, at the same fixed time and with the same
#	   header lists;
#	2. require that dkimsign wrote its field followed by the message
#	   unchanged, that its bh= is that of both references, and that
#	   it lists the same header names in h= as libopendkim (as a
#	   multiset: the order may differ);
#	3. verify the message signed by dkimsign with odkim-verify,
#	   dkimpy-verify.py and mailauth-verify.mjs.
#
#	For each message, it also signs with both keys (dkimsign run twice,
#	both fields put in front of the message) and requires that both
#	signatures pass under each verifier.
#
#	The same is done with odkim-sign in place of dkimsign (the
#	"libopendkim" cases), so that a failure of a signet case can be
#	told apart from a fault in the keys, the verifiers or this script.
#
#	Known limits of libopendkim 2.11 are not failures of the case:
#	with relaxed body canonicalization of a body that does not end in
#	CRLF, it can neither sign ("skip" for its own cases, and bh= is
#	compared with dkimpy only) nor verify (odkim-verify is left out,
#	with a note).
#
#	dkimpy and mailauth check the cases of one message in one run
#	(they take file names), which saves most of their start-up time;
#	at most about 32 MB of signed messages wait for them at a time.
#
#	Keys are made for each run by mkkeys.sh in a temporary directory.
#	Tools are taken from $top_builddir/tests/tools, scripts and the
#	corpus from $srcdir/tests. mailauth is the npm package pinned in
#	tests/verify/package.json: when tests/verify/node_modules is absent,
#	"npm ci" installs it under $top_builddir/tests/verify-npm once.
#
#	Environment: REFERENCE_LARGE=0 leaves out the 10 MB message.
#
#	One line is printed per case, "ok CASE", "skip CASE: why" or
#	"FAIL CASE: why" with the verifiers' output below it, then the
#	number of skipped cases, if any, and "N passed, N failed".
# DIAGNOSTICS
#	Exit 0 when every case passed, 1 when one failed, 77 (skip) when a
#	needed tool is missing: odkim-sign, odkim-verify, openssl or
#	dkimpy. Without node, mailauth is left out with a note. When
#	dkimsign is not built, only the libopendkim cases run, and a pass
#	exits 77.
# LICENSE
#	MIT; see LICENSE in the source distribution.

set -u

srcdir=${srcdir:-.}
top_builddir=${top_builddir:-.}
tools=$top_builddir/tests/tools
DKIMSIGN=$tools/dkimsign
ODKIM_SIGN=$tools/odkim-sign
ODKIM_VERIFY=$tools/odkim-verify
PYTHON=/usr/bin/python3
DKIMPY=$srcdir/tests/verify/dkimpy-verify.py
DKIMPY_SIGN=$srcdir/tests/verify/dkimpy-sign.py
ODKIM_NOCRLF='CRLF at end of body missing'
DOMAIN=example.com
SIGNTIME=1700000000
SIGN_HDRS=from:sender:reply-to:to:cc:subject:date:message-id:in-reply-to:references:mime-version:content-type:content-transfer-encoding:received:comments:keywords:x-empty:x-long:x-latin1:x-mixed-case
OVER_HDRS=from:to:subject:reply-to
ALGS="rsa-sha256 ed25519-sha256"
CANONS="relaxed/relaxed simple/simple relaxed/simple simple/relaxed"

passed=0
failed=0
skipped=0

# skip_all - give up on the whole test: a needed tool is missing
skip_all() {
	echo "SKIP: $*"
	exit 77
}

for t in "$ODKIM_SIGN" "$ODKIM_VERIFY"; do
	[ -x "$t" ] || skip_all "$t not built: install libopendkim-dev and re-run configure"
done
command -v openssl >/dev/null 2>&1 ||
	skip_all "openssl not found: install the Debian package openssl"
"$PYTHON" -c 'import dkim, nacl' 2>/dev/null ||
	skip_all "dkimpy not found: install the Debian packages python3-dkim and python3-nacl"

have_signet=yes
if [ ! -x "$DKIMSIGN" ]; then
	have_signet=no
	echo "note: $DKIMSIGN not built: checking the reference tools only"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/signet-ref.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

sh "$srcdir/tests/tools/mkkeys.sh" "$tmp/keys" "$DOMAIN" || {
	echo "FAIL: mkkeys.sh could not make the test keys"
	echo "0 passed, 1 failed"
	exit 1
}
KEYS=$tmp/keys/keys.txt

# mailauth_setup - find or install mailauth; set MAILAUTH, or "" with a note
mailauth_setup() {
	MAILAUTH=
	if ! command -v node >/dev/null 2>&1; then
		echo "note: node not found: mailauth is not checked"
		return 0
	fi
	if [ -d "$srcdir/tests/verify/node_modules/mailauth" ]; then
		MAILAUTH=$srcdir/tests/verify/mailauth-verify.mjs
		return 0
	fi
	npmdir=$top_builddir/tests/verify-npm
	if [ ! -d "$npmdir/node_modules/mailauth" ] ||
	    ! cmp -s "$srcdir/tests/verify/package-lock.json" "$npmdir/package-lock.json"; then
		mkdir -p "$npmdir" &&
		cp "$srcdir/tests/verify/package.json" \
		    "$srcdir/tests/verify/package-lock.json" "$npmdir/" &&
		(cd "$npmdir" && npm ci --no-audit --no-fund >npm.log 2>&1) || {
			echo "FAIL mailauth setup: npm ci failed in $npmdir; see npm.log there"
			failed=$((failed + 1))
			return 0
		}
	fi
	cp "$srcdir/tests/verify/mailauth-verify.mjs" "$npmdir/"
	MAILAUTH=$npmdir/mailauth-verify.mjs
}

# sig_tag - value of tag $2 in the first header field of file $1
sig_tag() {
	LC_ALL=C awk -v tag="$2" '
	{ sub(/\r$/, "") }
	NR == 1 { f = $0; next }
	/^[ \t]/ { f = f $0; next }
	{ exit }
	END {
		sub(/^[^:]*:/, "", f)
		n = split(f, parts, ";")
		for (i = 1; i <= n; i++) {
			p = parts[i]
			gsub(/[ \t]/, "", p)
			if (index(p, tag "=") == 1) {
				print substr(p, length(tag) + 2)
				exit
			}
		}
	}' "$1"
}

# hlist - the h= names of file $1, lower case, sorted, one line
hlist() {
	sig_tag "$1" h | tr 'A-Z:' 'a-z\n' | sort | tr '\n' ':'
}

# sign - sign $1 with $2 (signet|libopendkim|dkimpy), algorithm $3,
# canon $4; write the field alone to $5; on failure set $err, return 1
sign() {
	case $3 in
	rsa-sha256) sel=rsa ;;
	*) sel="ed" ;;
	esac
	in=$1 who=$2 out=$5
	set -- -d "$DOMAIN" -s $sel -k "$tmp/keys/$sel.key" -a "$3" -c "$4" \
	    -t $SIGNTIME -H "$SIGN_HDRS" -O "$OVER_HDRS"
	case $who in
	libopendkim)
		"$ODKIM_SIGN" "$@" <"$in" >"$out" 2>"$tmp/sign.err" || {
			err="odkim-sign failed: $(cat "$tmp/sign.err")"
			return 1
		} ;;
	dkimpy)
		"$PYTHON" "$DKIMPY_SIGN" "$@" <"$in" >"$out" 2>"$tmp/sign.err" || {
			err="dkimpy-sign.py failed: $(cat "$tmp/sign.err")"
			return 1
		} ;;
	signet)
		"$DKIMSIGN" "$@" <"$in" >"$tmp/signed" 2>"$tmp/sign.err" || {
			err="dkimsign failed: $(cat "$tmp/sign.err")"
			return 1
		}
		signet_field "$in" "$out" ;;
	esac
}

# signet_field - check dkimsign's output for $1; write its field to $2
signet_field() {
	insize=$(wc -c <"$1")
	outsize=$(wc -c <"$tmp/signed")
	fsize=$((outsize - insize))
	if [ $fsize -le 0 ] ||
	    ! tail -c "$insize" "$tmp/signed" | cmp -s - "$1"; then
		err="dkimsign did not write its field followed by the unchanged message"
		return 1
	fi
	head -c $fsize "$tmp/signed" >"$2"
	case $(head -c 15 "$2") in
	DKIM-Signature:) ;;
	*)	err="dkimsign did not put a DKIM-Signature field first"
		return 1 ;;
	esac
}

# sign_failed - a signer failed: a skip for libopendkim's known limit
sign_failed() {
	case $1:$err in
	libopendkim:*"$ODKIM_NOCRLF"*) skip="libopendkim: $ODKIM_NOCRLF" ;;
	*) why="$why $err;" ;;
	esac
}

# compare - compare signet's field $1 with the references for $2 $3 $4
compare() {
	bh=$(sig_tag "$1" bh)
	if sign "$2" dkimpy "$3" "$4" "$tmp/py.field"; then
		pybh=$(sig_tag "$tmp/py.field" bh)
		[ -n "$bh" ] && [ "$bh" = "$pybh" ] ||
			why="$why bh=$bh, dkimpy has bh=$pybh;"
	else
		why="$why $err;"
	fi
	if sign "$2" libopendkim "$3" "$4" "$tmp/ref.field"; then
		refbh=$(sig_tag "$tmp/ref.field" bh)
		[ -n "$bh" ] && [ "$bh" = "$refbh" ] ||
			why="$why bh=$bh, libopendkim has bh=$refbh;"
		[ "$(hlist "$1")" = "$(hlist "$tmp/ref.field")" ] ||
			why="$why h=$(sig_tag "$1" h), libopendkim has h=$(sig_tag "$tmp/ref.field" h);"
	else
		case $err in
		*"$ODKIM_NOCRLF"*)
			note="$note libopendkim cannot sign it ($ODKIM_NOCRLF): bh= compared with dkimpy only;" ;;
		*)	why="$why $err;" ;;
		esac
	fi
}

# odkim_check - verify case file $1 with odkim-verify, wanting $2 passes
odkim_check() {
	"$ODKIM_VERIFY" -K "$KEYS" <"$1" >"$tmp/v.out" 2>&1
	rc=$?
	verdict odkim-verify $rc "$2" "$tmp/v.out"
}

# verdict - judge verifier $1 (exit $2) wanting $3 passes, output in $4
verdict() {
	npass=$(grep -c ' result=pass$' "$4")
	nlines=$(wc -l <"$4")
	[ "$2" -eq 0 ] && [ "$npass" -eq "$3" ] && [ "$nlines" -eq "$3" ] &&
		return 0
	if [ "$1" = odkim-verify ] && grep -q "$ODKIM_NOCRLF" "$4"; then
		note="$note odkim-verify left out (libopendkim: $ODKIM_NOCRLF);"
		return 0
	fi
	why="$why $1 does not pass;"
	log="$log  $1:
$(sed 's/^/    /' "$4")
"
}

# save - keep the state of case $n until the batch verifiers have run
save() {
	printf '%s' "$1" >"$cdir/$n.name"
	printf '%s' "$why" >"$cdir/$n.why"
	printf '%s' "$log" >"$cdir/$n.log"
	printf '%s' "$note" >"$cdir/$n.note"
	printf '%s' "$skip" >"$cdir/$n.skip"
}

# one_case - sign message $1 with $2 (signet|libopendkim), algorithm $3,
# canon $4, compare, and verify with odkim-verify
one_case() {
	n=$((n + 1))
	why="" log="" note="" skip=""
	if sign "$1" "$2" "$3" "$4" "$tmp/field"; then
		[ "$2" = signet ] && compare "$tmp/field" "$1" "$3" "$4"
		cat "$tmp/field" "$1" >"$cdir/$n.eml"
		echo 1 >"$cdir/$n.want"
		odkim_check "$cdir/$n.eml" 1
	else
		sign_failed "$2"
	fi
	save "$2 $(basename "$1") $3 $4"
}

# both_case - sign message $1 with $2 (signet|libopendkim) with both keys
both_case() {
	n=$((n + 1))
	why="" log="" note="" skip=""
	if sign "$1" "$2" rsa-sha256 relaxed/relaxed "$tmp/field.rsa" &&
	    sign "$1" "$2" ed25519-sha256 relaxed/relaxed "$tmp/field.ed"; then
		cat "$tmp/field.ed" "$tmp/field.rsa" "$1" >"$cdir/$n.eml"
		echo 2 >"$cdir/$n.want"
		odkim_check "$cdir/$n.eml" 2
	else
		sign_failed "$2"
	fi
	save "$2 $(basename "$1") rsa-sha256+ed25519-sha256 relaxed/relaxed"
}

# batch_lines - the lines of batch output $1 about case file $2
batch_lines() {
	awk -v p="$2: " 'index($0, p) == 1 { print substr($0, length(p) + 1) }' "$1"
}

# finish - add the batch verifiers' verdicts to case $1 and report it
finish() {
	name=$(cat "$cdir/$1.name")
	why=$(cat "$cdir/$1.why")
	log="$(cat "$cdir/$1.log")
"
	[ "$log" = "
" ] && log=
	note=$(cat "$cdir/$1.note")
	skip=$(cat "$cdir/$1.skip")
	if [ -f "$cdir/$1.eml" ]; then
		want=$(cat "$cdir/$1.want")
		for v in dkimpy mailauth; do
			[ -f "$cdir/$v.out" ] || continue
			batch_lines "$cdir/$v.out" "$cdir/$1.eml" >"$tmp/v.out"
			[ -s "$tmp/v.out" ] || {
				echo "no line about this message; the run printed:"
				head -n 20 "$cdir/$v.out"
			} >"$tmp/v.out"
			verdict $v 0 "$want" "$tmp/v.out"
		done
	fi
	if [ -n "$skip" ]; then
		echo "skip $name: $skip"
		skipped=$((skipped + 1))
	elif [ -z "$why" ]; then
		echo "ok $name${note:+ (note:$note)}"
		passed=$((passed + 1))
	else
		echo "FAIL $name:$why"
		[ -n "$log" ] && printf '%s' "$log"
		failed=$((failed + 1))
	fi
}

# flush - run the batch verifiers on the pending cases, report them
flush() {
	files=$(ls "$cdir"/*.eml 2>/dev/null)
	rm -f "$cdir/dkimpy.out" "$cdir/mailauth.out"
	# The names are split on purpose: one argument per case file.
	if [ -n "$files" ]; then
		"$PYTHON" "$DKIMPY" -K "$KEYS" $files >"$cdir/dkimpy.out" 2>&1
		[ -z "$MAILAUTH" ] ||
			node "$MAILAUTH" -K "$KEYS" $files >"$cdir/mailauth.out" 2>&1
	fi
	while [ $reported -lt $n ]; do
		reported=$((reported + 1))
		finish $reported
		rm -f "$cdir/$reported".*
	done
}

# add_case - run one case, then flush when the pending files are large
add_case() {
	"$@"
	[ "$(du -sk "$cdir" | cut -f1)" -lt 32768 ] || flush
}

# check_message - run every case of message $1
check_message() {
	cdir=$tmp/cases
	rm -rf "$cdir"
	mkdir "$cdir"
	n=0 reported=0
	for signer in $signers; do
		for alg in $ALGS; do
			for canon in $CANONS; do
				add_case one_case "$1" "$signer" "$alg" "$canon"
			done
		done
		add_case both_case "$1" "$signer"
	done
	flush
}

mailauth_setup

messages=$(ls "$srcdir"/tests/corpus/*.eml)
if [ "${REFERENCE_LARGE:-1}" != 0 ]; then
	sh "$srcdir/tests/corpus/gen-large.sh" "$tmp/99-large-10MB.eml"
	messages="$messages $tmp/99-large-10MB.eml"
fi

signers=libopendkim
[ $have_signet = yes ] && signers="signet libopendkim"

for m in $messages; do
	check_message "$m"
done

[ $skipped -eq 0 ] || echo "$skipped skipped: limits of libopendkim, see above"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ] || exit 1
[ $have_signet = yes ] || exit 77
exit 0
