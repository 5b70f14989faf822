-- leadq remove_message: take one waiting message out of a queue (job cancel).
--
-- ARGV: namespace, queue_name, job_id
-- Returns 1 when a waiting message with that job id was removed, else 0.
-- Messages are keyed by their per-enqueue redis id, so the list is scanned;
-- queues that are being cancelled from are small enough for that.
local namespace = ARGV[1]
local queue_full_name = namespace .. ":" .. ARGV[2]
local needle = '"message_id":"' .. ARGV[3] .. '"'

local message_ids = redis.call("lrange", queue_full_name, 0, -1)
for _, message_id in ipairs(message_ids) do
    local data = redis.call("hget", queue_full_name .. ".msgs", message_id)
    if data and string.find(data, needle, 1, true) then
        redis.call("lrem", queue_full_name, 0, message_id)
        redis.call("hdel", queue_full_name .. ".msgs", message_id)
        return 1
    end
end
return 0
