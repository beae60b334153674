-- fp.lua - the helper library every Lua policy sees as the read-only global `fp`.
-- Pure functions over the household view and the params tree: it must never
-- touch io, os, require or any state, so that it runs unchanged in the sandbox.

local fp = {}

local floor = math.floor

-- Days in each month of a common year.
local DAYS_IN_MONTH = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }

local function is_leap(y)
    return (y % 4 == 0 and y % 100 ~= 0) or y % 400 == 0
end

-- "YYYY-MM-DD" -> y, m, d (integers), or nil when the text is not a real date
-- (2018-02-30 is refused rather than silently rolled into March).
local function parse_date(s)
    if type(s) ~= "string" then
        return nil
    end
    local ys, ms, ds = s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
    if not ys then
        return nil
    end
    local y, m, d = tonumber(ys), tonumber(ms), tonumber(ds)
    if m < 1 or m > 12 or d < 1 then
        return nil
    end
    local dim = DAYS_IN_MONTH[m]
    if m == 2 and is_leap(y) then
        dim = 29
    end
    if d > dim then
        return nil
    end
    return y, m, d
end

-- Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
-- days_from_civil): exact for any year, no os.time and no time zone involved.
local function days_from_civil(y, m, d)
    if m <= 2 then
        y = y - 1
    end
    local era = floor(y / 400)
    local yoe = y - era * 400
    local mp = (m + 9) % 12
    local doy = floor((153 * mp + 2) / 5) + d - 1
    local doe = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy
    return era * 146097 + doe - 719468
end

-- Money figures are compared and shown in fen: 0.45 * 14512 must equal the
-- 6,530.40 元 a cadre reads, not 6530.400000000001.
local function to_fen(x)
    return floor(x * 100 + 0.5) / 100
end

local function to_number(v)
    if type(v) == "number" then
        return v
    end
    if type(v) == "string" then
        return tonumber(v)
    end
    return nil
end

-- Full years between birth_date and on_date; nil when either is not a date
-- or the person is not yet born on on_date.
function fp.age(birth_date, on_date)
    local by, bm, bd = parse_date(birth_date)
    local ty, tm, td = parse_date(on_date)
    if not by or not ty then
        return nil
    end
    local years = ty - by
    if tm < bm or (tm == bm and td < bd) then
        years = years - 1
    end
    if years < 0 then
        return nil
    end
    return years
end

-- b - a in days (positive when b is later), nil when either is not a date.
function fp.days_between(a, b)
    local ay, am, ad = parse_date(a)
    local by, bm, bd = parse_date(b)
    if not ay or not by then
        return nil
    end
    return days_from_civil(by, bm, bd) - days_from_civil(ay, am, ad)
end

-- The number of items of a list, nil counting as empty; counts with ipairs so
-- that a plain table and any read-only view give the same answer.
function fp.count(list)
    local n = 0
    for _ in ipairs(list or {}) do
        n = n + 1
    end
    return n
end

local count = fp.count

-- The household's per-capita disposable income of year, in yuan rounded to
-- the fen; nil when there is no income row for that year or no member.
function fp.per_capita_income(household, year)
    local n = count(household.members)
    if n == 0 then
        return nil
    end
    for _, row in ipairs(household.income or {}) do
        if row.year == year then
            local total = (to_number(row.wage) or 0) + (to_number(row.production) or 0)
                + (to_number(row.property) or 0) + (to_number(row.transfer) or 0)
            return to_fen(total / n)
        end
    end
    return nil
end

-- The latest year with an income row, or nil when there is none. With up_to,
-- only rows of that year or before count (a row for a year after the
-- evaluation year is a typing error, not a fact of today).
function fp.latest_income_year(household, up_to)
    local latest
    up_to = to_number(up_to)
    for _, row in ipairs(household.income or {}) do
        local y = to_number(row.year)
        if y and (up_to == nil or y <= up_to) and (latest == nil or y > latest) then
            latest = y
        end
    end
    return latest
end

-- 劳动力 (the labour-force fact, computed once in C before any policy runs):
-- within working age, not in school, labour ability recorded full or partial.
function fp.in_labor_force(member)
    return member.in_labor_force == true
end

-- Members whose labour ability nobody recorded although it would matter:
-- working age and not in school. Never assumed either way; a data task.
function fp.labor_unrecorded(household, params)
    local list = {}
    for _, m in ipairs(household.members or {}) do
        if m.labor == nil and m.school_stage == nil and fp.working_age(m, params) then
            list[#list + 1] = m
        end
    end
    return list
end

local LABOR_TEXT = { full = "完全劳动力", partial = "部分劳动力", none = "无劳动能力" }

-- How a reason names a member's labour ability.
function fp.labor_text(member)
    return LABOR_TEXT[member.labor] or "劳动能力未登记"
end

function fp.has_full_labor(household)
    for _, m in ipairs(household.members or {}) do
        if m.labor == "full" then
            return true
        end
    end
    return false
end

function fp.has_labor(household)
    for _, m in ipairs(household.members or {}) do
        if m.labor == "full" or m.labor == "partial" then
            return true
        end
    end
    return false
end

local function age_within(member, lo, hi)
    local age, min, max = member.age, to_number(lo), to_number(hi)
    if age == nil or min == nil or max == nil then
        return false
    end
    return age >= min and age <= max
end

function fp.working_age(member, params)
    return age_within(member, params.working_age_min, params.working_age_max)
end

-- "Can work" of the plan (有劳动能力): labour full or partial, and working age.
function fp.can_work(member, params)
    return (member.labor == "full" or member.labor == "partial") and fp.working_age(member, params)
end

function fp.school_age(member, params)
    return age_within(member, params.school_age_min, params.school_age_max)
end

-- A number as is; a table {year = value} gives the value of the latest year
-- not after year (YAML may hand the years over as integers or as strings).
function fp.for_year(value, year)
    if type(value) ~= "table" then
        return to_number(value)
    end
    year = to_number(year)
    if year == nil then
        return nil
    end
    local best_year, best, seen
    for k, v in pairs(value) do
        seen = true
        local y = to_number(k)
        if y and y <= year and (best_year == nil or y > best_year) then
            best_year, best = y, v
        end
    end
    if not seen then
        -- A read-only view may not be traversable: look the years up instead.
        for y = floor(year), floor(year) - 200, -1 do
            local v = value[y]
            if v == nil then
                v = value[tostring(y)]
            end
            if v ~= nil then
                return to_number(v)
            end
        end
    end
    return to_number(best)
end

-- Households still in the programme (registered, or returned after exit) get
-- help measures; exited ones do not.
function fp.in_help(household)
    return household.status == "registered" or household.status == "returned"
end

-- How a reason names a member: "张三（成员 11）", or "成员 11" without a name.
function fp.who(member)
    if member.name and member.name ~= "" then
        return string.format("%s（成员 %s）", member.name, tostring(member.id))
    end
    return "成员 " .. tostring(member.id)
end

-- template with every {name} replaced by vars[name] (numbers as written,
-- strings as they are). A placeholder without a value is an error, so a
-- misspelt name in a reason fails `fupin check` and the policy's cases
-- instead of reaching a cadre as "{nmae}". Templates live in a policy's
-- `reasons` table, apart from its conditions, so wording is edited alone.
function fp.say(template, vars)
    return (template:gsub("{([%w_]+)}", function(name)
        local v = vars[name]
        if v == nil then
            error(string.format("fp.say: no value for {%s} in \"%s\"", name, template), 2)
        end
        if type(v) == "number" and v == floor(v) then
            return string.format("%d", v)
        end
        return tostring(v)
    end))
end

-- Records a test the rule evaluated for `fupin explain` (why and why not):
-- label its name, ok its outcome, detail the template and vars of fp.say
-- (built only while explaining), member the member it is about or nil.
-- Returns ok, so a rule reads `if not fp.test(...) then return end`.
function fp.test(out, label, ok, detail, vars, member)
    ok = ok and true or false
    if out.explaining then
        out:test{ label = label, ok = ok, detail = vars and fp.say(detail, vars) or detail,
            member = member }
    end
    return ok
end

-- A ratio as a reason shows it: 0.45 -> "45 %".
function fp.percent(ratio)
    return string.format("%g %%", ratio * 100)
end

-- 1234567 -> "1,234,567" (n a whole number >= 0), by arithmetic: no pattern.
local function group_thousands(n)
    if n < 1000 then
        return string.format("%d", n)
    end
    return group_thousands(n // 1000) .. string.format(",%03d", n % 1000)
end

-- "5,000 元", "6,530.40 元", "-1,200 元": thousands separators, and two
-- decimals only when there are fen.
function fp.yuan(amount)
    local x = to_number(amount)
    if x == nil or x ~= x or x == math.huge or x == -math.huge then
        return tostring(amount) .. " 元"
    end
    local sign = x < 0 and "-" or ""
    local fen = floor(math.abs(x) * 100 + 0.5)
    local whole, cents = fen // 100, fen % 100
    local grouped = group_thousands(floor(whole))
    if cents == 0 then
        return sign .. grouped .. " 元"
    end
    return string.format("%s%s.%02d 元", sign, grouped, floor(cents))
end

-- The poverty line of year: income_ratio x the provincial rural per-capita
-- income of that year (rounded to the fen); nil when either is missing.
function fp.poverty_line(params, year)
    local ratio = fp.for_year(params.income_ratio, year)
    local income = fp.for_year(params.provincial_income, year)
    if ratio == nil or income == nil then
        return nil
    end
    return to_fen(ratio * income)
end

-- The line and how it was reached, for a reason: line, "全省 15,780 元 × 45%".
-- published (optional, by year) is a line an office uses instead, such as
-- Guangdong's published exit lines.
function fp.line_with_text(params, year, published)
    local fixed = published and fp.for_year(published, year)
    if fixed then
        return fixed, string.format("%d 年公布的脱贫标准", year)
    end
    local line = fp.poverty_line(params, year)
    if not line then
        return nil, string.format("缺少 %d 年全省农村居民人均可支配收入", year)
    end
    return line, string.format("全省 %s × %s", fp.yuan(fp.for_year(params.provincial_income, year)),
        fp.percent(fp.for_year(params.income_ratio, year)))
end

-- The loader hands in C versions of the helpers every household calls
-- (same results; no pattern matching per call). Plain Lua, as in the unit
-- tests, keeps the versions above.
local native = ...
if type(native) == "table" then
    fp.say = native.say or fp.say
    fp.age = native.age or fp.age
    fp.days_between = native.days_between or fp.days_between
    fp.who = native.who or fp.who
    -- These keep the Lua version for what C leaves to it (non-numbers,
    -- amounts beyond 1e12).
    if native.with_lua then
        fp.yuan = native.yuan and native.with_lua(native.yuan, fp.yuan) or fp.yuan
        fp.percent = native.percent and native.with_lua(native.percent, fp.percent) or fp.percent
        -- Facts of the live household, read in C from the household itself.
        fp.per_capita_income = native.per_capita_income
            and native.with_lua(native.per_capita_income, fp.per_capita_income) or fp.per_capita_income
        fp.latest_income_year = native.latest_income_year
            and native.with_lua(native.latest_income_year, fp.latest_income_year) or fp.latest_income_year
    end
    -- Pure functions of the read-only params: computed once per worker and
    -- argument list (the year's line), not once per household and policy.
    if native.memo then
        fp.for_year = native.memo(fp.for_year, 2)
        fp.poverty_line = native.memo(fp.poverty_line, 2)
        fp.line_with_text = native.memo(fp.line_with_text, 3)
    end
end

return fp
