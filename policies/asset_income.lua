-- asset_income.lua - 二(八) 资产收益到户: support funds invested as shares, and
-- land-use rights transferred or pooled as shares, for households that have
-- lost labour ability. Only registered or returned households; amounts from params.

local CLAUSE = "二(八) 资产收益到户"

-- "尤其是丧失劳动能力的贫困户": a household with members but none with full labour.
local function lost_labor(h)
    return fp.count(h.members) > 0 and not fp.has_full_labor(h)
end

local function shares(h, out, p)
    if not lost_labor(h) or fp.count(h.shares) > 0 then
        return
    end
    out:recommend{
        measure = "shares",
        amount = p.share_amount,
        reason = string.format(
            "%s: no member has full labour ability and the household holds no asset shares; invest %s of support funds as shares paid as dividends",
            CLAUSE, fp.yuan(p.share_amount)),
    }
end

local function land_shares(h, out)
    if not lost_labor(h) or not h.has_land then
        return
    end
    out:recommend{
        measure = "land_shares",
        reason = string.format(
            "%s: no member has full labour ability and the household has land; transfer the land-use right or pool it as shares",
            CLAUSE),
    }
end

return {
    name = "asset_income",
    title = "资产收益到户",
    -- The params it reads (fupin check holds the config to them; reading
    -- any other param is an error).
    params = {
        asset_income = {
            share_amount = { type = "number", unit = "yuan", min = 0, max = 1e6, required = true,
                title = "每户折股量化的扶持资金" },
        },
    },
    evaluate = function(household, out, params)
        if not fp.in_help(household) then
            return
        end
        shares(household, out, params.asset_income)
        land_shares(household, out)
    end,
}
