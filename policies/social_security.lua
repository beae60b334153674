-- social_security.lua - 二(三) 社会保障到户: dibao for households without full
-- labour ability (应保尽保) and residents' pension for adults not in school.
-- Only registered or returned households; ages and amounts come from params.

local CLAUSE = "二(三) 社会保障到户"

local function dibao(h, out, p)
    local n = fp.count(h.members)
    if n == 0 or fp.has_full_labor(h) or h.dibao then
        return
    end
    local amount = p.dibao_monthly * n
    out:recommend{
        measure = "dibao",
        amount = amount,
        reason = string.format(
            "%s: no member has full labour ability; not yet in dibao; enrol (应保尽保): %s a month per person × %d = %s a month",
            CLAUSE, fp.yuan(p.dibao_monthly), n, fp.yuan(amount)),
    }
end

local function pension_enrol(h, out, p)
    for _, m in ipairs(h.members) do
        if m.age and m.age >= p.pension_min_age and m.school_stage == nil and not m.pension_insured then
            out:recommend{
                measure = "pension_enrol",
                member = m.id,
                reason = string.format(
                    "%s: %s is %d (pension age from %d), not in school and without residents' pension insurance; enrol with the fiscal premium subsidy",
                    CLAUSE, fp.who(m), m.age, p.pension_min_age),
            }
        end
    end
end

return {
    name = "social_security",
    title = "社会保障到户",
    -- The params it reads (fupin check holds the config to them; reading
    -- any other param is an error).
    params = {
        social_security = {
            dibao_monthly = { type = "number", unit = "yuan", min = 0, max = 1e5, required = true,
                title = "低保每人每月补助" },
            pension_min_age = { type = "integer", unit = "years", min = 0, max = 120, required = true,
                default = 16, title = "城乡居民养老保险参保起始年龄（不在校）" },
        },
    },
    evaluate = function(household, out, params)
        if not fp.in_help(household) then
            return
        end
        local p = params.social_security
        dibao(household, out, p)
        pension_enrol(household, out, p)
    end,
}
