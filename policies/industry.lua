-- industry.lua - 二(一) 产业帮扶到户: production help for registered households
-- with labour and will (a project, skills, a link to an enterprise) and a PV
-- share for those without. Thresholds and amounts come from params, never code.

local CLAUSE = "二(一) 产业帮扶到户"

-- Only households still in the programme get help; exited ones do not.
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

-- The first working-age member with labour ability: "有劳动能力" of the clause.
local function first_worker(h, params)
    for _, m in ipairs(h.members) do
        if can_work(m, params) then
            return m
        end
    end
    return nil
end

local function count(list)
    local n = 0
    for _ in ipairs(list) do
        n = n + 1
    end
    return n
end

-- The latest income year not after the evaluation year (a row for a later
-- year would be a typing error, not a fact of today).
local function income_year(h)
    local latest
    for _, row in ipairs(h.income) do
        if row.year <= h.year and (latest == nil or row.year > latest) then
            latest = row.year
        end
    end
    return latest
end

local function percent(ratio)
    return string.format("%g %%", ratio * 100)
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
            CLAUSE, who(m), m.age, m.labor, fp.yuan(p.project_grant)),
    }
end

local function skills_training(h, out, params, p)
    for _, m in ipairs(h.members) do
        local skills = m.skills or 0
        if can_work(m, params) and skills < p.skills_min then
            out:recommend{
                measure = "skills_training",
                member = m.id,
                reason = string.format(
                    "%s: %s (age %d, labour %s) masters %s (at least %d wanted); practical-technique training (aim: 1–2 skills)",
                    CLAUSE, who(m), m.age, m.labor,
                    skills == 0 and "no practical skill" or string.format("%d practical skill(s)", skills),
                    p.skills_min),
            }
        end
    end
end

local function link_enterprise(h, out, params)
    if count(h.links) > 0 then
        return
    end
    local why
    if h.has_project then
        why = "runs a production project"
    else
        local m = first_worker(h, params)
        if h.wants_industry and m then
            why = string.format("wants to produce and %s (age %d, labour %s) can work", who(m), m.age, m.labor)
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
    if count(h.members) == 0 or fp.has_labor(h) or h.has_project then
        return
    end
    local year = income_year(h)
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
            CLAUSE, fp.yuan(income), year, fp.yuan(line), percent(fp.for_year(params.income_ratio, year)),
            fp.yuan(fp.for_year(params.provincial_income, year)), fp.yuan(p.pv_station_share)),
    }
end

return {
    name = "industry",
    title = "产业帮扶到户",
    evaluate = function(household, out, params)
        if not in_help(household) then
            return
        end
        local p = params.industry
        project(household, out, params, p)
        skills_training(household, out, params, p)
        link_enterprise(household, out, params)
        pv_station(household, out, params, p)
    end,
}
