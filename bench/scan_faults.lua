-- wrk script for bench/scan_faults.py: scans (GET /s/<code>, phones' user agents) for a scan phase,
-- then requests of an unknown code (404, never a scan) until wrk stops. Every scan sent in the scan
-- phase is answered (or fails) during the tail, so the 302s counted here are exactly the scans whose
-- answer reached the client; the requests wrk abandons when it stops are all tail requests.
-- Arguments: <scan phase seconds> <tail path>.
local agents = {
  "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Mobile Safari/537.36",
  "Mozilla/5.0 (Linux; Android 12; Redmi Note 11) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0 Mobile Safari/537.36",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
  "WhatsApp/2.23.24.82 A",
}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  scan_until = os.time() + tonumber(args[1])
  tail_path = args[2]
  sent, got302, got404, other = 0, 0, 0, 0
  n = 0
end

function request()
  n = n + 1
  if os.time() < scan_until then
    sent = sent + 1
    return wrk.format("GET", wrk.path, { ["User-Agent"] = agents[(n % #agents) + 1] })
  end
  return wrk.format("GET", tail_path)
end

function response(status, headers, body)
  if status == 302 then
    got302 = got302 + 1
  elseif status == 404 then
    got404 = got404 + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local totals = { sent = 0, got302 = 0, got404 = 0, other = 0, scan_until = 0 }
  for _, thread in ipairs(threads) do
    for key, _ in pairs(totals) do
      if key == "scan_until" then
        totals[key] = math.max(totals[key], thread:get(key))
      else
        totals[key] = totals[key] + thread:get(key)
      end
    end
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT sent=%d got302=%d got404=%d other=%d scan_until=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    totals.sent, totals.got302, totals.got404, totals.other, totals.scan_until,
    e.connect, e.read, e.write, e.status, e.timeout))
end
