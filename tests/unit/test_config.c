/* test_config.c - the YAML config loader: the shipped file loads with the
 * right values, and every kind of bad file is refused with file:line:col. */
#include "config.h"
#include "config_internal.h"
#include "testlib.h"

#include <stddef.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static const char *head = "database: data/f.db\npolicies: pol\n";

/* Loads text as dir/name; expects code and a message containing where
 * ("name:LINE:COL:") and what. */
static void expect_bad(const char *name, const char *text, int code, const char *where,
                       const char *what)
{
    char *path = test_write_file(dir, name, text);
    struct config *cfg = (struct config *)1;
    struct err e = {{0}};
    int rc = config_load(path, &cfg, &e);
    if (rc != code)
        fprintf(stderr, "%s: rc %d, expected %d (%s)\n", name, rc, code, e.msg);
    CHECK(rc == code);
    CHECK(cfg == NULL);
    CHECK_STR_CONTAINS(e.msg, where);
    CHECK_STR_CONTAINS(e.msg, what);
    free(path);
}

static char *with_head(const char *rest)
{
    size_t n = strlen(head) + strlen(rest) + 1;
    char *s = malloc(n);
    snprintf(s, n, "%s%s", head, rest);
    return s;
}

static void expect_bad_tail(const char *name, const char *rest, const char *where, const char *what)
{
    char *text = with_head(rest);
    expect_bad(name, text, ERR_INVALID, where, what);
    free(text);
}

static void shipped_config_loads(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/configs/fupin.yaml", test_env("FUPIN_SOURCE_DIR", "."));
    unsetenv("FUPIN_PLUGIN_DIR");
    struct config *cfg = NULL;
    struct err e = {{0}};
    int rc = config_load(path, &cfg, &e);
    if (rc)
        fprintf(stderr, "%s\n", e.msg);
    CHECK(rc == 0);
    if (rc)
        return;
    size_t n = strlen(cfg->database);
    CHECK(cfg->database[0] == '/');
    CHECK(n > 13 && strcmp(cfg->database + n - 13, "/var/fupin.db") == 0);
    CHECK(strstr(cfg->database, "..") == NULL);
    CHECK_STR_CONTAINS(cfg->policies_dir, "/policies");
    CHECK_STR_CONTAINS(cfg->lua_dir, "/lua");
    CHECK_STR_CONTAINS(cfg->policy_tests_dir, "/tests/policies");
    CHECK_STR_CONTAINS(cfg->plugin_dir, "/build/plugins");
    CHECK(cfg->n_plugins == 4);
    CHECK(cfg->n_plugins == 4 && strcmp(cfg->plugins[0], "education") == 0 &&
          strcmp(cfg->plugins[3], "credit") == 0);
    CHECK(strcmp(cfg->nightly_at, "02:00") == 0);
    CHECK(strcmp(cfg->timezone, "Asia/Shanghai") == 0);
    CHECK(cfg->escalation_county_days == 7 && cfg->escalation_city_days == 30);
    CHECK(cfg->delivery_max_attempts == 12 && cfg->delivery_backoff_s == 30);
    CHECK(strcmp(cfg->log_level, "info") == 0);
    CHECK(cfg->workers == 2 && cfg->poll_ms == 500 && cfg->batch_size == 256);
    CHECK(strcmp(cfg->as_of, "2018-06-30") == 0);
    CHECK(cfg->lua_instructions == 1000000 && cfg->lua_memory_kb == 16384 &&
          cfg->lua_wall_ms == 500);
    const struct config_channel *file = config_channel_find(cfg, "file");
    CHECK(file != NULL);
    if (file)
        CHECK_STR_CONTAINS(file->dir, "/var/spool");
    CHECK(config_channel_find(cfg, "webhook") == NULL);

    double v = 0;
    CHECK(config_param_number(cfg, "provincial_income", 2017, &v) == 0 && v == 15780);
    CHECK(config_param_number(cfg, "provincial_income", 2019, &v) == 0 && v == 17168);
    CHECK(config_param_number(cfg, "provincial_income", 2015, &v) == 0 && v == 13360);
    CHECK(config_param_number(cfg, "provincial_income", 2014, &v) == ERR_INVALID);
    CHECK(config_param_number(cfg, "income_ratio", 1990, &v) == 0 && v == 0.45);
    CHECK(config_param_number(cfg, "no_such_param", 2018, &v) == ERR_INVALID);
    CHECK(config_param_number(cfg, "housing.renovation_deadline", 2018, &v) == ERR_INVALID);

    const struct config_param *p = config_param_find(cfg, "industry.project_grant");
    CHECK(p && p->type == PARAM_NUMBER && p->number == 5000);
    p = config_param_find(cfg, "housing.renovation_deadline");
    CHECK(p && p->type == PARAM_STRING && strcmp(p->string, "2018-12-31") == 0);
    p = config_param_find(cfg, "provincial_income");
    CHECK(p && p->type == PARAM_BY_YEAR && p->n_years == 4 && p->years[0] == 2015 &&
          p->years[3] == 2018);
    p = config_param_find(cfg, "education.living_allowance.junior");
    CHECK(p && p->type == PARAM_NUMBER && p->number == 1250);
    CHECK(config_param_find(cfg, "industry") == NULL);

    p = config_param_scoped(cfg, "industry", "project_grant");
    CHECK(p && p->number == 5000);
    p = config_param_scoped(cfg, "industry", "income_ratio");
    CHECK(p && p->number == 0.45);
    p = config_param_scoped(cfg, NULL, "income_ratio");
    CHECK(p && p->number == 0.45);
    CHECK(config_param_scoped(cfg, "industry", "tuition_waiver") == NULL);

    for (size_t i = 1; i < cfg->n_params; i++)
        CHECK(strcmp(cfg->params[i - 1].key, cfg->params[i].key) < 0);
    config_free(cfg);
}

static void defaults_and_relative_paths(void)
{
    char *path = test_write_file(dir, "min.yaml",
                                 "database: data/./x/../f.db\npolicies: rules/pol\n"
                                 "params:\n  by_year: {2018: 2, 2016: 1}\n  text: \"12\"\n"
                                 "  word: twelve\n");
    unsetenv("FUPIN_PLUGIN_DIR");
    struct config *cfg = NULL;
    struct err e = {{0}};
    int rc = config_load(path, &cfg, &e);
    if (rc)
        fprintf(stderr, "%s\n", e.msg);
    CHECK(rc == 0);
    if (rc == 0) {
        char real[4096], want[4200];
        CHECK(realpath(dir, real) != NULL);
        snprintf(want, sizeof want, "%s/data/f.db", real);
        CHECK(strcmp(cfg->database, want) == 0);
        snprintf(want, sizeof want, "%s/rules/pol", real);
        CHECK(strcmp(cfg->policies_dir, want) == 0);
        snprintf(want, sizeof want, "%s/rules/lua", real);
        CHECK(strcmp(cfg->lua_dir, want) == 0);
        snprintf(want, sizeof want, "%s/rules/tests/policies", real);
        CHECK(strcmp(cfg->policy_tests_dir, want) == 0);
        char *slash = strrchr(real, '/');
        *slash = '\0';
        snprintf(want, sizeof want, "%s/build/plugins", real);
        CHECK(strcmp(cfg->plugin_dir, want) == 0);
        const struct config_channel *file = config_channel_find(cfg, "file");
        snprintf(want, sizeof want, "%s/var/spool", real);
        CHECK(file && strcmp(file->dir, want) == 0);
        CHECK(cfg->n_plugins == 0);
        CHECK(strcmp(cfg->timezone, "Asia/Shanghai") == 0 && strcmp(cfg->nightly_at, "02:00") == 0);
        CHECK(cfg->escalation_county_days == 7 && cfg->escalation_city_days == 30);
        CHECK(cfg->workers == 2 && cfg->as_of[0] == '\0' && strcmp(cfg->log_level, "info") == 0);
        CHECK(cfg->lua_instructions == 1000000 && cfg->lua_wall_ms == 500);
        double v;
        CHECK(config_param_number(cfg, "by_year", 2017, &v) == 0 && v == 1);
        CHECK(config_param_number(cfg, "by_year", 2015, &v) == ERR_INVALID);
        const struct config_param *p = config_param_find(cfg, "text");
        CHECK(p && p->type == PARAM_STRING && strcmp(p->string, "12") == 0);
        p = config_param_find(cfg, "word");
        CHECK(p && p->type == PARAM_STRING);
    }
    config_free(cfg);

    /* The environment overrides plugins.dir, and an empty value does not. */
    setenv("FUPIN_PLUGIN_DIR", "/opt/fupin/plugins", 1);
    CHECK(config_load(path, &cfg, &e) == 0);
    CHECK(cfg && strcmp(cfg->plugin_dir, "/opt/fupin/plugins") == 0);
    config_free(cfg);
    setenv("FUPIN_PLUGIN_DIR", "", 1);
    CHECK(config_load(path, &cfg, &e) == 0);
    CHECK(cfg && strstr(cfg->plugin_dir, "/build/plugins") != NULL);
    config_free(cfg);
    unsetenv("FUPIN_PLUGIN_DIR");
    free(path);

    /* channels: given without file: no default spool. */
    path = test_write_file(dir, "ch.yaml",
                           "database: /abs/f.db\npolicies: p\nchannels:\n"
                           "  webhook: {url: \"http://h/x\"}\n"
                           "  email: {url: \"smtp://h:25\", from: a@b, timeout_s: 5}\n");
    CHECK(config_load(path, &cfg, &e) == 0);
    if (cfg) {
        CHECK(strcmp(cfg->database, "/abs/f.db") == 0);
        CHECK(config_channel_find(cfg, "file") == NULL);
        const struct config_channel *w = config_channel_find(cfg, "webhook");
        const struct config_channel *m = config_channel_find(cfg, "email");
        CHECK(w && strcmp(w->url, "http://h/x") == 0 && w->timeout_s > 0);
        CHECK(m && strcmp(m->from, "a@b") == 0 && m->timeout_s == 5 && !m->username);
    }
    config_free(cfg);
    free(path);
}

static void bad_files_are_refused_with_position(void)
{
    expect_bad_tail("top.yaml", "polices: x\n",
                    "top.yaml:3:1: ", "unknown top-level key \"polices\"");
    expect_bad_tail("top2.yaml", "polices: x\n", "top2.yaml:3:1: ", "allowed: database, policies");
    expect_bad_tail("nested.yaml", "engine:\n  workers: 2\n  threads: 4\n",
                    "nested.yaml:5:3: ", "unknown key \"threads\" in engine (allowed: workers");
    expect_bad_tail("chan.yaml", "channels:\n  file:\n    folder: x\n",
                    "chan.yaml:5:5: ", "in channels.file");
    expect_bad_tail("type.yaml", "engine:\n  workers: abc\n",
                    "type.yaml:4:12: ", "engine.workers: expected an integer, got \"abc\"");
    expect_bad_tail("quoted.yaml", "engine: {poll_ms: \"500\"}\n",
                    "quoted.yaml:3:19: ", "expected an integer");
    expect_bad_tail("range.yaml", "engine:\n  workers: 65\n", "range.yaml:4:12: ", "out of range");
    expect_bad_tail("sect.yaml", "engine: 5\n", "sect.yaml:3:9: ", "engine: expected a mapping");
    expect_bad_tail("level.yaml", "log: {level: loud}\n", "level.yaml:3:", "log.level");
    expect_bad("nodb.yaml", "# config\npolicies: p\n", ERR_INVALID,
               "nodb.yaml:2:1: ", "missing required key \"database\"");
    expect_bad("nopol.yaml", "database: x.db\nlog: {level: info}\n", ERR_INVALID,
               "nopol.yaml:1:1: ", "missing required key \"policies\"");
    expect_bad("empty.yaml", "", ERR_INVALID, "empty.yaml:1:1: ", "missing required key");
    expect_bad("alias.yaml", "database: x.db\npolicies: &p pol\nlua: *p\n", ERR_INVALID,
               "alias.yaml:2:11: ", "aliases are not allowed");
    expect_bad("alias2.yaml", "database: x.db\npolicies: p\nlua: *p\n", ERR_INVALID,
               "alias2.yaml:3:6: ", "aliases are not allowed");
    expect_bad("anchor.yaml", "database: x.db\npolicies: p\nengine: &e\n  workers: 2\n",
               ERR_INVALID, "anchor.yaml:3:9: ", "aliases are not allowed");
    expect_bad("twodocs.yaml", "database: x.db\npolicies: p\n---\ndatabase: y.db\n", ERR_INVALID,
               "twodocs.yaml:3:1: ", "more than one YAML document");
    expect_bad("syntax.yaml", "database: x.db\npolicies: [p\nlog: x\n", ERR_INVALID,
               "syntax.yaml:3:", "syntax error");
    expect_bad("syntax2.yaml", "database: x.db\n  policies: p\n", ERR_INVALID,
               "syntax2.yaml:2:11: ", "syntax error");
    expect_bad_tail("night.yaml", "schedule:\n  nightly_at: \"2:00\"\n",
                    "night.yaml:4:15: ", "schedule.nightly_at");
    expect_bad_tail("night2.yaml", "schedule: {nightly_at: \"23:60\"}\n",
                    "night2.yaml:3:24: ", "HH:MM");
    expect_bad_tail("zone.yaml", "schedule:\n  timezone: Mars/Olympus\n",
                    "zone.yaml:4:13: ", "Mars/Olympus");
    expect_bad_tail("asof.yaml", "engine:\n  as_of: \"2018-02-29\"\n",
                    "asof.yaml:4:10: ", "engine.as_of");
    expect_bad_tail("asof2.yaml", "engine:\n  as_of: 30/06/2018\n",
                    "asof2.yaml:4:10: ", "YYYY-MM-DD");
    expect_bad_tail("esc.yaml", "escalation:\n  county_days: 10\n  city_days: 5\n",
                    "esc.yaml:5:14: ", "city_days");
    expect_bad_tail("esc2.yaml", "escalation:\n  county_days: -1\n",
                    "esc2.yaml:4:16: ", "out of range");
    expect_bad_tail("dup.yaml", "engine:\n  workers: 2\n  workers: 3\n",
                    "dup.yaml:5:3: ", "duplicate key \"workers\"");
    expect_bad("dup2.yaml", "database: a\npolicies: p\ndatabase: b\n", ERR_INVALID,
               "dup2.yaml:3:1: ", "duplicate key \"database\"");
    expect_bad_tail("list.yaml", "params:\n  industry:\n    grants: [1, 2]\n",
                    "list.yaml:5:13: ", "lists are not allowed in params");
    expect_bad_tail("year.yaml", "params:\n  income: {2016: 1, 2017: lots}\n",
                    "year.yaml:4:27: ", "params.income.2017: expected a number");
    expect_bad_tail("load.yaml", "plugins:\n  load: [\"../evil\"]\n",
                    "load.yaml:4:10: ", "plugins.load");
    expect_bad_tail("hook.yaml", "channels:\n  webhook: {timeout_s: 3}\n",
                    "hook.yaml:4:12: ", "missing required key \"url\"");
    expect_bad_tail("tag.yaml", "engine: {workers: !!int 3}\n", "tag.yaml:3:19: ", "tags");
    expect_bad_tail("utf8.yaml", "log: {level: \xff\xfe}\n", "utf8.yaml:3:14: ", "UTF-8");
    expect_bad_tail("ctrl.yaml", "log: {level: \x01}\n", "ctrl.yaml:3:14: ", "control characters");
    expect_bad("top-list.yaml", "- database\n", ERR_INVALID,
               "top-list.yaml:1:1: ", "expected a mapping");

    /* Depth: database + params + 31 nested mappings = 33 levels. */
    char deep[8192];
    size_t o = (size_t)snprintf(deep, sizeof deep, "database: x\npolicies: p\nparams:\n");
    for (int i = 0; i < 31; i++)
        o += (size_t)snprintf(deep + o, sizeof deep - o, "%*sk%d:\n", 2 * (i + 1), "", i);
    o += (size_t)snprintf(deep + o, sizeof deep - o, "%*sleaf: 1\n", 2 * 32, "");
    expect_bad("deep.yaml", deep, ERR_INVALID, "deep.yaml:35:65: ", "nesting deeper than 32");
    /* 32 levels are fine (and flatten to a long dotted key). */
    o = (size_t)snprintf(deep, sizeof deep, "database: x\npolicies: p\nparams:\n");
    for (int i = 0; i < 30; i++)
        o += (size_t)snprintf(deep + o, sizeof deep - o, "%*sk%d:\n", 2 * (i + 1), "", i);
    snprintf(deep + o, sizeof deep - o, "%*sleaf: 1\n", 2 * 31, "");
    char *path = test_write_file(dir, "deep32.yaml", deep);
    struct config *cfg = NULL;
    struct err e = {{0}};
    CHECK(config_load(path, &cfg, &e) == 0);
    CHECK(cfg && cfg->n_params == 1);
    config_free(cfg);
    free(path);

    /* Over 1 MiB: refused before parsing (the padding is a valid comment). */
    size_t big = 1024 * 1024 + 16;
    char *text = malloc(big + 1);
    memset(text, ' ', big);
    memcpy(text, "database: x\npolicies: p\n#", 25);
    text[big] = '\0';
    expect_bad("big.yaml", text, ERR_INVALID, "big.yaml:1:1: ", "1 MiB");
    free(text);

    /* No such file, a directory: bad input (exit 2), naming the path. */
    char missing[512];
    snprintf(missing, sizeof missing, "%s/no-such.yaml", dir);
    cfg = (struct config *)1;
    CHECK(config_load(missing, &cfg, &e) == ERR_INVALID);
    CHECK(cfg == NULL);
    CHECK_STR_CONTAINS(e.msg, "no-such.yaml: no such file");
    CHECK(config_load(dir, &cfg, &e) == ERR_INVALID);
    CHECK_STR_CONTAINS(e.msg, "not a regular file (a directory)");
    if (geteuid() != 0) {
        path = test_write_file(dir, "secret.yaml", "database: x\npolicies: p\n");
        chmod(path, 0);
        CHECK(config_load(path, &cfg, &e) == ERR_FAIL);
        CHECK_STR_CONTAINS(e.msg, "secret.yaml: cannot read: Permission denied");
        free(path);
    }
}

/* The key table is the one description: an empty config gets every
 * default from it, every integer row refuses its bounds+1 with its label,
 * and `fupin check --keys` lists every row. */
static void the_table_drives_loader_defaults_and_docs(void)
{
    struct err e = {{0}};
    char *path = test_write_file(dir, "bare.yaml", "database: d\npolicies: p\n");
    struct config *cfg = NULL;
    CHECK(config_load(path, &cfg, &e) == 0);
    free(path);
    for (size_t i = 0; cfg && i < config_n_keys; i++) {
        const struct config_key *k = &config_keys[i];
        if (k->flags & CKF_IN_CHANNEL)
            continue;
        const char *slot = (const char *)cfg + k->offset;
        if (k->type == CK_INT)
            CHECK(*(const int *)slot == k->dflt);
        else if (k->type == CK_LONG)
            CHECK(*(const long *)slot == k->dflt);
        else if (k->type == CK_CHOICE || k->type == CK_ZONE)
            CHECK(strcmp(*(char *const *)slot, k->dflt_text) == 0);
        else if (k->type == CK_TIME || k->type == CK_DAY)
            CHECK(strcmp(slot, k->dflt_text) == 0);
    }
    config_free(cfg);

    for (size_t i = 0; i < config_n_keys; i++) {
        const struct config_key *k = &config_keys[i];
        if (k->type != CK_INT && k->type != CK_LONG)
            continue;
        for (int side = 0; side < 2; side++) {
            /* "channels.webhook" + "timeout_s" -> nested YAML, url given */
            char text[512], label[96], want[160];
            size_t o = (size_t)snprintf(text, sizeof text, "database: d\npolicies: p\n");
            int depth = 0;
            for (const char *s = k->section; *s; depth++) {
                size_t n = strcspn(s, ".");
                o += (size_t)snprintf(text + o, sizeof text - o, "%*s%.*s:\n", 2 * depth, "",
                                      (int)n, s);
                s += n + (s[n] == '.');
            }
            if (strcmp(k->section, "channels.email") == 0 ||
                strcmp(k->section, "channels.webhook") == 0)
                o += (size_t)snprintf(text + o, sizeof text - o, "%*surl: u\n%*sfrom: f\n",
                                      2 * depth, "", 2 * depth, "");
            long bad = side ? k->max + 1 : k->min - 1;
            snprintf(text + o, sizeof text - o, "%*s%s: %ld\n", 2 * depth, "", k->name, bad);
            if (strcmp(k->section, "channels.webhook") == 0) /* webhook has no from */
                memcpy(strstr(text, "from: f"), "#rom", 4);
            snprintf(label, sizeof label, "%s.%s", k->section, k->name);
            snprintf(want, sizeof want, "%s: %ld is out of range (%ld..%ld)", label, bad, k->min,
                     k->max);
            expect_bad("bounds.yaml", text, ERR_INVALID, "bounds.yaml:", want);
        }
    }

    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    config_print_keys(f);
    fclose(f);
    char *lines = malloc(len + 2); /* every line after a \n, the first one too */
    snprintf(lines, len + 2, "\n%s", out);
    for (size_t i = 0; i < config_n_keys; i++) {
        char label[96];
        const struct config_key *k = &config_keys[i];
        snprintf(label, sizeof label, "\n%s%s%s ", k->section, k->section[0] ? "." : "", k->name);
        CHECK_STR_CONTAINS(lines, label);
        CHECK_STR_CONTAINS(out, k->doc);
    }
    free(lines);
    free(out);
}

/* Every address that goes into an SMTP command: a bare local@domain only,
 * so no CR/LF, <>, comma or space can add a recipient or a header. */
static void mail_addresses_are_bare_and_one_line(void)
{
    static const char *const good[] = {"fupin@example.org", "a.b+c@mail.example.gov.cn",
                                       "x_1@d-2.cn"};
    static const char *const bad[] = {"a@b.c>\r\nBcc: victim@example.com\r\nX: <y",
                                      "x@y.z\nRCPT TO:<v@e.com>",
                                      "<a@b.c>",
                                      "Name <a@b.c>",
                                      "a@b.c, v@e.com",
                                      "a b@c.d",
                                      "@b.c",
                                      "a@",
                                      "a@b..c",
                                      ".a@b.c",
                                      "a.@b.c",
                                      "a@b.c.",
                                      "a@@b.c",
                                      "\"a\"@b.c",
                                      "a@b.c\x7f",
                                      "",
                                      NULL};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK(config_mail_address_ok(good[i]));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (config_mail_address_ok(bad[i]))
            fprintf(stderr, "accepted: %s\n", bad[i] ? bad[i] : "(null)");
        CHECK(!config_mail_address_ok(bad[i]));
    }
    const char *cfg = "database: x.db\npolicies: p\nchannels:\n"
                      "  email: {url: \"smtp://127.0.0.1:25\",\n"
                      "          from: \"a@b.c>\\r\\nBcc: v@e.com\"}\n";
    expect_bad("from.yaml", cfg, ERR_INVALID, "from.yaml:5:17: ", "channels.email.from");
    cfg = "database: x.db\npolicies: p\nchannels:\n"
          "  email: {url: \"smtp://h\\r\\nQUIT\", from: a@b.c}\n";
    expect_bad("url.yaml", cfg, ERR_INVALID, "url.yaml:4:16: ", "channels.email.url");
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s", test_tmpdir());
    RUN(shipped_config_loads);
    RUN(defaults_and_relative_paths);
    RUN(bad_files_are_refused_with_position);
    RUN(the_table_drives_loader_defaults_and_docs);
    RUN(mail_addresses_are_bare_and_one_line);
    return test_done();
}
