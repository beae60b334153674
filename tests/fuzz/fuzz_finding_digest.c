/* fuzz_finding_digest.c - the findings digest blob a household's row holds
 * (finding_digest.digest, store/store_digest.h). Reconciliation trusts a
 * digest to skip reading the findings, and the row can hold anything an
 * outside program wrote: any bytes must decode to "not valid" or to a
 * digest that encodes back to exactly those bytes, matches itself, and
 * merges without growing past what a digest holds. */
#include "fuzz.h"
#include "store_digest.h"

#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct hdigest h, now;
    store_digest_decode(data, size, &h);
    if (fuzz_verbose())
        fprintf(stderr, "valid %d, %zu entries, %zu unknown\n", h.valid, h.n, h.n_unknown);
    if (!h.valid)
        return 0;
    if (h.n > DIGEST_MAX || h.n_unknown > DIGEST_MAX)
        fuzz_fail("decoded %zu entries and %zu unknown", h.n, h.n_unknown);
    unsigned char buf[DIGEST_BLOB_MAX];
    size_t len = store_digest_encode(&h, buf);
    if (len != size || memcmp(buf, data, size) != 0)
        fuzz_fail("a valid digest of %zu bytes encodes to %zu other bytes", size, len);

    /* The same evaluation against itself: the same, once the unknown
     * policies are the ones that did not run. */
    if (!store_digest_same(&h, &h, h.unknown, h.n_unknown))
        fuzz_fail("a digest does not match itself");

    /* Nothing ran: whatever was known is kept, the rest stays unknown. */
    uint64_t errs[DIGEST_MAX];
    size_t n_errs = 0;
    for (size_t i = 0; i < h.n && n_errs < DIGEST_MAX; i++)
        errs[n_errs++] = h.e[i].policy;
    for (size_t i = 0; i < h.n_unknown && n_errs < DIGEST_MAX; i++)
        errs[n_errs++] = h.unknown[i];
    memset(&now, 0, sizeof now);
    now.valid = 1;
    if (store_digest_merge(&now, &h, errs, n_errs) == 0) {
        if (now.n > DIGEST_MAX || now.n_unknown > DIGEST_MAX)
            fuzz_fail("merged %zu entries and %zu unknown", now.n, now.n_unknown);
        for (size_t i = 0; i < now.n; i++)
            if (!store_digest_entry(&h, now.e[i].policy))
                fuzz_fail("merge made up a policy");
        len = store_digest_encode(&now, buf);
        store_digest_decode(buf, len, &now);
        if (!now.valid)
            fuzz_fail("a merged digest does not decode");
    }
    return 0;
}
