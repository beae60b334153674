/* store_rules.h - the history of rule versions: every policy, plugin and
 * params set that ever ran, with its text. A finding's source is the key of
 * the version that produced it. Rows are only ever added (or their missing
 * text filled in); nothing here deletes history. */
#ifndef FUPIN_STORE_RULES_H
#define FUPIN_STORE_RULES_H

#include "err.h"
#include "store.h"

enum rule_kind { RULE_POLICY, RULE_PLUGIN, RULE_PARAMS };

struct rule_version {
    enum rule_kind kind;
    const char *name;            /* area ("industry"), plugin name, or "params" */
    const char *source;          /* as in finding.source: "lua:policies/x.lua@<hash>" */
    const char *hash;            /* the content hash (plugins: their version) */
    const char *text;            /* the rule's text; NULL when not known (a binary plugin) */
    const char *by;              /* who or what activated it ("daemon", "eval", a name) */
    const char *now;             /* "YYYY-MM-DD HH:MM:SS" */
    const char *preview_summary; /* JSON of its preview; NULL when none was made */
};

/* Records v the first time it runs (inside the caller's transaction when
 * one is open). *added (may be NULL) says whether the row is new. A version
 * seen before keeps its first activation; only a missing text is filled in. */
int store_rule_version_record(struct store *st, const struct rule_version *v, int *added,
                              struct err *e);

#endif
