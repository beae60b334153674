/* config.h - the YAML configuration (libyaml) loaded into a plain struct.
 * One table (config_table.c) names every key with its type, bounds and
 * default; the loader, the defaults and `fupin check --keys` all read it.
 * The loader is strict: unknown keys, wrong types, out-of-range or
 * non-finite numbers, missing required keys, aliases, several documents,
 * nesting deeper than 32 and files over 1 MiB are errors naming
 * file:line:column. The params: section is checked against what the
 * policies declare (config_params_check). Nothing here touches the database. */
#ifndef FUPIN_CONFIG_H
#define FUPIN_CONFIG_H

#include "err.h"

#include <stddef.h>
#include <stdio.h>

enum config_param_type { PARAM_NUMBER, PARAM_STRING, PARAM_BY_YEAR };

/* One leaf of params:, flattened to a dotted key ("employment.min_age").
 * A mapping whose keys are all years (four digits) is one PARAM_BY_YEAR. */
struct config_param {
    char *key;
    enum config_param_type type;
    double number;  /* PARAM_NUMBER */
    char *string;   /* PARAM_STRING */
    size_t n_years; /* PARAM_BY_YEAR: ascending years[] with values[] */
    int *years;
    double *values;
    int line, col;             /* where the value was written, for messages */
    int *year_line, *year_col; /* PARAM_BY_YEAR: where each value was written */
};

/* A delivery channel (channels: file / webhook / email). */
struct config_channel {
    char *name;                /* "file", "webhook", "email" */
    char *dir;                 /* file: spool directory */
    char *url;                 /* webhook: POST target; email: smtp://host:port */
    char *from;                /* email: sender address */
    char *username, *password; /* email: optional SMTP login */
    int timeout_s;
};

struct config {
    char *path; /* the file it came from */
    char *dir;  /* its directory: relative paths below are resolved against it */
    /* The bytes parsed: a worker process loads exactly these (a copy), not
     * the file, which the operator may have edited since. */
    char *text;
    size_t text_len;

    char *database;     /* absolute or config-relative, already resolved */
    char *policies_dir; /* resolved */
    char *lua_dir;      /* lua: the Lua library policies use (fp.lua); default <policies>/../lua */
    char *policy_tests_dir; /* policy_tests: YAML cases; default <policies>/../tests/policies */
    char *plugin_dir;       /* resolved */
    char **plugins;         /* plugin names to load (plugins.load) */
    size_t n_plugins;

    struct config_param *params; /* sorted by key */
    size_t n_params;
    int params_line, params_col; /* the params: key, or 1:1 when there is none */
    /* Non-NULL for a copy made by config_params_check: it borrows every
     * pointer of base except params, which it owns. */
    const struct config *base;

    char nightly_at[6]; /* "HH:MM" */
    char *timezone;     /* default "Asia/Shanghai" */

    int escalation_county_days; /* overdue days before county is alerted */
    int escalation_city_days;   /* overdue days before city is alerted */

    struct config_channel *channels;
    size_t n_channels;
    int delivery_max_attempts; /* delivery.max_attempts */
    int delivery_backoff_s;    /* delivery.backoff_s: first retry delay, doubled each time */

    char *log_level; /* "debug" | "info" | "warn" | "error" */
    char *language;  /* "zh-CN" (default) | "en": what people read (base/i18n.h) */
    char *reload;    /* "auto" (default) | "review": staged activation (fupin change) */

    int workers;                /* engine.workers: evaluation worker processes (>= 1) */
    int worker_deadline_factor; /* engine.worker_deadline_factor: hard deadline / wall_ms */
    int poll_ms;                /* engine.poll_ms: data_version poll interval */
    int batch_size;             /* engine.batch_size: households per write transaction */
    char as_of[11];             /* engine.as_of "YYYY-MM-DD"; "" = the current date */

    /* http: the web console (web/web.h); off when http.listen is absent. */
    char *http_listen;                   /* "127.0.0.1:8080", "[::1]:8080", "8080" (loopback) */
    int http_session_minutes;            /* a session's whole life */
    int http_idle_minutes;               /* a session unused this long ends */
    int http_threads;                    /* request threads */
    int http_max_connections;            /* open connections at once */
    int http_per_ip;                     /* open connections from one address */
    int http_login_failures;             /* failures for one user name before 429 */
    int http_login_failures_per_address; /* failures from one address before 429 */
    int http_login_window_min;           /* ...within this many minutes */
    char *http_tls_cert;                 /* PEM files: HTTPS by libmicrohttpd (GnuTLS) */
    char *http_tls_key;
    char *http_secure_cookies;  /* "true": Secure cookies behind a TLS proxy */
    char *http_trusted_proxies; /* "127.0.0.1, ::1": peers whose X-Forwarded-For counts */

    long lua_instructions; /* limits.instructions per policy evaluation */
    long lua_memory_kb;    /* limits.memory_kb per Lua state */
    int lua_wall_ms;       /* limits.wall_ms per policy evaluation */
};

/* Loads and validates path. On success *out is a new config the caller frees
 * with config_free. On failure returns ERR_INVALID (bad content) or ERR_FAIL
 * (cannot read) with "file:line:column: what" in e. params: is only read
 * here (types and finiteness); config_params_check holds it to the
 * declarations. */
int config_load(const char *path, struct config **out, struct err *e);
/* config_load of a copy of a config's text (cfg->text) written to copy:
 * messages and cfg->path name the original path, and relative paths resolve
 * against dir (absolute: the original's cfg->dir) as they did for it. */
int config_load_copy(const char *copy, const char *path, const char *dir, struct config **out,
                     struct err *e);
/* A candidate rule set's config (`fupin preview`): a copy of live with
 * policies_dir / plugin_dir replaced when not NULL (borrowed: they must
 * outlive the copy) and params: read from params_path when not NULL (a file
 * holding only a params: mapping; ERR_INVALID "file:line:col: what").
 * Free with config_free; live must outlive it. */
int config_candidate(const struct config *live, const char *policies_dir, const char *plugin_dir,
                     const char *params_path, struct config **out, struct err *e);
/* The params: block of cfg's text (from its key's line to its last own
 * line), a new string the caller frees; "" when the file has none. The
 * staged params of `reload: review` are this text. */
int config_params_block(const struct config *cfg, char **out, struct err *e);
/* cfg's text with its params: block replaced by block (appended when it has
 * none), a new string of *len bytes the caller frees. */
int config_text_with_params(const struct config *cfg, const char *block, char **out, size_t *len,
                            struct err *e);
/* Frees a loaded config or a copy from config_params_check (which frees
 * only what the copy owns). NULL is fine. */
void config_free(struct config *cfg);

/* Prints every config key of the table, one line each: dotted key, type,
 * bounds, default and what it is for (`fupin check --keys`). */
void config_print_keys(FILE *out);

/* Splits an http.listen value: "HOST:PORT" (an IPv4 literal or localhost),
 * "[IPv6]:PORT", or a bare "PORT" / ":PORT", which means 127.0.0.1 (the
 * console is loopback-only unless an address is written). host gets the
 * literal to bind. Returns 0, or ERR_INVALID with what is wrong in e. */
int config_listen_parse(const char *s, char *host, size_t host_size, int *port, struct err *e);

/* A list of literal IPv4/IPv6 addresses separated by commas (spaces
 * allowed): 0, or ERR_INVALID naming the first that is not one. */
int config_addrs_check(const char *list, struct err *e);
/* Nonzero when the literal address addr is one of list's (compared as
 * addresses: "::1" and "0:0::1" are one). list NULL or "": never. */
int config_addr_in(const char *list, const char *addr);

/* The param with exactly this dotted key, or NULL. */
const struct config_param *config_param_find(const struct config *cfg, const char *key);

/* Numeric value of key for year (latest year <= year for PARAM_BY_YEAR; a
 * plain number answers every year). Returns 0, or ERR_INVALID when the key is
 * missing, not numeric, or has no year <= year. */
int config_param_number(const struct config *cfg, const char *key, int year, double *value);
/* The same for a param already found. */
int config_param_value(const struct config_param *p, int year, double *value);

/* Looks key up as "<area>.<key>" first, then as "<key>": the scoping rule of
 * the plugin and Lua params views. area may be NULL. */
const struct config_param *config_param_scoped(const struct config *cfg, const char *area,
                                               const char *key);

/* ---- declared params ----
 *
 * Each policy declares the params it reads. This is the config layer's own
 * record of one declaration: the runner converts the Lua tables and the
 * plugin ABI's struct fupin_param_decl into it, so config/ never sees the
 * plugin header. */
enum config_decl_type {
    CONFIG_DECL_NUMBER = 1,  /* any finite number */
    CONFIG_DECL_INTEGER = 2, /* a whole number */
    CONFIG_DECL_TEXT = 3,    /* text */
    CONFIG_DECL_DATE = 4     /* text "YYYY-MM-DD" */
};

struct config_param_decl {
    const char *key;   /* dotted, e.g. "industry.project_grant" */
    const char *area;  /* NULL: key is absolute (Lua). Else the plugin rule:
                        * "<area>.<key>" if the config has it, else "<key>" */
    const char *owner; /* who declares it, for messages: "policies/exit.lua" */
    enum config_decl_type type;
    const char *unit;  /* "yuan", "ratio", "years", "days"...; NULL: none */
    const char *title; /* one line for policy officers; NULL allowed */
    double min, max;   /* inclusive, for NUMBER and INTEGER */
    int by_year;       /* may be written {2016: x, 2017: y} (numbers only) */
    int required;      /* the config must set it, unless it has a default */
    int has_default;   /* filled in when the config lacks the key */
    double default_number;
    const char *default_text;
};

/* What config_params_check is told besides the declarations. */
struct config_params_scope {
    /* NULL-terminated areas whose undeclared keys are accepted with a
     * warning: areas with no loaded policy (a plugin not in plugins.load, a
     * policy file that is not there) and plugins that declare nothing. */
    const char *const *quiet_areas;
    const char *const *quiet_reasons; /* one per quiet area, for the warning */
    /* A policy could not be loaded, so what it declares is unknown: every
     * undeclared key is only warned about. */
    int lenient;
    /* Where warnings go (one sentence each); NULL: the log. */
    void (*warn)(void *arg, const char *msg);
    void *arg;
};

/* Holds cfg's params: to decls: refuses (ERR_INVALID, "file:line:col:
 * params.KEY: what") a key no declaration covers outside the quiet areas,
 * a wrong type, a non-whole number for an integer, a value out of range, a
 * per-year table where by_year is not declared, a required param that is
 * missing and has no default, and two declarations of one key that
 * disagree (naming both owners). On success *out is a copy of cfg whose
 * params also hold the declared defaults of keys cfg lacks; it borrows
 * everything else from cfg, which must outlive it (config_free frees it). */
int config_params_check(const struct config *cfg, const struct config_param_decl *decls,
                        size_t n_decls, const struct config_params_scope *scope,
                        struct config **out, struct err *e);

/* "number", "integer", "text", "date"; NULL for anything else. */
const char *config_decl_type_name(enum config_decl_type t);
/* Parses a type name as written in a Lua declaration; 0 when unknown. */
enum config_decl_type config_decl_type_parse(const char *name);
/* Checks one declaration on its own (key syntax, type, bounds, default
 * within bounds, by_year only for numbers): ERR_INVALID "owner: params.KEY:
 * what". */
int config_decl_validate(const struct config_param_decl *d, struct err *e);

/* The channel named name, or NULL. */
/* 1 when s is a bare mail address (local@domain, dot-atoms only: no name,
 * quotes, <>, spaces or control characters), safe inside an SMTP command
 * and a header; 0 otherwise (also for NULL). */
int config_mail_address_ok(const char *s);

const struct config_channel *config_channel_find(const struct config *cfg, const char *name);

/* Today's date as YYYY-MM-DD in the configured time zone, or cfg->as_of
 * (engine.as_of) when set. */
void config_today(const struct config *cfg, char out[11]);

/* The configured zone's offset from UTC in seconds, for showing stored
 * times (tz_show, export_set_zone); Beijing's for a NULL cfg. */
int config_offset_s(const struct config *cfg);

#endif
