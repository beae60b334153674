-- exit.lua - a fixture policy that fails on household 99 and reads dates.
return {
    name = "exit",
    title = "fixture",
    evaluate = function(h, out, params)
        if h.id == 99 then
            error("boom")
        end
        if h.members[1] and h.members[1].age and h.members[1].age >= 60 then
            out:flag{ measure = "exit_ready", member = h.members[1],
                      amount = h.income[#h.income] and h.income[#h.income].year or 0,
                      reason = "old; today " .. h.today .. " in " .. h.county }
        end
    end,
    -- The shared params of the test config, as the real exit.lua declares them.
    params = {
        income_ratio = { type = "number", unit = "ratio", by_year = true, min = 0, max = 1 },
        provincial_income = { type = "number", unit = "yuan", by_year = true, min = 0, max = 1e6 },
    },
}
