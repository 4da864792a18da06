-- NAME
--	mt-common.lua - helpers shared by the miltertest scripts
-- SYNOPSIS
--	dofile(dir .. "/mt-common.lua")
-- DESCRIPTION
--	The scripts run under miltertest(8), through mt-run.lua (which
--	prints the error miltertest itself keeps silent), with
--	-D socket=SPEC (the signet-milter socket), -D dir=DIR (this
--	directory) and, for those that save a message for the verifiers,
--	-D out=FILE. The policy of
--	test-miltertest.sh signs example.com with selectors rsa and ed, for
--	clients in 127.0.0.0/8 and ::1, SMTP AUTH clients and the daemon
--	name ORIGINATING.
--
--	Each helper raises a Lua error that names the step and what came
--	back; miltertest then exits non-zero and test-miltertest.sh counts
--	the script as failed.
-- LICENSE
--	MIT; see LICENSE in the source distribution.

if socket == nil then
	error("run with -D socket=unix:PATH or -D socket=inet:PORT@ADDR")
end

local reply_names = {}
for _, n in ipairs({"SMFIR_CONTINUE", "SMFIR_ACCEPT", "SMFIR_REJECT",
		"SMFIR_TEMPFAIL", "SMFIR_DISCARD", "SMFIR_REPLYCODE",
		"SMFIR_SKIP"}) do
	if _G[n] ~= nil then
		reply_names[_G[n]] = n
	end
end

-- reply_name - a milter reply code as its SMFIR_ name
function reply_name(r)
	if r == nil then
		return "nil"
	end
	return reply_names[r] or string.format("reply %q", tostring(r))
end

-- ok - fail the script with MSG unless COND holds
function ok(cond, msg)
	if not cond then
		error(msg, 2)
	end
end

-- step - an mt.* call must succeed and the milter answer one of WANT...
function step(conn, what, err, ...)
	if err ~= nil then
		error(what .. ": " .. tostring(err), 2)
	end
	local r = mt.getreply(conn)
	for _, w in ipairs({...}) do
		if r == w then
			return r
		end
	end
	local names = {}
	for _, w in ipairs({...}) do
		table.insert(names, reply_name(w))
	end
	error(string.format("%s: milter replied %s, expected %s", what,
		reply_name(r), table.concat(names, " or ")), 2)
end

-- open - connect to signet and send the connection details: client IP
-- (default 127.0.0.1) and Postfix's connect macros; DAEMON is the
-- {daemon_name} (default "smtpd"); STEPS, when given, are the protocol
-- steps the MTA offers (default: all that miltertest knows)
function open(ip, daemon, steps)
	local conn = mt.connect(socket, 40, 0.25)
	ok(conn ~= nil, "cannot connect to " .. socket)
	if steps ~= nil then
		-- miltertest 1.x puts its third argument in the steps word
		-- and its fourth in the actions word, whatever its manual says
		-- (seen on the wire); mt-from.lua checks what was agreed
		local err = mt.negotiate(conn, 6, steps, nil)
		ok(err == nil, "negotiation: " .. tostring(err))
	end
	mt.macro(conn, SMFIC_CONNECT, "j", "mta.example.net",
		"{daemon_name}", daemon or "smtpd",
		"{client_addr}", ip or "127.0.0.1",
		"{client_name}", "client.example.net")
	step(conn, "connect", mt.conninfo(conn, "client.example.net",
		ip or "127.0.0.1"), SMFIR_CONTINUE)
	-- HELO before any MAIL macros, as an MTA does: miltertest would
	-- otherwise send it after them, and the milter library drops the
	-- macros of later stages when HELO arrives.
	if not mt.test_option(conn, SMFIP_NOHELO) then
		step(conn, "HELO", mt.helo(conn, "client.example.net"),
			SMFIR_CONTINUE)
	end
	return conn
end

-- envelope - MAIL FROM and RCPT TO; QID is the queue id macro i, AUTH
-- the {auth_authen} login (nil: not authenticated)
function envelope(conn, qid, auth)
	if auth ~= nil then
		mt.macro(conn, SMFIC_MAIL, "i", qid, "{auth_type}", "PLAIN",
			"{auth_authen}", auth, "{mail_addr}", "sender@example.com")
	else
		mt.macro(conn, SMFIC_MAIL, "i", qid,
			"{mail_addr}", "sender@example.com")
	end
	step(conn, "MAIL FROM", mt.mailfrom(conn, "<sender@example.com>"),
		SMFIR_CONTINUE)
	-- A milter that negotiated SMFIP_NORCPT gets no RCPT (miltertest
	-- raises an error for the step); one that did must accept it.
	if not mt.test_option(conn, SMFIP_NORCPT) then
		step(conn, "RCPT TO", mt.rcptto(conn, "<rcpt@receiver.example>"),
			SMFIR_CONTINUE)
	end
end

-- headers - send a list of {name, value} pairs (replies are not
-- awaited when the milter negotiated SMFIP_NR_HDR)
function headers(conn, list)
	for _, h in ipairs(list) do
		step(conn, "header " .. h[1], mt.header(conn, h[1], h[2]),
			SMFIR_CONTINUE)
	end
end

-- std_headers - a header block From FROM (a list of From values)
function std_headers(froms, subject)
	local list = {}
	for _, f in ipairs(froms) do
		table.insert(list, {"From", f})
	end
	table.insert(list, {"To", "Receiver <rcpt@receiver.example>"})
	table.insert(list, {"Subject", subject or "miltertest"})
	table.insert(list, {"Date", "Sun, 22 Nov 2026 10:00:00 +0000"})
	table.insert(list, {"Message-ID", "<" .. (subject or "mt"):gsub("%W", "")
		.. "@example.com>"})
	return list
end

-- body - send STR as one body chunk
function body(conn, str)
	step(conn, "body", mt.bodystring(conn, str), SMFIR_CONTINUE)
end

-- message - send the header fields HDRS, end of headers and, unless the
-- milter has decided there (ACCEPT: let the message pass as it is, or
-- a refusal), the body (a string, or a function that sends it) and end
-- of message. Returns a result: {stage = "eoh" or "eom", reply = the
-- milter's last reply, sigs = the DKIM-Signature values added,
-- eoh_answers = whether the milter answers end of headers at all (it
-- does not when it negotiated SMFIP_NR_EOH: its decision there is
-- given at end of message)}
function message(conn, hdrs, bodytext)
	local eoh_answers = not mt.test_option(conn, SMFIP_NR_EOH)
	headers(conn, hdrs)
	local r = step(conn, "end of headers", mt.eoh(conn), SMFIR_CONTINUE,
		SMFIR_ACCEPT, SMFIR_REPLYCODE, SMFIR_REJECT, SMFIR_TEMPFAIL)
	if r ~= SMFIR_CONTINUE then
		return {stage = "eoh", reply = r, sigs = {},
			eoh_answers = eoh_answers}
	end
	if type(bodytext) == "function" then
		bodytext(conn)
	else
		body(conn, bodytext)
	end
	r = step(conn, "end of message", mt.eom(conn), SMFIR_ACCEPT,
		SMFIR_CONTINUE, SMFIR_REPLYCODE, SMFIR_REJECT, SMFIR_TEMPFAIL)
	local res = {stage = "eom", reply = r, sigs = {},
		eoh_answers = eoh_answers}
	if mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature")
			or mt.eom_check(conn, MT_HDRADD, "DKIM-Signature") then
		for i = 0, 9 do
			local v = mt.getheader(conn, "DKIM-Signature", i)
			if v ~= nil then
				table.insert(res.sigs, v)
			end
		end
		-- getheader counts from 0 or from 1 depending on the version
		ok(#res.sigs > 0, "a DKIM-Signature was added but cannot be read")
	end
	return res
end

-- expect_signed - accepted at end of message with both signatures
-- (d=example.com, s=rsa and s=ed); returns their values
function expect_signed(res, what)
	ok(res.stage == "eom", what .. ": decided at end of headers ("
		.. reply_name(res.reply) .. "), expected signing at end of message")
	ok(res.reply == SMFIR_ACCEPT or res.reply == SMFIR_CONTINUE, what
		.. ": end of message replied " .. reply_name(res.reply))
	local seen = {}
	for _, v in ipairs(res.sigs) do
		local flat = v:gsub("%s", "")
		ok(flat:find("d=example.com;", 1, true), what ..
			": DKIM-Signature without d=example.com: " .. v)
		local sel = flat:match("s=([%w%-]+);")
		if sel then
			seen[sel] = true
		end
	end
	ok(#res.sigs == 2 and seen.rsa and seen.ed, what ..
		": expected two signatures, selectors rsa and ed; got " ..
		#res.sigs .. ": " .. table.concat(res.sigs, " | "))
	mt.echo(what .. ": signed (rsa, ed)")
	return res.sigs
end

-- expect_unsigned - let through (ACCEPT at end of headers, or accepted
-- at end of message) with no DKIM-Signature
function expect_unsigned(res, what)
	ok(res.reply == SMFIR_ACCEPT or res.reply == SMFIR_CONTINUE, what
		.. ": replied " .. reply_name(res.reply) .. " at " .. res.stage
		.. ", expected the message to pass")
	ok(#res.sigs == 0, what .. ": a DKIM-Signature was added")
	mt.echo(what .. ": passed unsigned (at " .. res.stage .. ")")
end

-- expect_refused - refused as decided at end of headers: with the
-- reply to end of headers, before the body, or, when the milter
-- negotiated not to answer there, with the reply to end of message
function expect_refused(res, what)
	local want = res.eoh_answers and "eoh" or "eom"
	ok(res.stage == want and (res.reply == SMFIR_REPLYCODE or
		res.reply == SMFIR_REJECT), what .. ": replied " ..
		reply_name(res.reply) .. " at " .. res.stage ..
		", expected a refusal at " .. want)
	mt.echo(what .. ": refused at " .. want .. " (" ..
		reply_name(res.reply) .. ")")
end

-- save_message - write the signed message (DKIM-Signature fields first,
-- then HDRS and BODY, CRLF line ends) to FILE for the verifiers
function save_message(file, sigs, hdrs, bodytext)
	local f = assert(io.open(file, "wb"))
	for _, v in ipairs(sigs) do
		f:write("DKIM-Signature: ", (v:gsub("^%s+", "")), "\r\n")
	end
	for _, h in ipairs(hdrs) do
		f:write(h[1], ": ", h[2], "\r\n")
	end
	f:write("\r\n")
	if type(bodytext) == "function" then
		bodytext(f)
	else
		f:write(bodytext)
	end
	f:close()
end
