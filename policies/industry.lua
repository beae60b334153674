-- industry.lua - 二(一) 产业帮扶到户: production help for registered households
-- with labour force and will (a project, skills, a link to an enterprise) and
-- a PV share for those lacking resources, labour and a stable income;
-- taking transferred land and, with it, a family farm or a joint operation
-- of households (家庭适度规模经营). Only
-- labour-force members (working age, not in school, labour recorded) count:
-- students and the elderly are never offered a project. Figures from params.

local reasons = {
    project = "{clause}：{who}，{age}岁，{labor}，是家庭劳动力，家庭有发展生产意愿但尚无产业项目；"
        .. "扶持发展至少 1 项特色产业项目（补助 {grant}）",
    skills_training = "{clause}：{who}，{age}岁，{labor}，掌握实用技术 {skills} 项（应至少 {min} 项）；"
        .. "开展实用技术培训，帮助掌握 1 至 2 项实用技术",
    link_project = "{clause}：家庭从事产业项目，但未联结龙头企业、产业基地或专业合作社；至少联结一个",
    link_will = "{clause}：家庭有发展生产意愿且 {who}，{age}岁，{labor}，是劳动力，"
        .. "但未联结龙头企业、产业基地或专业合作社；至少联结一个",
    pv_station = "{clause}：缺乏资源（无产业项目）、缺乏劳动力（家庭中无劳动力）、无稳定收入来源（{income}）；"
        .. "扶持光伏电站收益（每年 {share}）",
    -- \z joins the lines when the file is compiled: no concatenation runs
    -- for every household.
    land_transfer = "{clause}：家庭劳动力 {n} 人（{workers}），愿意承接流转土地，尚未承接；\z
        鼓励和支持承接流转土地，发展家庭适度规模经营（按县区产业发展带动政策给予奖补、小额贷款担保或贴息）",
    family_farm = "{clause}：已承接流转土地，家庭劳动力 {n} 人（{workers}，至少 {min} 人），\z
        尚未创办家庭农场或开展联户经营；支持创办家庭农场或开展联户经营，发展家庭适度规模经营{grant}",
    family_farm_grant = "（奖补 {amount}）",
}
local CLAUSE = "二(一) 产业帮扶到户"

local function first_worker(h)
    for _, m in ipairs(h.members) do
        if m.in_labor_force then
            return m
        end
    end
    return nil
end

local function project(h, out, p)
    local m = first_worker(h)
    local ok = fp.test(out, "有劳动力", m ~= nil, "劳动力 {n} 人", out.explaining and { n = h.labor_force })
    ok = fp.test(out, "有发展生产意愿", h.wants_industry, h.wants_industry and "有" or "无") and ok
    ok = fp.test(out, "尚无产业项目", not h.has_project, h.has_project and "已有项目" or "无项目") and ok
    if not ok then
        return
    end
    out:recommend{
        measure = "project",
        amount = p.project_grant,
        reason = fp.say(reasons.project, { clause = CLAUSE, who = fp.who(m), age = m.age,
            labor = fp.labor_text(m), grant = fp.yuan(p.project_grant) }),
    }
end

local function skills_training(h, out, p)
    for _, m in ipairs(h.members) do
        local skills = m.skills or 0
        local ok = fp.test(out, "劳动力且实用技术不足", m.in_labor_force and skills < p.skills_min,
            "劳动力：{lf}；实用技术 {s} 项（至少 {min} 项）",
            out.explaining and { lf = m.in_labor_force and "是" or "否", s = skills, min = p.skills_min }, m)
        if ok then
            out:recommend{
                measure = "skills_training",
                member = m.id,
                reason = fp.say(reasons.skills_training, { clause = CLAUSE, who = fp.who(m),
                    age = m.age, labor = fp.labor_text(m), skills = skills, min = p.skills_min }),
            }
        end
    end
end

local function link_enterprise(h, out)
    local links = fp.count(h.links)
    if not fp.test(out, "未联结经营主体", links == 0, "已联结 {n} 个", out.explaining and { n = links }) then
        return
    end
    local reason
    local m = first_worker(h)
    if h.has_project then
        reason = fp.say(reasons.link_project, { clause = CLAUSE })
    elseif h.wants_industry and m then
        reason = fp.say(reasons.link_will, { clause = CLAUSE, who = fp.who(m), age = m.age,
            labor = fp.labor_text(m) })
    end
    if fp.test(out, "从事或愿意从事生产", reason ~= nil,
            "产业项目：{p}；意愿：{w}；劳动力 {n} 人",
            out.explaining and { p = h.has_project and "有" or "无", w = h.wants_industry and "有" or "无", n = h.labor_force }) then
        out:recommend{ measure = "link_enterprise", reason = reason }
    end
end

-- 无稳定收入来源: no income recorded for this year or the last, or a
-- per-capita income under the line. No income row is no income source
-- known, never a reason to deny the share.
local function no_stable_income(h, params)
    local year = fp.latest_income_year(h, h.year)
    if not year or year < h.year - 1 then
        return true, string.format("无 %d 或 %d 年收入记录", h.year, h.year - 1)
    end
    local income = fp.per_capita_income(h, year)
    local line, how = fp.line_with_text(params, year)
    if not income or not line then
        return true, how
    end
    return income < line, string.format("%d 年人均收入 %s %s 标准 %s（%s）", year, fp.yuan(income),
        income < line and "<" or "≥", fp.yuan(line), how)
end

local function pv_station(h, out, params, p)
    local unknown = #fp.labor_unrecorded(h, params)
    local ok = fp.test(out, "缺乏劳动力", fp.count(h.members) > 0 and h.labor_force == 0 and unknown == 0,
        "劳动力 {n} 人，劳动能力未登记 {u} 人",
        out.explaining and { n = h.labor_force, u = unknown })
    ok = fp.test(out, "缺乏资源", not h.has_project, h.has_project and "已有产业项目" or "无产业项目") and ok
    local poor, income = no_stable_income(h, params)
    ok = fp.test(out, "无稳定收入来源", poor, income) and ok
    if not ok then
        return
    end
    out:recommend{
        measure = "pv_station",
        amount = p.pv_station_share,
        reason = fp.say(reasons.pv_station, { clause = CLAUSE, income = income,
            share = fp.yuan(p.pv_station_share) }),
    }
end

local function workers_text(h)
    local t = {}
    for _, m in ipairs(h.members) do
        if m.in_labor_force then
            t[#t + 1] = fp.who(m)
        end
    end
    return table.concat(t, "、")
end

-- "鼓励和支持贫困户积极承接流转土地": a household with labour force that is
-- willing and has not taken any yet.
local function land_transfer(h, out)
    local ok = fp.test(out, "愿意承接流转土地", h.wants_land_transfer, h.wants_land_transfer and "愿意" or "未表示意愿")
    ok = fp.test(out, "尚未承接流转土地", not h.land_transferred_in,
        h.land_transferred_in and "已承接" or "未承接") and ok
    -- The detail's vars only while explaining: the daemon pays for no table.
    ok = fp.test(out, "有劳动力", h.labor_force > 0, "劳动力 {n} 人", out.explaining and { n = h.labor_force })
        and ok
    if ok then
        out:recommend{
            measure = "land_transfer",
            reason = fp.say(reasons.land_transfer, { clause = CLAUSE, n = h.labor_force, workers = workers_text(h) }),
        }
    end
end

-- "创办家庭农场或开展联户经营": once the household has taken transferred land,
-- with enough labour of its own (a family farm runs on family labour).
local function family_farm(h, out, p)
    local ok = fp.test(out, "已承接流转土地", h.land_transferred_in, h.land_transferred_in and "已承接" or "未承接")
    ok = fp.test(out, "尚未创办家庭农场或联户经营", not h.family_farm,
        h.family_farm and "已创办" or "未创办") and ok
    ok = fp.test(out, "劳动力达到家庭农场要求", h.labor_force >= p.family_farm_min_labor,
        "劳动力 {n} 人（至少 {min} 人）", out.explaining and { n = h.labor_force, min = p.family_farm_min_labor })
        and ok
    if ok then
        local grant = p.family_farm_grant
        out:recommend{
            measure = "family_farm",
            amount = grant,
            reason = fp.say(reasons.family_farm, { clause = CLAUSE, n = h.labor_force, workers = workers_text(h),
                min = p.family_farm_min_labor,
                grant = grant and fp.say(reasons.family_farm_grant, { amount = fp.yuan(grant) }) or "" }),
        }
    end
end

return {
    name = "industry",
    title = "产业帮扶到户",
    -- The household's lists it reads: a change in any other list does not
    -- re-run it, and a pass of it reads nothing else.
    reads = { "members", "income", "links" },
    reasons = reasons,
    -- The params it reads (fupin check holds the config to them; reading
    -- any other param is an error).
    params = {
        provincial_income = { type = "number", unit = "yuan", by_year = true, min = 0, max = 1e6,
            required = true, title = "全省农村居民人均可支配收入（按年）" },
        income_ratio = { type = "number", unit = "ratio", by_year = true, min = 0, max = 1,
            required = true, default = 0.45, title = "退出：人均收入达到全省农村人均可支配收入的比例" },
        working_age_min = { type = "integer", unit = "years", min = 0, max = 120, required = true,
            default = 16, title = "劳动年龄下限（含）" },
        working_age_max = { type = "integer", unit = "years", min = 0, max = 120, required = true,
            default = 60, title = "劳动年龄上限（含）" },
        industry = {
            project_grant = { type = "number", unit = "yuan", min = 0, max = 1e6, required = true,
                title = "特色产业项目补助（每个项目）" },
            pv_station_share = { type = "number", unit = "yuan", min = 0, max = 1e6, required = true,
                title = "光伏电站股份每年分红" },
            skills_min = { type = "integer", min = 0, max = 10, required = true, default = 1,
                title = "有劳动能力成员应掌握的实用技术门数（少于即建议培训）" },
            family_farm_min_labor = { type = "integer", min = 1, max = 10, required = true, default = 2,
                title = "创办家庭农场或联户经营所需的家庭劳动力人数（至少）" },
            family_farm_grant = { type = "number", unit = "yuan", min = 0, max = 1e6,
                title = "创办家庭农场或联户经营奖补（元/户；不设则建议中不写金额）" },
        },
    },
    evaluate = function(household, out, params)
        if not fp.test(out, "在帮扶中", fp.in_help(household),
                out.explaining and "状态：" .. household.status_label) then
            return
        end
        local p = params.industry
        project(household, out, p)
        skills_training(household, out, p)
        link_enterprise(household, out)
        pv_station(household, out, params, p)
        land_transfer(household, out)
        family_farm(household, out, p)
    end,
}
