/* config_internal.h - what the config*.c files share while one file is
 * loaded: the load context, its error helpers, the key table's row type and
 * the path helpers. Not for other modules: they see only config.h. */
#ifndef FUPIN_CONFIG_INTERNAL_H
#define FUPIN_CONFIG_INTERNAL_H

#include "config.h"
#include "config_yaml.h"
#include "i18n.h"

struct config_load_ctx {
    const char *path; /* as the caller named it: messages quote it */
    struct config *cfg;
    struct err *e;
};

/* Sets "path:line:col: what" (ERR_INVALID) pointing at node n. */
int config_fail(struct config_load_ctx *c, const struct ynode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sets "path: out of memory" and returns ERR_FAIL. */
int config_oom(struct config_load_ctx *c);
/* A short description of a node for "got ..." messages. */
const char *config_describe(const struct ynode *n, char *buf, size_t size);
/* 1 when the plain scalar n is a number that is not finite: YAML's .nan,
 * .inf, -.inf in any of their spellings, strtod's nan/inf, or a figure too
 * large for a double. Such a value is out of range for every numeric key. */
int config_is_nonfinite(const struct ynode *n);

/* "a/./b/../c" -> "a/c"; rel resolved against base unless absolute. Both
 * malloc'd, NULL when out of memory. */
char *config_path_normalize(const char *in);
char *config_path_join(const char *base, const char *rel);

/* ---- the key table (config_table.c) ---- */

enum config_key_type {
    CK_PATH,   /* text, resolved against the config's folder */
    CK_TEXT,   /* text */
    CK_INT,    /* an int within [min, max] */
    CK_LONG,   /* a long within [min, max] */
    CK_CHOICE, /* one word of `choices` ("a|b|c") */
    CK_TIME,   /* "HH:MM" into a char[6] */
    CK_ZONE,   /* a time zone name tz.c knows */
    CK_DAY,    /* "" or "YYYY-MM-DD" into a char[11] */
    CK_NAMES,  /* a list of plugin names (letters, digits, _) */
    CK_PARAMS, /* the params: tree (config_params.c) */
    CK_LISTEN, /* text, an address to listen on (config_listen_parse) */
    CK_ADDRS   /* text, literal IP addresses separated by commas (config_addr_in) */
};

enum config_key_flags {
    CKF_REQUIRED = 1,      /* a missing key is an error */
    CKF_EMPTY_OK = 2,      /* text may be "" */
    CKF_FROM_POLICIES = 4, /* CK_PATH default: relative to policies, not the config */
    CKF_IN_CHANNEL = 8     /* offset is into struct config_channel, not struct config */
};

struct config_key {
    const char *section; /* "" (top level), "engine", "channels.webhook" */
    const char *name;
    enum config_key_type type;
    size_t offset;         /* of the member it fills */
    long min, max;         /* CK_INT, CK_LONG */
    long dflt;             /* CK_INT, CK_LONG default */
    const char *dflt_text; /* text default; CK_PATH: relative, see CKF_FROM_POLICIES */
    const char *choices;   /* CK_CHOICE */
    unsigned flags;
    const char *doc; /* one line: what it is for */
};

extern const struct config_key config_keys[];
extern const size_t config_n_keys;

/* Fills cfg from the tree root (NULL for an empty file) by the table:
 * defaults first, then every section, then the checks across keys. */
int config_load_table(struct config_load_ctx *c, const struct ynode *root);

/* Flattens params: into cfg->params, sorted by key. n may be NULL. */
int config_load_params(struct config_load_ctx *c, const struct ynode *n);

#endif
