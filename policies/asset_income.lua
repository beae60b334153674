-- asset_income.lua - 二(八) 资产收益到户: support funds invested as shares, and
-- land-use rights transferred or pooled as shares, for households with nobody
-- in the labour force (丧失劳动能力). Only registered or returned households;
-- amounts from params. An unrecorded labour ability decides nothing.

local reasons = {
    shares = "{clause}：家庭中无劳动力，且未持有资产收益股份；投入扶持资金 {amount} 折股量化到户，按股分红",
    land_shares = "{clause}：家庭中无劳动力，且有土地；引导依法自愿流转土地经营权或作价入股，按股分享收益",
}
local CLAUSE = "二(八) 资产收益到户"

-- "尤其是丧失劳动能力的贫困户": members, none in the labour force, and no
-- working-age member whose labour ability is still to be recorded.
local function no_labor_force(h, out, params)
    local unknown = #fp.labor_unrecorded(h, params)
    return fp.test(out, "无劳动力", fp.count(h.members) > 0 and h.labor_force == 0 and unknown == 0,
        "成员 {n} 人，劳动力 {lf} 人，劳动能力未登记 {u} 人",
        out.explaining and { n = fp.count(h.members), lf = h.labor_force, u = unknown })
end

local function shares(h, out, p)
    local held = fp.count(h.shares)
    if not fp.test(out, "未持有资产收益股份", held == 0, "已持有股份 {n} 项", out.explaining and { n = held }) then
        return
    end
    out:recommend{
        measure = "shares",
        amount = p.share_amount,
        reason = fp.say(reasons.shares, { clause = CLAUSE, amount = fp.yuan(p.share_amount) }),
    }
end

local function land_shares(h, out)
    if not fp.test(out, "有土地", h.has_land, h.has_land and "有土地" or "无土地") then
        return
    end
    out:recommend{ measure = "land_shares", reason = fp.say(reasons.land_shares, { clause = CLAUSE }) }
end

return {
    name = "asset_income",
    title = "资产收益到户",
    -- The household's lists it reads: a change in any other list does not
    -- re-run it, and a pass of it reads nothing else.
    reads = { "members", "shares" },
    reasons = reasons,
    -- The params it reads (fupin check holds the config to them; reading
    -- any other param is an error).
    params = {
        working_age_min = { type = "integer", unit = "years", min = 0, max = 120, required = true,
            default = 16, title = "劳动年龄下限（含）" },
        working_age_max = { type = "integer", unit = "years", min = 0, max = 120, required = true,
            default = 60, title = "劳动年龄上限（含）" },
        asset_income = {
            share_amount = { type = "number", unit = "yuan", min = 0, max = 1e6, required = true,
                title = "每户折股量化的扶持资金" },
        },
    },
    evaluate = function(household, out, params)
        if not fp.test(out, "在帮扶中", fp.in_help(household),
            out.explaining and "状态：" .. household.status_label) then
            return
        end
        if not no_labor_force(household, out, params) then
            return
        end
        shares(household, out, params.asset_income)
        land_shares(household, out)
    end,
}
