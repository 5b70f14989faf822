-- leadq enqueue: Dramatiq's "enqueue" plus an idempotency key and a wake-up.
--
-- KEYS: none (all keys derive from the namespace; leadq does not run on Redis Cluster)
-- ARGV: namespace, queue_name, redis_message_id, message_data, unique_key, unique_ttl_ms, job_id
-- Returns the existing job id when unique_key is already held, else nil.
--
-- The wake-up list lets idle consumers block on BLPOP instead of polling with
-- backoff; it is capped so a burst leaves at most a few spurious wake-ups.
local namespace = ARGV[1]
local queue_name = ARGV[2]
local message_id = ARGV[3]
local message_data = ARGV[4]
local unique_key = ARGV[5]
local unique_ttl = tonumber(ARGV[6])
local job_id = ARGV[7]

if unique_key ~= "" then
    local held = namespace .. ":__unique__." .. unique_key
    local existing = redis.call("get", held)
    if existing then
        return existing
    end
    redis.call("set", held, job_id, "PX", unique_ttl)
end

local queue_full_name = namespace .. ":" .. queue_name
redis.call("hset", queue_full_name .. ".msgs", message_id, message_data)
redis.call("rpush", queue_full_name, message_id)

local wakeup = namespace .. ":__wakeup__." .. queue_name
redis.call("lpush", wakeup, "1")
redis.call("ltrim", wakeup, 0, 15)
return nil
