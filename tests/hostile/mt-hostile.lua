-- NAME
--	mt-hostile.lua - hostile input straight to the milter
-- DESCRIPTION
--	Run by tests/hostile/test-messages.sh through mt-run.lua, with
--	-D socket=SPEC, -D dir=tests/integration (for mt-common.lua) and
--	-D out=PREFIX. Sends what Postfix would change on the way
--	(rawmilter.py sends what miltertest cannot: long header fields):
--
--	- 10,000 header fields: signed;
--	- a body with bare LF line ends and 8-bit bytes: signed (NUL
--	  bytes too, but miltertest cuts a body string at its first NUL:
--	  rawmilter.py sends those).
--
--	Each signed message is saved to PREFIX-NAME.eml for the verifiers
--	(dkimpy and libopendkim). A good message on a new connection is
--	still signed at the end.
-- LICENSE
--	MIT; see LICENSE in the source distribution.

dofile(dir .. "/mt-common.lua")

-- signed_case - one message that must be signed; saved as NAME
local function signed_case(name, hdrs, bodytext)
	local conn = open("127.0.0.1")
	envelope(conn, "HOSTILE" .. name:upper():gsub("%W", ""))
	local sigs = expect_signed(message(conn, hdrs, bodytext), name)
	save_message(out .. "-" .. name .. ".eml", sigs, hdrs, bodytext)
	mt.disconnect(conn)
end

local hdrs = {}
for i = 1, 10000 do
	table.insert(hdrs, {"X-Filler-" .. i, "value number " .. i})
end
for _, h in ipairs(std_headers({"Sender <sender@example.com>"}, "10000 fields")) do
	table.insert(hdrs, h)
end
signed_case("headers", hdrs, "body\r\n")

signed_case("rawbody", std_headers({"Sender <sender@example.com>"}, "raw body"),
	"bare LF\nline two \n\n8-bit \233\232\r\nend\n")

signed_case("after", std_headers({"Sender <sender@example.com>"}, "after"),
	"still signing\r\n")
