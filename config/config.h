/* config.h - the YAML configuration (libyaml) loaded into a plain struct.
 * The loader is strict: unknown keys, wrong types, missing required keys,
 * aliases, several documents, nesting deeper than 32 and files over 1 MiB are
 * errors naming file:line:column. Nothing here touches the database. */
#ifndef FUPIN_CONFIG_H
#define FUPIN_CONFIG_H

#include "err.h"

#include <stddef.h>

enum config_param_type { PARAM_NUMBER, PARAM_STRING, PARAM_BY_YEAR };

/* One leaf of params:, flattened to a dotted key ("employment.min_age").
 * A mapping whose keys are all years (four digits) is one PARAM_BY_YEAR. */
struct config_param {
    char *key;
    enum config_param_type type;
    double number; /* PARAM_NUMBER */
    char *string;  /* PARAM_STRING */
    size_t n_years; /* PARAM_BY_YEAR: ascending years[] with values[] */
    int *years;
    double *values;
    int line; /* where it was defined, for messages */
};

/* A delivery channel (channels: file / webhook / email). */
struct config_channel {
    char *name; /* "file", "webhook", "email" */
    char *dir;  /* file: spool directory */
    char *url;  /* webhook: POST target; email: smtp://host:port */
    char *from; /* email: sender address */
    char *username, *password; /* email: optional SMTP login */
    int timeout_s;
};

struct config {
    char *path; /* the file it came from */
    char *dir;  /* its directory: relative paths below are resolved against it */

    char *database;     /* absolute or config-relative, already resolved */
    char *policies_dir; /* resolved */
    char *lua_dir;      /* lua: the Lua library policies use (fp.lua); default <policies>/../lua */
    char *policy_tests_dir; /* policy_tests: YAML cases; default <policies>/../tests/policies */
    char *plugin_dir;   /* resolved */
    char **plugins;     /* plugin names to load (plugins.load) */
    size_t n_plugins;

    struct config_param *params; /* sorted by key */
    size_t n_params;

    char nightly_at[6]; /* "HH:MM" */
    char *timezone;     /* default "Asia/Shanghai" */

    int escalation_county_days; /* overdue days before county is alerted */
    int escalation_city_days;   /* overdue days before city is alerted */

    struct config_channel *channels;
    size_t n_channels;
    int delivery_max_attempts;  /* delivery.max_attempts */
    int delivery_backoff_s;     /* delivery.backoff_s: first retry delay, doubled each time */

    char *log_level; /* "debug" | "info" | "warn" | "error" */

    int workers;       /* engine.workers: evaluation threads (>= 1) */
    int poll_ms;       /* engine.poll_ms: data_version poll interval */
    int batch_size;    /* engine.batch_size: households per write transaction */
    char as_of[11];    /* engine.as_of "YYYY-MM-DD"; "" = the current date */

    long lua_instructions; /* limits.instructions per policy evaluation */
    long lua_memory_kb;    /* limits.memory_kb per Lua state */
    int lua_wall_ms;       /* limits.wall_ms per policy evaluation */
};

/* Loads and validates path. On success *out is a new config the caller frees
 * with config_free. On failure returns ERR_INVALID (bad content) or ERR_FAIL
 * (cannot read) with "file:line:column: what" in e. */
int config_load(const char *path, struct config **out, struct err *e);
void config_free(struct config *cfg);

/* The param with exactly this dotted key, or NULL. */
const struct config_param *config_param_find(const struct config *cfg, const char *key);

/* Numeric value of key for year (latest year <= year for PARAM_BY_YEAR; a
 * plain number answers every year). Returns 0, or ERR_INVALID when the key is
 * missing, not numeric, or has no year <= year. */
int config_param_number(const struct config *cfg, const char *key, int year, double *value);

/* Looks key up as "<area>.<key>" first, then as "<key>": the scoping rule of
 * the plugin and Lua params views. area may be NULL. */
const struct config_param *config_param_scoped(const struct config *cfg, const char *area,
                                               const char *key);

/* The channel named name, or NULL. */
const struct config_channel *config_channel_find(const struct config *cfg, const char *name);

/* Today's date as YYYY-MM-DD in the configured time zone, or cfg->as_of
 * (engine.as_of) when set. */
void config_today(const struct config *cfg, char out[11]);

#endif
