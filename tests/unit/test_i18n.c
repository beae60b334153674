/* test_i18n.c - the language in one process: Chinese with no locale at all,
 * a person's LANGUAGE/LC_ALL/LC_MESSAGES over the config's language:, the
 * config over the default, the choice handed on in LANGUAGE, a language
 * changed after a message was already translated, and the catalogue found
 * through FUPIN_LOCALEDIR. (tests/integration/i18n_language.py does the same
 * through the real binary, its catalogue beside it.) */
#include "config.h"
#include "err.h"
#include "i18n.h"
#include "store.h"
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A msgid of cmd/cli.c and its Chinese in po/zh_CN.po. */
#define MSGID "expected a household ID"
#define ZH "需要一个户编号"

static void clear_env(void)
{
    unsetenv("LANGUAGE");
    unsetenv("LC_ALL");
    unsetenv("LC_MESSAGES");
    unsetenv("LANG");
}

static void start(const char *var, const char *value)
{
    clear_env();
    if (var)
        setenv(var, value, 1);
    i18n_init();
}

static void chinese_without_any_locale(void)
{
    start(NULL, NULL);
    CHECK(strcmp(i18n_language(), "zh_CN") == 0);
    CHECK(strcmp(_(MSGID), ZH) == 0);
    const char *passed_on = getenv("LANGUAGE");
    CHECK(passed_on && strcmp(passed_on, "zh_CN") == 0);
}

static void the_config_decides_when_the_environment_does_not(void)
{
    start("LC_ALL", "C");
    CHECK(strcmp(_(MSGID), ZH) == 0); /* cached in gettext now */
    CHECK(i18n_apply_config("en") == 0);
    CHECK(strcmp(i18n_language(), "en") == 0);
    CHECK(strcmp(_(MSGID), MSGID) == 0);
    const char *passed_on = getenv("LANGUAGE");
    CHECK(passed_on && strcmp(passed_on, "en") == 0);
    CHECK(i18n_apply_config("zh-CN") == 0);
    CHECK(strcmp(_(MSGID), ZH) == 0);
    CHECK(i18n_apply_config(NULL) == 0);
    CHECK(strcmp(i18n_language(), "zh_CN") == 0);
}

static void a_person_wins_over_the_config(void)
{
    start("LANGUAGE", "en_GB:en");
    CHECK(i18n_apply_config("zh-CN") == 0);
    CHECK(strcmp(i18n_language(), "en") == 0 && strcmp(_(MSGID), MSGID) == 0);

    start("LANGUAGE", "zh_CN");
    CHECK(i18n_apply_config("en") == 0);
    CHECK(strcmp(i18n_language(), "zh_CN") == 0 && strcmp(_(MSGID), ZH) == 0);

    start("LC_MESSAGES", "en_US.UTF-8"); /* not installed here: still English */
    CHECK(i18n_apply_config("zh-CN") == 0);
    CHECK(strcmp(_(MSGID), MSGID) == 0);

    start("LANGUAGE", "fr"); /* no French: English, the second language */
    CHECK(strcmp(i18n_language(), "en") == 0);

    start("LANG", "en_US.UTF-8"); /* the machine's default is no one's choice */
    CHECK(strcmp(i18n_language(), "zh_CN") == 0);
    CHECK(i18n_apply_config("en") == 0);
    CHECK(strcmp(i18n_language(), "en") == 0);
}

static void other_languages_are_refused(void)
{
    start(NULL, NULL);
    CHECK(i18n_apply_config("fr") == ERR_INVALID);
    CHECK(i18n_apply_config("zh_CN") == ERR_INVALID);
    CHECK(strcmp(i18n_language(), "zh_CN") == 0);
}

static void the_config_key_is_checked(void)
{
    char *path = test_write_file(test_tmpdir(), "lang.yaml",
                                 "database: x.db\npolicies: p\nlanguage: english\n");
    struct config *cfg = NULL;
    struct err e = {{0}};
    CHECK(config_load(path, &cfg, &e) == ERR_INVALID);
    CHECK_STR_CONTAINS(e.msg, "lang.yaml:3:11: ");
    CHECK_STR_CONTAINS(e.msg, "english");
    free(path);
    path = test_write_file(test_tmpdir(), "lang.yaml", "database: x.db\npolicies: p\n");
    CHECK(config_load(path, &cfg, &e) == 0);
    CHECK(cfg && strcmp(cfg->language, "zh-CN") == 0);
    config_free(cfg);
    free(path);
}

/* The store's labels (N_() where used, translated by store_fail) read in
 * Chinese before SQLite's own words. */
static void store_errors_name_what_failed_in_chinese(void)
{
    start(NULL, NULL);
    char *path =
        test_write_file(test_tmpdir(), "not-a-database.db", "plain text, not an SQLite file\n");
    struct store *st = NULL;
    struct err e = {{0}};
    CHECK(store_open(path, STORE_READ, &st, &e) != 0 && st == NULL);
    CHECK_STR_CONTAINS(
        e.msg,
        "not-a-database.db：读取数据库结构版本：该文件不是 SQLite 数据库（SQLite 错误码 26）");
    free(path);
}

int main(void)
{
    /* The unit tests run from the build's tests/ folder, not beside the
     * catalogue: point at it as a packager would. */
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/locale", test_env("FUPIN_BUILD_DIR", "."));
    setenv("FUPIN_LOCALEDIR", dir, 1);
    RUN(chinese_without_any_locale);
    RUN(the_config_decides_when_the_environment_does_not);
    RUN(a_person_wins_over_the_config);
    RUN(other_languages_are_refused);
    RUN(the_config_key_is_checked);
    RUN(store_errors_name_what_failed_in_chinese);
    return test_done();
}
