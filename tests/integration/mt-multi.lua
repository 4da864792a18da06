-- NAME
--	mt-multi.lua - several messages on one milter connection
-- DESCRIPTION
--	One connection from 127.0.0.1 (a signing network) carries four
--	messages: example.com (signed), other.example (unsigned: not a
--	signet domain), example.com again (signed: per-message state was
--	reset at MAIL FROM), and example.com with a lower-case "from" field
--	name (signed). The first signed message is saved to -D out=FILE for
--	the verifiers.
-- LICENSE
--	MIT; see LICENSE in the source distribution.

dofile(dir .. "/mt-common.lua")

local conn = open("127.0.0.1")
local text = "First message on the connection.\r\n"

envelope(conn, "MULTI1")
local h1 = std_headers({"Sender <sender@example.com>"}, "multi one")
local sigs = expect_signed(message(conn, h1, text), "message 1 (example.com)")
if out ~= nil then
	save_message(out, sigs, h1, text)
end

envelope(conn, "MULTI2")
expect_unsigned(message(conn, std_headers({"Other <user@other.example>"},
	"multi two"), "Second message: not a signet domain.\r\n"),
	"message 2 (other.example)")

envelope(conn, "MULTI3")
expect_signed(message(conn, std_headers({"Sender <sender@example.com>"},
	"multi three"), "Third message.\r\n"), "message 3 (example.com again)")

envelope(conn, "MULTI4")
expect_signed(message(conn, {{"from", "sender@example.com"},
	{"subject", "multi four"}}, "Fourth message, lower-case field names.\r\n"),
	"message 4 (lower-case from)")

mt.disconnect(conn)
