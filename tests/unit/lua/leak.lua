-- leak.lua - module-level state a worker would carry from one household to
-- the next: refused when the file loads (line 7 assigns `count`).
local count = 0
local seen = {}
local M = { name = "exit", title = "leak" }
function M.evaluate(h, out, params)
    count = count + 1
    seen[#seen + 1] = h.id
    M.calls = (M.calls or 0) + 1
    out:flag{ measure = "exit_ready", amount = count + #seen + M.calls, reason = "fresh" }
end
return M
