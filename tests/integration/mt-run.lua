-- NAME
--	mt-run.lua - run one miltertest script and report its error
-- SYNOPSIS
--	miltertest -D socket=SPEC -D dir=DIR -D script=FILE [-D out=FILE]
--		-s DIR/mt-run.lua
-- DESCRIPTION
--	miltertest exits 1 on a Lua error but prints nothing about it; this
--	runner runs FILE and, on an error, prints "ERROR: " and the message
--	with a traceback before exiting 1.
-- LICENSE
--	MIT; see LICENSE in the source distribution.

local ok, err = xpcall(function() dofile(script) end, debug.traceback)
if not ok then
	print("ERROR: " .. tostring(err))
	io.stdout:flush()
	os.exit(1)
end
