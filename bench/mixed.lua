-- wrk script: the mixed workload of issue 9 — of every 10 requests 7 are public lookups, 2 are
-- submissions and 1 is a desk transition.
--   lookups cycle over the "code secret …" lines of $BENCH_PAIRS;
--   submissions take each draft of $BENCH_IDS once, as the citizen of $BENCH_TOKEN;
--   transitions assign and re-assign the received dossiers of $BENCH_ITEMS ("id version agency")
--     between their agency's two specialists, each time with the version the previous answer
--     carried ($BENCH_STAFF: "agency clerk_token specialist_id specialist_id" per agency).
-- A thread that runs out of drafts or of dossiers to assign sends GET /health/live fillers and
-- stops (the run then reports exhausted=true). Answers are told apart by their bodies, since wrk
-- does not say which request an answer belongs to.
dofile(os.getenv("BENCH_DIR") .. "/wrk_common.lua")

local lookups, next_lookup = {}, 0
local drafts, next_draft = {}, 1
local queue, head, tail = {}, 1, 0
local staff, citizen_token = {}, ""
local n = 0

local function push(id, version, agency)
  tail = tail + 1
  queue[tail] = { id = id, version = tonumber(version), agency = agency }
end

function init(args)
  local nthreads = tonumber(os.getenv("BENCH_THREADS") or "2")
  for line in io.lines(os.getenv("BENCH_PAIRS")) do
    local code, secret = string.match(line, "^(%S+) (%S+)")
    if code then table.insert(lookups, "/api/v1/lookup/" .. code .. "?secret=" .. secret) end
  end
  next_lookup = (tid * 7919) % #lookups
  drafts = my_lines(os.getenv("BENCH_IDS"), nthreads)
  citizen_token = "Bearer " .. os.getenv("BENCH_TOKEN")
  for line in io.lines(os.getenv("BENCH_STAFF")) do
    local agency, token, s1, s2 = string.match(line, "^(%S+) (%S+) (%S+) (%S+)$")
    if agency then staff[agency] = { token = "Bearer " .. token, specialists = { s1, s2 } } end
  end
  for _, line in ipairs(my_lines(os.getenv("BENCH_ITEMS"), nthreads)) do
    local id, version, agency = string.match(line, "^(%S+) (%S+) (%S+)$")
    push(id, version, agency)
  end
end

local function filler_request()
  filler = filler + 1
  return wrk.format("GET", "/health/live")
end

function request()
  n = n + 1
  local slot = n % 10
  if slot < 7 then
    next_lookup = next_lookup % #lookups + 1
    return wrk.format("GET", lookups[next_lookup])
  elseif slot < 9 then
    local id = drafts[next_draft]
    if id == nil then return filler_request() end
    next_draft = next_draft + 1
    return wrk.format("POST", "/api/v1/dossiers/" .. id .. "/submit", { ["Authorization"] = citizen_token })
  end
  if head > tail then return filler_request() end
  local item = queue[head]
  queue[head] = nil
  head = head + 1
  local who = staff[item.agency]
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = who.token,
    ["If-Match"] = '"' .. item.version .. '"',
  }
  local body = '{"action":"assign","assignee_id":"' .. who.specialists[item.version % 2 + 1] .. '"}'
  return wrk.format("POST", "/api/v1/dossiers/" .. item.id .. "/actions", headers, body)
end

function response(status, headers, body)
  count(status)
  -- Only an assignment's answer names an assignee (a submission's has "assignee_id":null, a
  -- lookup's no such field).
  if status == 200 and string.find(body, '"assignee_id":"', 1, true) then
    local id = string.match(body, '"id":"([0-9a-f-]+)"')
    local version = string.match(body, '"version":(%d+)')
    local agency = string.match(body, '"agency_code":"([^"]+)"')
    if id and version and agency then push(id, version, agency) end
  end
  if filler > 0 then wrk.thread:stop() end
end
