/* casefile_internal.h - shared by casefile.c (running and comparing) and
 * casefile_parse.c (YAML to household). Not for other modules. The YAML is
 * read through the config layer's tree (config_yaml.h), never libyaml. */
#ifndef FUPIN_CASEFILE_INTERNAL_H
#define FUPIN_CASEFILE_INTERNAL_H

#include "arena.h"
#include "config_yaml.h"
#include "err.h"
#include "household.h"
#include "policy.h"

#include <stdarg.h>
#include <stdint.h>

/* One case file being read: its tree stays loaded while its cases run, so
 * parsed strings point into it. */
struct cf_file {
    const char *path;
    struct ynode *root; /* NULL: the file is empty */
    struct arena arena; /* the tree */
    struct err *e;
};

struct cf_expect {
    const struct ynode *node;
    const char *measure, *kind, *reason_contains;
    const char *alert, *severity, *message_contains;
    int has_member, has_amount;
    int64_t member;
    double amount;
};

/* Sets "path:line:col: what" (ERR_INVALID) at node n (NULL: 1:1). */
int cf_error(struct cf_file *f, const struct ynode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The text of a scalar node; NULL for a mapping, a list or no node. */
const char *cf_scalar(const struct ynode *n);
/* Nonzero for a plain null ("", ~, null, Null, NULL). */
int cf_is_null(const struct ynode *n);
/* A finite number / an integer / a YYYY-MM-DD date (pointing into the tree)
 * from a scalar, else an error naming what. */
int cf_number(struct cf_file *f, const struct ynode *n, const char *what, double *out);
int cf_integer(struct cf_file *f, const struct ynode *n, const char *what, int64_t *out);
int cf_date(struct cf_file *f, const struct ynode *n, const char *what, const char **out);

/* Builds hh from a household mapping (NULL: all defaults) as of today;
 * arrays and derived strings come from a, other strings from the tree. */
int cf_parse_household(struct cf_file *f, const struct ynode *map, const char *today,
                       struct arena *a, struct household *hh);
int cf_parse_expect(struct cf_file *f, const struct ynode *map, struct cf_expect *x);

#endif
