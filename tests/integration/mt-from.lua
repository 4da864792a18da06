-- NAME
--	mt-from.lua - messages without exactly one From address are refused
-- DESCRIPTION
--	With the default actions (no_from: reject, bad_from: reject), a
--	message without From, one with two From fields and one with two
--	addresses in its From field are refused as decided at end of
--	headers: signet answers there only when the MTA cannot take the
--	answer at end of message (no SMFIP_NR_EOH), else at end of message,
--	with nothing added. A good message on the same connection is still
--	signed.
-- LICENSE
--	MIT; see LICENSE in the source distribution.

dofile(dir .. "/mt-common.lua")

-- every step miltertest knows (libmilter's SMFI_CURR_PROT), and the
-- same without SMFIP_NR_EOH, as an MTA of protocol version 2 to 5 offers
local all_steps = 0x1FFFFF
local old_steps = all_steps - SMFIP_NR_EOH

for _, steps in ipairs({all_steps, old_steps}) do
	local how = steps == all_steps and "" or " (no NR_EOH)"
	local conn = open("127.0.0.1", nil, steps)
	ok(mt.test_option(conn, SMFIP_NR_EOH) == (steps == all_steps),
		"SMFIP_NR_EOH negotiated" .. how .. ": " ..
		tostring(mt.test_option(conn, SMFIP_NR_EOH)))
	envelope(conn, "NOFROM")
	expect_refused(message(conn, {{"To", "rcpt@receiver.example"},
		{"Subject", "no from"}}, "body\r\n"), "no From" .. how)
	mt.disconnect(conn)

	conn = open("127.0.0.1", nil, steps)
	envelope(conn, "TWOFROM")
	expect_refused(message(conn, std_headers({"A <a@example.com>",
		"B <b@example.com>"}, "two from"), "body\r\n"), "two From fields" .. how)
	mt.disconnect(conn)

	conn = open("127.0.0.1", nil, steps)
	envelope(conn, "TWOADDR")
	expect_refused(message(conn, std_headers({"a@example.com, b@example.com"},
		"two addresses"), "body\r\n"), "two addresses in From" .. how)
	mt.disconnect(conn)

	conn = open("127.0.0.1", nil, steps)
	envelope(conn, "GOODFROM")
	expect_signed(message(conn, std_headers({"Sender <sender@example.com>"},
		"one from"), "good\r\n"), "one From" .. how)
	mt.disconnect(conn)
end
