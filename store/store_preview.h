/* store_preview.h - the read-only queries of `fupin preview`: the
 * households in id order and one household's stored findings, as the
 * candidate rules are compared with them. Never writes. */
#ifndef FUPIN_STORE_PREVIEW_H
#define FUPIN_STORE_PREVIEW_H

#include "arena.h"
#include "err.h"
#include "policy.h"
#include "store.h"

#include <stddef.h>
#include <stdint.h>

enum stored_state { STORED_OPEN, STORED_ACCEPTED, STORED_REJECTED };

/* A live (not withdrawn) stored finding; its strings live in the arena
 * passed to store_preview_findings. */
struct stored_finding {
    int64_t id;
    struct finding f; /* f.policy and f.source point into the arena */
    enum stored_state state;
};

/* Up to max household ids above after, ascending, into ids; *n how many
 * (0: no more). */
int store_preview_households(struct store *st, int64_t after, int max, int64_t *ids, int *n,
                             struct err *e);

/* The live findings of household_id into *rows (grown as needed: the
 * caller frees it; *cap its capacity), strings in a (the caller resets it
 * between households). */
int store_preview_findings(struct store *st, int64_t household_id, struct arena *a,
                           struct stored_finding **rows, size_t *n, size_t *cap, struct err *e);

/* The name of region code into buf (size bytes); "" when there is no such
 * region or it has no name. */
int store_preview_region_name(struct store *st, const char *code, char *buf, size_t size,
                              struct err *e);

#endif
