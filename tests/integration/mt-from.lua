-- NAME
--	mt-from.lua - messages without exactly one From address are refused
-- DESCRIPTION
--	With the default actions (no_from: reject, bad_from: reject), a
--	message without From, one with two From fields and one with two
--	addresses in its From field are refused at end of headers, before
--	the body. A good message on the same connection is still signed.
-- LICENSE
--	MIT; see LICENSE in the source distribution.

dofile(dir .. "/mt-common.lua")

local conn = open("127.0.0.1")
envelope(conn, "NOFROM")
expect_refused_at_eoh(message(conn, {{"To", "rcpt@receiver.example"},
	{"Subject", "no from"}}, "body\r\n"), "no From")
mt.disconnect(conn)

conn = open("127.0.0.1")
envelope(conn, "TWOFROM")
expect_refused_at_eoh(message(conn, std_headers({"A <a@example.com>",
	"B <b@example.com>"}, "two from"), "body\r\n"), "two From fields")
mt.disconnect(conn)

conn = open("127.0.0.1")
envelope(conn, "TWOADDR")
expect_refused_at_eoh(message(conn, std_headers({"a@example.com, b@example.com"},
	"two addresses"), "body\r\n"), "two addresses in From")
mt.disconnect(conn)

conn = open("127.0.0.1")
envelope(conn, "GOODFROM")
expect_signed(message(conn, std_headers({"Sender <sender@example.com>"},
	"one from"), "good\r\n"), "one From")
mt.disconnect(conn)
