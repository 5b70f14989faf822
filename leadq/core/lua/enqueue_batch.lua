-- leadq enqueue_batch: Dramatiq's "enqueue" for many messages in one call,
-- with optional idempotency keys and a wake-up for idle consumers.
--
-- KEYS: none (all keys derive from the namespace; leadq does not run on Redis Cluster)
-- ARGV: namespace, then six fields per message:
--   queue_name, redis_message_id, message_data, unique_key ("" for none), unique_ttl_ms, job_id
-- Returns one entry per message: the existing job id when its unique key was
-- already held (nothing enqueued), else "".
--
-- The wake-up list lets idle consumers block on BLPOP instead of polling with
-- backoff; it is capped so a burst leaves at most a few spurious wake-ups.
local namespace = ARGV[1]
local replies = {}
local woken = {}

for i = 2, #ARGV, 6 do
    local queue_name = ARGV[i]
    local unique_key = ARGV[i + 3]
    local existing = false
    if unique_key ~= "" then
        local held = namespace .. ":__unique__." .. unique_key
        if not redis.call("set", held, ARGV[i + 5], "PX", ARGV[i + 4], "NX") then
            existing = redis.call("get", held)
        end
    end
    if existing then
        table.insert(replies, existing)
    else
        local queue_full_name = namespace .. ":" .. queue_name
        redis.call("hset", queue_full_name .. ".msgs", ARGV[i + 1], ARGV[i + 2])
        redis.call("rpush", queue_full_name, ARGV[i + 1])
        woken[queue_name] = (woken[queue_name] or 0) + 1
        table.insert(replies, "")
    end
end

for queue_name, count in pairs(woken) do
    local wakeup = namespace .. ":__wakeup__." .. queue_name
    for _ = 1, math.min(count, 16) do
        redis.call("lpush", wakeup, "1")
    end
    redis.call("ltrim", wakeup, 0, 15)
end
return replies
