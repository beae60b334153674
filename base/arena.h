/* arena.h - bump allocation for short-lived data (one household snapshot,
 * one evaluation): everything is released at once by arena_reset/arena_free.
 * Not thread-safe: one arena per thread. */
#ifndef FUPIN_ARENA_H
#define FUPIN_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
    struct arena_block *head; /* newest block first */
    size_t block_size;        /* 0: default (64 KiB) */
};

/* Returns zeroed memory aligned for any type, or NULL when out of memory. */
void *arena_alloc(struct arena *a, size_t size);
/* Copies s (NULL stays NULL) into the arena. */
char *arena_strdup(struct arena *a, const char *s);
/* Copies n bytes of s and terminates it. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* Forgets everything but keeps the first block for reuse. */
void arena_reset(struct arena *a);
void arena_free(struct arena *a);

#endif
