/* config_yaml.c - libyaml events to a marked tree (see config_yaml.h).
 * Recursion is bounded by CONFIG_YAML_MAX_DEPTH, so a hostile file cannot
 * exhaust the stack; nothing here knows which keys the config has. */
#include "config_yaml.h"
#include "i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

struct yparse {
    const char *path;
    const char *text; /* for turning a reader error's byte offset into line:col */
    size_t len;
    yaml_parser_t parser;
    struct arena *arena;
    struct err *e;
    size_t n_nodes;
};

static int yfail(struct yparse *p, yaml_mark_t mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int yfail(struct yparse *p, yaml_mark_t mark, const char *fmt, ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return err_set(p->e, ERR_INVALID, "%s:%zu:%zu: %s", p->path, mark.line + 1, mark.column + 1,
                   what);
}

/* Next event, turning a parser failure into "path:line:col: syntax error". */
static int ynext(struct yparse *p, yaml_event_t *ev)
{
    if (yaml_parser_parse(&p->parser, ev))
        return 0;
    yaml_parser_t *y = &p->parser;
    if (y->error == YAML_MEMORY_ERROR)
        return err_set(p->e, ERR_FAIL, _("%s: out of memory"), p->path);
    if (y->error == YAML_READER_ERROR) {
        yaml_mark_t at = {0, 0, 0};
        for (size_t i = 0; i < y->problem_offset && i < p->len; i++) {
            if (p->text[i] == '\n') {
                at.line++;
                at.column = 0;
            } else if (((unsigned char)p->text[i] & 0xc0) != 0x80) {
                at.column++;
            }
        }
        return yfail(p, at, "%s", y->problem ? y->problem : _("cannot read the text"));
    }
    yaml_mark_t m = y->problem_mark;
    if (y->context)
        return yfail(p, m, _("syntax error: %s %s (line %zu)"), y->problem ? y->problem : "",
                     y->context, y->context_mark.line + 1);
    return yfail(p, m, _("syntax error: %s"), y->problem ? y->problem : _("invalid YAML"));
}

static struct ynode *ynew(struct yparse *p, enum ynode_kind kind, yaml_mark_t m)
{
    p->n_nodes++;
    struct ynode *n = arena_alloc(p->arena, sizeof *n);
    if (!n)
        return NULL;
    n->kind = kind;
    n->line = (int)m.line + 1;
    n->col = (int)m.column + 1;
    return n;
}

/* Anchors and tags are refused on every node: an anchor only exists to be
 * aliased, and tags would let a file change how a value is typed. */
static int ycheck_props(struct yparse *p, const yaml_event_t *ev)
{
    const yaml_char_t *anchor = NULL, *tag = NULL;
    if (ev->type == YAML_SCALAR_EVENT) {
        anchor = ev->data.scalar.anchor;
        tag = ev->data.scalar.tag;
    } else if (ev->type == YAML_MAPPING_START_EVENT) {
        anchor = ev->data.mapping_start.anchor;
        tag = ev->data.mapping_start.tag;
    } else if (ev->type == YAML_SEQUENCE_START_EVENT) {
        anchor = ev->data.sequence_start.anchor;
        tag = ev->data.sequence_start.tag;
    }
    if (anchor)
        return yfail(p, ev->start_mark, _("aliases are not allowed (anchor &%s)"),
                     (const char *)anchor);
    if (tag)
        return yfail(p, ev->start_mark, _("tags are not allowed (%s)"), (const char *)tag);
    return 0;
}

static int yparse_node(struct yparse *p, yaml_event_t *ev, int depth, struct ynode **out);

/* The keys of one mapping seen so far, hashed: a linear scan per key made
 * 40,000 keys under params take seconds. Open addressing, at most half
 * full; malloc'd because it outlives no mapping. */
struct ykeys {
    const struct ynode **slot;
    size_t cap, n;
};

static size_t yhash(const char *s)
{
    size_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* The key already in k equal to key, else NULL after adding key; -1 in
 * *oom when out of memory. */
static const struct ynode *ykeys_add(struct ykeys *k, const struct ynode *key, int *oom)
{
    if ((k->n + 1) * 2 > k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 16;
        const struct ynode **slot = calloc(cap, sizeof *slot);
        if (!slot) {
            *oom = -1;
            return NULL;
        }
        for (size_t i = 0; i < k->cap; i++) {
            if (!k->slot[i])
                continue;
            size_t j = yhash(k->slot[i]->value) & (cap - 1);
            while (slot[j])
                j = (j + 1) & (cap - 1);
            slot[j] = k->slot[i];
        }
        free(k->slot);
        k->slot = slot;
        k->cap = cap;
    }
    size_t j = yhash(key->value) & (k->cap - 1);
    for (; k->slot[j]; j = (j + 1) & (k->cap - 1)) {
        if (strcmp(k->slot[j]->value, key->value) == 0)
            return k->slot[j];
    }
    k->slot[j] = key;
    k->n++;
    return NULL;
}

static void yappend(struct ynode *parent, struct ynode **tail, struct ynode *n)
{
    if (*tail)
        (*tail)->next = n;
    else
        parent->child = n;
    *tail = n;
    parent->n_children++;
}

/* ev is the collection's start event (already checked); consumes up to and
 * including its end event. */
static int yparse_collection(struct yparse *p, yaml_event_t *start, int depth, struct ynode **out)
{
    int is_map = start->type == YAML_MAPPING_START_EVENT;
    if (depth > CONFIG_YAML_MAX_DEPTH)
        return yfail(p, start->start_mark, _("nesting deeper than %d levels"),
                     CONFIG_YAML_MAX_DEPTH);
    struct ynode *n = ynew(p, is_map ? YNODE_MAP : YNODE_SEQ, start->start_mark);
    if (!n)
        return err_set(p->e, ERR_FAIL, _("%s: out of memory"), p->path);
    struct ynode *tail = NULL;
    struct ykeys keys = {0};
    yaml_event_t ev;
    int rc;
    for (;;) {
        if ((rc = ynext(p, &ev)))
            goto done;
        if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        struct ynode *key = NULL;
        if (is_map) {
            if (ev.type != YAML_SCALAR_EVENT && ev.type != YAML_ALIAS_EVENT) {
                rc = yfail(p, ev.start_mark, _("a key must be a plain word, not a %s"),
                           ev.type == YAML_MAPPING_START_EVENT ? _("mapping") : _("list"));
                yaml_event_delete(&ev);
                goto done;
            }
            rc = yparse_node(p, &ev, depth, &key);
            yaml_event_delete(&ev);
            if (rc)
                goto done;
            int oom = 0;
            const struct ynode *first = ykeys_add(&keys, key, &oom);
            if (oom) {
                rc = err_set(p->e, ERR_FAIL, _("%s: out of memory"), p->path);
                goto done;
            }
            if (first) {
                rc = err_set(p->e, ERR_INVALID,
                             _("%s:%d:%d: duplicate key \"%.60s\" (first at line %d)"), p->path,
                             key->line, key->col, key->value, first->line);
                goto done;
            }
            if ((rc = ynext(p, &ev)))
                goto done;
        }
        struct ynode *val;
        rc = yparse_node(p, &ev, depth, &val);
        yaml_event_delete(&ev);
        if (rc)
            goto done;
        val->key = key;
        yappend(n, &tail, val);
    }
    *out = n;
done:
    free(keys.slot);
    return rc;
}

/* Builds the node that starts with ev. The caller deletes ev. */
static int yparse_node(struct yparse *p, yaml_event_t *ev, int depth, struct ynode **out)
{
    int rc;
    if (ev->type == YAML_ALIAS_EVENT)
        return yfail(p, ev->start_mark, _("aliases are not allowed (*%s)"),
                     (const char *)ev->data.alias.anchor);
    if ((rc = ycheck_props(p, ev)))
        return rc;
    if (p->n_nodes >= CONFIG_YAML_MAX_NODES)
        return yfail(p, ev->start_mark, _("more than %d values in one file"),
                     CONFIG_YAML_MAX_NODES);
    if (ev->type == YAML_SCALAR_EVENT) {
        struct ynode *n = ynew(p, YNODE_SCALAR, ev->start_mark);
        if (!n)
            return err_set(p->e, ERR_FAIL, _("%s: out of memory"), p->path);
        if (ev->data.scalar.length > CONFIG_YAML_MAX_SCALAR_BYTES)
            return yfail(p, ev->start_mark, _("a value of %zu bytes, over the %d KiB limit"),
                         ev->data.scalar.length, CONFIG_YAML_MAX_SCALAR_BYTES / 1024);
        n->value =
            arena_strndup(p->arena, (const char *)ev->data.scalar.value, ev->data.scalar.length);
        if (!n->value)
            return err_set(p->e, ERR_FAIL, _("%s: out of memory"), p->path);
        if (strlen(n->value) != ev->data.scalar.length)
            return yfail(p, ev->start_mark, _("a value contains a NUL character"));
        n->is_plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        *out = n;
        return 0;
    }
    if (ev->type == YAML_MAPPING_START_EVENT || ev->type == YAML_SEQUENCE_START_EVENT)
        return yparse_collection(p, ev, depth + 1, out);
    return yfail(p, ev->start_mark, _("unexpected YAML event"));
}

static int yparse_stream(struct yparse *p, struct ynode **root)
{
    yaml_event_t ev;
    int rc, docs = 0;
    for (;;) {
        if ((rc = ynext(p, &ev)))
            return rc;
        yaml_event_type_t t = ev.type;
        if (t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            return 0;
        }
        if (t == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
            rc = yfail(p, ev.start_mark, _("more than one YAML document (one config per file)"));
            yaml_event_delete(&ev);
            return rc;
        }
        if (t == YAML_SCALAR_EVENT || t == YAML_ALIAS_EVENT || t == YAML_MAPPING_START_EVENT ||
            t == YAML_SEQUENCE_START_EVENT) {
            rc = yparse_node(p, &ev, 0, root);
            yaml_event_delete(&ev);
            if (rc)
                return rc;
            continue;
        }
        yaml_event_delete(&ev);
    }
}

int config_yaml_parse(const char *path, const char *text, size_t len, struct arena *a,
                      struct ynode **root, struct err *e)
{
    struct yparse p = {.path = path, .text = text, .len = len, .arena = a, .e = e};
    *root = NULL;
    if (!yaml_parser_initialize(&p.parser))
        return err_set(e, ERR_FAIL, _("%s: out of memory"), path);
    yaml_parser_set_input_string(&p.parser, (const unsigned char *)text, len);
    int rc = yparse_stream(&p, root);
    yaml_parser_delete(&p.parser);
    if (rc)
        *root = NULL;
    return rc;
}

struct ynode *config_yaml_get(const struct ynode *map, const char *key)
{
    if (!map || map->kind != YNODE_MAP)
        return NULL;
    for (struct ynode *v = map->child; v; v = v->next) {
        if (strcmp(v->key->value, key) == 0)
            return v;
    }
    return NULL;
}

/* "1 MiB", "64 KiB" or "100 bytes". */
static const char *size_text(size_t n, char *buf, size_t size)
{
    if (n >= 1024 * 1024 && n % (1024 * 1024) == 0)
        snprintf(buf, size, _("%zu MiB"), n / (1024 * 1024));
    else if (n >= 1024 && n % 1024 == 0)
        snprintf(buf, size, _("%zu KiB"), n / 1024);
    else
        snprintf(buf, size, _("%zu bytes"), n);
    return buf;
}

/* Opening with O_NONBLOCK keeps a FIFO from blocking the open itself; the
 * type is then checked on the descriptor, so a file swapped after a stat
 * cannot slip through. */
int config_yaml_read_file(const char *path, size_t max_bytes, char **out, size_t *out_len,
                          struct err *e)
{
    *out = NULL;
    *out_len = 0;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        int err = errno;
        if (err == ENOENT || err == ENOTDIR)
            return err_set(e, ERR_INVALID, _("%s: no such file"), path);
        if (err == ELOOP)
            return err_set(e, ERR_INVALID, _("%s: too many levels of symbolic links"), path);
        /* Permissions and I/O are the machine's fault, not the file's. */
        return err_set(e, ERR_FAIL, _("%s: cannot read: %s"), path, strerror(err));
    }
    struct stat st;
    char *text = NULL, limit[32];
    int rc;
    if (fstat(fd, &st) != 0) {
        rc = err_set(e, ERR_FAIL, _("%s: cannot read: %s"), path, strerror(errno));
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = err_set(e, ERR_INVALID, _("%s: not a regular file (%s)"), path,
                     S_ISDIR(st.st_mode)    ? _("a directory")
                     : S_ISFIFO(st.st_mode) ? _("a FIFO")
                                            : _("a device or socket"));
        goto done;
    }
    if ((unsigned long long)st.st_size > max_bytes) {
        rc = err_set(e, ERR_INVALID, _("%s:1:1: the file is %lld bytes, over the %s limit"), path,
                     (long long)st.st_size, size_text(max_bytes, limit, sizeof limit));
        goto done;
    }
    /* Read one byte past the limit: a file that grew since fstat is caught. */
    size_t cap = (size_t)st.st_size + 1, len = 0;
    if (!(text = malloc(cap + 1))) {
        rc = err_set(e, ERR_FAIL, _("%s: out of memory"), path);
        goto done;
    }
    for (;;) {
        ssize_t n = read(fd, text + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = err_set(e, ERR_FAIL, _("%s: cannot read: %s"), path, strerror(errno));
            goto done;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > max_bytes) {
            rc = err_set(e, ERR_INVALID, _("%s:1:1: the file is over the %s limit"), path,
                         size_text(max_bytes, limit, sizeof limit));
            goto done;
        }
        if (len == cap) {
            size_t ncap = cap * 2 > max_bytes + 1 ? max_bytes + 1 : cap * 2;
            char *nt = realloc(text, ncap + 1);
            if (!nt) {
                rc = err_set(e, ERR_FAIL, _("%s: out of memory"), path);
                goto done;
            }
            text = nt;
            cap = ncap;
        }
    }
    text[len] = '\0';
    *out = text;
    *out_len = len;
    text = NULL;
    rc = 0;
done:
    free(text);
    close(fd);
    return rc;
}

int config_yaml_load_file(const char *path, struct arena *a, struct ynode **root, struct err *e)
{
    char *text;
    size_t len;
    *root = NULL;
    int rc = config_yaml_read_file(path, CONFIG_YAML_MAX_FILE_BYTES, &text, &len, e);
    if (rc)
        return rc;
    rc = config_yaml_parse(path, text, len, a, root, e);
    free(text);
    return rc;
}
