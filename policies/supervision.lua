-- supervision.lua - 三(三)–(五) 督查, per household: a cadre for every household,
-- regular visits and a complete help handbook (三(三)), and each fund
-- application through the plan's workflow, for a permitted use, filed and
-- its results made public (三(四)). Raises alerts only, never findings; day
-- counts come from params. The nightly job checks what is not one
-- household's: town teams' 六有 and the yearly reduction targets (约谈).

local messages = {
    no_cadre = "三(三) 干部联系帮扶：户 {id}（{village}，{status}）未落实帮扶干部；每个分散贫困户都须有干部联系帮扶",
    no_visit = "三(三) 帮扶工作手册：户 {id}：帮扶干部 {cadre} 已 {days} 天未记录走访（{what} {last}，今日 {today}；上限 {limit} 天）",
    handbook = "三(三) 帮扶工作手册：户 {id}：帮扶干部 {cadre} 的手册缺少{missing}（结对 {since}，应在 {limit} 天内记全六项）",
    fund = "申请 {id}「{project}」{amount}，公示 {from} 至 {to}，批准 {approved}：{why}",
    fund_notice = "三(四) 公示无异议后批准：户 {id}：{list}",
    short_notice = "公示 {days} 天，少于 {min} 天",
    no_notice = "未记录公示",
    early = "公示期满前即批准",
    objections = "有异议 {n} 件",
    -- 三(四) 申请 → 审核 → 公示 → 批准 → 备案
    fund_item = "申请 {id}「{project}」：{why}",
    fund_steps = "三(四) 资金使用程序（帮扶联系人申请→乡镇帮扶工作组审核→公示→批准→报县扶贫办、财政局备案）：户 {id}：{list}",
    skipped = "缺“{step}”（状态为{status}）",
    skipped_before = "缺“{step}”即已“{later}”",
    out_of_order = "“{step}”{date} 早于“{before}”{before_date}",
    fund_use = "三(四) 专项扶贫资金只用于产业发展、小额信贷、资产收益及“两不愁、三保障”：户 {id}：{list}",
    use_other = "用途为{use}，不在允许范围内",
    use_unrecorded = "未登记资金用途",
    fund_filing = "三(四) 乡镇帮扶工作组书面报县扶贫办、财政局备案：户 {id}：{list}",
    filed_late = "批准 {approved} 后第 {days} 天才备案（{filed}，期限 {limit} 天）",
    not_filed = "批准 {approved} 已 {days} 天未备案（期限 {limit} 天）",
    fund_publicity = "三(四) 项目、资金和效果“三公开”：户 {id}：{list}",
    published_late = "项目 {completed} 完成，第 {days} 天才公开成效（{published}，期限 {limit} 天）",
    not_published = "项目 {completed} 完成已 {days} 天，成效未公开（期限 {limit} 天）",
}

-- The steps of 三(四) in the plan's order, each with the date that records
-- it. A later step recorded, or a status that implies the step, means the
-- step happened: without its date it was skipped (or not recorded).
local STEPS = {
    { code = "applied", name = "帮扶联系人申请", date = "applied_at" },
    { code = "reviewed", name = "乡镇帮扶工作组审核", date = "reviewed_at" },
    { code = "noticed", name = "公示", date = "notice_from" },
    { code = "approved", name = "批准", date = "approved_at" },
    { code = "filed", name = "报县扶贫办、财政局备案", date = "filed_at" },
}
-- How far the status says an application got (index into STEPS).
local STATUS_STEP = { applied = 1, reviewed = 2, noticed = 3, approved = 4 }

-- The handbook's six sections (三(三) "详细记录贫困家庭的基本情况、致贫原因、帮扶措施、
-- 帮扶计划、工作进度和成效"), in the plan's order; the names are those of
-- household.h's handbook_section labels.
local SECTIONS = {
    { "family", "家庭基本情况" }, { "cause", "致贫原因" }, { "measures", "帮扶措施" },
    { "plan", "帮扶计划" }, { "progress", "工作进度" }, { "results", "帮扶成效" },
}

-- The view gives nil for "no cadre"; 0 is the column's own spelling of it.
local function has_cadre(h)
    return h.cadre_id ~= nil and h.cadre_id ~= 0
end

local function no_cadre(h, out)
    if not fp.in_help(h) or fp.test(out, "已落实帮扶干部", has_cadre(h), "帮扶干部 {cadre}",
        out.explaining and { cadre = h.cadre_id or "未落实" }) then
        return
    end
    -- The one writer of no_cadre: the nightly job no longer raises it, so
    -- the wording is this template's alone.
    out:alert{
        kind = "no_cadre",
        severity = "warning",
        message = fp.say(messages.no_cadre, { id = h.id, village = h.village_name or h.village or "-",
            status = h.status_label }),
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

-- 三(三): once the cadre has had handbook_days since pairing, the handbook
-- holds all six sections. The sections travel with the household: a new
-- cadre continues the handbook the last one kept.
local function handbook(h, out, p)
    if not fp.in_help(h) or not has_cadre(h) then
        return
    end
    local since = fp.days_between(h.paired_since, h.today)
    if not fp.test(out, "手册记录期已过", since == nil or since > p.handbook_days,
        "结对 {since}，记录期 {limit} 天",
        out.explaining and { since = h.paired_since or "未记录", limit = p.handbook_days }) then
        return
    end
    local have = {}
    for _, entry in ipairs(h.handbook) do
        have[entry.section] = true
    end
    local missing = {}
    for _, s in ipairs(SECTIONS) do
        if not have[s[1]] then
            missing[#missing + 1] = "“" .. s[2] .. "”"
        end
    end
    if not fp.test(out, "帮扶工作手册六项齐全", #missing == 0, "缺少 {n} 项", out.explaining and { n = #missing }) then
        out:alert{
            kind = "handbook_incomplete",
            severity = "warning",
            message = fp.say(messages.handbook, { id = h.id, cadre = h.cadre_id,
                missing = table.concat(missing, "、"), since = h.paired_since or "未记录",
                limit = p.handbook_days }),
        }
    end
end

-- What is wrong with one approved application's notice, or nil.
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

local function item(f, why)
    return fp.say(messages.fund_item, { id = f.id, project = f.project or "", why = table.concat(why, "，") })
end

-- Skipped and out-of-order steps of one application, or nil.
local function step_problems(f)
    local why = {}
    local reached = STATUS_STEP[f.status] or 0
    local last_done = 0
    for i, s in ipairs(STEPS) do
        if f[s.date] ~= nil then
            last_done = i
        end
    end
    for i = 2, #STEPS do -- the application itself is the row: never skipped
        local s = STEPS[i]
        -- An approval without a notice is fund_notice's to report.
        local notice_of_approved = s.code == "noticed" and f.status == "approved"
        if f[s.date] == nil and not notice_of_approved then
            if i < last_done then
                why[#why + 1] = fp.say(messages.skipped_before, { step = s.name, later = STEPS[last_done].name })
            elseif i <= reached then
                why[#why + 1] = fp.say(messages.skipped, { step = s.name, status = f.status_label })
            end
        end
    end
    -- Each recorded date against the latest recorded one before it; an
    -- approval inside the notice is fund_notice's "early", not an order.
    local before
    for _, s in ipairs(STEPS) do
        local d = f[s.date]
        if d ~= nil then
            if before and (fp.days_between(f[before.date], d) or 0) < 0 then
                why[#why + 1] = fp.say(messages.out_of_order, { step = s.name, date = d,
                    before = before.name, before_date = f[before.date] })
            end
            before = s
        end
    end
    if f.completed_at and f.approved_at and (fp.days_between(f.approved_at, f.completed_at) or 0) < 0 then
        why[#why + 1] = fp.say(messages.out_of_order, { step = "项目完成", date = f.completed_at,
            before = "批准", before_date = f.approved_at })
    end
    if f.published_at and f.completed_at and (fp.days_between(f.completed_at, f.published_at) or 0) < 0 then
        why[#why + 1] = fp.say(messages.out_of_order, { step = "成效公开", date = f.published_at,
            before = "项目完成", before_date = f.completed_at })
    end
    if #why == 0 then
        return nil
    end
    return item(f, why)
end

-- Filing with the county within fund_filing_days of approval, the last
-- day included.
local function filing_problem(f, h, p)
    if f.status ~= "approved" or f.approved_at == nil then
        return nil
    end
    local days, why
    if f.filed_at then
        days = fp.days_between(f.approved_at, f.filed_at)
        if days and days > p.fund_filing_days then
            why = fp.say(messages.filed_late, { approved = f.approved_at, days = days, filed = f.filed_at,
                limit = p.fund_filing_days })
        end
    else
        days = fp.days_between(f.approved_at, h.today)
        if days and days > p.fund_filing_days then
            why = fp.say(messages.not_filed, { approved = f.approved_at, days = days, limit = p.fund_filing_days })
        end
    end
    return why and item(f, { why }) or nil
end

-- 三公开: the results published within fund_publish_days of completion.
local function publicity_problem(f, h, p)
    if f.completed_at == nil then
        return nil
    end
    local days, why
    if f.published_at then
        days = fp.days_between(f.completed_at, f.published_at)
        if days and days > p.fund_publish_days then
            why = fp.say(messages.published_late, { completed = f.completed_at, days = days,
                published = f.published_at, limit = p.fund_publish_days })
        end
    else
        days = fp.days_between(f.completed_at, h.today)
        if days and days > p.fund_publish_days then
            why = fp.say(messages.not_published, { completed = f.completed_at, days = days,
                limit = p.fund_publish_days })
        end
    end
    return why and item(f, { why }) or nil
end

-- One alert per kind and household names every faulty application: alerts
-- are kept one per (kind, household).
local function raise(out, kind, severity, template, h, list)
    if #list > 0 then
        out:alert{ kind = kind, severity = severity,
            message = fp.say(template, { id = h.id, list = table.concat(list, "；") }) }
    end
end

-- An application begun before the office recorded every step (param
-- fund_records_from, for a database kept before schema version 4) is not
-- held to the steps it could not record; its notice still is.
local function recorded_in_full(f, p)
    local from = p.fund_records_from
    local began = f.applied_at or f.notice_from or f.approved_at
    return from == nil or began == nil or (fp.days_between(from, began) or 0) >= 0
end

local function funds(h, out, p)
    local notice, steps, use, filing, publicity = {}, {}, {}, {}, {}
    local use_severity = "warning"
    for _, f in ipairs(h.funds) do
        if f.status == "approved" then
            notice[#notice + 1] = fund_problems(f, p)
        end
        if not recorded_in_full(f, p) then
            goto next
        end
        steps[#steps + 1] = step_problems(f)
        if f.status ~= "rejected" then
            if f.use == "other" then
                use[#use + 1] = item(f, { fp.say(messages.use_other, { use = f.use_label }) })
                use_severity = "critical"
            elseif f.use == nil then
                use[#use + 1] = item(f, { messages.use_unrecorded })
            end
        end
        filing[#filing + 1] = filing_problem(f, h, p)
        publicity[#publicity + 1] = publicity_problem(f, h, p)
        ::next::
    end
    fp.test(out, "资金使用程序完整且有序", #steps == 0, "{n} 项申请有问题", out.explaining and { n = #steps })
    fp.test(out, "资金用途在允许范围内", #use == 0, "{n} 项申请有问题", out.explaining and { n = #use })
    fp.test(out, "批准后按期备案", #filing == 0, "{n} 项申请有问题", out.explaining and { n = #filing })
    fp.test(out, "项目成效按期公开", #publicity == 0, "{n} 项申请有问题", out.explaining and { n = #publicity })
    raise(out, "fund_notice", "critical", messages.fund_notice, h, notice)
    raise(out, "fund_steps", "warning", messages.fund_steps, h, steps)
    raise(out, "fund_use", use_severity, messages.fund_use, h, use)
    raise(out, "fund_filing", "warning", messages.fund_filing, h, filing)
    raise(out, "fund_publicity", "warning", messages.fund_publicity, h, publicity)
end

return {
    name = "supervision",
    title = "督查",
    -- The household's lists it reads: a change in any other list does not
    -- re-run it, and a pass of it reads nothing else.
    reads = { "visits", "funds", "handbook" },
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
            fund_filing_days = { type = "integer", unit = "days", min = 0, max = 365, required = true,
                default = 30, title = "资金项目批准后报县扶贫办、财政局备案的期限（天，含最后一天）" },
            fund_publish_days = { type = "integer", unit = "days", min = 0, max = 365, required = true,
                default = 30, title = "项目完成后公开成效（三公开）的期限（天，含最后一天）" },
            fund_records_from = { type = "date",
                title = "自该日起开始的资金申请须记录每一步（此前的申请只查公示；不设则全部检查）" },
            handbook_days = { type = "integer", unit = "days", min = 0, max = 3650, required = true,
                default = 30, title = "结对后帮扶工作手册记全六项的期限（天）" },
        },
    },
    evaluate = function(household, out, params)
        local p = params.supervision
        no_cadre(household, out)
        no_visit(household, out, p)
        handbook(household, out, p)
        funds(household, out, p)
    end,
}
