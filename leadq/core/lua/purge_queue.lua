-- leadq purge_queue: drop a queue's waiting messages, never its dead letters.
--
-- Dramatiq's own purge deletes the dead-letter queue too. This removes only
-- what is waiting in the list (ready, or delayed when given the .DQ name) and
-- leaves in-flight messages (in a worker's acks) and dead letters alone.
--
-- ARGV: namespace, queue_name, dry_run ("1" counts only)
-- Returns the removed messages' data, so callers can update job history.
local namespace = ARGV[1]
local queue_full_name = namespace .. ":" .. ARGV[2]
local dry_run = ARGV[3] == "1"

local message_ids = redis.call("lrange", queue_full_name, 0, -1)
local removed = {}
for _, message_id in ipairs(message_ids) do
    local data = redis.call("hget", queue_full_name .. ".msgs", message_id)
    if data then
        table.insert(removed, data)
        if not dry_run then
            redis.call("hdel", queue_full_name .. ".msgs", message_id)
        end
    end
end
if not dry_run then
    redis.call("del", queue_full_name)
end
return removed
