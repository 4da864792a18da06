-- NAME
--	mt-close.lua - connections that close early
-- DESCRIPTION
--	close may come before connect (libmilter calls xxfi_close without
--	xxfi_connect): connect to the socket and quit at once, politely and
--	abruptly; quit after the connection details; quit in the middle of
--	a message. Then a normal message on a new connection must still be
--	signed: the milter survived all of them.
-- LICENSE
--	MIT; see LICENSE in the source distribution.

dofile(dir .. "/mt-common.lua")

for i = 1, 3 do
	local c = mt.connect(socket, 40, 0.25)
	ok(c ~= nil, "cannot connect to " .. socket)
	mt.disconnect(c)
end
mt.echo("connect then quit: done")

for i = 1, 3 do
	local c = mt.connect(socket, 40, 0.25)
	ok(c ~= nil, "cannot connect to " .. socket)
	mt.disconnect(c, false)
end
mt.echo("connect then drop the socket: done")

local c = open("127.0.0.1")
mt.disconnect(c)
mt.echo("connection details then quit: done")

c = open("127.0.0.1")
envelope(c, "CLOSE1")
headers(c, std_headers({"Sender <sender@example.com>"}, "closed in the middle"))
step(c, "end of headers", mt.eoh(c), SMFIR_CONTINUE)
body(c, "half a body\r\n")
mt.disconnect(c, false)
mt.echo("drop in the middle of a message: done")

c = open("127.0.0.1")
envelope(c, "CLOSE2")
expect_signed(message(c, std_headers({"Sender <sender@example.com>"},
	"after the closes"), "still alive\r\n"), "message after early closes")
mt.disconnect(c)
