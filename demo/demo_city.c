/* demo_city.c - the demo city's regions: six counties of Heyuan, their
 * towns and villages, which villages are poor or paired with a city-level
 * unit, and how many households each holds. Pure; see demo_household.c for
 * the households themselves. */
#include "demo_city.h"
#include "date.h"
#include "demo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The plan's figures (DOMAIN.md "Numbers in the plan"), at scale 1. */
#define PLAN_HOUSEHOLDS 45700.0
#define PLAN_MEMBERS 125900.0
#define PLAN_POOR_HOUSEHOLDS 15900.0
#define PLAN_POOR_MEMBERS 51300.0
#define PLAN_POOR_VILLAGES 255.0
#define PLAN_CITY_UNITS 98.0
/* Not in the plan: about as many administrative villages as Heyuan has. */
#define PLAN_VILLAGES 1256.0

/* ID sequence counters cover birth days from 1900-01-01 to 2019-12-31. */
#define ID_DAYS 43829

const struct demo_county demo_counties[DEMO_COUNTIES] = {
    {"441602", "源城区", 7},  {"441621", "紫金县", 18}, {"441622", "龙川县", 24},
    {"441623", "连平县", 13}, {"441624", "和平县", 17}, {"441625", "东源县", 21},
};

static const char *const city_units[98] = {
    "市委办公室",
    "市人大常委会办公室",
    "市政府办公室",
    "市政协办公室",
    "市纪委监察局",
    "市委组织部",
    "市委宣传部",
    "市委统战部",
    "市委政法委",
    "市委政策研究室",
    "市直机关工委",
    "市委党校",
    "市档案局",
    "市发展和改革局",
    "市经济和信息化局",
    "市教育局",
    "市科学技术局",
    "市公安局",
    "市民政局",
    "市司法局",
    "市财政局",
    "市人力资源和社会保障局",
    "市国土资源局",
    "市环境保护局",
    "市住房和城乡建设局",
    "市交通运输局",
    "市水务局",
    "市农业局",
    "市林业局",
    "市商务局",
    "市文化广电新闻出版局",
    "市卫生和计划生育局",
    "市审计局",
    "市国资委",
    "市地方税务局",
    "市国家税务局",
    "市工商行政管理局",
    "市质量技术监督局",
    "市食品药品监督管理局",
    "市安全生产监督管理局",
    "市统计局",
    "市旅游局",
    "市体育局",
    "市城市综合管理局",
    "市扶贫开发办公室",
    "市海洋与渔业局",
    "市外事侨务局",
    "市民族宗教事务局",
    "市人防办",
    "市金融工作局",
    "市信访局",
    "市法制局",
    "市机关事务管理局",
    "市中级人民法院",
    "市人民检察院",
    "市总工会",
    "团市委",
    "市妇联",
    "市科协",
    "市文联",
    "市残联",
    "市红十字会",
    "市工商联",
    "市供销合作社",
    "市气象局",
    "市地震局",
    "市烟草专卖局",
    "市邮政管理局",
    "市公路局",
    "市水文分局",
    "市城乡规划局",
    "市粮食局",
    "市物价局",
    "市移民工作局",
    "市社会保险基金管理局",
    "市住房公积金管理中心",
    "市公共资源交易中心",
    "市广播电视台",
    "河源日报社",
    "河源职业技术学院",
    "市人民医院",
    "市中医院",
    "市疾病预防控制中心",
    "市农业科学研究所",
    "市编办",
    "市老干部局",
    "市保密局",
    "市台湾事务局",
    "市高新区管委会",
    "市委农办",
    "中国农业银行河源分行",
    "中国工商银行河源分行",
    "中国建设银行河源分行",
    "中国银行河源分行",
    "河源农村商业银行",
    "中国移动河源分公司",
    "中国电信河源分公司",
    "广东电网河源供电局",
};

static const char *const county_depts[] = {
    "财政局",     "教育局", "农业局", "林业局",     "水务局", "民政局", "人社局", "住建局",
    "交通运输局", "卫计局", "扶贫办", "国土资源局", "发改局", "统计局", "供销社", "团委",
};

/* Characters that make place names look like Hakka hill country. */
static const char *const place_chars[] = {
    "黄", "石", "龙", "塘", "坑", "岭", "田", "坪", "水", "新", "东", "西", "南", "北", "上",
    "下", "大", "小", "河", "溪", "山", "坝", "湖", "林", "竹", "桥", "洞", "岗", "联", "和",
    "平", "安", "兴", "福", "富", "义", "合", "中", "青", "白", "双", "三", "马", "凤", "蓝",
    "梅", "柏", "桂", "陂", "寨", "围", "光", "明", "红", "星", "高", "长", "丰", "源", "乐",
};
#define N_PLACE_CHARS (sizeof place_chars / sizeof place_chars[0])

static const char *const surnames[] = {
    "黄", "刘", "陈", "李", "张", "叶", "曾", "邱", "钟", "罗", "谢", "朱", "温", "赖",
    "林", "吴", "廖", "杨", "何", "邓", "徐", "古", "骆", "严", "蓝", "缪", "练", "巫",
    "池", "凌", "潘", "彭", "余", "郑", "周", "王", "胡", "赵", "丘", "魏",
};
static const char *const given_male[] = {
    "国", "建", "伟", "志", "明", "华", "文", "强", "军", "平", "海", "东", "辉", "林",
    "勇", "新", "光", "德", "福", "贵", "荣", "生", "才", "春", "金", "水", "发", "运",
    "宏", "俊", "杰", "浩", "鹏", "宇", "振", "锋", "坤", "祥", "安", "添",
};
static const char *const given_female[] = {
    "秀", "英", "芳", "兰", "梅", "娟", "玉", "珍", "丽", "霞", "红", "凤", "桂", "莲", "燕",
    "萍", "琴", "云", "慧", "敏", "静", "婷", "雪", "月", "丹", "洁", "妹", "娣", "香", "群",
};
#define PICK(r, a) ((a)[demo_rng_range((r), 0, (long)(sizeof(a) / sizeof(a)[0]) - 1)])

void demo_city_unit_name(int i, char *buf, size_t size)
{
    /* Past 98 (a scaled-up city) units field several work teams. */
    if (i < 98)
        snprintf(buf, size, "%s", city_units[i]);
    else
        snprintf(buf, size, "%s第%d工作队", city_units[i % 98], i / 98 + 1);
}

void demo_person_name(struct demo_rng *r, int male, char out[16])
{
    const char *s = PICK(r, surnames);
    const char *g1 = male ? PICK(r, given_male) : PICK(r, given_female);
    if (demo_rng_chance(r, 0.7)) {
        const char *g2 = male ? PICK(r, given_male) : PICK(r, given_female);
        snprintf(out, 16, "%s%s%s", s, g1, g2);
    } else {
        snprintf(out, 16, "%s%s", s, g1);
    }
}

int demo_village_cadres(const struct demo_plan *p, int v)
{
    /* One cadre for every three to four households (one-to-many pairing). */
    long n = (p->villages[v].households + 2) / 4;
    return n < 1 ? 1 : (int)n;
}

int demo_cadre_is_lazy(long cadre_id)
{
    return cadre_id % 14 == 5;
}

void demo_cadre_make(struct demo_plan *p, int v, struct demo_cadre *c)
{
    const struct demo_village *vil = &p->villages[v];
    const struct demo_town *town = &p->towns[vil->town];
    demo_person_name(&p->rng, demo_rng_chance(&p->rng, 0.7), c->name);
    if (vil->city_unit >= 0) {
        demo_city_unit_name(vil->city_unit, c->unit, sizeof c->unit);
    } else if (demo_rng_chance(&p->rng, 0.6)) {
        snprintf(c->unit, sizeof c->unit, "%s%s", demo_counties[town->county].name,
                 PICK(&p->rng, county_depts));
    } else {
        snprintf(c->unit, sizeof c->unit, "%s人民政府", town->name);
    }
    static const char *const prefixes[] = {"135", "136", "137", "138", "139", "150", "188", "189"};
    snprintf(c->phone, sizeof c->phone, "%s%08ld", PICK(&p->rng, prefixes),
             demo_rng_range(&p->rng, 0, 99999999));
}

/* A two-character place name plus suffix, unique among names[0..n). */
static void place_name(struct demo_rng *r, const char *suffix, char *out, size_t size,
                       const char *names, size_t stride, int n)
{
    for (int attempt = 0;; attempt++) {
        const char *a = place_chars[demo_rng_range(r, 0, N_PLACE_CHARS - 1)];
        const char *b = place_chars[demo_rng_range(r, 0, N_PLACE_CHARS - 1)];
        if (attempt < 64)
            snprintf(out, size, "%s%s%s", a, b, suffix);
        else /* a crowded town: number it rather than loop */
            snprintf(out, size, "%s%s%d%s", a, b, attempt, suffix);
        if (strcmp(a, b) == 0 && attempt < 64)
            continue;
        int dup = 0;
        for (int i = 0; i < n && !dup; i++)
            dup = strcmp(names + (size_t)i * stride, out) == 0;
        if (!dup)
            return;
    }
}

/* Splits total over n slots: each at least 1, the rest in proportion to
 * random weights, none above cap. */
static void spread(struct demo_rng *r, long total, long *slots, int n, long cap)
{
    double *w = malloc(sizeof *w * (size_t)n), sum = 0;
    for (int i = 0; i < n; i++)
        sum += w[i] = 0.5 + demo_rng_unit(r);
    long left = total - n;
    long given = 0;
    for (int i = 0; i < n; i++) {
        long extra = (long)floor((double)left * w[i] / sum);
        if (extra > cap - 1)
            extra = cap - 1;
        slots[i] = 1 + extra;
        given += extra;
    }
    for (int i = (int)demo_rng_range(r, 0, n - 1); given < left; i = (i + 1) % n) {
        if (slots[i] < cap) {
            slots[i]++;
            given++;
        }
    }
    free(w);
}

static long scaled(double base, double s, long min)
{
    long v = lround(base * s);
    return v < min ? min : v;
}

int demo_plan_init(struct demo_plan *p, uint64_t seed, long households, struct err *e)
{
    memset(p, 0, sizeof *p);
    if (households < DEMO_MIN_HOUSEHOLDS || households > DEMO_MAX_HOUSEHOLDS)
        return err_set(e, ERR_INVALID, "demo: households must be between %ld and %ld, not %ld",
                       DEMO_MIN_HOUSEHOLDS, DEMO_MAX_HOUSEHOLDS, households);
    p->rng.state = seed;
    double s = (double)households / PLAN_HOUSEHOLDS;
    p->households = households;
    p->poor_households = scaled(PLAN_POOR_HOUSEHOLDS, s, 1);
    p->members = scaled(PLAN_MEMBERS, s, households);
    p->poor_members = scaled(PLAN_POOR_MEMBERS, s, p->poor_households);
    p->n_poor_villages = (int)scaled(PLAN_POOR_VILLAGES, s, 1);
    p->n_city_units = (int)scaled(PLAN_CITY_UNITS, s, 1);
    p->left_households[1] = p->poor_households;
    p->left_members[1] = p->poor_members;
    p->left_households[0] = households - p->poor_households;
    p->left_members[0] = p->members - p->poor_members;
    p->day_as_of = date_days(DEMO_AS_OF, NULL);
    p->day_1900 = date_days("1900-01-01", NULL);
    p->next_member_id = 1;

    int town_counts[DEMO_COUNTIES];
    for (int c = 0; c < DEMO_COUNTIES; c++) {
        long n = scaled(demo_counties[c].base_towns, s, 1);
        town_counts[c] = (int)(n > 899 ? 899 : n); /* codes 101..999 */
        p->n_towns += town_counts[c];
    }
    long scattered = households - p->poor_households;
    long villages = scaled(PLAN_VILLAGES, s, p->n_towns);
    if (villages < p->n_poor_villages + p->n_city_units + 1)
        villages = p->n_poor_villages + p->n_city_units + 1;
    if (villages - p->n_poor_villages > scattered)
        villages = p->n_poor_villages + scattered;
    p->n_villages = (int)villages;

    p->towns = calloc((size_t)p->n_towns, sizeof *p->towns);
    p->villages = calloc((size_t)p->n_villages, sizeof *p->villages);
    p->id_seq = calloc((size_t)DEMO_COUNTIES * ID_DAYS * 2, sizeof *p->id_seq);
    long *slots =
        calloc((size_t)(p->n_towns > p->n_villages ? p->n_towns : p->n_villages), sizeof *slots);
    int *perm = calloc((size_t)p->n_villages, sizeof *perm);
    if (!p->towns || !p->villages || !p->id_seq || !slots || !perm) {
        free(slots);
        free(perm);
        demo_plan_free(p);
        return err_set(e, ERR_FAIL, "demo: out of memory");
    }

    int t = 0;
    for (int c = 0; c < DEMO_COUNTIES; c++) {
        int first = t;
        for (int k = 0; k < town_counts[c]; k++, t++) {
            struct demo_town *town = &p->towns[t];
            town->county = c;
            snprintf(town->code, sizeof town->code, "%.6s%03u", demo_counties[c].code,
                     (unsigned)(101 + k) % 1000u);
            place_name(&p->rng, "镇", town->name, sizeof town->name, p->towns[first].name,
                       sizeof *town, k);
        }
    }

    spread(&p->rng, p->n_villages, slots, p->n_towns, 999);
    int v = 0;
    for (t = 0; t < p->n_towns; t++) {
        int first = v;
        for (int k = 0; k < slots[t]; k++, v++) {
            struct demo_village *vil = &p->villages[v];
            vil->town = t;
            vil->city_unit = -1;
            vil->livable = 1;
            snprintf(vil->code, sizeof vil->code, "%.9s%03u", p->towns[t].code,
                     (unsigned)(k + 1) % 1000u);
            place_name(&p->rng, "村", vil->name, sizeof vil->name, p->villages[first].name,
                       sizeof *vil, k);
        }
    }

    /* Poor villages first in a shuffled order, then the city units' villages. */
    for (v = 0; v < p->n_villages; v++)
        perm[v] = v;
    for (v = 0; v < p->n_villages - 1; v++) {
        int j = (int)demo_rng_range(&p->rng, v, p->n_villages - 1);
        int tmp = perm[v];
        perm[v] = perm[j];
        perm[j] = tmp;
    }
    for (v = 0; v < p->n_poor_villages; v++)
        p->villages[perm[v]].poor = 1;
    for (int u = 0; u < p->n_city_units; u++)
        p->villages[perm[p->n_poor_villages + u]].city_unit = u;
    /* A small share of villages has no living conditions (三(一) 易地搬迁);
     * the last in the shuffle always, so small cities have one too. */
    for (v = 0; v < p->n_villages; v++)
        if (demo_rng_chance(&p->rng, 0.03))
            p->villages[v].livable = 0;
    p->villages[perm[p->n_villages - 1]].livable = 0;

    /* Households: poor ones over poor villages, scattered over the rest. */
    for (int poor = 1; poor >= 0; poor--) {
        int n = 0;
        for (v = 0; v < p->n_villages; v++)
            if (p->villages[v].poor == poor)
                perm[n++] = v;
        spread(&p->rng, poor ? p->poor_households : scattered, slots, n, 1000000);
        for (int k = 0; k < n; k++)
            p->villages[perm[k]].households = slots[k];
    }
    free(slots);
    free(perm);
    return 0;
}

void demo_plan_free(struct demo_plan *p)
{
    free(p->towns);
    free(p->villages);
    free(p->id_seq);
    p->towns = NULL;
    p->villages = NULL;
    p->id_seq = NULL;
}
