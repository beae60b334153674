/* plugin_loader.c - loads C policy plugins with dlopen and calls them.
 * Checks ownership and permissions before dlopen and the descriptor (magic,
 * ABI version, name, measures) before calling any plugin function other than
 * the entry point, which only returns a pointer to a static descriptor. */
#include "plugin_loader.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct plugin {
    void *handle;
    const struct fupin_plugin *desc;
    void *state;
    /* The view init saw; kept so a plugin that holds on to it is not left
     * with a dangling pointer. */
    struct fupin_params init_params;
    char name[32];
    char path[PATH_MAX];
    char source[96];
};

/* A name becomes part of a path: refuse anything but an area-like code. */
static int name_is_safe(const char *name)
{
    if (!name || !*name || strlen(name) >= sizeof((struct plugin *)0)->name)
        return 0;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
            return 0;
    return 1;
}

/* Who may have put this file here: only us or root, and nobody else can
 * swap it (the directory is checked too, since a writable directory lets
 * anyone replace the file between this check and dlopen). */
static int check_owner_mode(const char *path, const struct stat *st, const char *what,
                            struct err *e)
{
    uid_t me = geteuid();
    if (st->st_mode & S_IWOTH)
        return err_set(e, ERR_INVALID, "%s: %s is world-writable; refusing to load it", path, what);
    if (st->st_uid != me && st->st_uid != 0)
        return err_set(e, ERR_INVALID,
                       "%s: %s is owned by uid %ld, not by fupin's user (uid %ld) or root; "
                       "refusing to load it",
                       path, what, (long)st->st_uid, (long)me);
    return 0;
}

static int check_file(const char *path, struct err *e)
{
    char real[PATH_MAX];
    struct stat st;
    if (stat(path, &st) != 0)
        return err_set(e, ERR_INVALID, "%s: cannot load plugin: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return err_set(e, ERR_INVALID, "%s: not a regular file; refusing to load it", path);
    int rc = check_owner_mode(path, &st, "the file", e);
    if (rc)
        return rc;
    /* The directory that really holds the file, after symlinks. */
    if (!realpath(path, real))
        return err_set(e, ERR_INVALID, "%s: cannot resolve path: %s", path, strerror(errno));
    char *slash = strrchr(real, '/');
    if (slash == real)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    if (stat(real, &st) != 0)
        return err_set(e, ERR_INVALID, "%s: cannot stat its directory: %s", path, strerror(errno));
    return check_owner_mode(path, &st, "its directory", e);
}

static int list_has(const char *const *list, const char *s)
{
    for (; list && *list; list++)
        if (strcmp(*list, s) == 0)
            return 1;
    return 0;
}

/* Everything read from the descriptor is checked in an order where a field
 * is only trusted once the fields that define its layout are. */
static int check_descriptor(const char *path, const char *name, const struct fupin_plugin *d,
                            struct err *e)
{
    if (!d)
        return err_set(e, ERR_INVALID, "%s: %s() returned NULL", path, FUPIN_PLUGIN_ENTRY_NAME);
    if (d->magic != FUPIN_PLUGIN_MAGIC)
        return err_set(e, ERR_INVALID,
                       "%s: not a fupin plugin (descriptor magic 0x%08x, expected 0x%08x)", path,
                       (unsigned)d->magic, (unsigned)FUPIN_PLUGIN_MAGIC);
    if (d->abi_version != FUPIN_PLUGIN_ABI_VERSION)
        return err_set(e, ERR_INVALID,
                       "%s: built for plugin ABI %u, this fupin speaks ABI %u; rebuild it "
                       "against fupin_plugin.h",
                       path, (unsigned)d->abi_version, (unsigned)FUPIN_PLUGIN_ABI_VERSION);
    if (!d->name || strcmp(d->name, name) != 0)
        return err_set(e, ERR_INVALID,
                       "%s: the plugin calls itself \"%.40s\" but the config loads it as \"%s\"",
                       path, d->name ? d->name : "(null)", name);
    if (!d->version || !*d->version)
        return err_set(e, ERR_INVALID, "%s: the descriptor has no version", path);
    if (strlen(d->version) > 32)
        return err_set(e, ERR_INVALID, "%s: the descriptor's version is longer than 32 bytes",
                       path);
    if (!d->measures || !d->measures[0])
        return err_set(e, ERR_INVALID, "%s: the descriptor lists no measures", path);
    if (!d->evaluate)
        return err_set(e, ERR_INVALID, "%s: the descriptor has no evaluate function", path);
    const char *const *known = policy_catalogue(name);
    for (const char *const *m = d->measures; *m; m++) {
        if (!**m || strlen(*m) >= sizeof((struct finding *)0)->measure)
            return err_set(e, ERR_INVALID, "%s: measure code \"%.60s\" is empty or too long", path,
                           *m);
        if (known && !list_has(known, *m))
            return err_set(e, ERR_INVALID,
                           "%s: measure \"%.47s\" is not in the catalogue of area \"%s\"", path, *m,
                           name);
    }
    return 0;
}

int plugin_load(const char *dir, const char *name, const struct config *cfg, struct plugin **out,
                struct err *e)
{
    *out = NULL;
    if (!name_is_safe(name))
        return err_set(e, ERR_INVALID,
                       "plugin name \"%.60s\": use lower-case letters, digits, '_' and '-' only",
                       name ? name : "(null)");
    struct plugin *p = calloc(1, sizeof *p);
    if (!p)
        return err_set(e, ERR_FAIL, "out of memory");
    int rc;
    snprintf(p->name, sizeof p->name, "%s", name);
    if ((size_t)snprintf(p->path, sizeof p->path, "%s/%s.so", dir ? dir : ".", name) >=
        sizeof p->path) {
        rc = err_set(e, ERR_INVALID, "%.200s...: plugin path too long", p->path);
        goto fail;
    }
    if ((rc = check_file(p->path, e)))
        goto fail;

    dlerror();
    p->handle = dlopen(p->path, RTLD_NOW | RTLD_LOCAL);
    if (!p->handle) {
        const char *why = dlerror();
        rc = err_set(e, ERR_INVALID, "%s: cannot load: %s", p->path, why ? why : "dlopen failed");
        goto fail;
    }
    /* Function pointers and void * differ in C, not in POSIX: convert via
     * memcpy, as dlsym's own documentation suggests. */
    void *sym = dlsym(p->handle, FUPIN_PLUGIN_ENTRY_NAME);
    if (!sym) {
        rc = err_set(e, ERR_INVALID, "%s: exports no %s(); not a fupin plugin", p->path,
                     FUPIN_PLUGIN_ENTRY_NAME);
        goto fail;
    }
    fupin_plugin_entry_fn entry;
    memcpy(&entry, &sym, sizeof entry);
    p->desc = entry();
    if ((rc = check_descriptor(p->path, name, p->desc, e)))
        goto fail;
    snprintf(p->source, sizeof p->source, "plugin:%s@%s", p->desc->name, p->desc->version);

    p->init_params = (struct fupin_params){.cfg = cfg, .area = p->desc->name};
    if (p->desc->init) {
        char msg[200] = "";
        if (p->desc->init(&policy_host, &p->init_params, &p->state, msg, sizeof msg) != FUPIN_OK) {
            msg[sizeof msg - 1] = '\0';
            rc = err_set(e, ERR_INVALID, "%s: init failed: %s", p->path,
                         *msg ? msg : "(no message)");
            p->state = NULL; /* a failed init owns nothing we may free */
            goto fail;
        }
    }
    *out = p;
    return 0;

fail:
    if (p->handle)
        dlclose(p->handle);
    free(p);
    return rc;
}

void plugin_unload(struct plugin *p)
{
    if (!p)
        return;
    if (p->desc && p->desc->free)
        p->desc->free(p->state);
    if (p->handle)
        dlclose(p->handle);
    free(p);
}

const struct fupin_plugin *plugin_descriptor(const struct plugin *p)
{
    return p->desc;
}

const char *plugin_source(const struct plugin *p)
{
    return p->source;
}

int plugin_eval(struct plugin *p, struct plugin_view *view, const struct household *hh,
                struct fupin_params *params, struct fupin_out *out, struct err *e)
{
    char msg[200] = "";
    int rc = plugin_view_fill(view, hh, e);
    if (rc)
        return rc;
    if (p->desc->evaluate(p->state, &view->hh, params, out, msg, sizeof msg) == FUPIN_OK)
        return 0;
    msg[sizeof msg - 1] = '\0';
    return err_set(e, ERR_FAIL, "%s", *msg ? msg : "evaluate failed without a message");
}

int plugin_check_params(const struct plugin *p, const struct config *cfg, struct err *e)
{
    const char *const *keys = p->desc->required_params;
    for (; keys && *keys; keys++)
        if (!config_param_scoped(cfg, p->desc->name, *keys))
            return err_set(e, ERR_INVALID,
                           "%s: %s: parameter \"params.%s.%s\" (or \"params.%s\") is required "
                           "by this plugin but missing",
                           cfg && cfg->path ? cfg->path : "config", p->path, p->desc->name, *keys,
                           *keys);
    return 0;
}
