-- wrk script for bench/rest_bench.sh: every request carries the bearer token (from $CV_TOKEN).
local token = os.getenv("CV_TOKEN")
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Accept"] = "application/json"
