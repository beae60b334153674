/* plugin_loader.c - loads C policy plugins with dlopen and calls them.
 * Checks ownership and permissions before dlopen and the descriptor (magic,
 * ABI version, struct_size, name, measures, declared params) before calling
 * any plugin function other than the entry point, which only returns a
 * pointer to a static descriptor. Reads no descriptor member beyond the
 * plugin's struct_size. */
#include "plugin_loader.h"

#include "date.h"
#include "i18n.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The ABI-2 descriptor ends with free; later members are appended after it. */
#define PLUGIN_DESCRIPTOR_SIZE_ABI2                                                                \
    (offsetof(struct fupin_plugin, free) + sizeof(((struct fupin_plugin *)0)->free))
/* Bounds on what a descriptor may declare, so a corrupt one cannot make the
 * loader walk far; both are well above what a policy area needs. */
#define PLUGIN_PARAMS_MAX 256
#define PLUGIN_PARAM_KEY_MAX 63

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
        return err_set(e, ERR_INVALID, _("%s: %s is world-writable; refusing to load it"), path,
                       what);
    if (st->st_uid != me && st->st_uid != 0)
        return err_set(e, ERR_INVALID,
                       _("%s: %s is owned by uid %ld, not by fupin's user (uid %ld) or root; "
                         "refusing to load it"),
                       path, what, (long)st->st_uid, (long)me);
    return 0;
}

static int check_file(const char *path, struct err *e)
{
    char real[PATH_MAX];
    struct stat st;
    if (stat(path, &st) != 0)
        return err_set(e, ERR_INVALID, _("%s: cannot load plugin: %s"), path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return err_set(e, ERR_INVALID, _("%s: not a regular file; refusing to load it"), path);
    int rc = check_owner_mode(path, &st, _("the file"), e);
    if (rc)
        return rc;
    /* The directory that really holds the file, after symlinks. */
    if (!realpath(path, real))
        return err_set(e, ERR_INVALID, _("%s: cannot resolve path: %s"), path, strerror(errno));
    char *slash = strrchr(real, '/');
    if (slash == real)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    if (stat(real, &st) != 0)
        return err_set(e, ERR_INVALID, _("%s: cannot stat its directory: %s"), path,
                       strerror(errno));
    return check_owner_mode(path, &st, _("its directory"), e);
}

static int list_has(const char *const *list, const char *s)
{
    for (; list && *list; list++)
        if (strcmp(*list, s) == 0)
            return 1;
    return 0;
}

/* A declared key becomes part of a config path and of messages: lower-case
 * words joined by single dots ("living_allowance.primary"). */
static int key_is_valid(const char *key)
{
    size_t n = strlen(key);
    if (n == 0 || n > PLUGIN_PARAM_KEY_MAX || key[0] == '.' || key[n - 1] == '.')
        return 0;
    for (const char *c = key; *c; c++) {
        if (*c == '.' && c[1] == '.')
            return 0;
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '.'))
            return 0;
    }
    return 1;
}

static const char *type_name(enum fupin_param_type t)
{
    switch (t) {
    case FUPIN_PARAM_NUMBER:
        return "number";
    case FUPIN_PARAM_INTEGER:
        return "integer";
    case FUPIN_PARAM_TEXT:
        return "text";
    case FUPIN_PARAM_DATE:
        return "date";
    }
    return NULL;
}

/* One declaration on its own; the config layer trusts what passes here when
 * it checks params: against it, so every field it reads is checked. */
static int check_decl(const char *path, const struct fupin_param_decl *p, size_t i, struct err *e)
{
    if (!p->key)
        return err_set(e, ERR_INVALID, _("%s: parameter declaration %zu has no key"), path, i);
    if (!key_is_valid(p->key))
        return err_set(e, ERR_INVALID,
                       _("%s: parameter key \"%.64s\": use lower-case letters, digits and '_', "
                         "parts joined by '.', at most %d bytes"),
                       path, p->key, PLUGIN_PARAM_KEY_MAX);
    const char *k = p->key;
    if (!type_name(p->type))
        return err_set(e, ERR_INVALID, _("%s: parameter \"%s\" has unknown type %d"), path, k,
                       (int)p->type);
    int numeric = p->type == FUPIN_PARAM_NUMBER || p->type == FUPIN_PARAM_INTEGER;
    if (!isfinite(p->min) || !isfinite(p->max))
        return err_set(e, ERR_INVALID, _("%s: parameter \"%s\": min and max must be finite"), path,
                       k);
    if (p->min > p->max)
        return err_set(e, ERR_INVALID, _("%s: parameter \"%s\": min %g is greater than max %g"),
                       path, k, p->min, p->max);
    if (p->by_year && !numeric)
        return err_set(e, ERR_INVALID,
                       _("%s: parameter \"%s\": only numbers can be given by year, not %s"), path,
                       k, type_name(p->type));
    /* So that a config and a plugin can be deployed in either order. */
    if (p->required && !p->has_default)
        return err_set(e, ERR_INVALID,
                       _("%s: parameter \"%s\" is required but declares no default; a required "
                         "parameter carries one, so a config without it still runs"),
                       path, k);
    if (!p->has_default)
        return 0;
    if (numeric) {
        double v = p->default_number;
        if (!isfinite(v) || v < p->min || v > p->max)
            return err_set(e, ERR_INVALID,
                           _("%s: parameter \"%s\": default %g is outside its range [%g, %g]"),
                           path, k, v, p->min, p->max);
        if (p->type == FUPIN_PARAM_INTEGER && v != floor(v))
            return err_set(e, ERR_INVALID,
                           _("%s: parameter \"%s\": default %g is not a whole number"), path, k, v);
    } else if (!p->default_text) {
        return err_set(e, ERR_INVALID, _("%s: parameter \"%s\": the default text is NULL"), path,
                       k);
    } else if (p->type == FUPIN_PARAM_DATE && !date_is_valid(p->default_text)) {
        return err_set(e, ERR_INVALID,
                       _("%s: parameter \"%s\": default \"%.40s\" is not a date YYYY-MM-DD"), path,
                       k, p->default_text);
    }
    return 0;
}

static int check_decls(const char *path, const struct fupin_plugin *d, struct err *e)
{
    if (d->n_params == 0)
        return 0;
    if (!d->params)
        return err_set(e, ERR_INVALID,
                       _("%s: the descriptor declares %zu parameters but params is "
                         "NULL"),
                       path, d->n_params);
    if (d->n_params > PLUGIN_PARAMS_MAX)
        return err_set(e, ERR_INVALID,
                       _("%s: the descriptor declares %zu parameters, more than %d"), path,
                       d->n_params, PLUGIN_PARAMS_MAX);
    for (size_t i = 0; i < d->n_params; i++) {
        int rc = check_decl(path, &d->params[i], i, e);
        if (rc)
            return rc;
        for (size_t j = 0; j < i; j++)
            if (strcmp(d->params[j].key, d->params[i].key) == 0)
                return err_set(e, ERR_INVALID, _("%s: parameter \"%s\" is declared twice"), path,
                               d->params[i].key);
    }
    return 0;
}

/* Where each view struct ended at ABI 2: a plugin built since has at least
 * that much of it (sizeof adds padding), one built by a newer daemon's header
 * may have more than this daemon fills, which it cannot be given. */
#define END_(type, field) (offsetof(struct type, field) + sizeof(((struct type *)0)->field))
static const struct {
    const char *what;
    size_t offset, abi2_end, ours;
} view_sizes[] = {
#define VIEW_SIZE_(member, type, last)                                                             \
    {                                                                                              \
#type, offsetof(struct fupin_view_sizes, member), END_(type, last), sizeof(struct type)    \
    }
    VIEW_SIZE_(household, fupin_household, funds),
    VIEW_SIZE_(member, fupin_member, skills),
    VIEW_SIZE_(income, fupin_income, transfer),
    VIEW_SIZE_(loan, fupin_loan, interest_subsidised),
    VIEW_SIZE_(link, fupin_link, name),
    VIEW_SIZE_(share, fupin_share, since),
    VIEW_SIZE_(visit, fupin_visit, date),
    VIEW_SIZE_(task, fupin_task, done_at),
    VIEW_SIZE_(fund, fupin_fund, approved_at),
#undef VIEW_SIZE_
};

static int check_view_sizes(const char *path, const struct fupin_view_sizes *v, struct err *e)
{
    for (size_t i = 0; i < sizeof view_sizes / sizeof view_sizes[0]; i++) {
        uint32_t size;
        memcpy(&size, (const char *)v + view_sizes[i].offset, sizeof size);
        if (size < view_sizes[i].abi2_end || size > view_sizes[i].ours)
            return err_set(e, ERR_INVALID,
                           _("%s: built with a %u-byte struct %s; this fupin hands plugins %zu "
                             "bytes (at least %zu); rebuild it against plugins/fupin_plugin.h"),
                           path, (unsigned)size, view_sizes[i].what, view_sizes[i].ours,
                           view_sizes[i].abi2_end);
    }
    return 0;
}

/* Everything read from the descriptor is checked in an order where a field
 * is only trusted once the fields that define its layout are. */
static int check_descriptor(const char *path, const char *name, const struct fupin_plugin *d,
                            struct err *e)
{
    if (!d)
        return err_set(e, ERR_INVALID, _("%s: %s() returned NULL"), path, FUPIN_PLUGIN_ENTRY_NAME);
    if (d->magic != FUPIN_PLUGIN_MAGIC)
        return err_set(e, ERR_INVALID,
                       _("%s: not a fupin plugin (descriptor magic 0x%08x, expected 0x%08x)"), path,
                       (unsigned)d->magic, (unsigned)FUPIN_PLUGIN_MAGIC);
    /* ABI 1 had no struct_size: its third member is a pointer, so nothing
     * after abi_version may be read before this. */
    if (d->abi_version < FUPIN_PLUGIN_ABI_MIN)
        return err_set(e, ERR_INVALID,
                       _("%s: built for plugin ABI %u, this fupin speaks ABI %u; rebuild it "
                         "against plugins/fupin_plugin.h"),
                       path, (unsigned)d->abi_version, (unsigned)FUPIN_PLUGIN_ABI_VERSION);
    /* A newer plugin's larger descriptor is fine: its members up to free are
     * those of ABI 2, and nothing beyond is read. */
    if (!FUPIN_HAS_MEMBER(d, struct fupin_plugin, free))
        return err_set(e, ERR_INVALID,
                       _("%s: the descriptor's struct_size is %u bytes, smaller than the %zu of "
                         "plugin ABI %u; rebuild it against plugins/fupin_plugin.h"),
                       path, (unsigned)d->struct_size, PLUGIN_DESCRIPTOR_SIZE_ABI2,
                       (unsigned)FUPIN_PLUGIN_ABI_MIN);
    int rc = check_view_sizes(path, &d->view, e);
    if (rc)
        return rc;
    if (!d->name || strcmp(d->name, name) != 0)
        return err_set(e, ERR_INVALID,
                       _("%s: the plugin calls itself \"%.40s\" but the config loads it as \"%s\""),
                       path, d->name ? d->name : "(null)", name);
    if (!d->version || !*d->version)
        return err_set(e, ERR_INVALID, _("%s: the descriptor has no version"), path);
    if (strlen(d->version) > 32)
        return err_set(e, ERR_INVALID, _("%s: the descriptor's version is longer than 32 bytes"),
                       path);
    if (!d->measures || !d->measures[0])
        return err_set(e, ERR_INVALID, _("%s: the descriptor lists no measures"), path);
    if (!d->evaluate)
        return err_set(e, ERR_INVALID, _("%s: the descriptor has no evaluate function"), path);
    const char *const *known = policy_catalogue(name);
    for (const char *const *m = d->measures; *m; m++) {
        if (!**m || strlen(*m) >= sizeof((struct finding *)0)->measure)
            return err_set(e, ERR_INVALID, _("%s: measure code \"%.60s\" is empty or too long"),
                           path, *m);
        if (known && !list_has(known, *m))
            return err_set(e, ERR_INVALID,
                           _("%s: measure \"%.47s\" is not in the catalogue of area \"%s\""), path,
                           *m, name);
    }
    if (FUPIN_HAS_MEMBER(d, struct fupin_plugin, reads) && (d->reads & FUPIN_READS_ONLY) &&
        (d->reads & ~(FUPIN_READS_ONLY | PLUGIN_LISTS)) != 0)
        return err_set(e, ERR_INVALID,
                       _("%s: the descriptor's reads (0x%08x) names a list this fupin does not "
                         "know"),
                       path, (unsigned)d->reads);
    return check_decls(path, d, e);
}

uint32_t plugin_reads(const struct plugin *p, int *declared)
{
    const struct fupin_plugin *d = p->desc;
    int has = FUPIN_HAS_MEMBER(d, struct fupin_plugin, reads) && (d->reads & FUPIN_READS_ONLY);
    if (declared)
        *declared = has;
    /* The ABI's flags are the household's list bits (asserted in plugin_view.c). */
    return has ? d->reads & PLUGIN_LISTS : HOUSEHOLD_ALL_LISTS;
}

int plugin_load(const char *dir, const char *name, const struct config *cfg, struct plugin **out,
                struct err *e)
{
    *out = NULL;
    if (!name_is_safe(name))
        return err_set(e, ERR_INVALID,
                       _("plugin name \"%.60s\": use lower-case letters, digits, '_' and '-' only"),
                       name ? name : "(null)");
    struct plugin *p = calloc(1, sizeof *p);
    if (!p)
        return err_set(e, ERR_FAIL, _("out of memory"));
    int rc;
    snprintf(p->name, sizeof p->name, "%s", name);
    if ((size_t)snprintf(p->path, sizeof p->path, "%s/%s.so", dir ? dir : ".", name) >=
        sizeof p->path) {
        rc = err_set(e, ERR_INVALID, _("%.200s...: plugin path too long"), p->path);
        goto fail;
    }
    if ((rc = check_file(p->path, e)))
        goto fail;

    dlerror();
    p->handle = dlopen(p->path, RTLD_NOW | RTLD_LOCAL);
    if (!p->handle) {
        const char *why = dlerror();
        rc =
            err_set(e, ERR_INVALID, _("%s: cannot load: %s"), p->path, why ? why : "dlopen failed");
        goto fail;
    }
    /* Function pointers and void * differ in C, not in POSIX: convert via
     * memcpy, as dlsym's own documentation suggests. */
    void *sym = dlsym(p->handle, FUPIN_PLUGIN_ENTRY_NAME);
    if (!sym) {
        rc = err_set(e, ERR_INVALID, _("%s: exports no %s(); not a fupin plugin"), p->path,
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
            rc = err_set(e, ERR_INVALID, _("%s: init failed: %s"), p->path,
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
    const struct fupin_household *seen =
        plugin_view_for(view, &p->desc->view, plugin_view_needs(p->desc), plugin_reads(p, NULL), e);
    if (!seen)
        return ERR_FAIL;
    if (p->desc->evaluate(p->state, seen, params, out, msg, sizeof msg) == FUPIN_OK)
        return 0;
    msg[sizeof msg - 1] = '\0';
    return err_set(e, ERR_FAIL, "%s", *msg ? msg : _("evaluate failed without a message"));
}

const struct fupin_param_decl *plugin_param_decls(const struct plugin *p, size_t *n)
{
    *n = p->desc->n_params;
    return p->desc->n_params ? p->desc->params : NULL;
}
