#!/usr/bin/python3
# NAME
#	mkhostile.py - hostile DMARC report inputs, made on the fly
# SYNOPSIS
#	mkhostile.py gzbomb GIB			gzip to standard output
#	mkhostile.py zipbomb FILE GIB		one zip64 entry
#	mkhostile.py overlap FILE N MIB		N entries, one shared body
#	mkhostile.py manyzip FILE N REPORT	N junk entries and REPORT
#	mkhostile.py bigxml MIB RECORDS		a report, to standard output
#	mkhostile.py report ID			a small report, to standard output
#	mkhostile.py names FILE TAG REPORT...	mail: hostile attachment names
#	mkhostile.py manyparts FILE N REPORT	mail: N parts, then REPORT
# DESCRIPTION
#	Writes the inputs tests/hostile/test-reports.sh feeds to signet
#	dmarc import. The bombs are "<feedback>" and then spaces, so that
#	the importer must inflate them to see that they hold no report;
#	they are made without compressing their output: one deflate block
#	of 1 MiB of spaces, ended with a full flush, compresses alike
#	wherever it sits in the stream, so it is made once and repeated.
#	Lengths and CRCs are the true ones (crc32_combine from zlib).
#
#	gzbomb: "<feedback>" and GIB GiB of spaces, one gzip member.
#	zipbomb: the same as a zip64 entry report.xml, deflated.
#	overlap: N central directory entries (a0001.xml ...) that all
#	point at one local entry of "<feedback>" and MIB MiB of spaces:
#	the "overlapping" zip bomb, N times the work for one body.
#	manyzip: N one-line entries that are not reports, then REPORT.
#	bigxml: a well-formed aggregate report of RECORDS records, half
#	before and half after an <extensions> element of MIB MiB.
#	report: a report of two records with report_id ID.
#	names: a mail message that carries each REPORT gzipped, under the
#	names ../../../../tmp/TAG-dotdot.xml.gz, /tmp/TAG-abs.xml.gz and,
#	inside a zip, entries ../../tmp/TAG-zipdot.xml and /tmp/TAG-zipabs.xml.
#	manyparts: multipart/mixed with N small text parts, then REPORT
#	gzipped.
# LICENSE
#	MIT; see LICENSE in the source distribution.

import base64
import ctypes
import ctypes.util
import gzip
import io
import struct
import sys
import zipfile
import zlib

MIB = 1 << 20
PREFIX = b"<?xml version='1.0'?>\n<feedback>"
_z = ctypes.CDLL(ctypes.util.find_library("z") or "libz.so.1")
_z.crc32_combine64.restype = ctypes.c_ulong
_z.crc32_combine64.argtypes = [ctypes.c_ulong, ctypes.c_ulong, ctypes.c_longlong]


def crc_combine(a, b, blen):
    return _z.crc32_combine64(a, b, blen) & 0xffffffff


def spaces_stream(mib):
    """Raw deflate of PREFIX + MIB MiB of spaces: (pieces, crc, length)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(PREFIX) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(b" " * MIB) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.flush()
    crc1 = zlib.crc32(b" " * MIB)
    crc, n = zlib.crc32(PREFIX), 1
    # crc of MIB MiB of spaces by doubling
    acc, acc_len, k = None, 0, mib
    unit, unit_len = crc1, MIB
    while k:
        if k & 1:
            acc = unit if acc is None else crc_combine(acc, unit, unit_len)
            acc_len += unit_len
        unit = crc_combine(unit, unit, unit_len)
        unit_len *= 2
        k >>= 1
    if acc is not None:
        crc = crc_combine(crc, acc, acc_len)
    return head, block, tail, crc, len(PREFIX) + mib * MIB


def write_deflate(out, head, block, tail, mib):
    out.write(head)
    for _ in range(mib):
        out.write(block)
    out.write(tail)


def gzbomb(gib):
    out = sys.stdout.buffer
    mib = gib * 1024
    head, block, tail, crc, size = spaces_stream(mib)
    out.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff")
    write_deflate(out, head, block, tail, mib)
    out.write(struct.pack("<II", crc, size & 0xffffffff))


def local_header(name, crc, csize, usize, zip64):
    extra = b""
    if zip64:
        extra = struct.pack("<HHQQ", 1, 16, usize, csize)
        csize = usize = 0xffffffff
    return struct.pack("<IHHHHHIIIHH", 0x04034b50, 45, 0, 8, 0, 0x5821,
                       crc, csize, usize, len(name), len(extra)) + name + extra


def central_header(name, crc, csize, usize, offset, zip64):
    extra = b""
    if zip64:
        extra = struct.pack("<HHQQ", 1, 16, usize, csize)
        csize = usize = 0xffffffff
    return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 45, 45, 0, 8, 0,
                       0x5821, crc, csize, usize, len(name), len(extra), 0,
                       0, 0, 0, offset) + name + extra


def end_record(n, cd_size, cd_offset):
    return struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, n, n, cd_size,
                       cd_offset, 0)


def zipbomb(path, gib):
    mib = gib * 1024
    head, block, tail, crc, size = spaces_stream(mib)
    csize = len(head) + mib * len(block) + len(tail)
    with open(path, "wb") as f:
        f.write(local_header(b"report.xml", crc, csize, size, True))
        write_deflate(f, head, block, tail, mib)
        cd = central_header(b"report.xml", crc, csize, size, 0, True)
        off = f.tell()
        f.write(cd)
        f.write(end_record(1, len(cd), off))


def overlap(path, n, mib):
    head, block, tail, crc, size = spaces_stream(mib)
    csize = len(head) + mib * len(block) + len(tail)
    with open(path, "wb") as f:
        f.write(local_header(b"a0000.xml", crc, csize, size, False))
        write_deflate(f, head, block, tail, mib)
        off = f.tell()
        cd = b"".join(central_header(b"a%04d.xml" % (i + 1), crc, csize,
                                     size, 0, False) for i in range(n))
        f.write(cd)
        f.write(end_record(n, len(cd), off))


def manyzip(path, n, report):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(n):
            z.writestr("junk/%05d.txt" % i, "not a report %d\n" % i)
        z.write(report, "report.xml")


def bigxml(mib, records, rid=b"big-1"):
    out = sys.stdout.buffer
    out.write(b"<?xml version='1.0' encoding='UTF-8'?>\n<feedback>\n"
              b"<report_metadata><org_name>big.example</org_name>"
              b"<email>dmarc@big.example</email><report_id>%s</report_id>"
              % rid +
              b"<date_range><begin>1700000000</begin><end>1700086399</end>"
              b"</date_range></report_metadata>\n<policy_published>"
              b"<domain>example.com</domain><p>none</p><sp>none</sp>"
              b"<pct>100</pct></policy_published>\n")

    def recs(lo, hi):
        return b"".join(
            b"<record><row><source_ip>192.0.2.%d</source_ip><count>%d</count>"
            b"<policy_evaluated><disposition>none</disposition><dkim>pass</dkim>"
            b"<spf>pass</spf></policy_evaluated></row><identifiers>"
            b"<header_from>example.com</header_from></identifiers>"
            b"<auth_results><dkim><domain>example.com</domain>"
            b"<result>pass</result></dkim><spf><domain>example.com</domain>"
            b"<result>pass</result></spf></auth_results></record>\n"
            % (i % 250 + 1, i + 1) for i in range(lo, hi))
    out.write(recs(0, records // 2))
    line = b"<padding>" + b"x" * 1000 + b"</padding>\n"
    mb = line * (MIB // len(line))
    if mib:
        out.write(b"<extensions>\n")
        for _ in range(mib):
            out.write(mb)
        out.write(b"</extensions>\n")
    out.write(recs(records // 2, records))
    out.write(b"</feedback>\n")


def mail_head(boundary, subject):
    return ("From: dmarc@receiver.example\nTo: dmarc@example.com\n"
            "Subject: %s\nMessage-ID: <%s@receiver.example>\n"
            "MIME-Version: 1.0\n"
            "Content-Type: multipart/mixed; boundary=\"%s\"\n\n"
            "preamble\n" % (subject, boundary, boundary))


def attachment(boundary, ctype, name, data):
    b64 = base64.encodebytes(data).decode()
    return ("--%s\nContent-Type: %s; name=\"%s\"\n"
            "Content-Disposition: attachment; filename=\"%s\"\n"
            "Content-Transfer-Encoding: base64\n\n%s" %
            (boundary, ctype, name, name, b64))


def names(path, tag, reports):
    data = [open(r, "rb").read() for r in reports]
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("../../tmp/%s-zipdot.xml" % tag, data[2])
        z.writestr("/tmp/%s-zipabs.xml" % tag, data[3])
    bnd = "hostile-names"
    msg = mail_head(bnd, "Report domain: example.com")
    msg += attachment(bnd, "application/gzip",
                      "../../../../tmp/%s-dotdot.xml.gz" % tag,
                      gzip.compress(data[0]))
    msg += attachment(bnd, "application/gzip", "/tmp/%s-abs.xml.gz" % tag,
                      gzip.compress(data[1]))
    msg += attachment(bnd, "application/zip", "../%s-archive.zip" % tag,
                      zbuf.getvalue())
    msg += "--%s--\n" % bnd
    with open(path, "w") as f:
        f.write(msg)


def manyparts(path, n, report):
    bnd = "many-parts"
    with open(path, "w") as f:
        f.write(mail_head(bnd, "many parts"))
        for i in range(n):
            f.write("--%s\nContent-Type: text/plain\n\npart %d\n" % (bnd, i))
        f.write(attachment(bnd, "application/gzip", "report.xml.gz",
                           gzip.compress(open(report, "rb").read())))
        f.write("--%s--\n" % bnd)


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "gzbomb":
        gzbomb(int(args[0]))
    elif cmd == "zipbomb":
        zipbomb(args[0], int(args[1]))
    elif cmd == "overlap":
        overlap(args[0], int(args[1]), int(args[2]))
    elif cmd == "manyzip":
        manyzip(args[0], int(args[1]), args[2])
    elif cmd == "bigxml":
        bigxml(int(args[0]), int(args[1]))
    elif cmd == "report":
        bigxml(0, 2, args[0].encode())
    elif cmd == "names":
        names(args[0], args[1], args[2:])
    elif cmd == "manyparts":
        manyparts(args[0], int(args[1]), args[2])
    else:
        sys.exit("mkhostile.py: unknown command " + cmd)


if __name__ == "__main__":
    try:
        main(sys.argv)
    except BrokenPipeError:
        sys.exit(0)
