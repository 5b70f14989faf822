-- leadq reap_worker: give a dead worker's unacked messages back to their queues.
--
-- Dramatiq does this only for workers whose heartbeat is older than the
-- timeout, and only for the queue of the command that rolled maintenance. The
-- supervisor knows the moment a child process died, so it reaps at once.
--
-- ARGV: namespace, worker_id
-- Returns the number of messages requeued.
local namespace = ARGV[1]
local worker_id = ARGV[2]
local prefix = namespace .. ":__acks__." .. worker_id .. "."
local requeued = 0

local cursor = "0"
repeat
    local reply = redis.call("scan", cursor, "match", prefix .. "*", "count", 1000)
    cursor = reply[1]
    for _, acks_key in ipairs(reply[2]) do
        local queue_name = string.sub(acks_key, #prefix + 1)
        local queue_full_name = namespace .. ":" .. queue_name
        local message_ids = redis.call("smembers", acks_key)
        for _, message_id in ipairs(message_ids) do
            if redis.call("hexists", queue_full_name .. ".msgs", message_id) == 1 then
                redis.call("rpush", queue_full_name, message_id)
                requeued = requeued + 1
            end
        end
        redis.call("del", acks_key)
        if #message_ids > 0 then
            local wakeup = namespace .. ":__wakeup__." .. queue_name
            redis.call("lpush", wakeup, "1")
            redis.call("ltrim", wakeup, 0, 15)
        end
    end
until cursor == "0"

redis.call("zrem", namespace .. ":__heartbeats__", worker_id)
return requeued
