-- NAME
--	mt-bigbody.lua - a 10 MB body in 64 kB chunks
-- DESCRIPTION
--	Sends a body of 10 MB (160 chunks of 64,000 bytes, 998-character
--	lines, as an MTA streams a large message) and expects both
--	signatures. The message is saved to -D out=FILE so that
--	test-miltertest.sh can check the signatures, and so the body hash
--	computed over the stream, with dkimpy and libopendkim.
-- LICENSE
--	MIT; see LICENSE in the source distribution.

dofile(dir .. "/mt-common.lua")

local chunks = 160
local line = string.rep("0123456789", 99) .. "abcdefgh\r\n"	-- 1,000 bytes
local chunk = string.rep(line, 64)				-- 64,000 bytes

local conn = open("127.0.0.1")
envelope(conn, "BIGBODY")
local hdrs = std_headers({"Sender <sender@example.com>"}, "ten megabytes")
local sigs = expect_signed(message(conn, hdrs, function(c)
		for i = 1, chunks do
			body(c, chunk)
		end
	end), string.format("%d-byte body", chunks * #chunk))
if out ~= nil then
	save_message(out, sigs, hdrs, function(f)
		for i = 1, chunks do
			f:write(chunk)
		end
	end)
end
mt.disconnect(conn)
