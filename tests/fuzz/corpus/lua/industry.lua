-- industry.lua - 二(一) 产业帮扶到户: production help for registered households
-- with labour and will (a project, skills, a link to an enterprise) and a PV
-- share for those without. Thresholds and amounts come from params, never code.

local CLAUSE = "二(一) 产业帮扶到户"

-- The first working-age member with labour ability: "有劳动能力" of the clause.
local function first_worker(h, params)
    for _, m in ipairs(h.members) do
        if fp.can_work(m, params) then
            return m
        end
    end
    return nil
end

local function project(h, out, params, p)
    local m = first_worker(h, params)
    if not m or not h.wants_industry or h.has_project then
        return
    end
    out:recommend{
        measure = "project",
        amount = p.project_grant,
        reason = string.format(
            "%s: %s (age %d, labour %s) can work and the household wants to farm, process or serve but has no project; support at least one specialty project (grant %s)",
            CLAUSE, fp.who(m), m.age, m.labor, fp.yuan(p.project_grant)),
    }
end

local function skills_training(h, out, params, p)
    for _, m in ipairs(h.members) do
        local skills = m.skills or 0
        if fp.can_work(m, params) and skills < p.skills_min then
            out:recommend{
                measure = "skills_training",
                member = m.id,
                reason = string.format(
                    "%s: %s (age %d, labour %s) masters %s (at least %d wanted); practical-technique training (aim: 1–2 skills)",
                    CLAUSE, fp.who(m), m.age, m.labor,
                    skills == 0 and "no practical skill" or string.format("%d practical skill(s)", skills),
                    p.skills_min),
            }
        end
    end
end

local function link_enterprise(h, out, params)
    if fp.count(h.links) > 0 then
        return
    end
    local why
    if h.has_project then
        why = "runs a production project"
    else
        local m = first_worker(h, params)
        if h.wants_industry and m then
            why = string.format("wants to produce and %s (age %d, labour %s) can work", fp.who(m), m.age, m.labor)
        end
    end
    if not why then
        return
    end
    out:recommend{
        measure = "link_enterprise",
        reason = string.format(
            "%s: the household %s but is linked to no leading enterprise, production base or cooperative; link it to at least one",
            CLAUSE, why),
    }
end

local function pv_station(h, out, params, p)
    if fp.count(h.members) == 0 or fp.has_labor(h) or h.has_project then
        return
    end
    local year = fp.latest_income_year(h, h.year)
    if not year then
        return
    end
    local income, line = fp.per_capita_income(h, year), fp.poverty_line(params, year)
    if not income or not line or income >= line then
        return
    end
    out:recommend{
        measure = "pv_station",
        amount = p.pv_station_share,
        reason = string.format(
            "%s: no member has labour ability, no project, and per-capita income %s in %d is under the line %s (%s of %s); a photovoltaic-station share (%s a year)",
            CLAUSE, fp.yuan(income), year, fp.yuan(line), fp.percent(fp.for_year(params.income_ratio, year)),
            fp.yuan(fp.for_year(params.provincial_income, year)), fp.yuan(p.pv_station_share)),
    }
end

return {
    name = "industry",
    title = "产业帮扶到户",
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
        },
    },
    evaluate = function(household, out, params)
        if not fp.in_help(household) then
            return
        end
        local p = params.industry
        project(household, out, params, p)
        skills_training(household, out, params, p)
        link_enterprise(household, out, params)
        pv_station(household, out, params, p)
    end,
}
