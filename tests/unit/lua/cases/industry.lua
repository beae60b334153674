-- industry.lua - a fixture policy for the case-file tests.
return {
    name = "industry",
    title = "fixture",
    params = { industry = { project_grant = { type = "number", unit = "yuan", min = 0, max = 1e6 } } },
    evaluate = function(h, out, params)
        if h.wants_industry and not h.has_project then
            out:recommend{ measure = "project", amount = params.industry.project_grant,
                           reason = "wants industry; no project" }
        end
        for _, m in ipairs(h.members) do
            if m.labor == "full" and m.skills == 0 then
                out:recommend{ measure = "skills_training", member = m, reason = "no skills" }
            end
        end
        if h.cadre_id == nil then
            out:alert{ kind = "no_cadre", severity = "warning", message = "no paired cadre" }
        end
    end,
}
