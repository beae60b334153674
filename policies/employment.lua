-- employment.lua - 二(二) 就业服务到户: transfer training for members of the
-- labour force who want a job, entrepreneurship training for those who want
-- to start a business, a public-welfare post for a household with labour
-- force but nobody employed, and the household-level finding that such a
-- household misses the plan's target 每户至少 1 人就业. Students and the
-- elderly are never offered jobs (they are not labour force). Only
-- registered or returned households; amounts come from params.

local reasons = {
    transfer_training = "{clause}：{who}，{age}岁，{labor}，有转移就业愿望且尚未就业；"
        .. "开展订单式免费技能培训和转移就业",
    public_welfare_job = "{clause}：{who}，{age}岁，{labor}，是家庭劳动力，但家中无人就业；"
        .. "优先安排公益性岗位（每月 {wage}），确保每户至少 1 人就业",
    -- \z joins the lines when the file is compiled: no concatenation runs
    -- for every household.
    business_training = "{clause}：{who}，{age}岁，{labor}，有创业意愿，尚未参加创业培训；\z
        组织创业技能培训（创办电商、维修服务等），提升创业就业技能，靠技能脱贫{subsidy}",
    business_training_subsidy = "（培训补贴每人 {amount}）",
    one_job_per_household = "{clause}：家中劳动力 {n} 人（{workers}），无人就业，\z
        未达到“每个贫困户至少有 1 人就近就地就业或转移就业”的目标。\z
        本条是全户的目标核查，不是另一项帮扶：落实本户已有的就业帮扶建议（{routes}）\z
        中任意一项、使 1 人就业即达标",
    route_transfer = "{names} 转移就业培训",
    route_business = "{names} 创业技能培训",
    route_welfare = "公益性岗位",
}
local CLAUSE = "二(二) 就业服务到户"

-- Returns the members it recommended, for the household's target finding.
local function transfer_training(h, out)
    local picked = {}
    for _, m in ipairs(h.members) do
        local ok = fp.test(out, "劳动力且想就业、未就业",
            m.in_labor_force and m.wants_job and not m.employed,
            "劳动力：{lf}；就业意愿：{want}；已就业：{job}",
            out.explaining and { lf = m.in_labor_force and "是" or "否", want = m.wants_job and "有" or "无",
              job = m.employed and "是" or "否" }, m)
        if ok then
            out:recommend{
                measure = "transfer_training",
                member = m.id,
                reason = fp.say(reasons.transfer_training, { clause = CLAUSE, who = fp.who(m),
                    age = m.age, labor = fp.labor_text(m) }),
            }
            picked[#picked + 1] = m
        end
    end
    return picked
end

-- 有创业意愿的贫困家庭人员: members of the labour force (a student or an
-- elderly member is not offered a business course) who want to start a
-- business and have not had the training yet. Returns those recommended.
local function business_training(h, out, p)
    local picked, wanting = {}, 0
    for _, m in ipairs(h.members) do
        if m.wants_business then
            wanting = wanting + 1
            local ok = fp.test(out, "劳动力且有创业意愿、未参加创业培训",
                m.in_labor_force and not m.business_trained,
                "劳动力：{lf}；创业意愿：有；已参加创业培训：{done}",
                out.explaining and { lf = m.in_labor_force and "是" or "否", done = m.business_trained and "是" or "否" }, m)
            if ok then
                local amount = p.business_training_subsidy
                out:recommend{
                    measure = "business_training",
                    member = m.id,
                    amount = amount,
                    reason = fp.say(reasons.business_training, { clause = CLAUSE, who = fp.who(m),
                        age = m.age, labor = fp.labor_text(m),
                        subsidy = amount and fp.say(reasons.business_training_subsidy,
                            { amount = fp.yuan(amount) }) or "" }),
                }
                picked[#picked + 1] = m
            end
        end
    end
    if wanting == 0 then
        fp.test(out, "有创业意愿的成员", false, "无")
    end
    return picked
end

local function names(list)
    local t = {}
    for _, m in ipairs(list) do
        t[#t + 1] = fp.who(m)
    end
    return table.concat(t, "、")
end

-- The labour-force members, and whether anyone at all (also someone past
-- working age) is employed: one job is what the plan's target counts.
local function workers_and_job(h)
    local workers, employed = {}, false
    for _, m in ipairs(h.members) do
        employed = employed or m.employed
        if m.in_labor_force then
            workers[#workers + 1] = m
        end
    end
    return workers, employed
end

-- The plan's target: every household at least one person employed.
local function public_welfare_job(h, out, p, workers, employed)
    local worker = workers[1]
    if not fp.test(out, "有劳动力而无人就业", worker ~= nil and not employed,
            "劳动力 {lf} 人；已就业：{job}", out.explaining and { lf = h.labor_force, job = employed and "有" or "无" }) then
        return false
    end
    out:recommend{
        measure = "public_welfare_job",
        amount = p.public_welfare_wage,
        reason = fp.say(reasons.public_welfare_job, { clause = CLAUSE, who = fp.who(worker),
            age = worker.age, labor = fp.labor_text(worker), wage = fp.yuan(p.public_welfare_wage) }),
    }
    return true
end

-- "每个贫困户至少有 1 人就近就地就业或转移就业" as a finding on the household
-- (a flag, member nil): it states the shortfall and points at the
-- per-member and household recommendations above instead of adding one.
local function one_job_per_household(out, workers, employed, transfer, business, welfare)
    local detail = employed and "已有成员就业" or (#workers == 0 and "无劳动力，不适用")
        or "劳动力 {n} 人，无人就业"
    if not fp.test(out, "每户至少 1 人就业", employed or #workers == 0, detail, out.explaining and { n = #workers }) then
        local routes = {}
        if #transfer > 0 then
            routes[#routes + 1] = fp.say(reasons.route_transfer, { names = names(transfer) })
        end
        if #business > 0 then
            routes[#routes + 1] = fp.say(reasons.route_business, { names = names(business) })
        end
        if welfare then
            routes[#routes + 1] = reasons.route_welfare
        end
        out:flag{
            measure = "one_job_per_household",
            reason = fp.say(reasons.one_job_per_household, { clause = CLAUSE, n = #workers,
                workers = names(workers), routes = table.concat(routes, "；") }),
        }
    end
end

return {
    name = "employment",
    title = "就业服务到户",
    -- The household's lists it reads: a change in any other list does not
    -- re-run it, and a pass of it reads nothing else.
    reads = { "members" },
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
            business_training_subsidy = { type = "number", unit = "yuan", min = 0, max = 1e5,
                title = "创业技能培训补贴（元/人；不设则建议中不写金额）" },
        },
    },
    evaluate = function(household, out, params)
        if not fp.test(out, "在帮扶中", fp.in_help(household),
            out.explaining and "状态：" .. household.status_label) then
            return
        end
        local p = params.employment
        local transfer = transfer_training(household, out)
        local business = business_training(household, out, p)
        local workers, employed = workers_and_job(household)
        local welfare = public_welfare_job(household, out, p, workers, employed)
        one_job_per_household(out, workers, employed, transfer, business, welfare)
    end,
}
