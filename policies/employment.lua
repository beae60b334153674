-- employment.lua - 二(二) 就业服务到户: transfer training for members of the
-- labour force who want a job, and a public-welfare post for a household with
-- labour force but nobody employed. Students and the elderly are never
-- offered jobs (they are not labour force). Only registered or returned
-- households; amounts come from params.

local reasons = {
    transfer_training = "{clause}：{who}，{age}岁，{labor}，有转移就业愿望且尚未就业；"
        .. "开展订单式免费技能培训和转移就业",
    public_welfare_job = "{clause}：{who}，{age}岁，{labor}，是家庭劳动力，但家中无人就业；"
        .. "优先安排公益性岗位（每月 {wage}），确保每户至少 1 人就业",
}
local CLAUSE = "二(二) 就业服务到户"

local function transfer_training(h, out)
    for _, m in ipairs(h.members) do
        local ok = fp.test(out, "劳动力且想就业、未就业",
            m.in_labor_force and m.wants_job and not m.employed,
            "劳动力：{lf}；就业意愿：{want}；已就业：{job}",
            { lf = m.in_labor_force and "是" or "否", want = m.wants_job and "有" or "无",
              job = m.employed and "是" or "否" }, m)
        if ok then
            out:recommend{
                measure = "transfer_training",
                member = m.id,
                reason = fp.say(reasons.transfer_training, { clause = CLAUSE, who = fp.who(m),
                    age = m.age, labor = fp.labor_text(m) }),
            }
        end
    end
end

-- The plan's target: every household at least one person employed.
local function public_welfare_job(h, out, p)
    local worker, employed
    for _, m in ipairs(h.members) do
        employed = employed or m.employed
        if not worker and m.in_labor_force then
            worker = m
        end
    end
    if not fp.test(out, "有劳动力而无人就业", worker ~= nil and not employed,
            "劳动力 {lf} 人；已就业：{job}", { lf = h.labor_force, job = employed and "有" or "无" }) then
        return
    end
    out:recommend{
        measure = "public_welfare_job",
        amount = p.public_welfare_wage,
        reason = fp.say(reasons.public_welfare_job, { clause = CLAUSE, who = fp.who(worker),
            age = worker.age, labor = fp.labor_text(worker), wage = fp.yuan(p.public_welfare_wage) }),
    }
end

return {
    name = "employment",
    title = "就业服务到户",
    reasons = reasons,
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
        if not fp.test(out, "在帮扶中", fp.in_help(household), "状态：" .. household.status) then
            return
        end
        transfer_training(household, out)
        public_welfare_job(household, out, params.employment)
    end,
}
