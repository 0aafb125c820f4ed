-- wrk script: submits each draft of the file $BENCH_IDS once (POST /api/v1/dossiers/{id}/submit),
-- as the citizen whose token is $BENCH_TOKEN. Only 2xx answers count as submissions. When a
-- thread runs out of drafts it sends cheap GET /health/live "filler" requests, subtracted from the
-- count, and stops; the run then reports exhausted=true (raise the number of drafts).
-- With $BENCH_PAIRS_OUT set, writes "code secret id version agency" of every submitted dossier to
-- $BENCH_PAIRS_OUT.<thread> (the input of the lookup and transition benchmarks).
dofile(os.getenv("BENCH_DIR") .. "/wrk_common.lua")

local ids, next_id, pairs_out = {}, 1, nil

function init(args)
  ids = my_lines(os.getenv("BENCH_IDS"), tonumber(os.getenv("BENCH_THREADS") or "2"))
  local pairs_path = os.getenv("BENCH_PAIRS_OUT")
  if pairs_path and pairs_path ~= "" then
    pairs_out = io.open(pairs_path .. "." .. tid, "w")
    -- wrk has no per-thread hook at the end of a timed run: write each line through.
    pairs_out:setvbuf("line")
  end
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
end

function request()
  local id = ids[next_id]
  if id == nil then
    filler = filler + 1
    return wrk.format("GET", "/health/live")
  end
  next_id = next_id + 1
  return wrk.format("POST", "/api/v1/dossiers/" .. id .. "/submit")
end

function response(status, headers, body)
  count(status)
  if pairs_out and status == 200 then
    local code = string.match(body, '"code":"([^"]+)"')
    local secret = string.match(body, '"lookup_secret":"([^"]+)"')
    local id = string.match(body, '"id":"([0-9a-f-]+)"')
    local version = string.match(body, '"version":(%d+)')
    local agency = string.match(body, '"agency_code":"([^"]+)"')
    if code and secret and id and version and agency then
      pairs_out:write(code, " ", secret, " ", id, " ", version, " ", agency, "\n")
    end
  end
  if filler > 0 then
    if pairs_out then pairs_out:flush() end
    wrk.thread:stop()
  end
end
