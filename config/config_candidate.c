/* config_candidate.c - a candidate rule set's config for `fupin preview`:
 * the live config with another policy folder, plugin folder or params:
 * (from a file holding only a params: mapping). Reads files; never writes. */
#include "arena.h"
#include "config_internal.h"

#include <stdlib.h>
#include <string.h>

/* The params: of path (text: the live config's, already parsed once;
 * NULL: read the file, which must hold nothing else) into cfg, which owns
 * nothing of them yet. */
static int load_params(const char *path, const char *text, size_t len, struct config *cfg,
                       struct err *e)
{
    struct arena arena = {0};
    struct ynode *root = NULL;
    struct config_load_ctx c = {.path = path, .cfg = cfg, .e = e};
    int rc = text ? config_yaml_parse(path, text, len, &arena, &root, e)
                  : config_yaml_load_file(path, &arena, &root, e);
    if (rc)
        goto out;
    if (text) {
        rc = config_load_params(&c, root ? config_yaml_get(root, "params") : NULL);
        goto out;
    }
    if (!root || root->kind != YNODE_MAP) {
        rc = root ? config_fail(&c, root, _("expected a mapping holding only params:"))
                  : err_set(e, ERR_INVALID, _("%s: empty; expected a mapping holding only params:"),
                            path);
        goto out;
    }
    for (const struct ynode *n = root->child; n; n = n->next) {
        if (strcmp(n->key->value, "params") != 0) {
            rc = config_fail(&c, n->key, _("unknown key \"%s\": this file holds only params:"),
                             n->key->value);
            goto out;
        }
    }
    const struct ynode *p = config_yaml_get(root, "params");
    if (!p) {
        rc = config_fail(&c, root, _("missing key \"params\""));
        goto out;
    }
    cfg->params_line = p->key ? p->key->line : 1;
    cfg->params_col = p->key ? p->key->col : 1;
    rc = config_load_params(&c, p);
out:
    arena_free(&arena);
    return rc;
}

int config_candidate(const struct config *live, const char *policies_dir, const char *plugin_dir,
                     const char *params_path, struct config **out, struct err *e)
{
    *out = NULL;
    struct config *cfg = calloc(1, sizeof *cfg);
    if (!cfg)
        return err_set(e, ERR_FAIL, _("out of memory"));
    *cfg = *live;
    cfg->base = live->base ? live->base : live;
    cfg->params = NULL;
    cfg->n_params = 0;
    if (policies_dir)
        cfg->policies_dir = (char *)policies_dir;
    if (plugin_dir)
        cfg->plugin_dir = (char *)plugin_dir;
    int rc;
    if (params_path) {
        /* Messages about a param then name the file that holds it. */
        cfg->path = (char *)params_path;
        rc = load_params(params_path, NULL, 0, cfg, e);
    } else {
        rc = load_params(live->path, live->text, live->text_len, cfg, e);
    }
    if (rc) {
        config_free(cfg);
        return rc;
    }
    *out = cfg;
    return 0;
}

/* ---- the params: block as text (staged activation) ---- */

/* The line starting at p is a top-level key: something at column 0 that
 * is neither a comment nor a document marker. */
static int is_top_key(const char *p, const char *end)
{
    return p < end && *p != ' ' && *p != '\t' && *p != '#' && *p != '\n' && *p != '\r' &&
           !(end - p >= 3 && (!strncmp(p, "---", 3) || !strncmp(p, "...", 3)));
}

/* [*from, *to) of text: the params: block, from its key's line to the
 * last line of its own before the next top-level key (comments written
 * above that key belong to it). Both at len when there is none. */
static void params_span(const char *text, size_t len, size_t *from, size_t *to)
{
    const char *end = text + len, *p = text;
    *from = *to = len;
    while (p < end && !(end - p >= 7 && strncmp(p, "params:", 7) == 0)) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl ? nl + 1 : end;
    }
    if (p >= end)
        return;
    *from = (size_t)(p - text);
    size_t last = len; /* end of the last line that belongs to the block */
    for (;;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *next = nl ? nl + 1 : end;
        const char *q = p;
        while (q < next && (*q == ' ' || *q == '\t'))
            q++;
        int own = q < next && *q != '#' && *q != '\n' && *q != '\r';
        if (own)
            last = (size_t)(next - text);
        if (next >= end || is_top_key(next, end))
            break;
        p = next;
    }
    *to = last;
}

int config_params_block(const struct config *cfg, char **out, struct err *e)
{
    size_t from, to;
    params_span(cfg->text ? cfg->text : "", cfg->text ? cfg->text_len : 0, &from, &to);
    *out = malloc(to - from + 2);
    if (!*out)
        return err_set(e, ERR_FAIL, _("out of memory"));
    memcpy(*out, cfg->text + from, to - from);
    (*out)[to - from] = '\0';
    /* Every block ends its last line, wherever it stood in the file. */
    if (to > from && (*out)[to - from - 1] != '\n')
        strcat(*out, "\n");
    return 0;
}

int config_text_with_params(const struct config *cfg, const char *block, char **out, size_t *len,
                            struct err *e)
{
    const char *text = cfg->text ? cfg->text : "";
    size_t n = cfg->text ? cfg->text_len : 0, from, to;
    params_span(text, n, &from, &to);
    size_t bl = strlen(block);
    /* A file without params: gets the block at its end, on a line of its own. */
    int nl = from == n && n > 0 && text[n - 1] != '\n';
    *len = from + (size_t)nl + bl + (n - to);
    *out = malloc(*len + 1);
    if (!*out)
        return err_set(e, ERR_FAIL, _("out of memory"));
    memcpy(*out, text, from);
    if (nl)
        (*out)[from] = '\n';
    memcpy(*out + from + nl, block, bl);
    memcpy(*out + from + nl + bl, text + to, n - to);
    (*out)[*len] = '\0';
    return 0;
}
