-- exit.lua - 三(六) 退出机制 against the goal of 一 目标任务: propose exit for a
-- household stably out of poverty with 两不愁三保障, and flag an exited
-- household falling back (返贫: a shock after exit, serious illness, or income
-- back under the line). Figures come from params; it never exits anyone itself.

local reasons = {
    exit_ready = "{clause}：{year} 年达到脱贫标准：{facts}；拟退出",
    return_risk = "{clause}：已退出户存在返贫风险：{facts}；及时纳入救助和帮扶范围",
}
local GOAL = "三(六) 退出机制 / 一 目标任务"
local RETURN = "三(六) 因灾、因病返贫"
local SHOCK = { disaster = "受灾", illness = "重大疾病", accident = "意外事故", job_loss = "失业" }

-- The year whose income decides: the evaluation year, or the last complete
-- year (params exit.income_year_back = 1).
local function income_year(h, p)
    return h.year - p.income_year_back
end

-- Per-capita income of year against its line: ok, text.
local function income_of(h, params, year)
    local income = fp.per_capita_income(h, year)
    local line, how = fp.line_with_text(params, year, params.exit.published_line)
    if not line then
        return false, how
    end
    if not income then
        return false, string.format("无 %d 年收入记录", year)
    end
    local ok = income >= line
    return ok, string.format("%d 年人均收入 %s %s 当年标准 %s（%s）", year, fp.yuan(income),
        ok and "≥" or "<", fp.yuan(line), how)
end

-- 一 "达到……45% 及以上并稳定脱贫": the income year and the years before it,
-- stable_years in all, each at or above its own line.
local function income_test(h, out, params)
    local p = params.exit
    local last = income_year(h, p)
    local all, texts = true, {}
    for year = last - p.stable_years + 1, last do
        local ok, text = income_of(h, params, year)
        fp.test(out, out.explaining and string.format("%d 年收入达标", year), ok, text)
        all = all and ok
        texts[#texts + 1] = text
    end
    return all, table.concat(texts, "，") .. (p.stable_years > 1 and "，稳定脱贫" or "")
end

local function labour_test(h, out, params)
    local unknown = fp.labor_unrecorded(h, params)
    if not fp.test(out, "劳动能力已登记", #unknown == 0, "劳动能力未登记 {n} 人",
        out.explaining and { n = #unknown }) then
        return false
    end
    if h.labor_force > 0 then
        return income_test(h, out, params)
    end
    local ok = fp.test(out, "无劳动力户纳入低保", h.dibao, h.dibao and "无劳动力，已纳入低保" or
        "无劳动力，未纳入低保")
    return ok, "家庭中无劳动力，已纳入低保"
end

local function secure_test(h, out, field, label)
    local v = h[field]
    local text = v == 1 and "有保障" or v == 0 and "无保障" or "未登记"
    return fp.test(out, label, v == 1, out.explaining and label .. "：" .. text), label
end

local function school_test(h, out, params)
    local n = 0
    for _, m in ipairs(h.members) do
        if fp.school_age(m, params) then
            local ok = fp.test(out, "义务教育有保障", m.school_stage ~= nil,
                "{who}，{age}岁，{state}", out.explaining and { who = fp.who(m), age = m.age,
                    state = m.school_stage and "在校" or "未在校" }, m)
            if not ok then
                return false
            end
            n = n + 1
        end
    end
    return true, n == 0 and "无义务教育年龄子女" or string.format("义务教育年龄子女 %d 人均在校", n)
end

local function medical_test(h, out)
    local ok, n = true, 0
    for _, m in ipairs(h.members) do
        local insured = fp.test(out, "基本医疗有保障", m.medical_insured,
            "{who}：{state}",
            out.explaining and { who = fp.who(m), state = m.medical_insured and "已参保" or "未参基本医保" }, m)
        local covered = m.health ~= "serious" or m.critical_insured
        covered = fp.test(out, "大病有保障", covered, "{who}：{state}", out.explaining and { who = fp.who(m),
            state = covered and "大病有保障" or "重病而无大病保险" }, m)
        ok = ok and insured and covered
        n = n + 1
    end
    return ok, string.format("%d 人均参加基本医保，重病者有大病保险", n)
end

local function housing_test(h, out)
    local g = h.housing_grade
    local safe = g == "A" or g == "B" or ((g == "C" or g == "D") and h.housing_renovated)
    local text = g == nil and "住房等级未评定" or
        (safe and (h.housing_renovated and (g == "C" or g == "D")) and string.format("住房 %s 级已改造", g)) or
        (safe and string.format("住房 %s 级（安全）", g)) or string.format("住房 %s 级未改造", g)
    return fp.test(out, "住房安全有保障", safe, text), text
end

local function exit_ready(h, out, params)
    local facts, all = {}, true
    local function add(ok, text)
        all = all and ok
        facts[#facts + 1] = text
    end
    add(labour_test(h, out, params))
    local food, food_text = secure_test(h, out, "food_secure", "不愁吃")
    add(food, food_text)
    local clothing, clothing_text = secure_test(h, out, "clothing_secure", "不愁穿")
    add(clothing, clothing_text)
    add(school_test(h, out, params))
    add(medical_test(h, out))
    add(housing_test(h, out))
    if all then
        out:flag{ measure = "exit_ready", reason = fp.say(reasons.exit_ready, { clause = GOAL,
            year = income_year(h, params.exit), facts = table.concat(facts, "；") }) }
    end
end

local function return_risk(h, out, params)
    local facts = {}
    for _, s in ipairs(h.shocks) do
        -- A shock before the exit was known when exit was decided.
        local after = s.date <= h.today and (h.exited_at == nil or s.date >= h.exited_at)
        fp.test(out, "退出后遭遇变故", after, "{date} {kind}，损失 {loss}（退出日 {exit}）",
            out.explaining and { date = s.date, kind = SHOCK[s.kind], loss = fp.yuan(s.loss),
                exit = h.exited_at or "未记录" })
        if after then
            facts[#facts + 1] = string.format("%s %s（损失 %s）", s.date, SHOCK[s.kind], fp.yuan(s.loss))
        end
    end
    for _, m in ipairs(h.members) do
        if fp.test(out, "无重病成员", m.health ~= "serious", out.explaining and fp.who(m), nil, m) == false then
            facts[#facts + 1] = string.format("%s 患重病", fp.who(m))
        end
    end
    local year = fp.latest_income_year(h, h.year)
    if year and year >= h.year - 1 then
        local income = fp.per_capita_income(h, year)
        local line, how = fp.line_with_text(params, year, params.exit.published_line)
        local margin = params.exit.return_margin
        if income and line then
            local under = income < line * margin
            fp.test(out, "收入未回落", not under, "{year} 年人均收入 {income} {op} {limit}（标准 {line} × {m}，{how}）",
                out.explaining and { year = year, income = fp.yuan(income), op = under and "<" or "≥",
                  limit = fp.yuan(line * margin), line = fp.yuan(line), m = margin, how = how })
            if under then
                facts[#facts + 1] = string.format("%d 年人均收入 %s 低于 %s", year, fp.yuan(income),
                    fp.yuan(line * margin))
            end
        end
    end
    if #facts > 0 then
        out:flag{ measure = "return_risk", reason = fp.say(reasons.return_risk, { clause = RETURN,
            facts = table.concat(facts, "；") }) }
    end
end

return {
    name = "exit",
    title = "退出与返贫",
    -- The household's lists it reads: a change in any other list does not
    -- re-run it, and a pass of it reads nothing else.
    reads = { "members", "income", "shocks" },
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
        school_age_min = { type = "integer", unit = "years", min = 0, max = 30, required = true,
            default = 6, title = "义务教育年龄下限（含）：不因贫辍学" },
        school_age_max = { type = "integer", unit = "years", min = 0, max = 30, required = true,
            default = 15, title = "义务教育年龄上限（含）" },
        exit = {
            return_margin = { type = "number", unit = "ratio", min = 0, max = 10, required = true,
                default = 1.0, title = "返贫预警：人均收入低于贫困线的倍数" },
            income_year_back = { type = "integer", unit = "years", min = 0, max = 1, required = true,
                default = 1, title = "退出看哪一年的收入：0 当年，1 上一个完整年度" },
            stable_years = { type = "integer", unit = "years", min = 1, max = 5, required = true,
                default = 2, title = "稳定脱贫：连续达标的年数（含收入年度）" },
            published_line = { type = "number", unit = "yuan", by_year = true, min = 0, max = 1e6,
                title = "公布的脱贫标准（元/人·年，按年；设了就代替 45% 的计算）" },
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
