-- supervision.lua - 三(三)–(五) 督查, per household: a cadre for every household,
-- regular visits, and fund approvals only after a full, unopposed public notice.
-- Raises alerts only, never findings; day counts come from params.

local messages = {
    no_cadre = "三(三) 干部联系帮扶：户 {id}（{status}）未落实帮扶干部；每个分散贫困户都须有干部联系帮扶",
    no_visit = "三(三) 帮扶工作手册：户 {id}：帮扶干部 {cadre} 已 {days} 天未记录走访（{what} {last}，今日 {today}；上限 {limit} 天）",
    fund = "申请 {id}「{project}」{amount}，公示 {from} 至 {to}，批准 {approved}：{why}",
    fund_notice = "三(四) 公示无异议后批准：户 {id}：{list}",
    short_notice = "公示 {days} 天，少于 {min} 天",
    no_notice = "未记录公示",
    early = "公示期满前即批准",
    objections = "有异议 {n} 件",
}

-- The view gives nil for "no cadre"; 0 is the column's own spelling of it.
local function has_cadre(h)
    return h.cadre_id ~= nil and h.cadre_id ~= 0
end

local function no_cadre(h, out)
    if not fp.in_help(h) or has_cadre(h) then
        return
    end
    out:alert{
        kind = "no_cadre",
        severity = "warning",
        message = fp.say(messages.no_cadre, { id = h.id, status = h.status }),
    }
end

local function no_visit(h, out, p)
    if not fp.in_help(h) or not has_cadre(h) then
        return
    end
    -- The handbook entries of the household's own cadre count; a visit dated
    -- after today is a typing error, not a visit.
    local last, what
    for _, v in ipairs(h.visits) do
        local after = fp.days_between(v.date, h.today)
        if after and after >= 0 and (v.cadre_id == nil or v.cadre_id == h.cadre_id) then
            if last == nil or fp.days_between(last, v.date) > 0 then
                last, what = v.date, "最近走访"
            end
        end
    end
    if last == nil then
        last, what = h.paired_since, "结对日期"
    end
    local days = fp.days_between(last, h.today)
    if days == nil or days <= p.no_visit_days then
        return
    end
    out:alert{
        kind = "no_visit",
        severity = "warning",
        message = fp.say(messages.no_visit, { id = h.id, cadre = h.cadre_id, days = days, what = what,
            last = last, today = h.today, limit = p.no_visit_days }),
    }
end

-- What is wrong with one approved application, or nil.
local function fund_problems(f, p)
    local why = {}
    local length = fp.days_between(f.notice_from, f.notice_to)
    if length == nil then
        why[#why + 1] = messages.no_notice
    else
        length = length + 1 -- both ends are days of notice
        if length < p.fund_notice_days then
            why[#why + 1] = fp.say(messages.short_notice, { days = length, min = p.fund_notice_days })
        end
        local after = fp.days_between(f.notice_to, f.approved_at)
        if after ~= nil and after <= 0 then
            why[#why + 1] = messages.early
        end
    end
    if (f.objections or 0) > 0 then
        why[#why + 1] = fp.say(messages.objections, { n = f.objections })
    end
    if #why == 0 then
        return nil
    end
    return fp.say(messages.fund, { id = f.id, project = f.project or "", amount = fp.yuan(f.amount or 0),
        from = f.notice_from or "-", to = f.notice_to or "-", approved = f.approved_at or "-",
        why = table.concat(why, "，") })
end

-- One alert per household names every faulty application: alerts are kept
-- one per (kind, household).
local function fund_notice(h, out, p)
    local bad = {}
    for _, f in ipairs(h.funds) do
        if f.status == "approved" then
            bad[#bad + 1] = fund_problems(f, p)
        end
    end
    if #bad == 0 then
        return
    end
    out:alert{
        kind = "fund_notice",
        severity = "critical",
        message = fp.say(messages.fund_notice, { id = h.id, list = table.concat(bad, "；") }),
    }
end

return {
    name = "supervision",
    title = "督查",
    messages = messages,
    -- The params it reads (fupin check holds the config to them; reading
    -- any other param is an error).
    params = {
        supervision = {
            -- The nightly job reads it too and declares it the same way.
            no_visit_days = { type = "integer", unit = "days", min = 1, max = 3650, required = true,
                default = 90, title = "帮扶干部走访间隔上限（天）" },
            fund_notice_days = { type = "integer", unit = "days", min = 1, max = 365, required = true,
                default = 7, title = "资金项目公示最短天数（含首尾两天）" },
        },
    },
    evaluate = function(household, out, params)
        local p = params.supervision
        no_cadre(household, out)
        no_visit(household, out, p)
        fund_notice(household, out, p)
    end,
}
