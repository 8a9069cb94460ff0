-- One wrk script for every request scripts/bench measures; BENCH_KIND picks the request.
-- It prints one line for the script to read:
--   RESULT <requests/s> <p50 ms> <p95 ms> <p99 ms> <requests> <errors>
local kind = os.getenv("BENCH_KIND")
local token = os.getenv("BENCH_TOKEN")
local cookie = os.getenv("BENCH_COOKIE")
local caller_cookie = os.getenv("BENCH_CALLER_COOKIE")
local caller_token = os.getenv("BENCH_CALLER_TOKEN")
local incidents = tonumber(os.getenv("BENCH_INCIDENTS") or "1000")
local group = os.getenv("BENCH_GROUP") or "service-desk"
local service = os.getenv("BENCH_SERVICE") or ""
-- "page" and "api": one fixed path (BENCH_PATH), as the signed-in user or with the token.
local path = os.getenv("BENCH_PATH") or "/"
local words = {
  "Drucker", "VPN", "Passwort", "Outlook", "Laptop", "printer", "password", "SAP",
  "Teams", "Heizung", "Zugang", "access", "Netzwerk", "slow", "Fehlermeldung", "mailbox",
}

local next_id = 1
local threads = {}
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

-- Any answer but 2xx counts as an error (wrk itself counts only 4xx and 5xx), except a 404
-- for a random incident number: the bench user is no member of HR, whose cases are
-- confidential, so for them those numbers name nothing (the right answer, counted apart).
unexpected = 0
hidden = 0
response = function(status, headers, body)
  if status == 404 and (kind == "get" or kind == "suggestions" or kind == "journey") then
    hidden = hidden + 1
  elseif status >= 300 then
    unexpected = unexpected + 1
  end
end

local counter = 0
function init(args)
  math.randomseed(id * 7919 + os.time())
end

local function number()
  return string.format("INC%07d", math.random(1, incidents))
end

request = function()
  local headers = { ["Authorization"] = "Bearer " .. (token or "") }
  if kind == "get" then
    return wrk.format("GET", "/api/v1/incidents/" .. number(), headers)
  elseif kind == "create" then
    counter = counter + 1
    headers["Content-Type"] = "application/json"
    local body = string.format(
      '{"title":"Drucker im 2. OG druckt nicht (Last %d-%d)","description":"Angelegt von scripts/bench.",' ..
      '"impact":"low","urgency":"medium","assignment_group":"%s","service":"%s"}',
      id, counter, group, service)
    return wrk.format("POST", "/api/v1/incidents", headers, body)
  elseif kind == "queue" then
    return wrk.format("GET", "/incidents?queue=all&assignment_group=" .. group .. "&state=in_progress",
      { ["Cookie"] = cookie })
  elseif kind == "search" then
    return wrk.format("GET", "/api/v1/incidents?limit=50&q=" .. words[math.random(#words)], headers)
  elseif kind == "suggestions" then
    return wrk.format("GET", "/api/v1/incidents/" .. number() .. "/suggestions", headers)
  elseif kind == "portal_home" then
    return wrk.format("GET", "/portal", { ["Cookie"] = caller_cookie })
  elseif kind == "my_requests" then
    return wrk.format("GET", "/portal/requests", { ["Cookie"] = caller_cookie })
  elseif kind == "request_create" then
    counter = counter + 1
    local body = string.format(
      '{"request_type":"new-laptop","title":"Laptop replacement (Last %d-%d)",' ..
      '"values":{"model":"Standard 14\\"","dock":true}}', id, counter)
    return wrk.format("POST", "/api/v1/requests",
      { ["Authorization"] = "Bearer " .. (caller_token or ""), ["Content-Type"] = "application/json" }, body)
  elseif kind == "page" then
    return wrk.format("GET", path, { ["Cookie"] = cookie })
  elseif kind == "api" then
    return wrk.format("GET", path, headers)
  elseif kind == "journey" then
    return wrk.format("GET", "/api/v1/insight/journeys/" .. number(), headers)
  elseif kind == "known_errors" then
    return wrk.format("GET", "/api/v1/known-errors?q=" .. words[math.random(#words)], headers)
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  local wrong, unseen = 0, 0
  for _, thread in ipairs(threads) do
    wrong = wrong + (thread:get("unexpected") or 0)
    unseen = unseen + (thread:get("hidden") or 0)
  end
  io.write(string.format("RESULT %.1f %.2f %.2f %.2f %d %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests, wrong + e.connect + e.read + e.write + e.timeout, unseen))
end
