/* rule_stage.h - staged activation (`reload: review`) for the daemon: the
 * live policy texts and params: kept in the database, written out to a
 * private folder (and config copy) the daemon loads instead of the policy
 * folder and the config's own params:, and the pending changes it proposes. Never puts a change
 * live itself: `fupin change activate` decides, in the database. */
#ifndef FUPIN_RULE_STAGE_H
#define FUPIN_RULE_STAGE_H

#include "config.h"
#include "policy_set.h"
#include "err.h"

#include <stddef.h>
#include <stdint.h>

/* The folder the live texts are written to: beside the database, ending in
 * the policy folder's own name so the policies' sources (and so the
 * findings' sources and fingerprints) are the same as from the folder. */
void rule_stage_dir(const struct config *cfg, const char *policies_dir, char *out, size_t size);

/* Seeds the live set from disk_dir (NULL: does not) when the database has
 * none yet (the first start in review mode), then writes the live texts into live_dir
 * (created 0700; other .lua files there removed) and the live plugins into
 * rule_stage_plugin_dir. *gen: the last activated change's id;
 * *plugins_changed (may be NULL): a plugin file there changed. */
int rule_stage_write_live(const struct config *cfg, const char *disk_dir, const char *live_dir,
                          int64_t *gen, int *plugins_changed, struct err *e);

/* The folder of the live plugins, beside live_dir. In review mode the
 * daemon points FUPIN_PLUGIN_DIR there, so that every config it loads (and
 * every worker it starts) loads the activated plugins. */
void rule_stage_plugin_dir(const char *live_dir, char *out, size_t size);

/* The id of the last activated change, cheaply (its own connection). */
int rule_stage_generation(const struct config *cfg, int64_t *gen, struct err *e);

/* Records a pending change of files[0..n) (names in disk_dir, checked
 * already) unless they hold what is live or what was proposed before.
 * *id: the new change, 0 when nothing was proposed. */
int rule_stage_propose(const struct config *cfg, const char *disk_dir, char (*files)[128], int n,
                       int64_t *id, struct err *e);

/* Records a pending change of the params: block of disk (a config as read
 * from its file, its params checked already) and of the plugins it loads
 * from plugin_dir (those checked loaded: not missing from checked), those
 * that differ from the live ones,
 * unless that content was proposed before. *id: the new change, 0 when
 * nothing was proposed. */
int rule_stage_propose_config(const struct config *disk, const char *plugin_dir,
                              const struct policy_set *checked, int64_t *id, struct err *e);

/* The config to run in review mode: disk (a config as read from its file)
 * with the live params: in place of its own and policies_dir naming
 * live_dir, where the live policy texts are written. seed_dir (NULL: none)
 * seeds the live set when the database has none yet, as
 * rule_stage_write_live does; the file's params: and the plugins of
 * seed_plugins seed the live ones when the database has none. *out is new (config_free); *gen: the
 * last activated change. Call under rule_stage_lock when a thread may load the live folder
 * meanwhile. */
int rule_stage_live_config(const struct config *disk, const char *seed_dir,
                           const char *seed_plugins, const char *live_dir, struct config **out,
                           int64_t *gen, struct err *e);

/* What a one-shot command (`fupin eval`) runs in review mode: the live
 * config of disk as the daemon builds it (seeding the live set from disk
 * when the database has none), with FUPIN_PLUGIN_DIR pointed at the live
 * plugins for this process and its workers. Call before any thread runs. */
int rule_stage_open_live(const struct config *disk, struct config **out, struct err *e);

/* *changed: the live params: differ from those running holds (its text's),
 * so an activation needs a new config, not only new policies. */
int rule_stage_params_changed(const struct config *running, int *changed, struct err *e);

/* Held while the live folder is written and a rule set loaded from it, so
 * nobody loads a half-written set (an activation racing a SIGHUP). */
void rule_stage_lock(void);
void rule_stage_unlock(void);

#endif
