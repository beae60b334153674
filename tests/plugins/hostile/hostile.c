/* hostile.c - a plugin with the bugs plugins will have, for the containment
 * tests: by the head's name it segfaults ("SEGV"), loops forever ("HANG",
 * after saying so on stderr so a test can wait for it) or calls abort()
 * ("ABORT"); every other household gets one finding. */
#include "fupin_plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const measures[] = {"hostile_ok", NULL};

/* Declared and never set: FUPIN_PLUGIN_DEFINE wants an array. */
static const struct fupin_param_decl params[] = {
    {.key = "unused",
     .type = FUPIN_PARAM_INTEGER,
     .unit = "count",
     .title = "测试插件未用的参数",
     .min = 0,
     .max = 1},
};

static int hostile_evaluate(struct fupin_ctx *c, const struct fupin_household *hh)
{
    const char *name = hh->head_name ? hh->head_name : "";
    if (strcmp(name, "SEGV") == 0) {
        volatile int *nowhere = NULL;
        *nowhere = 1;
    } else if (strcmp(name, "HANG") == 0) {
        fprintf(stderr, "hostile: hanging on household %lld\n", (long long)hh->id);
        fflush(stderr);
        for (volatile unsigned long spin = 0;; spin++)
            ;
    } else if (strcmp(name, "ABORT") == 0) {
        abort();
    }
    return fupin_recommend(c, 0, "hostile_ok", "hostile: household %lld came through",
                           (long long)hh->id);
}

FUPIN_PLUGIN_DEFINE("hostile", "0.1", measures, params, hostile_evaluate)
