-- exit.lua - 三(六) 退出机制 against the goal of 一 目标任务: propose exit for a
-- household that meets the year's goal, and flag an exited household falling
-- back (返贫). Ratios and margins come from params; it never exits anyone itself.

local GOAL = "三(六) 退出机制 / 一 目标任务"
local RETURN = "三(六) 返贫"

-- Income against the line of its own year: (ok, text) or (false, why not).
local function income_test(h, params)
    local year = fp.latest_income_year(h, h.year)
    if not year then
        return false, string.format("no income recorded for %d or before", h.year)
    end
    local income, line = fp.per_capita_income(h, year), fp.poverty_line(params, year)
    if not income then
        return false, "no members to share the income"
    end
    if not line then
        return false, string.format("no provincial income figure for %d", year)
    end
    local text = string.format("per-capita income %s %s line %s (%s of %s, %d)", fp.yuan(income),
        income >= line and "≥" or "<", fp.yuan(line), fp.percent(fp.for_year(params.income_ratio, year)),
        fp.yuan(fp.for_year(params.provincial_income, year)), year)
    return income >= line, text
end

local function school_test(h, params)
    local n = 0
    for _, m in ipairs(h.members) do
        if fp.school_age(m, params) then
            if m.school_stage == nil then
                return false, string.format("%s (age %d) of school age is not in school", fp.who(m), m.age)
            end
            n = n + 1
        end
    end
    if n == 0 then
        return true, "no child of school age"
    end
    return true, string.format("every school-age child in school (%d)", n)
end

local function medical_test(h)
    local n = 0
    for _, m in ipairs(h.members) do
        if not m.medical_insured then
            return false, string.format("%s has no basic medical insurance", fp.who(m))
        end
        n = n + 1
    end
    return true, string.format("everyone medically insured (%d of %d)", n, n)
end

local function housing_test(h)
    local g = h.housing_grade
    if g == "A" or g == "B" then
        return true, string.format("house grade %s (safe)", g)
    end
    if (g == "C" or g == "D") and h.housing_renovated then
        return true, string.format("house grade %s renovated", g)
    end
    if g == nil then
        return false, "house grade unknown"
    end
    return false, string.format("house grade %s not renovated", g)
end

local function exit_ready(h, out, params)
    local parts = {}
    local ok, text
    if fp.has_full_labor(h) then
        ok, text = income_test(h, params)
    else
        ok = h.dibao
        text = ok and "no member has full labour ability and the household is in dibao"
            or "no member has full labour ability and the household is not in dibao"
    end
    if not ok then
        return
    end
    parts[#parts + 1] = text
    for _, test in ipairs({ school_test, medical_test, housing_test }) do
        ok, text = test(h, params)
        if not ok then
            return
        end
        parts[#parts + 1] = text
    end
    out:flag{
        measure = "exit_ready",
        reason = string.format("%s: meets the goal for %d: %s; propose exit", GOAL, h.year,
            table.concat(parts, "; ")),
    }
end

local function return_risk(h, out, params)
    local facts = {}
    for _, m in ipairs(h.members) do
        if m.health == "serious" then
            facts[#facts + 1] = string.format("%s is seriously ill", fp.who(m))
        end
    end
    local year = fp.latest_income_year(h, h.year)
    if year then
        local income, line = fp.per_capita_income(h, year), fp.poverty_line(params, year)
        local margin = params.exit.return_margin
        if income and line and income < line * margin then
            facts[#facts + 1] = string.format("per-capita income %s in %d < %s (line %s × %g)",
                fp.yuan(income), year, fp.yuan(line * margin), fp.yuan(line), margin)
        end
    end
    if #facts == 0 then
        return
    end
    out:flag{
        measure = "return_risk",
        reason = string.format("%s: exited household at risk: %s; re-admit to help at once", RETURN,
            table.concat(facts, "; ")),
    }
end

return {
    name = "exit",
    title = "退出与返贫",
    -- The params it reads (fupin check holds the config to them; reading
    -- any other param is an error).
    params = {
        provincial_income = { type = "number", unit = "yuan", by_year = true, min = 0, max = 1e6,
            required = true, title = "全省农村居民人均可支配收入（按年）" },
        income_ratio = { type = "number", unit = "ratio", by_year = true, min = 0, max = 1,
            required = true, default = 0.45, title = "退出：人均收入达到全省农村人均可支配收入的比例" },
        school_age_min = { type = "integer", unit = "years", min = 0, max = 30, required = true,
            default = 6, title = "义务教育年龄下限（含）：不因贫辍学" },
        school_age_max = { type = "integer", unit = "years", min = 0, max = 30, required = true,
            default = 15, title = "义务教育年龄上限（含）" },
        exit = {
            return_margin = { type = "number", unit = "ratio", min = 0, max = 10, required = true,
                default = 1.0, title = "返贫预警：人均收入低于贫困线的倍数" },
        },
    },
    evaluate = function(household, out, params)
        if household.status == "exited" then
            return_risk(household, out, params)
        else
            exit_ready(household, out, params)
        end
    end,
}
