-- employment.lua - 二(二) 就业服务到户: transfer training for members who want a
-- job and a public-welfare post for households with labour but no one employed.
-- Only registered or returned households; amounts and ages come from params.

local CLAUSE = "二(二) 就业服务到户"

local function transfer_training(h, out, params)
    for _, m in ipairs(h.members) do
        if fp.can_work(m, params) and m.wants_job and not m.employed then
            out:recommend{
                measure = "transfer_training",
                member = m.id,
                reason = string.format(
                    "%s: %s (age %d, labour %s) wants a job and has none; free order-based skills training and transfer employment",
                    CLAUSE, fp.who(m), m.age, m.labor),
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
        if not worker and fp.can_work(m, params) then
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
            CLAUSE, fp.who(worker), worker.age, worker.labor, fp.yuan(p.public_welfare_wage)),
    }
end

return {
    name = "employment",
    title = "就业服务到户",
    -- The params it reads (fupin check holds the config to them; reading
    -- any other param is an error).
    params = {
        working_age_min = { type = "integer", unit = "years", min = 0, max = 120, required = true,
            default = 16, title = "劳动年龄下限（含）" },
        working_age_max = { type = "integer", unit = "years", min = 0, max = 120, required = true,
            default = 60, title = "劳动年龄上限（含）" },
        employment = {
            public_welfare_wage = { type = "number", unit = "yuan", min = 0, max = 1e5, required = true,
                title = "公益性岗位月工资" },
        },
    },
    evaluate = function(household, out, params)
        if not fp.in_help(household) then
            return
        end
        transfer_training(household, out, params)
        public_welfare_job(household, out, params, params.employment)
    end,
}
