-- employment.lua - 二(二) 就业服务到户: transfer training for members who want a
-- job and a public-welfare post for households with labour but no one employed.
-- Only registered or returned households; amounts and ages come from params.

local CLAUSE = "二(二) 就业服务到户"

local function in_help(h)
    return h.status == "registered" or h.status == "returned"
end

local function who(m)
    if m.name and m.name ~= "" then
        return string.format("member %s %s", tostring(m.id), m.name)
    end
    return "member " .. tostring(m.id)
end

local function can_work(m, params)
    return (m.labor == "full" or m.labor == "partial") and fp.working_age(m, params)
end

local function transfer_training(h, out, params)
    for _, m in ipairs(h.members) do
        if can_work(m, params) and m.wants_job and not m.employed then
            out:recommend{
                measure = "transfer_training",
                member = m.id,
                reason = string.format(
                    "%s: %s (age %d, labour %s) wants a job and has none; free order-based skills training and transfer employment",
                    CLAUSE, who(m), m.age, m.labor),
            }
        end
    end
end

-- The plan's target: every household at least one person employed.
local function public_welfare_job(h, out, params, p)
    local worker
    for _, m in ipairs(h.members) do
        if m.employed then
            return
        end
        if not worker and can_work(m, params) then
            worker = m
        end
    end
    if not worker then
        return
    end
    out:recommend{
        measure = "public_welfare_job",
        amount = p.public_welfare_wage,
        reason = string.format(
            "%s: %s (age %d, labour %s) can work but nobody in the household is employed; priority for a public-welfare post (%s a month)",
            CLAUSE, who(worker), worker.age, worker.labor, fp.yuan(p.public_welfare_wage)),
    }
end

return {
    name = "employment",
    title = "就业服务到户",
    evaluate = function(household, out, params)
        if not in_help(household) then
            return
        end
        transfer_training(household, out, params)
        public_welfare_job(household, out, params, params.employment)
    end,
}
