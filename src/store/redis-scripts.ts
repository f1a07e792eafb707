/**
 * The Lua scripts the Redis store runs, so each read-modify-write is atomic across replicas. All
 * keys of one call carry the tenant's hash tag (`{t:<tenant>}`), so clustered Redis accepts them
 * in one script. Times are the caller's milliseconds; TATs are written with `%.3f` (Lua's default
 * number format would round a millisecond timestamp). The GCRA arithmetic is `gcra.ts`'s.
 */

/**
 * admit: KEYS = frame keys, rate keys, lease keys. ARGV = now, #frames, #rates, #leases, request
 * id, then (frames, withinMs, record 0|1) per frame key, (perMinute, cost) per rate key,
 * (limit, ttlMs) per lease key. Returns {frame counts}, {remaining per rate}, refusal kind ("" when
 * admitted), refused index (1-based, 0 when admitted), retry-after ms.
 */
export const ADMIT_SCRIPT = `
local MIN = 60000
local MAX_FRAMES = 256
local now = tonumber(ARGV[1])
local nf, nr, nl = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local rid = ARGV[5]
local a = 6
local counts = {}
for i = 1, nf do
  local key = KEYS[i]
  local frames, within, rec = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), ARGV[a + 2] == '1'
  a = a + 3
  local cutoff = now - within
  if rec then
    redis.call('ZREMRANGEBYSCORE', key, '-inf', cutoff)
    for j = 1, frames do redis.call('ZADD', key, now, rid .. ':' .. i .. ':' .. j) end
    local n = redis.call('ZCARD', key)
    if n > MAX_FRAMES then
      redis.call('ZREMRANGEBYRANK', key, 0, n - MAX_FRAMES - 1)
      n = MAX_FRAMES
    end
    redis.call('PEXPIRE', key, within)
    counts[i] = n
  else
    counts[i] = redis.call('ZCOUNT', key, '(' .. cutoff, '+inf') + frames
  end
end
local kind, refused, retry = '', 0, 0
local remaining, tats = {}, {}
for i = 1, nr do
  local key = KEYS[nf + i]
  local per, cost = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  a = a + 2
  local interval = MIN / per
  local tat = tonumber(redis.call('GET', key) or '0')
  local base = math.max(tat, now)
  local nxt = base + cost * interval
  local ahead = nxt - now
  if ahead > MIN then
    remaining[i] = math.max(0, math.floor((MIN - (base - now)) / interval + 1e-9))
    if refused == 0 then
      kind, refused = 'rate', i
      if cost > per then retry = MIN else retry = math.ceil(math.min(ahead - MIN, MIN)) end
    end
  else
    remaining[i] = math.max(0, math.floor((MIN - ahead) / interval + 1e-9))
    tats[i] = nxt
  end
end
local limits, ttls = {}, {}
for i = 1, nl do
  limits[i], ttls[i] = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  a = a + 2
end
if refused == 0 then
  for i = 1, nl do
    local key = KEYS[nf + nr + i]
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
    if redis.call('ZCARD', key) >= limits[i] then
      local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
      kind, refused = 'lease', i
      retry = math.max(1000, math.min(math.ceil(tonumber(first[2]) - now), MIN))
      break
    end
  end
end
if refused == 0 then
  for i = 1, nr do
    redis.call('SET', KEYS[nf + i], string.format('%.3f', tats[i]), 'PX', math.ceil(tats[i] - now) + 1000)
  end
  for i = 1, nl do
    local key = KEYS[nf + nr + i]
    redis.call('ZADD', key, now + ttls[i], rid)
    redis.call('PEXPIRE', key, ttls[i] + 1000)
  end
end
return {counts, remaining, kind, refused, retry}
`;

/**
 * settle: KEYS = rate keys, lease keys. ARGV = now, #rates, request id, then (perMinute, delta)
 * per rate key. Moves each TAT by `delta` units (never before now) and drops the request's leases.
 */
export const SETTLE_SCRIPT = `
local MIN = 60000
local now = tonumber(ARGV[1])
local nr = tonumber(ARGV[2])
local rid = ARGV[3]
local a = 4
for i = 1, nr do
  local key = KEYS[i]
  local per, delta = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  a = a + 2
  local tat = tonumber(redis.call('GET', key) or '0')
  local nt = math.max(math.max(tat, now) + delta * (MIN / per), now)
  if nt <= now then
    redis.call('DEL', key)
  else
    redis.call('SET', key, string.format('%.3f', nt), 'PX', math.ceil(nt - now) + 1000)
  end
end
for i = nr + 1, #KEYS do redis.call('ZREM', KEYS[i], rid) end
return 1
`;
