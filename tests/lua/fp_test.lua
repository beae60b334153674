-- fp_test.lua - unit tests of lua/fp.lua in plain Lua 5.4 (from the
-- repository root: lua5.4 tests/lua/fp_test.lua [path/to/fp.lua]). Exits
-- nonzero on any failure; it must never depend on the daemon, the database
-- or the clock.

local fp = dofile(arg[1] or "lua/fp.lua")

local failed, passed = 0, 0

local function check(name, got, want)
    if got == want then
        passed = passed + 1
    else
        failed = failed + 1
        io.stderr:write(string.format("FAIL %s: got %s, want %s\n", name, tostring(got), tostring(want)))
    end
end

-- fp.age
check("age before birthday", fp.age("1980-05-01", "2018-04-30"), 37)
check("age on birthday", fp.age("1980-05-01", "2018-05-01"), 38)
check("age after birthday", fp.age("1980-05-01", "2018-12-31"), 38)
check("age 16 exactly", fp.age("2002-06-30", "2018-06-30"), 16)
check("age one day short of 16", fp.age("2002-07-01", "2018-06-30"), 15)
check("age of a leap-day birth on 28 Feb", fp.age("2000-02-29", "2018-02-28"), 17)
check("age of a leap-day birth on 1 Mar", fp.age("2000-02-29", "2018-03-01"), 18)
check("age at birth", fp.age("2018-06-30", "2018-06-30"), 0)
check("age before birth", fp.age("2018-07-01", "2018-06-30"), nil)
check("age of a bad date", fp.age("1980-13-01", "2018-06-30"), nil)
check("age of a missing date", fp.age(nil, "2018-06-30"), nil)
check("age with an impossible day", fp.age("1981-02-29", "2018-06-30"), nil)
check("age of a non-date", fp.age("yesterday", "2018-06-30"), nil)
check("age with slashes", fp.age("1980/05/01", "2018-06-30"), nil)
check("age with a one-digit month", fp.age("1980-5-01", "2018-06-30"), nil)
check("age with a leading space", fp.age(" 1980-05-01", "2018-06-30"), nil)
check("age with a sign in the year", fp.age("+980-05-01", "2018-06-30"), nil)
check("age of day 00", fp.age("1980-05-00", "2018-06-30"), nil)
check("age of month 00", fp.age("1980-00-10", "2018-06-30"), nil)
check("age of a date with a time", fp.age("1980-05-01T00:00", "2018-06-30"), nil)

-- fp.days_between
check("days same day", fp.days_between("2018-03-07", "2018-03-07"), 0)
check("days next day", fp.days_between("2018-03-07", "2018-03-08"), 1)
check("days backwards", fp.days_between("2018-03-08", "2018-03-07"), -1)
check("days over a leap February", fp.days_between("2016-02-28", "2016-03-01"), 2)
check("days over a common February", fp.days_between("2018-02-28", "2018-03-01"), 1)
check("days over a year", fp.days_between("2017-06-30", "2018-06-30"), 365)
check("days over a leap year", fp.days_between("2016-01-01", "2017-01-01"), 366)
check("days over 2000 (leap)", fp.days_between("2000-02-28", "2000-03-01"), 2)
check("days over 1900 (not leap)", fp.days_between("1900-02-28", "1900-03-01"), 1)
check("days from the epoch", fp.days_between("1970-01-01", "2018-06-30"), 17712)
check("days across centuries", fp.days_between("1600-03-01", "2400-02-29"), 292193)
check("days before the epoch", fp.days_between("1969-12-31", "1970-01-01"), 1)
check("days of a bad date", fp.days_between("2018-02-30", "2018-03-01"), nil)
check("days of nil", fp.days_between("2018-03-01", nil), nil)

-- Income
local hh = {
    members = { { id = 1, labor = "full" }, { id = 2, labor = "none" }, { id = 3, labor = "partial" } },
    income = {
        { year = 2016, wage = 3000, production = 1000, property = 0, transfer = 500 },
        { year = 2017, wage = 12000, production = 6000, property = 1303, transfer = 2000 },
    },
}
check("per-capita income 2017", fp.per_capita_income(hh, 2017), 7101)
check("per-capita income 2016", fp.per_capita_income(hh, 2016), 1500)
check("per-capita income of a year without a row", fp.per_capita_income(hh, 2018), nil)
check("per-capita income rounded to the fen",
    fp.per_capita_income({ members = hh.members, income = { { year = 2017, wage = 100 } } }, 2017), 33.33)
check("per-capita income without members",
    fp.per_capita_income({ members = {}, income = hh.income }, 2017), nil)
check("latest income year", fp.latest_income_year(hh), 2017)
check("latest income year unsorted",
    fp.latest_income_year({ income = { { year = 2017 }, { year = 2015 } } }), 2017)
check("latest income year of none", fp.latest_income_year({ income = {} }), nil)
check("latest income year up to 2016", fp.latest_income_year(hh, 2016), 2016)
check("latest income year up to a later year", fp.latest_income_year(hh, 2020), 2017)
check("latest income year up to before any", fp.latest_income_year(hh, 2015), nil)

-- Labour
check("has full labour", fp.has_full_labor(hh), true)
check("has labour", fp.has_labor(hh), true)
local partial = { members = { { labor = "partial" }, { labor = "none" } } }
check("partial only: no full labour", fp.has_full_labor(partial), false)
check("partial only: labour", fp.has_labor(partial), true)
local none = { members = { { labor = "none" } } }
check("none: no labour", fp.has_labor(none), false)
check("no members: no labour", fp.has_labor({ members = {} }), false)

-- Ages against params
local params = {
    working_age_min = 16, working_age_max = 60, school_age_min = 6, school_age_max = 15,
    income_ratio = 0.45,
    provincial_income = { [2015] = 13360, [2016] = 14512, [2017] = 15780 },
}
check("working age 15", fp.working_age({ age = 15 }, params), false)
check("working age 16", fp.working_age({ age = 16 }, params), true)
check("working age 60", fp.working_age({ age = 60 }, params), true)
check("working age 61", fp.working_age({ age = 61 }, params), false)
check("working age unknown", fp.working_age({}, params), false)
check("school age 5", fp.school_age({ age = 5 }, params), false)
check("school age 6", fp.school_age({ age = 6 }, params), true)
check("school age 15", fp.school_age({ age = 15 }, params), true)
check("school age 16", fp.school_age({ age = 16 }, params), false)
check("can work: full, 30", fp.can_work({ labor = "full", age = 30 }, params), true)
check("can work: partial, 60", fp.can_work({ labor = "partial", age = 60 }, params), true)
check("can work: none", fp.can_work({ labor = "none", age = 30 }, params), false)
check("can work: full, 61", fp.can_work({ labor = "full", age = 61 }, params), false)
check("can work: full, 15", fp.can_work({ labor = "full", age = 15 }, params), false)
check("can work: age unknown", fp.can_work({ labor = "full" }, params), false)

-- Households and members
check("in help: registered", fp.in_help({ status = "registered" }), true)
check("in help: returned", fp.in_help({ status = "returned" }), true)
check("in help: exited", fp.in_help({ status = "exited" }), false)
check("in help: no status", fp.in_help({}), false)
check("who with a name", fp.who({ id = 11, name = "张三" }), "张三（成员 11）")
check("who with an empty name", fp.who({ id = 12, name = "" }), "成员 12")
check("who without a name", fp.who({ id = 13 }), "成员 13")
check("count of three", fp.count(hh.members), 3)
check("count of none", fp.count({}), 0)
check("count of nil", fp.count(nil), 0)
local proxy = setmetatable({}, { __index = function(_, k)
    return ({ "a", "b" })[k]
end })
check("count of a read-only view", fp.count(proxy), 2)

-- fp.for_year
check("for_year of a number", fp.for_year(0.45, 2018), 0.45)
check("for_year exact year", fp.for_year(params.provincial_income, 2016), 14512)
check("for_year later year", fp.for_year(params.provincial_income, 2019), 15780)
check("for_year before the first", fp.for_year(params.provincial_income, 2014), nil)
check("for_year string keys", fp.for_year({ ["2016"] = 1, ["2017"] = 2 }, 2017), 2)
check("for_year of nil", fp.for_year(nil, 2017), nil)
local opaque = setmetatable({}, { __index = function(_, k)
    return ({ [2016] = 14512, [2017] = 15780 })[k]
end })
check("for_year of a view without pairs", fp.for_year(opaque, 2018), 15780)
check("for_year of a view before its first year", fp.for_year(opaque, 2015), nil)

-- fp.yuan
check("yuan integer", fp.yuan(5000), "5,000 元")
check("yuan float integer", fp.yuan(7101.0), "7,101 元")
check("yuan small", fp.yuan(800), "800 元")
check("yuan zero", fp.yuan(0), "0 元")
check("yuan million", fp.yuan(1234567), "1,234,567 元")
check("yuan fen", fp.yuan(6530.4), "6,530.40 元")
check("yuan rounding", fp.yuan(33.333), "33.33 元")
check("yuan negative", fp.yuan(-1200), "-1,200 元")
check("yuan six digits", fp.yuan(100000), "100,000 元")
check("yuan 999", fp.yuan(999), "999 元")
check("yuan 1000", fp.yuan(1000), "1,000 元")
check("yuan a round million", fp.yuan(1000000), "1,000,000 元")
check("yuan inner zeros", fp.yuan(1002003.05), "1,002,003.05 元")
check("yuan negative with fen", fp.yuan(-12345.6), "-12,345.60 元")

-- fp.percent
check("percent", fp.percent(0.45), "45 %")
check("percent fraction", fp.percent(0.125), "12.5 %")
check("percent whole", fp.percent(1), "100 %")

-- fp.poverty_line
check("line 2017", fp.poverty_line(params, 2017), 7101)
check("line 2016 in fen", fp.poverty_line(params, 2016), 6530.4)
check("line 2018 uses 2017", fp.poverty_line(params, 2018), 7101)
check("line without figures", fp.poverty_line(params, 2014), nil)
check("line by year ratio", fp.poverty_line({ income_ratio = { [2016] = 0.4, [2017] = 0.5 },
    provincial_income = 10000 }, 2017), 5000)

-- fp.line_with_text: 45 % of the provincial figure, or a published line
local line, how = fp.line_with_text(params, 2017)
check("line with text", line, 7101)
check("line text", how, "全省 15,780 元 × 45 %")
local gd = { [2016] = 6433, [2017] = 6883, [2018] = 7365 }
line, how = fp.line_with_text(params, 2018, gd)
check("published line 2018", line, 7365)
check("published line text", how, "2018 年公布的脱贫标准")
check("published line 2016", (fp.line_with_text(params, 2016, gd)), 6433)
check("published line absent falls back", (fp.line_with_text(params, 2016, nil)), 6530.4)
check("no line without figures", (fp.line_with_text(params, 2014)), nil)

-- fp.say: named placeholders
check("say", fp.say("{clause}：{who}（{age}岁）", { clause = "二(三)", who = "张三", age = 72 }),
    "二(三)：张三（72岁）")
check("say a number with fen", fp.say("{x}", { x = 1.5 }), "1.5")
check("say a repeated placeholder", fp.say("{a}{a}", { a = "x" }), "xx")
local ok, err = pcall(fp.say, "{nmae}", { name = "x" })
check("say refuses a placeholder without a value", ok, false)
check("say names the placeholder", tostring(err):find("{nmae}", 1, true) ~= nil, true)

-- fp.labor_text, fp.labor_unrecorded, fp.in_labor_force
check("labor text full", fp.labor_text({ labor = "full" }), "完全劳动力")
check("labor text unrecorded", fp.labor_text({}), "劳动能力未登记")
local hh = { members = {
    { id = 1, age = 40 },                               -- working age, not recorded
    { id = 2, age = 72 },                               -- elderly: not asked
    { id = 3, age = 17, school_stage = "senior" },     -- student: not asked
    { id = 4, age = 40, labor = "none" },
    { id = 5, age = 16 },                               -- exactly working age
    { id = 6, age = 15 },
} }
local unknown = fp.labor_unrecorded(hh, params)
check("labour unrecorded count", #unknown, 2)
check("labour unrecorded first", unknown[1].id, 1)
check("labour unrecorded at 16", unknown[2].id, 5)
check("in labour force is the C fact", fp.in_labor_force({ in_labor_force = true }), true)
check("not in labour force without the fact", fp.in_labor_force({ labor = "full", age = 30 }), false)

-- fp.test: recorded only while explaining, returns ok
local tests = {}
local out = { explaining = true, test = function(_, t) tests[#tests + 1] = t end }
check("test returns ok", fp.test(out, "收入达标", true, "{a} ≥ {b}", { a = 1, b = 2 }), true)
check("test returns not ok", fp.test(out, "x", nil, "plain"), false)
check("test recorded", #tests, 2)
check("test detail said", tests[1].detail, "1 ≥ 2")
check("test ok is a boolean", tests[2].ok, false)
local quiet = { explaining = false, test = function() error("not while explaining") end }
check("test not recorded unless explaining", fp.test(quiet, "x", true, "{missing}", {}), true)

-- Purity: fp must not reach for the sandboxed libraries.
local env = { string = string, math = math, pairs = pairs, ipairs = ipairs, type = type,
    tonumber = tonumber, tostring = tostring }
local chunk = assert(loadfile("lua/fp.lua", "t", env))
local sandboxed = chunk()
check("loads without io/os/require", type(sandboxed.age), "function")
check("works without io/os/require", sandboxed.days_between("2018-01-01", "2018-12-31"), 364)

io.write(string.format("%d passed, %d failed\n", passed, failed))
if failed > 0 then
    os.exit(1)
end
