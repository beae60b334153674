/* rule_stage.c - the daemon's side of staged activation: the live texts
 * out of the database into a private folder, and new pending changes into
 * it. Writes only rule_live (seeding) and rule_change; never decides. */
#include "rule_stage.h"
#include "change.h"
#include "engine.h"
#include "i18n.h"
#include "store.h"
#include "store_rules.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void rule_stage_dir(const struct config *cfg, const char *policies_dir, char *out, size_t size)
{
    const char *db = cfg->database, *slash = strrchr(db, '/');
    const char *pd = strrchr(policies_dir, '/');
    snprintf(out, size, "%.*s.%s.live/%s", slash ? (int)(slash - db + 1) : 0, db,
             slash ? slash + 1 : db, pd ? pd + 1 : policies_dir);
}

static char *read_text(const char *dir, const char *file)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    char chunk[8192];
    size_t n;
    while (m && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, m);
    fclose(f);
    if (!m || fclose(m) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static int is_lua(const char *name)
{
    size_t len = strlen(name);
    return name[0] != '.' && len > 4 && strcmp(name + len - 4, ".lua") == 0;
}

/* Every *.lua of dir with its text. */
static int read_dir(const char *dir, struct rule_file **out, size_t *n, struct err *e)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return err_set(e, ERR_FAIL, _("%s: cannot read the folder: %s"), dir, strerror(errno));
    struct rule_file *f = NULL;
    size_t cnt = 0, cap = 0;
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(dp)) != NULL && !rc) {
        if (!is_lua(de->d_name))
            continue;
        char *text = read_text(dir, de->d_name);
        if (!text)
            continue;
        if (cnt == cap) {
            cap = cap ? cap * 2 : 16;
            struct rule_file *nf = realloc(f, cap * sizeof *nf);
            if (!nf) {
                free(text);
                rc = err_set(e, ERR_FAIL, _("out of memory"));
                break;
            }
            f = nf;
        }
        f[cnt].file = strdup(de->d_name);
        f[cnt].text = text;
        cnt++;
    }
    closedir(dp);
    if (rc) {
        rule_files_free(f, cnt);
        return rc;
    }
    *out = f;
    *n = cnt;
    return 0;
}

static int mkdir_private(const char *path, struct err *e)
{
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return err_set(e, ERR_FAIL, _("%s: cannot create the folder: %s"), path, strerror(errno));
    return 0;
}

/* Writes f into dir through a temporary file and a rename, so a worker
 * copying the folder never sees half a policy. */
static int write_files(const char *dir, const struct rule_file *f, size_t n, struct err *e)
{
    char parent[1100];
    snprintf(parent, sizeof parent, "%s", dir);
    char *slash = strrchr(parent, '/');
    if (slash)
        *slash = '\0';
    int rc = mkdir_private(parent, e);
    if (!rc)
        rc = mkdir_private(dir, e);
    for (size_t i = 0; i < n && !rc; i++) {
        char path[1200], tmp[1210];
        if (!is_lua(f[i].file))
            continue; /* the params live in the config the daemon builds */
        snprintf(path, sizeof path, "%s/%s", dir, f[i].file);
        snprintf(tmp, sizeof tmp, "%s/.%s.%d.tmp", dir, f[i].file, (int)getpid());
        FILE *out = fopen(tmp, "wb");
        if (!out || fputs(f[i].text, out) < 0 || fclose(out) != 0 || rename(tmp, path) != 0)
            rc = err_set(e, ERR_FAIL, _("%s: cannot write: %s"), path, strerror(errno));
    }
    DIR *dp = rc ? NULL : opendir(dir);
    struct dirent *de;
    while (dp && (de = readdir(dp)) != NULL) {
        int keep = !is_lua(de->d_name);
        for (size_t i = 0; i < n && !keep; i++)
            keep = strcmp(f[i].file, de->d_name) == 0;
        if (!keep) {
            char path[1200];
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            unlink(path);
        }
    }
    if (dp)
        closedir(dp);
    return rc;
}

void rule_stage_plugin_dir(const char *live_dir, char *out, size_t size)
{
    const char *slash = strrchr(live_dir, '/');
    snprintf(out, size, "%.*slive-plugins", slash ? (int)(slash - live_dir + 1) : 0, live_dir);
}

/* The live plugins (rows "plugin:<name>.so") into their folder beside
 * live_dir. *changed: one of them held other bytes before. */
static int write_plugins(const char *live_dir, const struct rule_file *f, size_t n, int *changed,
                         struct err *e)
{
    char dir[1100];
    size_t pre = strlen(RULE_PLUGIN_PREFIX);
    rule_stage_plugin_dir(live_dir, dir, sizeof dir);
    *changed = 0;
    int rc = mkdir_private(dir, e);
    for (size_t i = 0; i < n && !rc; i++) {
        if (strncmp(f[i].file, RULE_PLUGIN_PREFIX, pre) != 0 || strchr(f[i].file + pre, '/'))
            continue;
        char path[1400];
        int one = 0;
        snprintf(path, sizeof path, "%s/%s", dir, f[i].file + pre);
        rc = change_plugin_write(f[i].text, path, &one, e);
        *changed |= one;
    }
    return rc;
}

int rule_stage_write_live(const struct config *cfg, const char *disk_dir, const char *live_dir,
                          int64_t *gen, int *plugins_changed, struct err *e)
{
    struct store *st;
    int rc = store_open(cfg->database, STORE_WRITE, &st, e);
    if (rc)
        return rc;
    struct rule_file *f = NULL;
    size_t n = 0;
    if (disk_dir && (rc = read_dir(disk_dir, &f, &n, e)) == 0) {
        rc = store_live_seed(st, f, n, e);
        rule_files_free(f, n);
        f = NULL;
        n = 0;
    }
    if (!rc)
        rc = store_live_load(st, &f, &n, gen, e);
    store_close(st);
    if (!rc)
        rc = write_files(live_dir, f, n, e);
    int changed = 0;
    if (!rc)
        rc = write_plugins(live_dir, f, n, &changed, e);
    if (plugins_changed)
        *plugins_changed = changed;
    rule_files_free(f, n);
    return rc;
}

int rule_stage_generation(const struct config *cfg, int64_t *gen, struct err *e)
{
    struct store *st;
    int rc = store_open(cfg->database, STORE_READ, &st, e);
    if (rc)
        return rc;
    rc = store_live_load(st, NULL, NULL, gen, e);
    store_close(st);
    return rc;
}

static uint64_t fnv1a(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static int by_file(const void *a, const void *b)
{
    return strcmp(((const struct rule_file *)a)->file, ((const struct rule_file *)b)->file);
}

/* Proposes the candidates c[0..n) (text NULL: removed) that differ from
 * the live set; c is owned and freed here. */
static int propose(struct store *st, struct rule_file *c, size_t n, int64_t *id, struct err *e)
{
    struct rule_file *live = NULL, *f = calloc(n + 1, sizeof *f);
    size_t n_live = 0, n_f = 0;
    int64_t gen;
    int rc = f ? 0 : err_set(e, ERR_FAIL, _("out of memory"));
    if (!rc)
        rc = store_live_load(st, &live, &n_live, &gen, e);
    /* Only the files that differ from the live set make the change: an
     * edit undone is no change. */
    for (size_t i = 0; !rc && i < n; i++) {
        const char *was = NULL;
        for (size_t k = 0; k < n_live; k++)
            if (strcmp(live[k].file, c[i].file) == 0)
                was = live[k].text;
        if ((!c[i].text && !was) || (c[i].text && was && strcmp(c[i].text, was) == 0))
            continue;
        f[n_f++] = c[i];
        c[i].file = c[i].text = NULL;
    }
    if (!rc && n_f) {
        qsort(f, n_f, sizeof *f, by_file);
        /* The content hash: a change discarded once is not proposed again. */
        uint64_t h = 1469598103934665603ull;
        for (size_t i = 0; i < n_f; i++) {
            h = fnv1a(h, f[i].file, strlen(f[i].file) + 1);
            h = f[i].text ? fnv1a(h, f[i].text, strlen(f[i].text) + 1) : fnv1a(h, "", 0);
        }
        char hash[17], now[20];
        snprintf(hash, sizeof hash, "%016" PRIx64, h);
        engine_now(now);
        rc = store_change_propose(st, hash, f, n_f, now, id, e);
    }
    rule_files_free(live, n_live);
    rule_files_free(f, n_f);
    rule_files_free(c, n);
    return rc;
}

int rule_stage_propose(const struct config *cfg, const char *disk_dir, char (*files)[128], int n,
                       int64_t *id, struct err *e)
{
    *id = 0;
    struct rule_file *c = calloc((size_t)n + 1, sizeof *c);
    if (!c)
        return err_set(e, ERR_FAIL, _("out of memory"));
    for (int i = 0; i < n; i++) {
        c[i].file = strdup(files[i]);
        c[i].text = read_text(disk_dir, files[i]);
    }
    struct store *st;
    int rc = store_open(cfg->database, STORE_WRITE, &st, e);
    if (rc) {
        rule_files_free(c, (size_t)n);
        return rc;
    }
    rc = propose(st, c, (size_t)n, id, e);
    store_close(st);
    return rc;
}

int rule_stage_propose_config(const struct config *disk, const char *plugin_dir,
                              const struct policy_set *checked, int64_t *id, struct err *e)
{
    *id = 0;
    size_t n = 1 + disk->n_plugins;
    struct rule_file *c = calloc(n, sizeof *c);
    if (!c)
        return err_set(e, ERR_FAIL, _("out of memory"));
    int rc = 0;
    if (!(c[0].file = strdup(RULE_PARAMS_FILE)))
        rc = err_set(e, ERR_FAIL, _("out of memory"));
    if (!rc)
        rc = config_params_block(disk, &c[0].text, e);
    for (size_t k = 0; !rc && k < disk->n_plugins; k++) {
        char file[300], path[1400];
        snprintf(file, sizeof file, RULE_PLUGIN_PREFIX "%s.so", disk->plugins[k]);
        snprintf(path, sizeof path, "%s/%s.so", plugin_dir, disk->plugins[k]);
        c[1 + k].file = strdup(file);
        /* A plugin that cannot be read or loaded is no change: never staged. */
        if (!policy_set_missing(checked, path + strlen(plugin_dir) + 1))
            c[1 + k].text = change_plugin_text(path);
        if (!c[1 + k].file)
            rc = err_set(e, ERR_FAIL, _("out of memory"));
    }
    if (rc) {
        rule_files_free(c, n);
        return rc;
    }
    /* Only what is there is proposed: unreadable plugins drop out. */
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        if (c[k].text)
            c[m++] = c[k];
        else
            free(c[k].file);
    }
    struct store *st = NULL;
    if ((rc = store_open(disk->database, STORE_WRITE, &st, e)) != 0) {
        rule_files_free(c, m);
        return rc;
    }
    rc = propose(st, c, m, id, e);
    store_close(st);
    return rc;
}

static pthread_mutex_t live_mu = PTHREAD_MUTEX_INITIALIZER;

void rule_stage_lock(void)
{
    pthread_mutex_lock(&live_mu);
}

void rule_stage_unlock(void)
{
    pthread_mutex_unlock(&live_mu);
}

/* The live params: block; NULL (and 0) when the database has none. */
static int live_params(struct store *st, char **out, struct err *e)
{
    struct rule_file *f = NULL;
    size_t n = 0;
    int64_t gen;
    *out = NULL;
    int rc = store_live_load(st, &f, &n, &gen, e);
    for (size_t i = 0; !rc && i < n; i++)
        if (strcmp(f[i].file, RULE_PARAMS_FILE) == 0) {
            *out = f[i].text;
            f[i].text = NULL;
        }
    rule_files_free(f, n);
    return rc;
}

int rule_stage_live_config(const struct config *disk, const char *seed_dir,
                           const char *seed_plugins, const char *live_dir, struct config **out,
                           int64_t *gen, struct err *e)
{
    *out = NULL;
    struct store *st;
    char *mine = NULL, *live = NULL, *text = NULL;
    size_t len = 0;
    int rc = config_params_block(disk, &mine, e);
    if (!rc)
        rc = store_open(disk->database, STORE_WRITE, &st, e);
    if (rc) {
        free(mine);
        return rc;
    }
    struct rule_file *f = NULL;
    size_t n = 0;
    if (seed_dir && (rc = read_dir(seed_dir, &f, &n, e)) == 0) {
        rc = store_live_seed(st, f, n, e);
        /* A database staged before params were keeps the file's params live. */
        if (!rc)
            rc = store_live_seed_file(st, RULE_PARAMS_FILE, mine, e);
        if (!rc && seed_plugins)
            rc = store_review_dirs_set(st, seed_dir, seed_plugins, e);
        for (size_t k = 0; !rc && seed_plugins && k < disk->n_plugins; k++) {
            char file[300], path[1400];
            snprintf(file, sizeof file, RULE_PLUGIN_PREFIX "%s.so", disk->plugins[k]);
            snprintf(path, sizeof path, "%s/%s.so", seed_plugins, disk->plugins[k]);
            char *bytes = change_plugin_text(path);
            if (bytes)
                rc = store_live_seed_file(st, file, bytes, e);
            free(bytes);
        }
    }
    rule_files_free(f, n);
    f = NULL;
    n = 0;
    if (!rc)
        rc = store_live_load(st, &f, &n, gen, e);
    if (!rc)
        rc = live_params(st, &live, e);
    store_close(st);
    if (!rc)
        rc = write_files(live_dir, f, n, e);
    int changed;
    if (!rc)
        rc = write_plugins(live_dir, f, n, &changed, e);
    rule_files_free(f, n);
    /* The config the daemon runs: the file's, with the live params: in place
     * of its own, written beside the live policies so that worker processes
     * load the same text (config_load_copy). */
    char copy[1200];
    snprintf(copy, sizeof copy, "%s/../config.yaml", live_dir);
    if (!rc)
        rc = config_text_with_params(disk, live ? live : mine, &text, &len, e);
    if (!rc) {
        char tmp[1210];
        snprintf(tmp, sizeof tmp, "%s.%d.tmp", copy, (int)getpid());
        FILE *w = fopen(tmp, "wb");
        if (!w || fwrite(text, 1, len, w) != len || fclose(w) != 0 || rename(tmp, copy) != 0)
            rc = err_set(e, ERR_FAIL, _("%s: cannot write: %s"), copy, strerror(errno));
    }
    if (!rc)
        rc = config_load_copy(copy, disk->path, disk->dir, out, e);
    if (!rc) {
        char *dir = strdup(live_dir);
        if (!dir) {
            config_free(*out);
            *out = NULL;
            rc = err_set(e, ERR_FAIL, _("out of memory"));
        } else {
            free((*out)->policies_dir);
            (*out)->policies_dir = dir;
        }
    }
    free(text);
    free(mine);
    free(live);
    return rc;
}

int rule_stage_open_live(const struct config *disk, struct config **out, struct err *e)
{
    char live_dir[1100], plugins[1100];
    int64_t gen;
    rule_stage_dir(disk, disk->policies_dir, live_dir, sizeof live_dir);
    rule_stage_plugin_dir(live_dir, plugins, sizeof plugins);
    char *disk_plugins = strdup(disk->plugin_dir);
    if (!disk_plugins || setenv("FUPIN_PLUGIN_DIR", plugins, 1) != 0) {
        free(disk_plugins);
        return err_set(e, ERR_FAIL, _("out of memory"));
    }
    int rc = rule_stage_live_config(disk, disk->policies_dir, disk_plugins, live_dir, out, &gen, e);
    free(disk_plugins);
    return rc;
}

int rule_stage_params_changed(const struct config *running, int *changed, struct err *e)
{
    *changed = 0;
    char *mine = NULL, *live = NULL;
    struct store *st;
    int rc = config_params_block(running, &mine, e);
    if (!rc && (rc = store_open(running->database, STORE_READ, &st, e)) == 0) {
        rc = live_params(st, &live, e);
        store_close(st);
    }
    if (!rc && live)
        *changed = strcmp(live, mine) != 0;
    free(mine);
    free(live);
    return rc;
}
