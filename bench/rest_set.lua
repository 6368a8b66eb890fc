-- wrk script for bench/rest_bench.sh: PUT /secrets/bench-set (a 40-byte value, a new version each time) with
-- the bearer token from $CV_TOKEN.
local token = os.getenv("CV_TOKEN")
wrk.method = "PUT"
wrk.path = "/secrets/bench-set?api-version=7.5"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Accept"] = "application/json"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"value":"a-secret-value-of-forty-bytes-0123456789"}'
