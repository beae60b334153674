-- social_security.lua - 二(三) 社会保障到户: dibao for households with nobody in
-- the labour force, and for those whose per-capita income is under the local
-- dibao line (符合最低生活保障条件), 应保尽保; residents' pension for adults not
-- in school, and the one-off lump-sum payment (趸缴) for members near the
-- pension age who cannot reach the minimum contribution years by paying
-- yearly. Only registered or returned households; figures come from params.

-- What a cadre reads: edit the wording here, the conditions stay below.
local reasons = {
    dibao_no_labor = "{clause}：家庭 {n} 人中无劳动力（劳动年龄 {age_min}–{age_max} 岁、不在校、"
        .. "有完全或部分劳动能力者为劳动力），尚未纳入低保，应保尽保：每人每月 {monthly} × {n} 人 = 每月 {amount}",
    dibao_income = "{clause}：{year} 年人均可支配收入 {income} 低于本地低保标准 {line}（{where}），"
        .. "符合最低生活保障条件，尚未纳入低保，应保尽保：每人每月 {monthly} × {n} 人 = 每月 {amount}",
    pension = "{clause}：{who}，{age}岁，不在校，未参加城乡居民养老保险（{min_age}岁起），"
        .. "参保并落实财政补贴",
    -- \z joins the lines when the file is compiled: no concatenation runs
    -- for every household.
    pension_lump_sum = "{clause}：{who}，{age}岁，已缴纳城乡居民养老保险 {paid} 年，\z
        按年缴费到 {pension_age} 岁（还可缴 {left} 年）也不足最低缴费年限 {min_years} 年，差 {short} 年；\z
        妥善解决一次性趸缴问题，一次性补缴 {short} 年{amount}，确保到龄按时足额领取养老金{enrol}",
    pension_lump_sum_amount = "（按每年 {yearly}计，共 {total}）",
    pension_lump_sum_enrol = "；尚未参保，先办理参保",
    labor_unrecorded = "数据质量：{names} 在劳动年龄内且不在校，但劳动能力未登记；"
        .. "请帮扶干部核实登记（低保、资产收益、就业和退出都以此为据，系统不作推定）",
}
local CLAUSE = "二(三) 社会保障到户"

-- Counties with a dibao line of their own (declared below; the config gives
-- the figures): Heyuan's. Another city lists its own.
local COUNTIES = { "441602", "441621", "441622", "441623", "441624", "441625" }
local HAS_LINE = {}
for _, code in ipairs(COUNTIES) do
    HAS_LINE[code] = true
end

-- The household's income test: per-capita income of the evaluation year (or,
-- before that year's figures are in, the year before) against the dibao line
-- of its county, else the city's. A row older than that is no fact of today.
local function income_under_line(h, out, p)
    local line, where
    local county = HAS_LINE[h.county or ""] and p.dibao_line["county_" .. h.county]
    if county then
        line, where = fp.for_year(county, h.year), "县（区）标准"
    end
    if not line then
        line, where = fp.for_year(p.dibao_line.city, h.year), "全市标准"
    end
    local year = fp.latest_income_year(h, h.year)
    if year and year < h.year - 1 then
        year = nil
    end
    local income = year and fp.per_capita_income(h, year)
    if not line or not income then
        fp.test(out, "收入低于低保标准", false, out.explaining and (not line and "未设低保标准" or
            string.format("无 %d 或 %d 年收入记录", h.year, h.year - 1)))
        return nil
    end
    local ok = income < line
    fp.test(out, "收入低于低保标准", ok, "{year} 年人均收入 {income} {op} 低保标准 {line}（{where}）",
        out.explaining and { year = year, income = fp.yuan(income), op = ok and "<" or "≥", line = fp.yuan(line),
            where = where })
    if ok then
        return { year = year, income = fp.yuan(income), line = fp.yuan(line), where = where }
    end
    return nil
end

local function dibao(h, out, params, p)
    local n = fp.count(h.members)
    if not fp.test(out, "尚未纳入低保", n > 0 and not h.dibao,
            h.dibao and "已纳入低保" or (n == 0 and "无家庭成员" or "未纳入低保")) then
        return
    end
    local vars = { clause = CLAUSE, n = n, monthly = fp.yuan(p.dibao_monthly),
        amount = fp.yuan(p.dibao_monthly * n), age_min = params.working_age_min,
        age_max = params.working_age_max }
    local unknown = fp.labor_unrecorded(h, params)
    local no_labor = h.labor_force == 0 and #unknown == 0
    fp.test(out, "无劳动力", no_labor, "劳动力 {lf} 人，劳动能力未登记 {u} 人",
        out.explaining and { lf = h.labor_force, u = #unknown })
    local template = reasons.dibao_no_labor
    if not no_labor then
        local under = income_under_line(h, out, p)
        if not under then
            return
        end
        for k, v in pairs(under) do
            vars[k] = v
        end
        template = reasons.dibao_income
    end
    out:recommend{ measure = "dibao", amount = p.dibao_monthly * n, reason = fp.say(template, vars) }
end

local function pension_enrol(h, out, p)
    for _, m in ipairs(h.members) do
        local due = m.age and m.age >= p.pension_min_age and m.school_stage == nil
        if due and not m.pension_insured then
            out:recommend{
                measure = "pension_enrol",
                member = m.id,
                reason = fp.say(reasons.pension, { clause = CLAUSE, who = fp.who(m), age = m.age,
                    min_age = p.pension_min_age }),
            }
        end
    end
end

-- 二(三) "妥善解决一次性趸缴问题": a member aged pension_age - lump_sum_window
-- to pension_age (inclusive) whose recorded contribution years, plus the
-- years still to pay until the pension age, stay under the minimum. Years
-- nobody recorded decide nothing (the test says so).
local function pension_lump_sum(h, out, p)
    local lo, top = p.pension_age - p.lump_sum_window, p.pension_age
    local near = 0
    for _, m in ipairs(h.members) do
        if m.age and m.age >= lo and m.age <= top and m.school_stage == nil then
            near = near + 1
            local paid = m.pension_years
            if paid == nil then
                fp.test(out, "养老保险缴费年限已登记", false, "{age}岁，缴费年限未登记",
                    out.explaining and { age = m.age }, m)
            else
                local left = top - m.age
                local short = p.pension_min_years - paid - left
                local ok = fp.test(out, "按年缴费到领取年龄仍不足最低缴费年限", short > 0,
                    "已缴 {paid} 年 + 距 {top} 岁还可缴 {left} 年 = {sum} 年，最低 {min} 年",
                    out.explaining and { paid = paid, top = top, left = left, sum = paid + left,
                        min = p.pension_min_years }, m)
                if ok then
                    local total = p.lump_sum_yearly and p.lump_sum_yearly * short
                    out:recommend{
                        measure = "pension_lump_sum",
                        member = m.id,
                        amount = total,
                        reason = fp.say(reasons.pension_lump_sum, { clause = CLAUSE, who = fp.who(m),
                            age = m.age, paid = paid, pension_age = top, left = left,
                            min_years = p.pension_min_years, short = short,
                            amount = total and fp.say(reasons.pension_lump_sum_amount,
                                { yearly = fp.yuan(p.lump_sum_yearly), total = fp.yuan(total) }) or "",
                            enrol = m.pension_insured and "" or reasons.pension_lump_sum_enrol }),
                    }
                end
            end
        end
    end
    if near == 0 then
        -- The detail's vars only while explaining: most households take this path.
        fp.test(out, "有临近领取养老金年龄的成员", false, "无 {lo}–{top} 岁成员", out.explaining and { lo = lo, top = top })
    end
end

-- 一: an unrecorded labour ability decides nothing; the cadre records it.
local function labor_unrecorded(h, out, params)
    local unknown = fp.labor_unrecorded(h, params)
    if #unknown == 0 then
        return
    end
    local names = {}
    for _, m in ipairs(unknown) do
        names[#names + 1] = fp.who(m)
    end
    out:alert{ kind = "data_quality", severity = "warning",
        message = fp.say(reasons.labor_unrecorded, { names = table.concat(names, "、") }) }
end

local function dibao_lines()
    local line = { type = "number", unit = "yuan", by_year = true, min = 0, max = 1e6 }
    local t = {
        city = { type = "number", unit = "yuan", by_year = true, min = 0, max = 1e6, required = true,
            default = 4000, title = "全市农村低保标准（元/人·年，按年）" },
    }
    for _, code in ipairs(COUNTIES) do
        local d = {}
        for k, v in pairs(line) do
            d[k] = v
        end
        d.title = "县（区）农村低保标准 " .. code .. "（元/人·年，按年；缺省用全市标准）"
        t["county_" .. code] = d
    end
    return t
end

return {
    name = "social_security",
    title = "社会保障到户",
    -- The household's lists it reads: a change in any other list does not
    -- re-run it, and a pass of it reads nothing else.
    reads = { "members", "income" },
    reasons = reasons,
    -- The params it reads (fupin check holds the config to them; reading
    -- any other param is an error).
    params = {
        working_age_min = { type = "integer", unit = "years", min = 0, max = 120, required = true,
            default = 16, title = "劳动年龄下限（含）" },
        working_age_max = { type = "integer", unit = "years", min = 0, max = 120, required = true,
            default = 60, title = "劳动年龄上限（含）" },
        social_security = {
            dibao_monthly = { type = "number", unit = "yuan", min = 0, max = 1e5, required = true,
                title = "低保每人每月补助" },
            pension_min_age = { type = "integer", unit = "years", min = 0, max = 120, required = true,
                default = 16, title = "城乡居民养老保险参保起始年龄（不在校）" },
            dibao_line = dibao_lines(),
            pension_age = { type = "integer", unit = "years", min = 40, max = 80, required = true,
                default = 60, title = "城乡居民养老保险领取养老金年龄" },
            lump_sum_window = { type = "integer", unit = "years", min = 0, max = 30, required = true,
                default = 5, title = "趸缴：距领取年龄多少年内（含）的成员需核查缴费年限" },
            pension_min_years = { type = "integer", unit = "years", min = 1, max = 40, required = true,
                default = 15, title = "按月领取养老金的最低累计缴费年限" },
            lump_sum_yearly = { type = "number", unit = "yuan", min = 0, max = 1e5,
                title = "趸缴每补缴一年的缴费额（元；不设则建议中不写金额）" },
        },
    },
    evaluate = function(household, out, params)
        labor_unrecorded(household, out, params)
        if not fp.test(out, "在帮扶中", fp.in_help(household),
            out.explaining and "状态：" .. household.status_label) then
            return
        end
        local p = params.social_security
        dibao(household, out, params, p)
        pension_enrol(household, out, p)
        pension_lump_sum(household, out, p)
    end,
}
