-- NAME
--	mt-source.lua - only mail from a signing source is signed
-- DESCRIPTION
--	From example.com in every case; the client decides:
--	192.0.2.10 (outside the signing networks), not authenticated, daemon
--	"smtpd": passes unsigned. The same client authenticated with SMTP
--	AUTH ({auth_authen}): signed. The same client through the daemon
--	named ORIGINATING: signed. ::1 (a signing network): signed.
-- LICENSE
--	MIT; see LICENSE in the source distribution.

dofile(dir .. "/mt-common.lua")

local function one(ip, daemon, auth, what, signed)
	local conn = open(ip, daemon)
	envelope(conn, "SOURCE", auth)
	local res = message(conn, std_headers({"Sender <sender@example.com>"},
		what), what .. "\r\n")
	if signed then
		expect_signed(res, what)
	else
		expect_unsigned(res, what)
	end
	mt.disconnect(conn)
end

one("192.0.2.10", "smtpd", nil, "outside client, no auth", false)
one("192.0.2.10", "smtpd", "alice", "outside client, SMTP AUTH", true)
one("192.0.2.10", "ORIGINATING", nil, "outside client, ORIGINATING daemon", true)
one("::1", "smtpd", nil, "client ::1", true)
