-- wrk script for the serve load test and benchmark: POST the body in
-- $OGX_WRK_BODY to /v1/infer. With $OGX_WRK_OUT set, every answer is
-- written down (the record id of a 200, else its status), one file per
-- thread, for the test to check against the spool.
local body = io.open(os.getenv("OGX_WRK_BODY")):read("*a")
wrk.method = "POST"
wrk.path = "/v1/infer"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"

local n = 0
function setup(thread)
	n = n + 1
	thread:set("tid", n)
end

local prefix = os.getenv("OGX_WRK_OUT")
if prefix then
	local out
	function response(status, headers, body)
		if not out then
			out = io.open(prefix .. "." .. tostring(tid), "a")
		end
		if status == 200 then
			out:write((body:match('"og":{"id":"(%x+)"') or "200-without-record"), "\n")
		else
			out:write("status ", status, "\n")
		end
		out:flush()
	end
end
