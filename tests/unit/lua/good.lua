-- good.lua - a well-behaved policy that reads every kind of field.
return {
    name = "industry",
    title = "产业帮扶到户",
    params = {
        industry = { project_grant = { type = "number", unit = "yuan", min = 0, max = 1e6 } },
        provincial_income = { type = "number", by_year = true, min = 0, max = 1e6 },
        nothing = { type = "number" }, -- declared, never set: reads as nil
    },
    evaluate = function(h, out, params)
        assert(h.id == 7 and h.year == 2018 and h.today == "2018-06-30", "household basics")
        assert(h.wants_industry == true and h.has_project == false, "booleans")
        assert(h.housing_grade == nil and h.status == "registered" and h.cadre_id == nil, "enums")
        assert(#h.members == 2 and h.members[1].labor == "full", "members")
        assert(h.members[2].school_stage == "primary" and h.members[2].age == 8, "member 2")
        assert(h.members[1].medical_insured == false and h.members[1].skills == 2, "member 1")
        assert(h.members[1] == h.members[1], "stable identity")
        assert(h.income[1].wage == 3000 and #h.loans == 0, "lists")
        assert(params.industry.project_grant == 5000, "params")
        assert(params.provincial_income[2017] == 15780 and params.nothing == nil, "by year")
        assert(fp and fp.twice(2) == 4, "fp")
        assert(("abc"):upper() == "ABC", "string methods")
        local n = 0
        for _, m in ipairs(h.members) do
            n = n + m.id
        end
        assert(n == 701 + 702, "ipairs")
        if h.wants_industry and not h.has_project then
            out:recommend{ measure = "project", amount = params.industry.project_grant,
                           reason = "wants industry, no project" }
        end
        out:flag{ measure = "skills_training", member = h.members[1], reason = "member 1" }
        out:alert{ kind = "check", severity = "info", message = "hello" }
    end,
}
