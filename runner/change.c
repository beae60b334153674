/* change.c - previewing and deciding a staged rule change, for `fupin
 * change` and the web console alike. Never activates files that differ
 * from what was staged and previewed. */
#include "change.h"
#include "i18n.h"
#include "log.h"
#include "preview_run.h"
#include "store_alert.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The file's text on disk; NULL when it is not there. */
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

char *change_plugin_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    unsigned char chunk[8192];
    size_t n;
    static const char hex[] = "0123456789abcdef";
    while (m && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        for (size_t i = 0; i < n; i++) {
            fputc(hex[chunk[i] >> 4], m);
            fputc(hex[chunk[i] & 15], m);
        }
    int bad = ferror(f);
    fclose(f);
    if (!m || fclose(m) != 0 || bad) {
        free(buf);
        return NULL;
    }
    return buf;
}

static int unhex(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int change_plugin_write(const char *text, const char *path, int *changed, struct err *e)
{
    if (changed) {
        char *was = change_plugin_text(path);
        *changed = !was || strcmp(was, text) != 0;
        free(was);
        if (!*changed)
            return 0;
    }
    char tmp[1300];
    snprintf(tmp, sizeof tmp, "%s.%d.tmp", path, (int)getpid());
    FILE *out = fopen(tmp, "wb");
    int rc = out ? 0 : ERR_FAIL;
    for (const char *p = text; !rc && p[0] && p[1]; p += 2) {
        int hi = unhex(p[0]), lo = unhex(p[1]);
        if (hi < 0 || lo < 0 || fputc(hi << 4 | lo, out) == EOF)
            rc = ERR_FAIL;
    }
    if (out && fclose(out) != 0)
        rc = ERR_FAIL;
    if (!rc && (chmod(tmp, 0700) != 0 || rename(tmp, path) != 0))
        rc = ERR_FAIL;
    if (rc) {
        unlink(tmp);
        return err_set(e, ERR_FAIL, _("%s: cannot write: %s"), path, strerror(errno));
    }
    return 0;
}

static int is_lua(const char *name)
{
    size_t len = strlen(name);
    return len > 4 && strcmp(name + len - 4, ".lua") == 0;
}

/* Empties and removes dir, and its folders one level down. */
static void remove_tree(const char *dir, int depth)
{
    DIR *dp = opendir(dir);
    struct dirent *de;
    while (dp && (de = readdir(dp)) != NULL) {
        char path[1600];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (unlink(path) != 0 && depth > 0)
            remove_tree(path, depth - 1);
    }
    if (dp)
        closedir(dp);
    rmdir(dir);
}

/* The candidate's plugins into dir: the change's version of each loaded
 * plugin, else the live one, else the config's file. *any: a plugin of the
 * change or the live set was written (else the config's folder will do). */
static int write_plugins(const struct config *cfg, const struct rule_file *live, size_t n_live,
                         const struct rule_change *c, const char *dir, int *any, struct err *e)
{
    *any = 0;
    for (size_t i = 0; i < n_live + c->n_f; i++) {
        const struct rule_file *f = i < n_live ? &live[i] : &c->f[i - n_live];
        *any |= strncmp(f->file, RULE_PLUGIN_PREFIX, strlen(RULE_PLUGIN_PREFIX)) == 0;
    }
    if (!*any)
        return 0;
    if (mkdir(dir, 0700) != 0)
        return err_set(e, ERR_FAIL, _("cannot create a temporary folder: %s"), strerror(errno));
    for (size_t k = 0; k < cfg->n_plugins; k++) {
        char file[300], path[1400];
        snprintf(file, sizeof file, RULE_PLUGIN_PREFIX "%s.so", cfg->plugins[k]);
        snprintf(path, sizeof path, "%s/%s.so", dir, cfg->plugins[k]);
        const char *text = NULL;
        for (size_t i = 0; i < n_live + c->n_f; i++) {
            const struct rule_file *f = i < n_live ? &live[i] : &c->f[i - n_live];
            if (strcmp(f->file, file) == 0 && f->text)
                text = f->text;
        }
        char *own = NULL;
        if (!text) {
            char from[1400];
            snprintf(from, sizeof from, "%s/%s.so", cfg->plugin_dir, cfg->plugins[k]);
            text = own = change_plugin_text(from);
        }
        int rc = text ? change_plugin_write(text, path, NULL, e) : 0;
        free(own);
        if (rc)
            return rc;
    }
    return 0;
}

/* Where a candidate's texts are written: a private temporary folder. */
struct candidate {
    char top[1024], dir[1200], params[1100], plugins[1100];
    int has_params, has_plugins;
};

/* The live texts with the change's files over them (c NULL: the live
 * texts alone) are written to a private temporary folder named like the
 * policy folder, so that the policies' sources compare as the daemon's
 * would. *n_live: how many live texts there were (0: nothing activated). */
static int write_candidate(struct store *st, const struct config *cfg, const struct rule_change *c,
                           struct candidate *k, size_t *n_live_out, struct err *e)
{
    static const struct rule_change none = {0};
    struct rule_file *live = NULL;
    size_t n_live = 0;
    int64_t gen;
    if (!c)
        c = &none;
    memset(k, 0, sizeof *k);
    int rc = store_live_load(st, &live, &n_live, &gen, e);
    if (rc)
        return rc;
    *n_live_out = n_live;
    const char *tmp = getenv("TMPDIR");
    snprintf(k->top, sizeof k->top, "%s/fupin-change-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    const char *name = strrchr(cfg->policies_dir, '/');
    if (!mkdtemp(k->top)) {
        k->top[0] = 0;
        rule_files_free(live, n_live);
        return err_set(e, ERR_FAIL, _("cannot create a temporary folder: %s"), strerror(errno));
    }
    snprintf(k->dir, sizeof k->dir, "%s/%s", k->top, name ? name + 1 : cfg->policies_dir);
    snprintf(k->params, sizeof k->params, "%s/params.yaml", k->top);
    snprintf(k->plugins, sizeof k->plugins, "%s/.plugins", k->top);
    if (mkdir(k->dir, 0700) != 0)
        rc = err_set(e, ERR_FAIL, _("cannot create a temporary folder: %s"), strerror(errno));
    const char *params_text = NULL; /* the change's, else the live ones */
    for (size_t i = 0; i < n_live + c->n_f; i++) {
        const struct rule_file *f = i < n_live ? &live[i] : &c->f[i - n_live];
        if (strcmp(f->file, RULE_PARAMS_FILE) == 0)
            params_text = f->text;
    }
    if (!rc)
        rc = write_plugins(cfg, live, n_live, c, k->plugins, &k->has_plugins, e);
    if (!rc && params_text) {
        k->has_params = 1;
        FILE *out = fopen(k->params, "wb");
        if (!out || fputs(params_text, out) < 0 || fclose(out) != 0)
            rc = err_set(e, ERR_FAIL, _("%s: cannot write: %s"), k->params, strerror(errno));
    }
    for (size_t i = 0; !rc && i < n_live + c->n_f; i++) {
        const struct rule_file *f = i < n_live ? &live[i] : &c->f[i - n_live];
        int overridden = 0;
        for (size_t j = 0; i < n_live && j < c->n_f; j++)
            overridden |= strcmp(c->f[j].file, f->file) == 0;
        if (overridden || !f->text || !is_lua(f->file))
            continue;
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", k->dir, f->file);
        FILE *out = fopen(path, "wb");
        if (!out || fputs(f->text, out) < 0 || fclose(out) != 0)
            rc = err_set(e, ERR_FAIL, _("%s: cannot write: %s"), path, strerror(errno));
    }
    rule_files_free(live, n_live);
    return rc;
}

int change_preview(struct store *st, const struct config *cfg, const struct rule_change *c,
                   struct preview *p, struct err *e)
{
    struct candidate k;
    size_t n_live;
    int rc = write_candidate(st, cfg, c, &k, &n_live, e);
    if (!rc)
        rc = preview_candidate(cfg, k.dir, k.has_plugins ? k.plugins : NULL,
                               k.has_params ? k.params : NULL, p, e);
    if (k.top[0])
        remove_tree(k.top, 2);
    return rc;
}

int change_live_open(struct store *st, const struct config *cfg, struct change_live *l,
                     struct err *e)
{
    struct candidate k;
    size_t n_live = 0;
    l->cfg = NULL;
    int rc = write_candidate(st, cfg, NULL, &k, &n_live, e);
    /* The config borrows the folder names, and the set reads the texts
     * when it loads: both stay until change_live_close. */
    snprintf(l->top, sizeof l->top, "%s", k.top);
    snprintf(l->dir, sizeof l->dir, "%s", k.dir);
    snprintf(l->plugins, sizeof l->plugins, "%s", k.plugins);
    /* Nothing activated yet: the daemon's first start in review mode makes
     * the files as they are the live set, so they are what runs. */
    if (!rc && n_live > 0)
        rc = config_candidate(cfg, l->dir, k.has_plugins ? l->plugins : NULL,
                              k.has_params ? k.params : NULL, &l->cfg, e);
    if (rc)
        change_live_close(l);
    return rc;
}

void change_live_close(struct change_live *l)
{
    config_free(l->cfg);
    l->cfg = NULL;
    if (l->top[0])
        remove_tree(l->top, 2);
    l->top[0] = 0;
}

/* The params: block of the config file itself: a running daemon's config
 * holds the live params in its text instead. */
static int file_params(const struct config *cfg, char **out, struct err *e)
{
    struct config file = {0};
    FILE *f = fopen(cfg->path, "rb");
    FILE *m = f ? open_memstream(&file.text, &file.text_len) : NULL;
    char chunk[8192];
    size_t n;
    while (m && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, m);
    if (f)
        fclose(f);
    if (!m || fclose(m) != 0) {
        free(file.text);
        return err_set(e, ERR_FAIL, _("%s: cannot read: %s"), cfg->path, strerror(errno));
    }
    int rc = config_params_block(&file, out, e);
    free(file.text);
    return rc;
}

/* Refuses (ERR_INVALID) when a staged file's text is no longer what the
 * folder people edit holds (named by the daemon; else cfg's): what would
 * go live is not what was previewed. */
static int same_as_disk(struct store *st, const struct config *cfg, const struct rule_change *c,
                        struct err *e)
{
    char *policies = NULL, *plugins = NULL;
    int rc = store_review_dirs_get(st, &policies, &plugins, e);
    for (size_t i = 0; !rc && i < c->n_f; i++) {
        char *now = NULL;
        const char *file = c->f[i].file;
        size_t pre = strlen(RULE_PLUGIN_PREFIX);
        if (strncmp(file, RULE_PLUGIN_PREFIX, pre) == 0) {
            char path[1400];
            snprintf(path, sizeof path, "%s/%s", plugins ? plugins : cfg->plugin_dir, file + pre);
            now = change_plugin_text(path);
        } else if (strcmp(file, RULE_PARAMS_FILE) != 0) {
            now = read_text(policies ? policies : cfg->policies_dir, file);
        } else if ((rc = file_params(cfg, &now, e)) != 0) {
            break;
        }
        int same =
            (!now && !c->f[i].text) || (now && c->f[i].text && strcmp(now, c->f[i].text) == 0);
        free(now);
        if (!same)
            rc = err_set(e, ERR_INVALID,
                         _("change %lld: %s changed on disk since it was staged; save it again "
                           "to stage it anew"),
                         (long long)c->id, strcmp(file, RULE_PARAMS_FILE) == 0 ? cfg->path : file);
    }
    free(policies);
    free(plugins);
    return rc;
}

static void utc_now(char out[20])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

int change_decide(struct store *st, const struct config *cfg, int64_t id, int activate,
                  const char *by, struct err *e)
{
    struct rule_change c;
    char now[20];
    utc_now(now);
    int rc = store_change_get(st, id, &c, e);
    if (rc)
        return rc;
    if (activate && strcmp(c.state, "pending") == 0)
        rc = same_as_disk(st, cfg, &c, e);
    char *summary = NULL;
    if (rc == 0 && activate && strcmp(c.state, "pending") == 0) {
        /* A candidate the strict preview cannot load still goes live as the
         * daemon checked it; only the summary is missing then. */
        struct preview p;
        preview_init(&p);
        struct err pe = {{0}};
        if (change_preview(st, cfg, &c, &p, &pe) != 0 || preview_json(&p, &summary, &pe) != 0)
            log_event(LOG_WARN, "review.no_preview", "change %lld: no preview kept: %s",
                      (long long)id, pe.msg);
        preview_free(&p);
    }
    if (rc == 0)
        rc = store_change_decide(st, id, activate, by, now, summary, e);
    /* A save of these files the daemon refused raised a policy_error: a
     * discarded change leaves nothing of them to fix. */
    for (size_t i = 0; rc == 0 && !activate && i < c.n_f; i++) {
        char subject[300];
        struct err ae;
        snprintf(subject, sizeof subject, "policy:%s", c.f[i].file);
        if (is_lua(c.f[i].file) && store_alert_resolve(st, "policy_error", subject, now, &ae) != 0)
            log_event(LOG_WARN, "alert.resolve_failed",
                      "cannot resolve the policy_error alert for %s: %s", c.f[i].file, ae.msg);
    }
    free(summary);
    rule_change_clear(&c);
    return rc;
}
