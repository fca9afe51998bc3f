-- One endpoint of the load test, driven by one wrk process (devtools/loadtest.py starts one per
-- endpoint, all at once, so that each endpoint gets its own latency figures).
--
--   LOADTEST_ENDPOINT=… LOADTEST_CONFIG=… LOADTEST_RESULT=… \
--     wrk -t N -c N -d 60s --latency -s devtools/loadtest.lua URL
--
-- (wrk hands script arguments only to the threads' init(), not to setup(), hence the
-- environment.) LOADTEST_CONFIG is a text file of `key value` lines written by
-- devtools/loadtest.py: `slug`, one `token` and one `session` line per simulated user, and
-- `hypothesis` lines (ids to read and to link evidence to). Each wrk thread holds one connection and acts as one user, with that
-- user's token or session cookie. LOADTEST_RESULT receives one JSON object: requests, errors, status
-- counts and latency percentiles (microseconds).

-- Main state: the run's settings (globals set by thread:set() live in the threads' states).
local run_endpoint, result_path
local config = { token = {}, session = {}, hypothesis = {} }
local threads = {}

local function read_config(path)
  for line in io.lines(path) do
    local key, value = line:match("^(%S+)%s+(.+)$")
    if key == "slug" then
      config.slug = value
    elseif config[key] then
      table.insert(config[key], value)
    end
  end
end

-- setup() runs in the main state once per thread: hand each thread its user.
function setup(thread)
  if not run_endpoint then
    run_endpoint, result_path = os.getenv("LOADTEST_ENDPOINT"), os.getenv("LOADTEST_RESULT")
    read_config(os.getenv("LOADTEST_CONFIG"))
  end
  -- LOADTEST_USER_OFFSET: how many users the wrk processes started before this one took.
  local n = #threads + 1 + tonumber(os.getenv("LOADTEST_USER_OFFSET") or "0")
  thread:set("endpoint", run_endpoint)
  thread:set("slug", config.slug)
  thread:set("token", config.token[(n - 1) % #config.token + 1])
  thread:set("session", config.session[(n - 1) % #config.session + 1])
  thread:set("hypotheses", table.concat(config.hypothesis, ","))
  thread:set("seed", n * 7919)
  table.insert(threads, thread)
end

-- Per thread (each runs in its own Lua state); done() reads the globals `counts` and `logged`.
local ids = {}
counts = {}
logged = 0

function init(args)
  math.randomseed(seed)
  for id in string.gmatch(hypotheses, "%d+") do
    table.insert(ids, id)
  end
end

local function any_hypothesis()
  return ids[math.random(#ids)]
end

local function api(method, path, body)
  local headers = { ["Authorization"] = "Token " .. token, ["Accept"] = "application/json" }
  if body then
    headers["Content-Type"] = "application/json"
  end
  return wrk.format(method, "/api/v1/orgs/" .. slug .. path, headers, body)
end

local builders = {
  ["hypotheses list"] = function()
    return api("GET", "/hypotheses/?page=" .. math.random(5))
  end,
  ["interviews list"] = function()
    return api("GET", "/interviews/")
  end,
  ["hypothesis detail"] = function()
    return api("GET", "/hypotheses/" .. any_hypothesis() .. "/")
  end,
  ["metrics: cycle time"] = function()
    return api("GET", "/metrics/cycle-time/")
  end,
  ["metrics: velocity"] = function()
    return api("GET", "/metrics/velocity/?weeks=12")
  end,
  ["dashboard (web)"] = function()
    return wrk.format("GET", "/o/" .. slug .. "/", { ["Cookie"] = "sessionid=" .. session })
  end,
  ["log evidence"] = function()
    -- An interview or a sales call that happened in the last hour, linked to a hypothesis.
    local when = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() - math.random(60, 3600))
    local link = '"hypotheses": [{"hypothesis": ' .. any_hypothesis() .. ', "stance": "supports"}]'
    if math.random(2) == 1 then
      return api("POST", "/interviews/", '{"occurred_at": "' .. when .. '", "interviewee": ' ..
        '"Load test", "company": "Initech", "notes": "Logged under load.", ' .. link .. '}')
    end
    return api("POST", "/sales-calls/", '{"occurred_at": "' .. when .. '", "account": ' ..
      '"Load test", "deal_stage": "Demo", "feedback": "Logged under load.", ' .. link .. '}')
  end,
}

function request()
  return builders[endpoint]()
end

-- Think time between a connection's requests (LOADTEST_THINK_MS, exponential around that
-- mean; 0: none, the connection sends its next request as soon as the last one is answered).
local think_ms = tonumber(os.getenv("LOADTEST_THINK_MS") or "0")

function delay()
  if think_ms <= 0 then
    return 0
  end
  return math.floor(-math.log(1 - math.random()) * think_ms)
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
  if status == 201 then
    logged = logged + 1
  end
end

-- done() runs in the main state: gather the threads' counters and write the result.
function done(summary, latency, requests)
  local statuses, created = {}, 0
  for _, thread in ipairs(threads) do
    local c = thread:get("counts")
    for status, n in pairs(c) do
      statuses[status] = (statuses[status] or 0) + n
    end
    created = created + thread:get("logged")
  end
  local parts = {}
  for status, n in pairs(statuses) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  local e = summary.errors
  local file = assert(io.open(result_path, "w"))
  file:write(string.format(
    '{"endpoint": "%s", "requests": %d, "duration_us": %d, "created": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"statuses": {%s}, "latency_us": {"p50": %d, "p95": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
    run_endpoint, summary.requests, summary.duration, created, e.connect, e.read, e.write, e.status,
    e.timeout, table.concat(parts, ", "), latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean))
  file:close()
end
