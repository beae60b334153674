/* config_yaml.h - a small YAML tree with line:column marks, built from
 * libyaml events, for the config loader and the policy case files (the only
 * way into libyaml). It refuses what fupin never accepts (aliases, anchors,
 * tags, several documents, deep nesting, duplicate keys) and never
 * interprets values. */
#ifndef FUPIN_CONFIG_YAML_H
#define FUPIN_CONFIG_YAML_H

#include "arena.h"
#include "err.h"

#include <stddef.h>

/* Nesting deeper than this many collections is refused. */
#define CONFIG_YAML_MAX_DEPTH 32
/* A single value (scalar) longer than this is refused. */
#define CONFIG_YAML_MAX_SCALAR_BYTES (64 * 1024)
/* A file of more values and collections than this is refused: with the
 * file size alone, a 16 MiB flow list would cost gigabytes of nodes. */
#define CONFIG_YAML_MAX_NODES 1000000

enum ynode_kind { YNODE_SCALAR, YNODE_MAP, YNODE_SEQ };

/* A mapping's children are its values, each with key pointing to its key
 * scalar; a sequence's children have key NULL. All memory is in the arena. */
struct ynode {
    enum ynode_kind kind;
    const char *value; /* scalar text, NUL-terminated */
    int is_plain;      /* plain (unquoted) scalar: may be a number */
    int line, col;     /* 1-based */
    struct ynode *key;
    struct ynode *child, *next;
    size_t n_children;
};

/* Parses text (len bytes) into a tree. *root is NULL for an empty stream.
 * Errors are ERR_INVALID "path:line:col: what" (ERR_FAIL when out of
 * memory). */
int config_yaml_parse(const char *path, const char *text, size_t len, struct arena *a,
                      struct ynode **root, struct err *e);

/* Files bigger than this are refused by config_yaml_load_file. */
#define CONFIG_YAML_MAX_FILE_BYTES (16 * 1024 * 1024)

/* Reads path (a regular file, or a symlink to one, of at most max_bytes)
 * into *text (malloc'd, NUL-terminated; the caller frees it) and its length.
 * Never blocks on a FIFO. Bad files are ERR_INVALID "path: what" as below;
 * read errors ERR_FAIL. */
int config_yaml_read_file(const char *path, size_t max_bytes, char **text, size_t *len,
                          struct err *e);

/* Reads path (a regular file, or a symlink to one, of at most
 * CONFIG_YAML_MAX_FILE_BYTES) and parses it like config_yaml_parse, with
 * the same limits. A missing file, a directory, a FIFO or device, a symlink
 * loop or an oversized file is ERR_INVALID "path: what"; read errors are
 * ERR_FAIL. The tree's memory is in a; the file's text is not kept. */
int config_yaml_load_file(const char *path, struct arena *a, struct ynode **root, struct err *e);

/* The value under key in a mapping, or NULL. */
struct ynode *config_yaml_get(const struct ynode *map, const char *key);

#endif
