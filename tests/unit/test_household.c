/* test_household.c - the one household description (household.h) against
 * every path a household takes. Going by the description alone, a value is
 * made up for every field of the household and of each list; it is written
 * to the database and read back by the snapshot reader, written into a case
 * file and parsed, and both households are shown to a Lua policy that dumps
 * what it sees: all must agree, field by field. A field added to the
 * description without its column, its parser or its view fails here. */
#include "casefile_internal.h"
#include "config_yaml.h"
#include "date.h"
#include "household.h"
#include "policy_set.h"
#include "store.h"
#include "store_snapshot.h"
#include "testlib.h"

#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define HH_ID 12
#define CADRE 3
#define TODAY "2018-06-30"

/* ---- growing strings ---- */

struct buf {
    char *s;
    size_t n, cap;
};

__attribute__((format(printf, 2, 3))) static void add(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (b->n + (size_t)n + 1 > b->cap) {
        b->cap = (b->n + (size_t)n + 1) * 2;
        b->s = realloc(b->s, b->cap);
        if (!b->s)
            abort();
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->n, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)n;
}

static void buf_free(struct buf *b)
{
    free(b->s);
    *b = (struct buf){0};
}

/* ---- made-up values ---- */

/* One field's value as SQL, YAML and Lua's tostring write it. */
struct value {
    char sql[64], yaml[64], lua[64];
};

static int is_computed(const struct household_field *f)
{
    return f->kind == HOUSEHOLD_AS_OF_DATE || f->kind == HOUSEHOLD_AS_OF_YEAR ||
           f->kind == HOUSEHOLD_AGE || f->kind == HOUSEHOLD_FACT;
}

static void make_date(enum household_rec r, size_t i, char out[16])
{
    snprintf(out, 16, "%04d-%02d-%02d", 2000 + (int)r % 100, 1 + (int)(i % 12), 1 + (int)(i % 28));
}

/* A value for field i of record r, distinct from its default and allowed by
 * the schema's constraints; computed fields get what they must compute. */
static void make_value(enum household_rec r, size_t i, struct value *v)
{
    const struct household_field *f = &household_records[r].fields[i];
    char text[40];
    long long n = 0;
    switch (f->kind) {
    case HOUSEHOLD_ID:
        n = r == HOUSEHOLD_REC_HOUSEHOLD ? HH_ID : 100 + (int)r;
        break;
    case HOUSEHOLD_INT64:
    case HOUSEHOLD_REF:
        n = CADRE;
        break;
    case HOUSEHOLD_INT:
    case HOUSEHOLD_INT_OR_NULL:
        n = f->a + (f->b - f->a) / 2;
        break;
    case HOUSEHOLD_AS_OF_YEAR:
        n = 2018;
        break;
    case HOUSEHOLD_BOOL:
        snprintf(v->sql, sizeof v->sql, "%d", !f->a);
        snprintf(v->yaml, sizeof v->yaml, "%d", !f->a);
        snprintf(v->lua, sizeof v->lua, "%s", f->a ? "false" : "true");
        return;
    case HOUSEHOLD_REAL:
    case HOUSEHOLD_REAL_OR_NULL:
        snprintf(v->sql, sizeof v->sql, "%.1f", 1000.5 + (double)i);
        snprintf(v->yaml, sizeof v->yaml, "%.1f", 1000.5 + (double)i);
        snprintf(v->lua, sizeof v->lua, "%.14g", 1000.5 + (double)i);
        return;
    case HOUSEHOLD_TEXT:
        /* 18 characters: what the schema asks of an ID number */
        snprintf(text, sizeof text, "t%02d%02d-abcdefghijkl", (int)r, (int)i);
        snprintf(v->sql, sizeof v->sql, "'%s'", text);
        snprintf(v->yaml, sizeof v->yaml, "\"%s\"", text);
        snprintf(v->lua, sizeof v->lua, "%s", text);
        return;
    case HOUSEHOLD_DATE:
    case HOUSEHOLD_REQUIRED_DATE:
        make_date(r, i, text);
        snprintf(v->sql, sizeof v->sql, "'%s'", text);
        snprintf(v->yaml, sizeof v->yaml, "%s", text);
        snprintf(v->lua, sizeof v->lua, "%s", text);
        return;
    case HOUSEHOLD_ENUM: {
        /* the last recorded value (labor's last is "not recorded") */
        int last = f->map->count - 1;
        while (last > 0 && !f->map->text[last])
            last--;
        const char *t = f->map->text[last];
        snprintf(v->sql, sizeof v->sql, "'%s'", t);
        snprintf(v->yaml, sizeof v->yaml, "%s", t);
        snprintf(v->lua, sizeof v->lua, "%s", t);
        return;
    }
    case HOUSEHOLD_AS_OF_DATE:
        snprintf(v->lua, sizeof v->lua, "%s", TODAY);
        return;
    case HOUSEHOLD_FACT: /* left 0 by readers: household_facts() fills it */
        snprintf(v->lua, sizeof v->lua, "%s", f->a ? "false" : "0");
        return;
    case HOUSEHOLD_AGE: {
        const struct household_record *hr = &household_records[r];
        for (size_t k = 0; k < hr->n_fields; k++)
            if (hr->fields[k].offset == f->aux_offset)
                make_date(r, k, text);
        snprintf(v->lua, sizeof v->lua, "%d", date_age(text, TODAY));
        return;
    }
    case HOUSEHOLD_LIST:
        return;
    }
    snprintf(v->sql, sizeof v->sql, "%lld", n);
    snprintf(v->yaml, sizeof v->yaml, "%lld", n);
    snprintf(v->lua, sizeof v->lua, "%lld", n);
}

/* ---- which fields a sparse household gives ---- */

/* The table and column a field is read from ("region.name" -> region,
 * name; the household's own "h.x" -> household, x). */
static void split_sql(enum household_rec r, const char *sql, char *table, char *column)
{
    const char *dot = strchr(sql, '.');
    if (!dot) {
        strcpy(table, household_records[r].table);
        strcpy(column, sql);
        return;
    }
    snprintf(table, 32, "%.*s", (int)(dot - sql), sql);
    if (!strcmp(table, "h"))
        strcpy(table, "household");
    else if (!strcmp(table, "town"))
        strcpy(table, "region");
    strcpy(column, dot + 1);
}

/* A field every stored row has: a key, or a NOT NULL column without a
 * default. Plus what the case-file tool fills in by itself (a birth date,
 * the town and county from the village), so both sides state it. */
static int must_give(sqlite3 *db, enum household_rec r, const struct household_field *f)
{
    static const char *const tool_defaults[] = {"birth_date", "town", "county", NULL};
    if (f->kind == HOUSEHOLD_ID)
        return 1;
    for (const char *const *t = tool_defaults; *t; t++)
        if (!strcmp(*t, f->name))
            return 1;
    char table[32], column[32];
    split_sql(r, f->sql, table, column);
    sqlite3_stmt *s;
    int required = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT \"notnull\", dflt_value FROM pragma_table_info(?1)"
                           " WHERE name = ?2",
                           -1, &s, NULL) != SQLITE_OK)
        return 1;
    sqlite3_bind_text(s, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, column, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW)
        required = sqlite3_column_int(s, 0) && sqlite3_column_type(s, 1) == SQLITE_NULL;
    else
        CHECK(!"the schema has a column for every field");
    sqlite3_finalize(s);
    return required;
}

/* ---- the household in SQL and in YAML ---- */

struct row {
    struct buf cols, vals;
};

static void row_add(struct row *w, const char *col, const char *val)
{
    add(&w->cols, "%s%s", w->cols.n ? ", " : "", col);
    add(&w->vals, "%s%s", w->vals.n ? ", " : "", val);
}

static void row_insert(struct store *st, const char *table, struct row *w)
{
    struct buf sql = {0};
    add(&sql, "INSERT INTO %s(%s) VALUES (%s)", table, w->cols.s, w->vals.s);
    test_store_exec(st, sql.s);
    buf_free(&sql);
    buf_free(&w->cols);
    buf_free(&w->vals);
}

/* Writes the household to st and to *yaml (`household:` of a case);
 * sparse: only the fields must_give names. */
static void write_household(struct store *st, sqlite3 *db, int sparse, struct buf *yaml)
{
    struct row village = {0}, town = {0}, county = {0}, hh = {0}, pairing = {0};
    const struct household_record *hr = &household_records[HOUSEHOLD_REC_HOUSEHOLD];
    struct value v;
    add(yaml, "household:\n");
    for (size_t i = 0; i < hr->n_fields; i++) {
        const struct household_field *f = &hr->fields[i];
        if (f->kind == HOUSEHOLD_LIST || is_computed(f) ||
            (sparse && !must_give(db, HOUSEHOLD_REC_HOUSEHOLD, f)))
            continue;
        make_value(HOUSEHOLD_REC_HOUSEHOLD, i, &v);
        add(yaml, "  %s: %s\n", f->name, v.yaml);
        const char *dot = strchr(f->sql, '.');
        struct row *w = !strncmp(f->sql, "h.", 2)         ? &hh
                        : !strncmp(f->sql, "region.", 7)  ? &village
                        : !strncmp(f->sql, "town.", 5)    ? &town
                        : !strncmp(f->sql, "pairing.", 8) ? &pairing
                                                          : NULL;
        CHECK(w != NULL); /* a new join needs its rows written here too */
        if (!w)
            continue;
        /* The joins themselves: the town is the village's parent, the
         * county the town's. */
        if (!strcmp(f->name, "village"))
            row_add(&village, "code", v.sql);
        else if (!strcmp(f->name, "town"))
            row_add(&town, "code", v.sql);
        else if (!strcmp(f->name, "county"))
            row_add(&county, "code", v.sql);
        row_add(w, dot + 1, v.sql);
    }
    test_store_exec(st, "INSERT INTO cadre(id, name) VALUES (3, '干部')");
    row_add(&county, "name", "'县'");
    row_add(&county, "level", "'county'");
    row_insert(st, "region", &county);
    row_add(&town, "name", "'镇'");
    row_add(&town, "level", "'town'");
    row_insert(st, "region", &town);
    row_add(&village, "level", "'village'");
    row_insert(st, "region", &village);
    row_insert(st, "household", &hh);
    if (pairing.cols.n) {
        row_add(&pairing, "household_id", "12");
        row_insert(st, "pairing", &pairing);
    }

    /* One element in each list. */
    for (size_t i = 0; i < hr->n_fields; i++) {
        const struct household_field *lf = &hr->fields[i];
        if (lf->kind != HOUSEHOLD_LIST)
            continue;
        const struct household_record *er = &household_records[lf->elem];
        struct row w = {0};
        row_add(&w, "household_id", "12");
        add(yaml, "  %s:\n    - {", lf->name);
        int first = 1;
        for (size_t k = 0; k < er->n_fields; k++) {
            const struct household_field *f = &er->fields[k];
            if (is_computed(f) || (sparse && !must_give(db, lf->elem, f)))
                continue;
            make_value(lf->elem, k, &v);
            row_add(&w, f->sql, v.sql);
            add(yaml, "%s%s: %s", first ? "" : ", ", f->name, v.yaml);
            first = 0;
        }
        add(yaml, "}\n");
        row_insert(st, er->table, &w);
    }
}

/* ---- comparing ---- */

static void compare_record(enum household_rec r, const void *a, const void *b, const char *path)
{
    const struct household_record *hr = &household_records[r];
    for (size_t i = 0; i < hr->n_fields; i++) {
        const struct household_field *f = &hr->fields[i];
        const char *pa = (const char *)a + f->offset, *pb = (const char *)b + f->offset;
        int same = 1;
        switch (f->kind) {
        case HOUSEHOLD_ID:
        case HOUSEHOLD_INT64:
        case HOUSEHOLD_REF:
            same = *(const int64_t *)pa == *(const int64_t *)pb;
            break;
        case HOUSEHOLD_BOOL:
        case HOUSEHOLD_INT:
        case HOUSEHOLD_INT_OR_NULL:
        case HOUSEHOLD_ENUM:
        case HOUSEHOLD_AS_OF_YEAR:
        case HOUSEHOLD_AGE:
        case HOUSEHOLD_FACT:
            same = *(const int *)pa == *(const int *)pb;
            break;
        case HOUSEHOLD_REAL:
        case HOUSEHOLD_REAL_OR_NULL: {
            double x = *(const double *)pa, y = *(const double *)pb;
            same = x == y || (isnan(x) && isnan(y));
            break;
        }
        case HOUSEHOLD_TEXT:
        case HOUSEHOLD_DATE:
        case HOUSEHOLD_REQUIRED_DATE:
        case HOUSEHOLD_AS_OF_DATE: {
            const char *x = *(const char *const *)pa, *y = *(const char *const *)pb;
            same = x == y || (x && y && !strcmp(x, y));
            break;
        }
        case HOUSEHOLD_LIST: {
            size_t na = *(const size_t *)((const char *)a + f->aux_offset);
            size_t nb = *(const size_t *)((const char *)b + f->aux_offset);
            same = na == nb;
            const struct household_record *er = &household_records[f->elem];
            for (size_t k = 0; same && k < na; k++) {
                char sub[96];
                snprintf(sub, sizeof sub, "%s%s[%zu].", path, f->name, k);
                compare_record(f->elem, *(const char *const *)pa + k * er->size,
                               *(const char *const *)pb + k * er->size, sub);
            }
            break;
        }
        }
        if (!same) {
            fprintf(stderr, "the database and the case file disagree on %s%s\n", path, f->name);
            test_failures++;
        }
    }
}

/* What the dump policy must print for the full household. */
static void expected_dump(enum household_rec r, const char *prefix, struct buf *out)
{
    const struct household_record *hr = &household_records[r];
    for (size_t i = 0; i < hr->n_fields; i++) {
        const struct household_field *f = &hr->fields[i];
        if (f->kind == HOUSEHOLD_LIST) {
            char sub[64];
            snprintf(sub, sizeof sub, "%s%s.1.", prefix, f->name);
            expected_dump(f->elem, sub, out);
            continue;
        }
        /* The resident ID is kept out of the policies' view (issue 11). */
        if (r == HOUSEHOLD_REC_MEMBER && !strcmp(f->name, "id_number"))
            continue;
        struct value v;
        make_value(r, i, &v);
        add(out, "%s%s%s=%s", out->n ? ";" : "", prefix, f->name, v.lua);
    }
}

static const char dump_policy[] =
    "-- dump.lua - every field a policy can see, in pairs() order\n"
    "local function dump(prefix, rec, out)\n"
    "    for k, v in pairs(rec) do\n"
    "        if type(v) == 'table' then\n"
    "            for i, e in pairs(v) do dump(prefix .. k .. '.' .. i .. '.', e, out) end\n"
    "        else\n"
    "            out[#out + 1] = prefix .. k .. '=' .. tostring(v)\n"
    "        end\n"
    "    end\n"
    "end\n"
    "return { name = 'industry', title = 'dump', evaluate = function(h, out, params)\n"
    "    local lines = {}\n"
    "    dump('', h, lines)\n"
    "    out:alert{ kind = 'dump', severity = 'info', message = table.concat(lines, ';') }\n"
    "end }\n";

/* The message of the dump policy on hh (malloc'd), or NULL. */
static char *lua_dump(struct policy_runner *runner, const struct household *hh)
{
    struct eval_result res = {0};
    policy_runner_eval(runner, hh, &res);
    char *msg = NULL;
    if (res.n_errors)
        fprintf(stderr, "dump policy: %s\n", res.errors[0].msg);
    else if (res.n_alerts == 1)
        msg = strdup(res.alerts[0].message);
    eval_result_free(&res);
    return msg;
}

static struct policy_runner *dump_runner(struct config *cfg, struct policy_set **set)
{
    static char dir[256], pdir[300];
    snprintf(dir, sizeof dir, "%s", test_tmpdir());
    snprintf(pdir, sizeof pdir, "%s/policies", dir);
    mkdir(pdir, 0700);
    free(test_write_file(pdir, "dump.lua", dump_policy));
    free(test_write_file(dir, "fp.lua", "return {}\n")); /* the policy needs none */
    cfg->lua_dir = dir;
    cfg->policies_dir = pdir;
    cfg->lua_instructions = 1000000;
    cfg->lua_memory_kb = 8192;
    cfg->lua_wall_ms = 1000;
    struct err e = {{0}};
    struct policy_runner *runner = NULL;
    if (policy_set_load(cfg, 1, set, &e) != 0 || policy_runner_new(*set, &runner, &e) != 0) {
        fprintf(stderr, "dump policy: %s\n", e.msg);
        exit(1);
    }
    return runner;
}

/* ---- the test ---- */

static void one_household_through_every_path(int sparse)
{
    char path[300];
    struct store *st = test_store_create("h.db", path, sizeof path);
    sqlite3 *db;
    CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    struct buf yaml = {0};
    write_household(st, db, sparse, &yaml);
    sqlite3_close(db);

    /* The database, through the snapshot reader. */
    struct err e = {{0}};
    struct snapshot_reader *r = NULL;
    struct snapshot snap = {0};
    CHECK(snapshot_reader_new(st, &r, &e) == 0);
    int rc_db = snapshot_read(r, HH_ID, TODAY, &snap, &e);
    CHECK(rc_db == 0);
    if (rc_db)
        fprintf(stderr, "snapshot_read: %s\n", e.msg);

    /* The case file, through the case-file parser. */
    struct cf_file f = {.path = "generated.yaml", .e = &e};
    struct arena lists = {0};
    struct household from_yaml;
    int rc = config_yaml_parse(f.path, yaml.s, yaml.n, &f.arena, &f.root, &e);
    if (!rc)
        rc =
            cf_parse_household(&f, config_yaml_get(f.root, "household"), TODAY, &lists, &from_yaml);
    CHECK(rc == 0);
    if (rc)
        fprintf(stderr, "case file: %s\n%s", e.msg, yaml.s);

    struct config cfg = {0};
    struct policy_set *set = NULL;
    struct policy_runner *runner = dump_runner(&cfg, &set);
    if (rc_db == 0 && rc == 0) {
        compare_record(HOUSEHOLD_REC_HOUSEHOLD, &snap.hh, &from_yaml, "");
        /* Lua sees the same household either way, and, when every field is
         * set, exactly the description: each field, in its order. */
        char *from_db = lua_dump(runner, &snap.hh), *from_case = lua_dump(runner, &from_yaml);
        CHECK(from_db && from_case && !strcmp(from_db, from_case));
        if (!sparse) {
            struct buf want = {0};
            expected_dump(HOUSEHOLD_REC_HOUSEHOLD, "", &want);
            CHECK(from_db && !strcmp(from_db, want.s));
            if (from_db && strcmp(from_db, want.s))
                fprintf(stderr, "Lua saw:\n%s\nthe description says:\n%s\n", from_db, want.s);
            buf_free(&want);
        }
        free(from_db);
        free(from_case);
    }
    policy_runner_free(runner);
    policy_set_free(set);
    arena_free(&lists);
    arena_free(&f.arena);
    buf_free(&yaml);
    snapshot_free(&snap);
    snapshot_reader_free(r);
    store_close(st);
}

static void every_field_set_agrees_everywhere(void)
{
    one_household_through_every_path(0);
}

/* Only what a row cannot lack: the defaults of the schema (SQL DEFAULT,
 * NULL) and of the description (the map's first value, BOOL(dflt)) agree. */
static void fields_left_out_agree_everywhere(void)
{
    one_household_through_every_path(1);
}

/* The enumerations: names, parsing, "not recorded", and the CHECK lists the
 * schema was built with. */
static void enum_maps_and_schema_checks(void)
{
    int v = -1;
    CHECK(!strcmp(household_enum_name(&household_enum_labor, HOUSEHOLD_LABOR_PARTIAL), "partial"));
    CHECK(household_enum_name(&household_enum_labor, HOUSEHOLD_LABOR_COUNT) == NULL);
    CHECK(household_enum_name(&household_enum_school, HOUSEHOLD_SCHOOL_NONE) == NULL);
    CHECK(household_enum_parse(&household_enum_school, "junior", &v) == 0 &&
          v == HOUSEHOLD_SCHOOL_JUNIOR);
    CHECK(household_enum_parse(&household_enum_school, NULL, &v) == 0 &&
          v == HOUSEHOLD_SCHOOL_NONE);
    CHECK(household_enum_parse(&household_enum_labor, NULL, &v) == 0 &&
          v == HOUSEHOLD_LABOR_UNRECORDED);
    CHECK(household_enum_parse(&household_enum_labor, "lots", &v) == ERR_INVALID);
    CHECK(household_enum_is_nullable(&household_enum_grade));
    CHECK(!household_enum_is_nullable(&household_enum_health));
    char buf[100];
    CHECK(!strcmp(household_enum_allowed(&household_enum_grade, buf, sizeof buf), "A|B|C|D"));

    char path[300];
    struct store *st = test_store_create("e.db", path, sizeof path);
    sqlite3 *db;
    CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    /* Every enumerated column is checked against exactly its map. */
    for (int r = 0; r < HOUSEHOLD_REC_COUNT; r++) {
        const struct household_record *hr = &household_records[r];
        for (size_t i = 0; i < hr->n_fields; i++) {
            const struct household_field *f = &hr->fields[i];
            if (f->kind != HOUSEHOLD_ENUM)
                continue;
            char table[32], column[32];
            split_sql((enum household_rec)r, f->sql, table, column);
            struct buf want = {0};
            for (int k = 0; k < f->map->count; k++) {
                if (!f->map->text[k])
                    continue;
                CHECK(!strchr(f->map->text[k], '\''));
                add(&want, "%s%s = '%s'", want.n ? " OR " : "", column, f->map->text[k]);
            }
            sqlite3_stmt *s;
            CHECK(sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE name = ?1", -1, &s,
                                     NULL) == SQLITE_OK);
            sqlite3_bind_text(s, 1, table, -1, SQLITE_STATIC);
            CHECK(sqlite3_step(s) == SQLITE_ROW);
            CHECK_STR_CONTAINS((const char *)sqlite3_column_text(s, 0), want.s);
            sqlite3_finalize(s);
            buf_free(&want);
        }
    }
    sqlite3_close(db);
    test_store_exec(st, "INSERT INTO region(code, name, level) VALUES ('1', 'v', 'village');"
                        "INSERT INTO household(id, village) VALUES (1, '1')");
    struct err e = {{0}};
    CHECK(store_exec(st, "INSERT INTO member(household_id, labor) VALUES (1, 'lots')", &e) != 0);
    CHECK_STR_CONTAINS(e.msg, "CHECK constraint failed");
    CHECK(store_exec(st,
                     "INSERT INTO member(household_id, labor, school_stage)"
                     " VALUES (1, 'none', NULL)",
                     &e) == 0);
    store_close(st);
}

/* Every value, "not recorded" included, has a label staff can read: present,
 * not empty, in Chinese (not the code again) and unique within its map, so
 * explain never falls back to a database code or a blank. */
#define ALL_ENUMS_(key, KEY) &household_enum_##key,
static void every_enum_value_has_a_chinese_label(void)
{
    const struct household_enum *maps[] = {HOUSEHOLD_ENUMS(ALL_ENUMS_)};
    for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++) {
        const struct household_enum *map = maps[i];
        for (int v = 0; v < map->count; v++) {
            const char *label = household_enum_label(map, v);
            const char *text = household_enum_name(map, v);
            int chinese = 0;
            for (const char *c = label; c && *c; c++)
                chinese |= (unsigned char)*c >= 0x80;
            int unique = 1;
            for (int w = 0; w < v && label; w++)
                if (map->label[w] && strcmp(map->label[w], label) == 0)
                    unique = 0;
            if (!label || !*label || !chinese || (text && !strcmp(text, label)) || !unique) {
                printf("  %s value %d (%s): label \"%s\" is missing, empty, not Chinese or a "
                       "repeat\n",
                       map->name, v, text ? text : "not recorded", label ? label : "(null)");
                test_failures++;
            }
        }
        CHECK(household_enum_label(map, map->count) == NULL);
        CHECK(household_enum_label(map, -1) == NULL);
    }
    CHECK(!strcmp(household_enum_label(&household_enum_status, HOUSEHOLD_STATUS_EXITED), "已脱贫"));
    CHECK(!strcmp(household_enum_label(&household_enum_health, HOUSEHOLD_HEALTH_SERIOUS), "大病"));
    CHECK(!strcmp(household_enum_label(&household_enum_school, HOUSEHOLD_SCHOOL_NONE), "不在学"));
    /* The label never reaches the code: the stored text is unchanged. */
    CHECK(!strcmp(household_enum_name(&household_enum_status, HOUSEHOLD_STATUS_EXITED), "exited"));
}

int main(void)
{
    RUN(every_field_set_agrees_everywhere);
    RUN(fields_left_out_agree_everywhere);
    RUN(enum_maps_and_schema_checks);
    RUN(every_enum_value_has_a_chinese_label);
    return test_done();
}
