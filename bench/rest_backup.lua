-- wrk script for bench/rest_backup.sh: POST /secrets/bench/backup with the bearer token from $CV_TOKEN.
local token = os.getenv("CV_TOKEN")
wrk.method = "POST"
wrk.path = "/secrets/bench/backup?api-version=7.5"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Accept"] = "application/json"
wrk.body = ""  -- wrk then sends Content-Length: 0 itself

local errors = 0
response = function(status, headers, body)
  if status ~= 200 then errors = errors + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("non-200: %d\n", errors))
end
