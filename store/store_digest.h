/* store_digest.h - a household's findings digest (finding_digest.digest),
 * as reconciliation compares it: computing it from an evaluation, its blob,
 * and what a match allows. No SQL: store_findings.c reads and writes the
 * row. Only store_*.c (and its fuzz harness) include it.
 *
 * The digest holds, per policy, what the policy said when its findings
 * were last reconciled (content: everything reconciliation compares but
 * the source) and the versions that said it (sources); a policy with no
 * entry said nothing, unless it is one of the unknown ones (failed or not
 * run when the digest was started: its rows were never compared). Any
 * write to a finding row of the household drops the whole digest
 * (triggers of schema v13), so an entry is what the policy's rows still
 * say. A pass of one policy compares that policy's entry alone; a new
 * version of a rule that says the same moves only the sources. Hashes of
 * 64 bits, not cryptographic: a false match needs two different
 * evaluations of one policy on one household to agree in all of them. */
#ifndef FUPIN_STORE_DIGEST_H
#define FUPIN_STORE_DIGEST_H

#include "policy.h"

#include <stddef.h>
#include <stdint.h>

#define DIGEST_VERSION 2 /* the blob's first byte; other layouts are not trusted */
#define DIGEST_MAX 64    /* policies per household; more and no digest is kept */

struct pdigest {
    uint64_t policy, content, sources;
};

struct hdigest {
    int valid;
    size_t n, n_unknown;
    struct pdigest e[DIGEST_MAX]; /* by policy hash */
    uint64_t unknown[DIGEST_MAX];
};

/* The hash a digest keys a policy by. */
uint64_t store_digest_policy(const char *name);
/* The entry of policy (its hash) in h, or NULL. */
const struct pdigest *store_digest_entry(const struct hdigest *h, uint64_t policy);

/* The entries of the policies of res that ran (not failed, not out of the
 * pass) and said something, into *out; the hashes of res->errors' policies
 * into errs (DIGEST_MAX of room). -1 when there are too many policies to
 * keep a digest. */
int store_digest_result(const struct eval_result *res, struct hdigest *out, uint64_t *errs);

/* The blob: at most DIGEST_BLOB_MAX bytes, in this machine's byte order.
 * decode leaves h->valid = 0 for anything that does not hold together. */
#define DIGEST_BLOB_MAX (3 + DIGEST_MAX * (sizeof(struct pdigest) + sizeof(uint64_t)))
size_t store_digest_encode(const struct hdigest *h, unsigned char *buf);
void store_digest_decode(const void *blob, size_t len, struct hdigest *h);

/* Whether every policy that ran says what its rows say (stored): each
 * entry of now matches, no policy that ran lost its findings, none was
 * unknown. Then at most the sources differ. */
int store_digest_same(const struct hdigest *now, const struct hdigest *stored, const uint64_t *errs,
                      size_t n_errs);
/* What to keep in now after reconciling row by row: the entries of the
 * policies that ran, and for those that did not (errs) what stored knew of
 * them. -1 when that is more than a digest holds. */
int store_digest_merge(struct hdigest *now, const struct hdigest *stored, const uint64_t *errs,
                       size_t n_errs);

#endif
