/* casefile_internal.h - shared by casefile.c (running and comparing) and
 * casefile_parse.c (YAML to household). Not for other modules. */
#ifndef FUPIN_CASEFILE_INTERNAL_H
#define FUPIN_CASEFILE_INTERNAL_H

#include "arena.h"
#include "err.h"
#include "fupin_plugin.h"
#include "policy.h"

#include <stdarg.h>
#include <stdint.h>
#include <yaml.h>

/* One case file being read: its document stays loaded while its cases run,
 * so parsed strings point into it. */
struct cf_file {
    const char *path;
    yaml_document_t doc;
    struct err *e;
};

struct cf_expect {
    const yaml_node_t *node;
    const char *measure, *kind, *reason_contains;
    const char *alert, *severity, *message_contains;
    int has_member, has_amount;
    int64_t member;
    double amount;
};

int cf_error(struct cf_file *f, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
yaml_node_t *cf_node(struct cf_file *f, int id);
const char *cf_scalar(const yaml_node_t *n);
int cf_is_null(const yaml_node_t *n);
int cf_number(struct cf_file *f, const yaml_node_t *n, const char *what, double *out);
int cf_integer(struct cf_file *f, const yaml_node_t *n, const char *what, int64_t *out);
int cf_date(struct cf_file *f, const yaml_node_t *n, const char *what, const char **out);

/* Builds hh from a household mapping (NULL: all defaults) as of today;
 * arrays and derived strings come from a. */
int cf_parse_household(struct cf_file *f, const yaml_node_t *map, const char *today,
                       struct arena *a, struct fupin_household *hh);
int cf_parse_expect(struct cf_file *f, const yaml_node_t *map, struct cf_expect *x);

#endif
