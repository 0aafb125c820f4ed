-- wrk script: creates drafts of the benchmark procedure (POST /api/v1/dossiers), spread over the
-- agencies of $BENCH_AGENCIES in turn, until each thread has $BENCH_TARGET of them; the ids go
-- one per line to $BENCH_IDS_OUT.<thread>. Used by bench/lib.sh (bench_create_drafts).
dofile(os.getenv("BENCH_DIR") .. "/wrk_common.lua")

local agencies, made, target, out, n = {}, 0, 0, nil, 0

function init(args)
  for code in string.gmatch(os.getenv("BENCH_AGENCIES"), "%S+") do table.insert(agencies, code) end
  target = tonumber(os.getenv("BENCH_TARGET"))
  out = io.open(os.getenv("BENCH_IDS_OUT") .. "." .. tid, "w")
  out:setvbuf("line")
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
end

function request()
  n = n + 1
  local agency = agencies[(n + tid) % #agencies + 1]
  local body = string.format(
    '{"procedure_code":"%s","agency_code":"%s","form_data":{"address":"Thôn %d, xã Đông Sơn","copies":1}}',
    os.getenv("BENCH_PROCEDURE"), agency, n)
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  count(status)
  if status == 201 and made < target then
    local id = string.match(body, '"id":"([0-9a-f-]+)"')
    if id then
      out:write(id, "\n")
      made = made + 1
    end
  end
  if made >= target then
    out:flush()
    wrk.thread:stop()
  end
end
