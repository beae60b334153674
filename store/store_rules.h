/* store_rules.h - the history of rule versions: every policy, plugin and
 * params set that ever ran, with its text. A finding's source is the key of
 * the version that produced it. Rows are only ever added (or their missing
 * text filled in); nothing here deletes history. */
#ifndef FUPIN_STORE_RULES_H
#define FUPIN_STORE_RULES_H

#include "err.h"
#include "store.h"

#include <stddef.h>
#include <stdint.h>

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

/* Gives json (a preview or a measured difference) to every version first
 * activated at or after since that has no summary yet: the versions a
 * reload or an activation just put live. */
int store_rule_version_summarize(struct store *st, const char *since, const char *json,
                                 struct err *e);

/* The versions the daemon first put to work at or after since were put
 * live by by (review mode: who activated the change), not by the daemon. */
int store_rule_version_activated_by(struct store *st, const char *since, const char *by,
                                    struct err *e);

/* Names source ("params@<hash>") as the params set that runs: every
 * finding written from now on records it (finding.params_source). */
int store_params_live(struct store *st, const char *source, struct err *e);

/* ---- staged activation (store_change.c) ---- */

/* One policy file of a change or of the live set; text NULL: removed. The
 * file RULE_PARAMS_FILE holds the params: block of the config (its text as
 * written there). */
#define RULE_PARAMS_FILE "params"
/* "plugin:education.so": a plugin's bytes, as hex text (change_plugin_text). */
#define RULE_PLUGIN_PREFIX "plugin:"
struct rule_file {
    char *file; /* "industry.lua" */
    char *text;
};

struct rule_change {
    int64_t id;
    char state[12]; /* pending | active | discarded | stale */
    char hash[17];
    char *files, *policies; /* ", "-joined */
    char created_at[20], decided_at[20];
    char *decided_by;
    struct rule_file *f;
    size_t n_f;
};

void rule_change_clear(struct rule_change *c);
void rule_files_free(struct rule_file *f, size_t n);

/* The live policy texts (rule_live) into a new array the caller frees with
 * rule_files_free; *gen: the id of the last activated change (0: none).
 * out NULL: only *gen (a cheap check whether anything was activated). */
int store_live_load(struct store *st, struct rule_file **out, size_t *n, int64_t *gen,
                    struct err *e);
/* Makes f[0..n) the live set when rule_live is empty (the first start in
 * review mode); does nothing otherwise. */
int store_live_seed(struct store *st, const struct rule_file *f, size_t n, struct err *e);
/* Makes text the live version of file when none is (the params: of a
 * database staged before params were). */
int store_live_seed_file(struct store *st, const char *file, const char *text, struct err *e);
/* Records a pending change of the files f (their new texts) made against
 * the live set, unless the same content was proposed before (pending,
 * active, discarded or stale: *id = 0 then). hash: of the contents. */
int store_change_propose(struct store *st, const char *hash, const struct rule_file *f, size_t n,
                         const char *now, int64_t *id, struct err *e);
/* Every change, newest first (without file texts), into a new array the
 * caller frees with rule_change_clear on each and free. */
int store_change_list(struct store *st, struct rule_change **out, size_t *n, struct err *e);
/* Change id with its files' texts into *c; ERR_NOTFOUND when there is none. */
int store_change_get(struct store *st, int64_t id, struct rule_change *c, struct err *e);
/* Decides a pending change (in one transaction): activate puts its texts
 * live and marks every other pending change stale (made against the old
 * live set); otherwise it is discarded. summary (may be NULL): its preview's
 * JSON, kept in the same transaction, so whoever sees the decision sees it.
 * ERR_INVALID when it is not pending. */
int store_change_decide(struct store *st, int64_t id, int activate, const char *by, const char *now,
                        const char *summary, struct err *e);
/* Keeps json, the preview of change id against the live set, with it. */
int store_change_set_summary(struct store *st, int64_t id, const char *json, struct err *e);

/* The JSON summary kept with change id into *json (NULL: none); the caller
 * frees it. */
int store_change_summary(struct store *st, int64_t id, char **json, struct err *e);

/* The folders people edit in review mode (the daemon runs copies): kept so
 * that whoever decides a change compares it with them, also in a process
 * that only has the daemon's running config (the web console). */
int store_review_dirs_set(struct store *st, const char *policies, const char *plugins,
                          struct err *e);
/* Both NULL when no daemon named them; the caller frees them. */
int store_review_dirs_get(struct store *st, char **policies, char **plugins, struct err *e);

/* `reload: auto`: a reload that changed the policies named is recorded as
 * an active change by "auto" (files: what was reloaded) into *id. */
int store_change_record_auto(struct store *st, const char *files, const char *policies,
                             const char *now, int64_t *id, struct err *e);

/* What a reload's re-evaluation did to one policy and measure's findings
 * (store_tally_diffs). */
struct rule_diff {
    char *policy, *measure;
    long added, withdrawn, changed;
    double amount_before, amount_after; /* of those, open and accepted */
};

void rule_diffs_free(struct rule_diff *d, size_t n);

#endif
