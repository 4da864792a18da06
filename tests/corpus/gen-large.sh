#!/bin/sh
# NAME
#	gen-large.sh - write a 10 MB test message
# SYNOPSIS
#	gen-large.sh PATH
# DESCRIPTION
#	Writes to PATH a message of 10 MiB (10485760 octets) or a little
#	more, with CRLF line ends, that is the same on every run. Its body
#	has lines of varied length, some with trailing white space, some
#	empty, a few longer than 998 octets, and it ends in blank lines,
#	so that a large body meets the same canonicalization cases as the
#	small corpus. It is made on the fly instead of being kept in the
#	source tree.
# DIAGNOSTICS
#	Exit 2 on a usage error, 1 when PATH cannot be written.
# LICENSE
#	MIT; see LICENSE in the source distribution.

set -eu

if [ $# -ne 1 ]; then
	echo "usage: gen-large.sh PATH" >&2
	exit 2
fi

LC_ALL=C awk -v target=10485760 'BEGIN {
	cr = sprintf("%c", 13)
	eol = cr "\n"
	out = "From: Alice Example <alice@example.com>" eol \
	    "To: Bob <bob@example.org>" eol \
	    "Subject: a 10 MB message" eol \
	    "Date: Tue, 14 Nov 2023 22:13:20 +0000" eol \
	    "Message-ID: <corpus-large@example.com>" eol \
	    "MIME-Version: 1.0" eol \
	    "Content-Type: text/plain; charset=us-ascii" eol eol
	printf "%s", out
	size = length(out)
	alpha = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	for (n = 0; size < target; n++) {
		if (n % 61 == 0)
			line = ""
		else if (n % 1009 == 0) {
			line = ""
			for (i = 0; i < 1100; i++)
				line = line substr(alpha, (n + i) % 62 + 1, 1)
		} else {
			w = 20 + (n * 7919) % 57
			line = sprintf("%07d ", n)
			for (i = 0; i < w; i++)
				line = line substr(alpha, (n * 31 + i * 17) % 62 + 1, 1)
			if (n % 13 == 0)
				line = line "   "
			else if (n % 17 == 0)
				line = line " \t"
			if (n % 5 == 0)
				line = line "  two  spaces\tand a tab"
		}
		printf "%s%s", line, eol
		size += length(line) + 2
	}
	printf "%s", "last line" eol eol " " eol eol
}' > "$1"
