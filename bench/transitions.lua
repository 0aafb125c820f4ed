-- wrk script: desk transitions through POST /api/v1/dossiers/{id}/actions with If-Match.
--   $BENCH_ACTION=receive: each dossier of $BENCH_ITEMS ("id version agency" lines) is received
--     once by its agency's clerk;
--   $BENCH_ACTION=assign: the dossiers are assigned, then re-assigned again and again between
--     their agency's two specialists, each time with the version the previous answer carried.
-- $BENCH_STAFF has one line per agency: "agency clerk_token specialist_id specialist_id".
-- Only 2xx answers count; a thread out of dossiers sends GET /health/live fillers and stops.
-- With $BENCH_DONE_OUT set, writes "id version agency" of each dossier a 2xx answer returned to
-- $BENCH_DONE_OUT.<thread> (so that bench_wrk_until can stop wrk when every dossier is through,
-- and the next step starts from the versions the server gave).
dofile(os.getenv("BENCH_DIR") .. "/wrk_common.lua")

local queue, head, tail = {}, 1, 0
local staff, action, done_out = {}, "assign", nil

local function push(id, version, agency)
  tail = tail + 1
  queue[tail] = { id = id, version = tonumber(version), agency = agency }
end

function init(args)
  action = os.getenv("BENCH_ACTION")
  local done_path = os.getenv("BENCH_DONE_OUT")
  if done_path and done_path ~= "" then
    done_out = io.open(done_path .. "." .. tid, "w")
    done_out:setvbuf("line")
  end
  for line in io.lines(os.getenv("BENCH_STAFF")) do
    local agency, token, s1, s2 = string.match(line, "^(%S+) (%S+) (%S+) (%S+)$")
    if agency then staff[agency] = { token = token, specialists = { s1, s2 } } end
  end
  for _, line in ipairs(my_lines(os.getenv("BENCH_ITEMS"), tonumber(os.getenv("BENCH_THREADS") or "2"))) do
    local id, version, agency = string.match(line, "^(%S+) (%S+) (%S+)$")
    push(id, version, agency)
  end
end

function request()
  if head > tail then
    filler = filler + 1
    return wrk.format("GET", "/health/live")
  end
  local item = queue[head]
  queue[head] = nil
  head = head + 1
  local who = staff[item.agency]
  local body
  if action == "receive" then
    body = '{"action":"receive"}'
  else
    body = '{"action":"assign","assignee_id":"' .. who.specialists[item.version % 2 + 1] .. '"}'
  end
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. who.token,
    ["If-Match"] = '"' .. item.version .. '"',
  }
  return wrk.format("POST", "/api/v1/dossiers/" .. item.id .. "/actions", headers, body)
end

function response(status, headers, body)
  count(status)
  if done_out and status >= 200 and status < 300 then
    local id = string.match(body, '"id":"([0-9a-f-]+)"')
    local version = string.match(body, '"version":(%d+)')
    local agency = string.match(body, '"agency_code":"([^"]+)"')
    if id and version and agency then done_out:write(id, " ", version, " ", agency, "\n") end
  end
  if action == "assign" and status == 200 then
    local id = string.match(body, '"id":"([0-9a-f-]+)"')
    local version = string.match(body, '"version":(%d+)')
    local agency = string.match(body, '"agency_code":"([^"]+)"')
    if id and version and agency then push(id, version, agency) end
  end
  if filler > 0 then wrk.thread:stop() end
end
