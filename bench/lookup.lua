-- wrk script: the public status lookup GET /api/v1/lookup/{code}?secret=, cycling over the
-- "code secret …" lines of $BENCH_PAIRS (each thread starts at its own offset). No sign-in.
dofile(os.getenv("BENCH_DIR") .. "/wrk_common.lua")

local paths, i = {}, 0

function init(args)
  for line in io.lines(os.getenv("BENCH_PAIRS")) do
    local code, secret = string.match(line, "^(%S+) (%S+)")
    if code then table.insert(paths, "/api/v1/lookup/" .. code .. "?secret=" .. secret) end
  end
  i = (tid * 7919) % #paths
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
