/* change.c - previewing and deciding a staged rule change, for `fupin
 * change` and the web console alike. Never activates files that differ
 * from what was staged and previewed. */
#include "change.h"
#include "i18n.h"
#include "log.h"
#include "preview_run.h"

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

static void remove_tree(const char *top, const char *dir)
{
    DIR *dp = opendir(dir);
    struct dirent *de;
    while (dp && (de = readdir(dp)) != NULL) {
        char path[1600];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (de->d_name[0] != '.')
            unlink(path);
    }
    if (dp)
        closedir(dp);
    rmdir(dir);
    rmdir(top);
}

/* The live texts with the change's files over them are written to a
 * private temporary folder named like the policy folder, so that the
 * policies' sources compare as the daemon's would. */
int change_preview(struct store *st, const struct config *cfg, const struct rule_change *c,
                   struct preview *p, struct err *e)
{
    struct rule_file *live = NULL;
    size_t n_live = 0;
    int64_t gen;
    int rc = store_live_load(st, &live, &n_live, &gen, e);
    if (rc)
        return rc;
    const char *tmp = getenv("TMPDIR");
    char top[1024], dir[1200];
    snprintf(top, sizeof top, "%s/fupin-change-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    const char *name = strrchr(cfg->policies_dir, '/');
    if (!mkdtemp(top)) {
        rule_files_free(live, n_live);
        return err_set(e, ERR_FAIL, _("cannot create a temporary folder: %s"), strerror(errno));
    }
    snprintf(dir, sizeof dir, "%s/%s", top, name ? name + 1 : cfg->policies_dir);
    if (mkdir(dir, 0700) != 0)
        rc = err_set(e, ERR_FAIL, _("cannot create a temporary folder: %s"), strerror(errno));
    for (size_t i = 0; !rc && i < n_live + c->n_f; i++) {
        const struct rule_file *f = i < n_live ? &live[i] : &c->f[i - n_live];
        int overridden = 0;
        for (size_t k = 0; i < n_live && k < c->n_f; k++)
            overridden |= strcmp(c->f[k].file, f->file) == 0;
        if (overridden || !f->text)
            continue;
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, f->file);
        FILE *out = fopen(path, "wb");
        if (!out || fputs(f->text, out) < 0 || fclose(out) != 0)
            rc = err_set(e, ERR_FAIL, _("%s: cannot write: %s"), path, strerror(errno));
    }
    rule_files_free(live, n_live);
    if (!rc)
        rc = preview_candidate(cfg, dir, NULL, NULL, p, e);
    remove_tree(top, dir);
    return rc;
}

/* Refuses (ERR_INVALID) when a staged file's text is no longer what the
 * policy folder holds: what would go live is not what was previewed. */
static int same_as_disk(const struct config *cfg, const struct rule_change *c, struct err *e)
{
    for (size_t i = 0; i < c->n_f; i++) {
        char *now = read_text(cfg->policies_dir, c->f[i].file);
        int same =
            (!now && !c->f[i].text) || (now && c->f[i].text && strcmp(now, c->f[i].text) == 0);
        free(now);
        if (!same)
            return err_set(e, ERR_INVALID,
                           _("change %lld: %s changed on disk since it was staged; save it again "
                             "to stage it anew"),
                           (long long)c->id, c->f[i].file);
    }
    return 0;
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
        rc = same_as_disk(cfg, &c, e);
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
        rc = store_change_decide(st, id, activate, by, now, e);
    if (rc == 0 && summary) {
        struct err se;
        if (store_change_set_summary(st, id, summary, &se) != 0)
            log_event(LOG_WARN, "review.no_preview", "change %lld: no preview kept: %s",
                      (long long)id, se.msg);
    }
    free(summary);
    rule_change_clear(&c);
    return rc;
}
