-- NAME
--	mt-abort.lua - aborted messages, then a new one on the same connection
-- DESCRIPTION
--	The MTA aborts (SMFIC_ABORT, as on RSET or a client that drops the
--	DATA) a message right after MAIL FROM, one after its headers and one
--	in the middle of its body; each time the next message on the same
--	connection must be signed normally, with nothing carried over (the
--	aborted message's From fields must not make the next one a
--	"two From" message).
-- LICENSE
--	MIT; see LICENSE in the source distribution.

dofile(dir .. "/mt-common.lua")

local conn = open("127.0.0.1")

envelope(conn, "ABORT1")
ok(mt.abort(conn) == nil, "abort after MAIL FROM failed")

envelope(conn, "ABORT2")
headers(conn, std_headers({"Sender <sender@example.com>"}, "aborted after headers"))
ok(mt.abort(conn) == nil, "abort after headers failed")

envelope(conn, "ABORT3")
headers(conn, std_headers({"Sender <sender@example.com>"}, "aborted in body"))
step(conn, "end of headers", mt.eoh(conn), SMFIR_CONTINUE)
body(conn, "The first half of a body that never ends\r\n")
ok(mt.abort(conn) == nil, "abort in the body failed")

envelope(conn, "AFTER")
expect_signed(message(conn, std_headers({"Sender <sender@example.com>"},
	"after the aborts"), "This one completes.\r\n"),
	"message after three aborts")

-- An abort on another connection between messages must not disturb it.
local other = open("127.0.0.1")
envelope(other, "OTHER1")
headers(other, std_headers({"Sender <sender@example.com>"}, "other connection"))
envelope(conn, "AFTER2")
expect_signed(message(conn, std_headers({"Sender <sender@example.com>"},
	"interleaved"), function(c)
		ok(mt.abort(other) == nil, "abort on the second connection failed")
		body(c, "Interleaved with an abort elsewhere.\r\n")
	end), "message interleaved with an abort")

mt.disconnect(other)
mt.disconnect(conn)
