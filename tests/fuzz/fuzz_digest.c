/* fuzz_digest.c - the nightly digests (nightly/nightly_digest.c) on rows
 * from bytes: supervisors, alerts, tasks, households, villages, cadres.
 * Every digest written to the outbox must be one valid JSON object that
 * starts with its "text", whatever the stored text holds (quotes,
 * backslashes, control characters, NULs, bad UTF-8). */
#include "config.h"
#include "fuzz.h"
#include "fuzz_db.h"
#include "fuzz_jsonread.h"
#include "nightly_digest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const tables[] = {"supervisor", "alert", "task",    "household",
                                     "region",     "cadre", "pairing", NULL};

static void check_payload(const char *text, size_t len, void *ctx)
{
    int *n = ctx;
    (*n)++;
    if (fuzz_verbose())
        fprintf(stderr, "digest: %s\n", text);
    if (fuzz_json_check(text, len) != 0)
        fuzz_fail("a digest is not JSON: %.*s", (int)(len > 2000 ? 2000 : len), text);
    if (strncmp(text, "{\"text\":\"", 9) != 0)
        fuzz_fail("a digest does not start with its text: %.60s", text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct store *st = fuzz_db_open(tables);
    /* The first byte picks the alerts that "climbed tonight". */
    uint8_t climbed = size ? data[0] : 0;
    fuzz_db_fill(size ? data + 1 : data, size ? size - 1 : 0);

    struct config cfg = {0};
    struct nightly_escalated esc = {0};
    struct err e = {{0}};
    for (int64_t id = 1; id <= 8; id++)
        if (climbed >> (id - 1) & 1 && nightly_escalated_add(&esc, id, &e) != 0)
            fuzz_fail("nightly_escalated_add: %s", e.msg);
    if (store_begin(st, NULL, &e) != 0)
        fuzz_fail("store_begin: %s", e.msg);
    int digests = 0;
    int rc = nightly_digests(&cfg, st, "2018-06-30", "2018-06-30 02:00:00", &esc, &digests, &e);
    if (rc != 0) {
        store_rollback(st);
        fuzz_fail("nightly_digests failed on stored rows: %s", e.msg);
    }
    if (store_commit(st, &e) != 0)
        fuzz_fail("store_commit: %s", e.msg);
    nightly_escalated_free(&esc);
    int n = 0;
    fuzz_db_each("SELECT payload FROM outbox", check_payload, &n);
    if (n != digests)
        fuzz_fail("%d digests reported, %d in the outbox", digests, n);
    return 0;
}
