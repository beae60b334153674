/* credit.c - 二(七) 金融扶持到户 as a C plugin: credit rating (信用户评定), the
 * poverty micro-loan (≤ 50,000 元, ≤ 3 years, no guarantor or collateral,
 * interest subsidised), the loan guarantee-insurance subsidy, an alert for a
 * recorded loan that breaks those terms, and the village's 信用村 rating
 * (信用村评定) where it has not been done. Limits come from params; the
 * wording from the table below. Never subsidises the insurance of a loan
 * that breaks the terms, never records the loan cap as an amount granted,
 * and never lends a credit village more than the plan's cap: the plan gives
 * credit villages priority of handling, no higher figure. */
#include "fupin_plugin.h"
#include "plugin_util.h"

static const char *const measures[] = {"rating", "micro_loan", "loan_insurance", "credit_village",
                                       NULL};

/* The loan limits default to the plan's; the insurance rate to the shipped
 * config's example. */
static const struct fupin_param_decl params[] = {
    {.key = "micro_loan_max",
     .type = FUPIN_PARAM_NUMBER,
     .unit = "yuan",
     .title = "扶贫小额信贷每户上限（元；方案：5万元以内）",
     .min = 0,
     .max = 1000000,
     .by_year = 1,
     .required = 1,
     .has_default = 1,
     .default_number = 50000},
    {.key = "micro_loan_max_months",
     .type = FUPIN_PARAM_INTEGER,
     .unit = "months",
     .title = "扶贫小额信贷最长期限（月；方案：3年以内）",
     .min = 1,
     .max = 360,
     .by_year = 1,
     .required = 1,
     .has_default = 1,
     .default_number = 36},
    {.key = "loan_insurance_rate",
     .type = FUPIN_PARAM_NUMBER,
     .unit = "ratio",
     .title = "贷款保证保险保费补贴比例（占贷款额，0.01 即 1%）",
     .min = 0,
     .max = 1,
     .by_year = 1,
     .required = 1,
     .has_default = 1,
     .default_number = 0.01},
};

/* Wording, kept apart from the conditions below: edit freely, but keep to
 * the placeholders each rule gives (a missing one fails `fupin test`). */
enum text {
    T_CLAUSE,
    T_RATING,
    T_MICRO_LOAN,
    T_PLAN_PROJECT,
    T_PLAN_WANTS,
    T_INSURANCE,
    T_LOAN_ITEM,
    T_TERMS_ALERT,
    T_BREACH_LIST,
    T_BREACH_AMOUNT,
    T_BREACH_MONTHS,
    T_BREACH_GUARANTOR,
    T_BREACH_COLLATERAL,
    T_BREACH_INTEREST,
    T_CREDIT_VILLAGE,
    T_RATING_IN_CV,
    T_LOAN_IN_CV,
    L_RATED,
    L_LABOR_FORCE,
    L_PLAN,
    L_NO_CURRENT_LOAN,
    L_LOAN_TERMS,
    L_CV_RATED,
    D_RATING,
    D_NOT_RATED,
    D_LABOR_FORCE,
    D_NO_LABOR_FORCE,
    D_PLAN,
    D_CURRENT_LOANS,
    D_LOAN_OK,
    D_CV_RATED,
    D_CV_NOT_RATED,
    D_CV_NOT_ASSESSED,
    T_COUNT
};

static const char *const text[T_COUNT] = {
    [T_CLAUSE] = "二(七)金融扶持到户",
    [T_RATING] =
        "{clause}：本户尚未评定信用等级，请开展信用户评定，评定后可申请扶贫小额信贷{village}",
    [T_MICRO_LOAN] = "{clause}：信用等级{rating}，家中劳动力{workers}，{plan}，目前没有未到期的扶贫"
                     "贷款；可申请扶贫小额信贷：额度{max}以下、期限{months}个月以内、利率优惠、"
                     "免担保免抵押、扶贫资金贴息（实际额度以银行发放为准）{village}",
    [T_PLAN_PROJECT] = "已有生产项目",
    [T_PLAN_WANTS] = "有发展生产意愿",
    [T_INSURANCE] =
        "{clause}：持有符合条件的扶贫贷款：{loans}；扶贫小额贷款保证保险保费补助{premium}"
        "（贷款额的{rate}%）",
    [T_LOAN_ITEM] = "贷款{id}（{amount}，至{end}）",
    [T_TERMS_ALERT] = "{clause}：未到期的扶贫贷款不符合“{max}以下、{months}个月以内、免担保免抵押、"
                      "扶贫资金贴息”的条件：{breaches}。超额、超期或要求担保、抵押的贷款不予保证"
                      "保险保费补助；未贴息的请落实贴息",
    [T_BREACH_LIST] = "贷款{id}{breaches}",
    [T_BREACH_AMOUNT] = "金额{amount}超过{max}",
    [T_BREACH_MONTHS] = "期限{term}个月超过{months}个月",
    [T_BREACH_GUARANTOR] = "要求担保",
    [T_BREACH_COLLATERAL] = "要求抵押",
    [T_BREACH_INTEREST] = "未享受扶贫资金贴息",
    [T_CREDIT_VILLAGE] = "{clause}：本户所在村{village}已评为信用村，本户有劳动力和生产项目或"
                         "发展生产意愿（{rated}）；信用户评定和扶贫小额信贷优先办理，"
                         "额度仍为{max}以下（方案未对信用村另定额度）",
    [T_RATING_IN_CV] = "；所在村已评为信用村，优先评定",
    [T_LOAN_IN_CV] = "；所在村为信用村，优先受理",
    [L_RATED] = "信用户评定",
    [L_LABOR_FORCE] = "家中有劳动力",
    [L_PLAN] = "有生产项目或发展生产意愿",
    [L_NO_CURRENT_LOAN] = "没有未到期的扶贫贷款",
    [L_LOAN_TERMS] = "扶贫贷款符合条件",
    [L_CV_RATED] = "所在村为信用村",
    [D_RATING] = "信用等级{rating}",
    [D_NOT_RATED] = "未评定信用等级",
    [D_LABOR_FORCE] = "劳动力：{workers}",
    [D_NO_LABOR_FORCE] = "没有劳动力（在校学生、劳动能力未登记或无劳动能力者不计）",
    [D_PLAN] = "生产项目：{project}；发展生产意愿：{wants}",
    [D_CURRENT_LOANS] = "未到期扶贫贷款{n}笔{loans}",
    [D_LOAN_OK] = "贷款{id}：金额{amount}（上限{max}），期限{term}个月（上限{months}个月），"
                  "担保{guarantor}，抵押{collateral}，贴息{subsidised}",
    [D_CV_RATED] = "{village}已评为信用村",
    [D_CV_NOT_RATED] = "{village}已评定，未评为信用村",
    [D_CV_NOT_ASSESSED] = "{village}尚未开展信用村评定",
};

static const char *yes_no(int v)
{
    return v ? "有" : "无";
}

struct limits {
    double max_amount, max_months, insurance_rate;
};

static int read_limits(struct fupin_ctx *c, int year, struct limits *l)
{
    if (fupin_param(c, "micro_loan_max", year, &l->max_amount) ||
        fupin_param(c, "micro_loan_max_months", year, &l->max_months) ||
        fupin_param(c, "loan_insurance_rate", year, &l->insurance_rate))
        return FUPIN_ERROR;
    return FUPIN_OK;
}

/* A loan is current while today is before start_date + term_months. A loan
 * whose start date is unknown counts as current: better to check its terms
 * than to offer a second loan. */
static int loan_is_current(const struct fupin_loan *l, const char *today, char end[11])
{
    if (pu_date_add_months(l->start_date, l->term_months, end) != 0) {
        snprintf(end, 11, "?");
        return 1;
    }
    return pu_date_key(end) > pu_date_key(today);
}

/* The plan's terms: 5万元以下、3年内、免担保免抵押 make a loan a poverty
 * micro-loan at all, so breaking one of them (excluded) takes the loan out
 * of the insurance subsidy; a missing 扶贫资金贴息 is a shortfall owed to the
 * household, alerted but not held against it. */
struct breach {
    int excluded, unsubsidised;
};

/* Appends to b, with a leading "、", each term l breaks; says which kind. */
static int loan_breaches(struct fupin_ctx *c, const struct fupin_loan *l, const struct limits *lim,
                         struct pu_buf *b, struct breach *br)
{
    struct pu_scratch sc = {.used = 0};
    char piece[256];
    br->excluded = l->amount > lim->max_amount || l->term_months > lim->max_months ||
                   l->guarantor || l->collateral;
    br->unsubsidised = !l->interest_subsidised;
    if (l->amount > lim->max_amount) {
        if (pu_fill_for(c, piece, sizeof piece, text[T_BREACH_AMOUNT],
                        PU_ARGS({"amount", pu_money(&sc, l->amount)},
                                {"max", pu_money(&sc, lim->max_amount)})))
            return FUPIN_ERROR;
        pu_add(b, "、%s", piece);
    }
    if (l->term_months > lim->max_months) {
        if (pu_fill_for(c, piece, sizeof piece, text[T_BREACH_MONTHS],
                        PU_ARGS({"term", pu_fmt(&sc, "%d", l->term_months)},
                                {"months", pu_num(&sc, lim->max_months)})))
            return FUPIN_ERROR;
        pu_add(b, "、%s", piece);
    }
    if (l->guarantor)
        pu_add(b, "、%s", text[T_BREACH_GUARANTOR]);
    if (l->collateral)
        pu_add(b, "、%s", text[T_BREACH_COLLATERAL]);
    if (!l->interest_subsidised)
        pu_add(b, "、%s", text[T_BREACH_INTEREST]);
    return FUPIN_OK;
}

/* One current loan: its test for `fupin explain`, its line in the alert
 * (tb) when it breaks a term, else in the insured list (ib). */
static int check_loan(struct fupin_ctx *c, const struct fupin_loan *l, const char *end,
                      const struct limits *lim, struct pu_buf *tb, struct pu_buf *ib,
                      double *insured_total)
{
    struct pu_scratch sc = {.used = 0};
    char breaches[400], line[512];
    struct pu_buf bb = {breaches, sizeof breaches, 0};
    breaches[0] = '\0';
    struct breach br;
    const char *id = pu_fmt(&sc, "%lld", (long long)l->id);
    if (loan_breaches(c, l, lim, &bb, &br) ||
        pu_test(c, 0, text[L_LOAN_TERMS], !br.excluded && !br.unsubsidised, text[D_LOAN_OK],
                PU_ARGS({"id", id}, {"amount", pu_money(&sc, l->amount)},
                        {"max", pu_money(&sc, lim->max_amount)},
                        {"term", pu_fmt(&sc, "%d", l->term_months)},
                        {"months", pu_num(&sc, lim->max_months)},
                        {"guarantor", yes_no(l->guarantor)}, {"collateral", yes_no(l->collateral)},
                        {"subsidised", yes_no(l->interest_subsidised)})))
        return FUPIN_ERROR;
    if (bb.len) {
        /* breaches starts with "、"; the list reads "贷款3：金额…、要求担保". */
        if (pu_fill_for(c, line, sizeof line, text[T_BREACH_LIST],
                        PU_ARGS({"id", id}, {"breaches", pu_fmt(&sc, "：%s", breaches + 3)})))
            return FUPIN_ERROR;
        pu_add(tb, "%s%s", tb->len ? "；" : "", line);
    }
    if (br.excluded)
        return FUPIN_OK;
    if (pu_fill_for(c, line, sizeof line, text[T_LOAN_ITEM],
                    PU_ARGS({"id", id}, {"amount", pu_money(&sc, l->amount)}, {"end", end})))
        return FUPIN_ERROR;
    pu_add(ib, "%s%s", ib->len ? "、" : "", line);
    *insured_total += l->amount;
    return FUPIN_OK;
}

/* The names of the members a production loan may count on, "、"-separated. */
static size_t labor_force(const struct fupin_household *hh, struct pu_buf *b)
{
    size_t n = 0;
    for (size_t i = 0; i < hh->n_members; i++)
        if (pu_in_labor_force(&hh->members[i])) {
            pu_add(b, "%s%s", n ? "、" : "", pu_name(&hh->members[i]));
            n++;
        }
    return n;
}

/* 二(七) "开展信用村、信用户评定": in a village rated a credit village a
 * household that could borrow for production (labour force and a plan) is
 * flagged for priority in its own rating and its micro-loan. A village not
 * rated, or never assessed, flags nothing: an upgraded database, where no
 * village's rating is recorded yet, gets no flood of findings. */
static int credit_village(struct fupin_ctx *c, const struct fupin_household *hh, int rated,
                          size_t n_workers, int plans, const struct limits *lim)
{
    struct pu_scratch sc = {.used = 0};
    const char *village = hh->village_name ? hh->village_name : hh->village ? hh->village : "";
    int cv = hh->credit_village;
    if (pu_test(c, 0, text[L_CV_RATED], cv > 0,
                text[cv > 0    ? D_CV_RATED
                     : cv == 0 ? D_CV_NOT_RATED
                               : D_CV_NOT_ASSESSED],
                PU_ARGS({"village", village})))
        return FUPIN_ERROR;
    if (cv <= 0 || n_workers == 0 || !plans)
        return FUPIN_OK;
    return pu_emit(c, 1, 0, "credit_village", 0, 0, text[T_CREDIT_VILLAGE],
                   PU_ARGS({"clause", text[T_CLAUSE]}, {"village", village},
                           {"rated", rated ? pu_fmt(&sc, "信用等级%s", hh->credit_rating)
                                           : "尚未评定信用等级"},
                           {"max", pu_money(&sc, lim->max_amount)}));
}

static int cre_evaluate(struct fupin_ctx *c, const struct fupin_household *hh)
{
    if (!pu_is_helped(hh))
        return FUPIN_OK;
    struct limits lim;
    if (read_limits(c, hh->year, &lim))
        return FUPIN_ERROR;
    struct pu_scratch sc = {.used = 0};
    const char *clause = text[T_CLAUSE];
    int rated = hh->credit_rating && *hh->credit_rating;
    int in_cv = hh->credit_village > 0;

    if (pu_test(c, 0, text[L_RATED], rated, text[rated ? D_RATING : D_NOT_RATED],
                PU_ARGS({"rating", rated ? hh->credit_rating : ""})))
        return FUPIN_ERROR;
    if (!rated &&
        pu_recommend(c, 0, "rating", text[T_RATING],
                     PU_ARGS({"clause", clause}, {"village", in_cv ? text[T_RATING_IN_CV] : ""})))
        return FUPIN_ERROR;

    char insured[400], terms[600], current[400], end[11];
    struct pu_buf ib = {insured, sizeof insured, 0}, tb = {terms, sizeof terms, 0},
                  cb = {current, sizeof current, 0};
    insured[0] = terms[0] = current[0] = '\0';
    double insured_total = 0;
    size_t n_current = 0;
    for (size_t i = 0; i < hh->n_loans; i++) {
        const struct fupin_loan *l = &hh->loans[i];
        if (!loan_is_current(l, hh->today, end))
            continue;
        n_current++;
        pu_add(&cb, "%s贷款%lld", cb.len ? "、" : "：", (long long)l->id);
        if (check_loan(c, l, end, &lim, &tb, &ib, &insured_total))
            return FUPIN_ERROR;
    }

    char workers[400];
    struct pu_buf wb = {workers, sizeof workers, 0};
    workers[0] = '\0';
    size_t n_workers = labor_force(hh, &wb);
    int plans = hh->wants_industry || hh->has_project;
    if (pu_test(c, 0, text[L_LABOR_FORCE], n_workers > 0,
                text[n_workers ? D_LABOR_FORCE : D_NO_LABOR_FORCE],
                PU_ARGS({"workers", workers})) ||
        pu_test(
            c, 0, text[L_PLAN], plans, text[D_PLAN],
            PU_ARGS({"project", yes_no(hh->has_project)}, {"wants", yes_no(hh->wants_industry)})) ||
        pu_test(c, 0, text[L_NO_CURRENT_LOAN], n_current == 0, text[D_CURRENT_LOANS],
                PU_ARGS({"n", pu_fmt(&sc, "%zu", n_current)}, {"loans", current})))
        return FUPIN_ERROR;

    if (credit_village(c, hh, rated, n_workers, plans, &lim))
        return FUPIN_ERROR;
    /* No amount: the cap is what the household may borrow, not what it is
     * granted; the bank's loan, once recorded, is what counts. */
    if (rated && n_current == 0 && n_workers > 0 && plans &&
        pu_recommend(
            c, 0, "micro_loan", text[T_MICRO_LOAN],
            PU_ARGS({"clause", clause}, {"rating", hh->credit_rating}, {"workers", workers},
                    {"plan", text[hh->has_project ? T_PLAN_PROJECT : T_PLAN_WANTS]},
                    {"max", pu_money(&sc, lim.max_amount)}, {"months", pu_num(&sc, lim.max_months)},
                    {"village", in_cv ? text[T_LOAN_IN_CV] : ""})))
        return FUPIN_ERROR;
    if (ib.len) {
        double premium = insured_total * lim.insurance_rate;
        if (pu_recommend_amount(c, 0, "loan_insurance", premium, text[T_INSURANCE],
                                PU_ARGS({"clause", clause}, {"loans", insured},
                                        {"premium", pu_money(&sc, premium)},
                                        {"rate", pu_num(&sc, lim.insurance_rate * 100)})))
            return FUPIN_ERROR;
    }
    if (tb.len)
        return pu_alert(c, "loan_terms", "warning", text[T_TERMS_ALERT],
                        PU_ARGS({"clause", clause}, {"max", pu_money(&sc, lim.max_amount)},
                                {"months", pu_num(&sc, lim.max_months)}, {"breaches", terms}));
    return FUPIN_OK;
}

FUPIN_PLUGIN_DEFINE_READS("credit", "1.0", measures, params,
                          FUPIN_READS(FUPIN_READS_MEMBERS | FUPIN_READS_LOANS), cre_evaluate)
