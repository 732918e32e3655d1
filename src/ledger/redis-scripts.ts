// Lua run inside Redis: one script per reserve and per settle, so the cap check
// and the increment are one atomic step across every proxy replica, and the
// TTLs are set in the same step. The rules are those of store-ledger.ts.
//
// Per charge the caller passes two keys sharing the credential's hash tag:
//   <key>:used     held + committed (rolling: running total of live entries;
//                  calendar: the bucket's counter, expiring at the bucket's end)
//   <key>:entries  rolling only: sorted set, member "<requestId>|<amount>",
//                  score = the instant the entry drops out of the window
// Numbers that Lua computed are written back with %.0f: Lua's default
// number-to-string conversion switches to exponent notation above 1e14.

const HELPERS = `
local function int(n) return string.format('%.0f', n) end

-- Set the TTL to at least ms, never shorten it (another replica may have written later).
local function extend(key, ms)
  if redis.call('PTTL', key) < tonumber(ms) then redis.call('PEXPIRE', key, ms) end
end

-- held + committed now; drops rolling entries that left the window
local function usage(used_key, entries_key, rolling, now)
  if rolling then
    local expired = redis.call('ZRANGEBYSCORE', entries_key, '-inf', now)
    if #expired > 0 then
      local sum = 0
      for _, member in ipairs(expired) do sum = sum + tonumber(string.match(member, '|(%d+)$')) end
      redis.call('ZREMRANGEBYSCORE', entries_key, '-inf', now)
      if redis.call('EXISTS', used_key) == 1 then redis.call('DECRBY', used_key, int(sum)) end
    end
  end
  return tonumber(redis.call('GET', used_key) or '0')
end
`;

/**
 * KEYS: reservation, idempotency (placeholder when none), then per charge: used, entries.
 * ARGV: requestId, now, holdUntil, reservationTtlMs, dryRun, idempotencyTtlMs, hasIdempotency, n,
 *       then per charge: amount, limit, rolling (1|0), expiresAt, keyTtlMs.
 * Returns {'dup', firstRequestId} | {'ok'} | {'over', index (1-based), used, reserved (1|0)}.
 */
export const RESERVE_LUA = `${HELPERS}
local request_id, now = ARGV[1], ARGV[2]
if ARGV[7] == '1' then
  local first = redis.call('GET', KEYS[2])
  if first and first ~= request_id then return {'dup', first} end
end
if redis.call('EXISTS', KEYS[1]) == 1 then return {'ok'} end

local n = tonumber(ARGV[8])
local over, over_used = 0, 0
for i = 1, n do
  local a = 8 + (i - 1) * 5
  local used = usage(KEYS[1 + 2 * i], KEYS[2 + 2 * i], ARGV[a + 3] == '1', now)
  if over == 0 and used + tonumber(ARGV[a + 1]) > tonumber(ARGV[a + 2]) then over, over_used = i, used end
end
if over > 0 and ARGV[5] ~= '1' then return {'over', over, over_used, 0} end

redis.call('HSET', KEYS[1], 'state', 'held', 'until', ARGV[3], 'n', n, 'idem', ARGV[7])
for i = 1, n do
  local a = 8 + (i - 1) * 5
  local used_key, entries_key = KEYS[1 + 2 * i], KEYS[2 + 2 * i]
  local amount, rolling, expires_at, ttl = ARGV[a + 1], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5]
  if rolling == '1' then
    redis.call('ZADD', entries_key, expires_at, request_id .. '|' .. amount)
    extend(entries_key, ttl)
  end
  redis.call('INCRBY', used_key, amount)
  extend(used_key, ttl)
  redis.call('HSET', KEYS[1], 'c' .. i, rolling .. '|' .. expires_at .. '|' .. amount)
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
if ARGV[7] == '1' then redis.call('SET', KEYS[2], request_id, 'PX', ARGV[6]) end
if over > 0 then return {'over', over, over_used, 1} end
return {'ok'}
`;

/**
 * KEYS: reservation, idempotency (placeholder when none), then per charge: used, entries.
 * ARGV: kind (commit|release|keep), requestId, now, then for commit the actual amount per charge;
 *       for release, optionally a tombstone TTL (ms): used when the client gave up on the reserve.
 * Returns 1 when applied, 0 when there was nothing to do (already settled, expired, unknown).
 */
export const SETTLE_LUA = `${HELPERS}
local kind, request_id, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local state = redis.call('HGET', KEYS[1], 'state')
if not state and kind == 'release' and ARGV[4] then
  -- The reserve has not run (yet): a tombstone makes it a no-op if it still arrives.
  redis.call('HSET', KEYS[1], 'state', 'released')
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return 1
end
if state ~= 'held' then return 0 end
if now >= tonumber(redis.call('HGET', KEYS[1], 'until')) then return 0 end
if kind == 'keep' then
  redis.call('HSET', KEYS[1], 'state', 'kept')
  return 1
end
local n = tonumber(redis.call('HGET', KEYS[1], 'n'))
if kind == 'commit' and #ARGV - 3 ~= n then return redis.error_reply('settle: ' .. (#ARGV - 3) .. ' amounts for ' .. n .. ' charges') end
for i = 1, n do
  local rolling, expires_at, amount = string.match(redis.call('HGET', KEYS[1], 'c' .. i), '^(%d)|(%d+)|(%d+)$')
  local actual = '0'
  if kind == 'commit' then actual = ARGV[3 + i] end
  local delta = int(tonumber(actual) - tonumber(amount))
  local used_key, entries_key = KEYS[1 + 2 * i], KEYS[2 + 2 * i]
  if tonumber(expires_at) > now then
    if rolling == '1' then
      if redis.call('ZREM', entries_key, request_id .. '|' .. amount) == 1 then
        if actual ~= '0' then redis.call('ZADD', entries_key, expires_at, request_id .. '|' .. actual) end
        redis.call('INCRBY', used_key, delta)
      end
    elseif redis.call('EXISTS', used_key) == 1 then
      redis.call('INCRBY', used_key, delta)
    end
  end
end
if kind == 'release' and redis.call('HGET', KEYS[1], 'idem') == '1' and redis.call('GET', KEYS[2]) == request_id then
  redis.call('DEL', KEYS[2])
end
if kind == 'commit' then redis.call('HSET', KEYS[1], 'state', 'committed')
else redis.call('HSET', KEYS[1], 'state', 'released') end
return 1
`;

/**
 * Read-only usage of one charge key. KEYS: used, entries. ARGV: now.
 * Rolling entries past their instant are subtracted without being removed.
 */
export const USAGE_LUA = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])) do
  used = used - tonumber(string.match(member, '|(%d+)$'))
end
return used
`;

/** KEYS: members. ARGV: member, now, cutoff (drop members seen at or before it), ttlMs. Returns the distinct count. */
export const COUNT_IDENTICAL_LUA = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return redis.call('ZCARD', KEYS[1])
`;
