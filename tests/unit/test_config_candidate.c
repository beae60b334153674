/* test_config_candidate.c - the params: block of a config as text, which
 * review mode stages and puts back: found between its key and the next
 * top-level key (comments above that key stay with it), absent, last in a
 * file without a final newline; and replaced or appended. */
#include "config.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

static char *block_of(const char *text)
{
    struct config cfg = {0};
    cfg.text = (char *)text;
    cfg.text_len = strlen(text);
    char *out = NULL;
    struct err e;
    CHECK(config_params_block(&cfg, &out, &e) == 0);
    return out;
}

static char *with(const char *text, const char *block)
{
    struct config cfg = {0};
    cfg.text = (char *)text;
    cfg.text_len = strlen(text);
    char *out = NULL;
    size_t len = 0;
    struct err e;
    CHECK(config_text_with_params(&cfg, block, &out, &len, &e) == 0);
    CHECK(out && strlen(out) == len);
    return out;
}

static void block_between_keys(void)
{
    const char *text = "database: x.db\n"
                       "params:\n"
                       "  a: 1\n"
                       "\n"
                       "  # a comment inside\n"
                       "  b:\n"
                       "    c: 2\n"
                       "\n"
                       "# about the schedule\n"
                       "schedule:\n"
                       "  nightly_at: \"02:00\"\n";
    char *b = block_of(text);
    CHECK(b && strcmp(b, "params:\n  a: 1\n\n  # a comment inside\n  b:\n    c: 2\n") == 0);
    char *t = with(text, "params:\n  a: 9\n");
    CHECK(t && strcmp(t, "database: x.db\nparams:\n  a: 9\n\n# about the schedule\nschedule:\n"
                         "  nightly_at: \"02:00\"\n") == 0);
    free(b);
    free(t);
}

static void block_absent_or_last(void)
{
    char *b = block_of("database: x.db\n");
    CHECK(b && strcmp(b, "") == 0);
    free(b);
    char *t = with("database: x.db", "params:\n  a: 1\n");
    CHECK(t && strcmp(t, "database: x.db\nparams:\n  a: 1\n") == 0);
    free(t);
    b = block_of("database: x.db\nparams: {a: 1}");
    CHECK(b && strcmp(b, "params: {a: 1}\n") == 0);
    free(b);
    /* a key that only starts with params is another key */
    b = block_of("paramsx: 1\n");
    CHECK(b && strcmp(b, "") == 0);
    free(b);
}

int main(void)
{
    RUN(block_between_keys);
    RUN(block_absent_or_last);
    return test_done();
}
