-- wrk script of bench/load.sh (run that instead: bash bench/load.sh). By hand:
--   LOAD_PARAMS=params.lua LOAD_RESULT=wrk.json LOAD_TAG=t1 LOAD_DURATION=60 \
--     wrk -t2 -c32 -d60s --timeout 10s -s bench/load.lua http://127.0.0.1:PORT
--
-- Mix: 1 request in 20 registers a KIM (POST /kim/baru/, a name unique per thread and
-- counter); the others GET the dashboard, the lists, the map and its data endpoint. Every
-- request carries the officer's session and the headers nginx would add
-- (X-Forwarded-Proto: https), so the production settings run unchanged.
--
-- Outcome of a response, as far as the response itself tells (wrk does not say which request
-- it answers):
--   302 to /kim/<pk>/               a successful registration (pk recorded)
--   200 with the KIM form on it     a refused registration (error)
--   200 otherwise                   a successful GET
--   anything else                   an error (unexpected redirect, 4xx, 5xx)
-- No registration is sent in the last LOAD_POST_GRACE seconds, so that every POST is answered
-- before wrk stops and the database can be compared with the responses exactly.

local params = dofile(os.getenv("LOAD_PARAMS"))
local tag = os.getenv("LOAD_TAG") or "run"
local duration = tonumber(os.getenv("LOAD_DURATION") or "60")
local grace = tonumber(os.getenv("LOAD_POST_GRACE") or "5")
local post_every = tonumber(os.getenv("LOAD_POST_EVERY") or "20")
local result_path = os.getenv("LOAD_RESULT")
-- Think time: each connection waits 0 to 2 x LOAD_THINK_MS (uniform, so LOAD_THINK_MS on
-- average) before its next request, as a person reading a page does. 0 (the default): the next
-- request leaves as soon as the answer arrives (a closed loop: the server's saturation).
local think_ms = tonumber(os.getenv("LOAD_THINK_MS") or "0")

local pages = {
  "/",
  "/kecamatan/",
  "/desa/",
  "/desa/tanpa-kim/",
  "/kim/",
  "/peta/",
  "/peta/data/",
  "/?tanggal=2023-06-25",
  "/peta/data/?tanggal=2023-06-25",
  "/desa/tanpa-kim/?page=2",
}

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local cookie, get_headers, post_headers
local counter, gets, posts = 0, 0, 0
local post_deadline

function init(args)
  cookie = params.session_cookie .. "=" .. params.session .. "; "
    .. params.csrf_cookie_name .. "=" .. params.csrf_cookie
  get_headers = {
    ["Cookie"] = cookie,
    ["X-Forwarded-Proto"] = "https",
    ["Accept-Language"] = "id",
  }
  post_headers = {
    ["Cookie"] = cookie,
    ["X-Forwarded-Proto"] = "https",
    ["Accept-Language"] = "id",
    ["Origin"] = params.origin,
    ["Referer"] = params.origin .. "/kim/baru/",
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }
  post_deadline = os.time() + duration - grace
  -- Threads start at different points of the cycle so they do not post in step.
  counter = tid * 7
  math.randomseed(tid * 7919)
  -- Counters read by done() through thread:get.
  posts_sent, reg_ok, reg_refused, get_ok, bad_redirect = 0, 0, 0, 0, 0
  bad_status = {}
  reg_pks = ""
  first_refusal = ""
end

function request()
  counter = counter + 1
  if counter % post_every == 0 and os.time() < post_deadline then
    posts = posts + 1
    posts_sent = posts
    local desa = params.desa[(tid * 1009 + posts) % #params.desa + 1]
    local body = "csrfmiddlewaretoken=" .. params.csrf_token
      .. "&kecamatan=" .. desa[1]
      .. "&desa=" .. desa[2]
      .. "&name=" .. urlencode("KIM Uji Beban " .. tag .. " t" .. tid .. "-" .. posts)
      .. "&formed_on=2025-01-15&member_count=12"
      .. "&chair_name=Ketua+Uji&chair_phone=081234567890&address=Balai+desa"
      .. "&confirm_second=on&version="
    return wrk.format("POST", "/kim/baru/", post_headers, body)
  end
  gets = gets + 1
  return wrk.format("GET", pages[gets % #pages + 1], get_headers)
end

function delay()
  if think_ms > 0 then
    return math.random(0, 2 * think_ms)
  end
  return 0
end

function response(status, headers, body)
  if status == 302 then
    local location = headers["Location"] or headers["location"] or ""
    local pk = location:match("^/kim/(%d+)/$")
    if pk then
      reg_ok = reg_ok + 1
      reg_pks = reg_pks .. pk .. ","
    else
      bad_redirect = bad_redirect + 1
      bad_status["redirect " .. location] = (bad_status["redirect " .. location] or 0) + 1
    end
  elseif status == 200 then
    if body and body:find("data-kim-form", 1, true) then
      reg_refused = reg_refused + 1
      if first_refusal == "" then
        -- Keep the form's error messages for the report.
        local errors = {}
        for message in body:gmatch('invalid%-feedback[^>]*>%s*([^<]+)') do
          table.insert(errors, message)
        end
        first_refusal = table.concat(errors, " | ")
      end
    else
      get_ok = get_ok + 1
    end
  else
    bad_status[tostring(status)] = (bad_status[tostring(status)] or 0) + 1
  end
end

local function json_string(s)
  return '"' .. tostring(s):gsub('[%c"\\]', function(c)
    return string.format("\\u%04x", string.byte(c))
  end) .. '"'
end

function done(summary, latency, requests)
  local totals = {posts_sent = 0, reg_ok = 0, reg_refused = 0, get_ok = 0, bad_redirect = 0}
  local statuses, pks, refusal = {}, {}, ""
  for _, thread in ipairs(threads) do
    for key, _ in pairs(totals) do
      totals[key] = totals[key] + (thread:get(key) or 0)
    end
    for code, n in pairs(thread:get("bad_status") or {}) do
      statuses[code] = (statuses[code] or 0) + n
    end
    table.insert(pks, thread:get("reg_pks") or "")
    if refusal == "" then refusal = thread:get("first_refusal") or "" end
  end
  local e = summary.errors
  local socket_errors = e.connect + e.read + e.write + e.timeout
  local unexpected = totals.bad_redirect
  for code, n in pairs(statuses) do
    if not code:match("^redirect") then unexpected = unexpected + n end
  end
  local seconds = summary.duration / 1e6
  local out = {
    string.format('"duration_s": %.3f', seconds),
    string.format('"requests": %d', summary.requests),
    string.format('"requests_per_s": %.2f', summary.requests / seconds),
    string.format('"bytes": %d', summary.bytes),
    string.format('"latency_ms": {"p50": %.2f, "p90": %.2f, "p99": %.2f, "max": %.2f, '
      .. '"mean": %.2f}', latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000),
    string.format('"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}',
      e.connect, e.read, e.write, e.timeout),
    string.format('"wrk_status_errors": %d', e.status),
    string.format('"unexpected_responses": %d', unexpected),
    string.format('"errors": %d', socket_errors + unexpected + totals.reg_refused),
    string.format('"posts_sent": %d', totals.posts_sent),
    string.format('"reg_ok": %d', totals.reg_ok),
    string.format('"reg_refused": %d', totals.reg_refused),
    string.format('"get_ok": %d', totals.get_ok),
    '"reg_pks": ' .. json_string(table.concat(pks, "")),
    '"first_refusal": ' .. json_string(refusal),
  }
  local codes = {}
  for code, n in pairs(statuses) do
    table.insert(codes, json_string(code) .. ": " .. n)
  end
  table.insert(out, '"unexpected_by_status": {' .. table.concat(codes, ", ") .. "}")
  local text = "{\n  " .. table.concat(out, ",\n  ") .. "\n}\n"
  if result_path then
    local file = assert(io.open(result_path, "w"))
    file:write(text)
    file:close()
  end
end
