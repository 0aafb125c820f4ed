-- Shared by the bench/*.lua wrk scripts (loaded with dofile): numbers each thread, counts the
-- statuses each thread saw, and prints at the end the rate of 2xx answers alone, p50/p99, and
-- every status other than 2xx.
local threads = {}
local next_tid = 0

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

tid = 0
ok, filler, statuses = 0, 0, {}

-- Each thread's share of the lines of a file: line i goes to thread i mod n.
function my_lines(path, nthreads)
  local mine = {}
  local i = 0
  for line in io.lines(path) do
    if line ~= "" then
      if i % nthreads == tid then table.insert(mine, line) end
      i = i + 1
    end
  end
  return mine
end

function count(status)
  if status >= 200 and status < 300 then
    ok = ok + 1
  else
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local total_ok, total_filler, by_status = 0, 0, {}
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    total_filler = total_filler + thread:get("filler")
    for status, n in pairs(thread:get("statuses")) do
      by_status[status] = (by_status[status] or 0) + n
    end
  end
  local seconds = summary.duration / 1e6
  local real_ok = total_ok - total_filler
  io.write(string.format("RESULT ok=%d rate_2xx=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f seconds=%.1f socket_errors=%d exhausted=%s",
    real_ok, real_ok / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, seconds,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    tostring(total_filler > 0)))
  local others = {}
  for status, n in pairs(by_status) do table.insert(others, status .. ":" .. n) end
  table.sort(others)
  io.write(" non_2xx=" .. (#others > 0 and table.concat(others, ",") or "0") .. "\n")
end

-- Scripts that need more define their own (after loading this file).
function response(status, headers, body)
  count(status)
end
