/* fuzz_worker.c - what the daemon reads from a worker process: a stream of
 * bytes on the socket (base/frame.c, with its read-ahead), each RESULT
 * frame decoded by worker_result_decode. A worker runs policies and plugins
 * the daemon does not trust, so whatever it sends must end in a decoded
 * result that keeps the emitter's promises, or in an error the supervisor
 * treats as a crash: never a crash of the daemon, never an unmasked
 * resident ID, never a finding of a policy or measure it does not know. */
#include "frame.h"
#include "fuzz.h"
#include "scrub.h"
#include "worker.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *const industry_measures[] = {"project", "rain_plan", NULL};
static const char *const education_measures[] = {"living_allowance", NULL};

static struct policy policies[2] = {
    {.kind = POLICY_LUA,
     .name = "industry",
     .source = "lua:policies/industry.lua@0123456789ab",
     .measures = industry_measures},
    {.kind = POLICY_PLUGIN,
     .name = "education",
     .source = "plugin:education@1.2",
     .measures = education_measures},
};

/* The worker's index k is the daemon's map[k]: 2 is a policy the daemon
 * lacks. */
static const int map[] = {1, 0, -1};

static void check_result(const struct worker_item *it)
{
    const struct eval_result *r = &it->res;
    if (it->outcome > OUTCOME_MALFORMED)
        fuzz_fail("outcome %d accepted", (int)it->outcome);
    for (size_t i = 0; i < r->n_findings; i++) {
        const struct finding *f = &r->findings[i];
        const struct policy *p = strcmp(f->policy, "industry") == 0    ? &policies[0]
                                 : strcmp(f->policy, "education") == 0 ? &policies[1]
                                                                       : NULL;
        if (!p)
            fuzz_fail("a finding of policy %s", f->policy);
        int known = 0;
        for (const char *const *m = p->measures; *m; m++)
            known |= strcmp(*m, f->measure) == 0;
        if (!known || !f->reason || !*f->reason || (f->has_amount && !isfinite(f->amount)))
            fuzz_fail("a finding the emitter refuses: %s %s", f->policy, f->measure);
        if (scrub_has_id(f->reason))
            fuzz_fail("an unmasked resident ID in a reason");
    }
    for (size_t i = 0; i < r->n_alerts; i++)
        if (scrub_has_id(r->alerts[i].message))
            fuzz_fail("an unmasked resident ID in an alert");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Everything is written before it is read: no more than a socket holds. */
    if (size > 100000)
        return 0;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        fuzz_fail("socketpair");
    int sndbuf = 1 << 20;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(sv[0], data + off, size - off);
        if (w <= 0)
            fuzz_fail("write");
        off += (size_t)w;
    }
    close(sv[0]);
    struct policy_set set = {.policies = policies, .n_policies = 2};
    struct frame_buf b = {0};
    struct worker_item it = {0};
    struct err e = {{0}};
    unsigned tag;
    int rc, frames = 0;
    while ((rc = frame_recv(sv[1], &b, &tag, 0, &e)) == 0) {
        frames++;
        if (b.pos != 1 || b.len < 1 || b.len > FRAME_MAX)
            fuzz_fail("a frame of %zu bytes handed out at %zu", b.len, b.pos);
        if (tag != WORKER_RESULT)
            continue;
        it.id = frames;
        struct err de = {{0}};
        int d = worker_result_decode(&b, &set, map, 3, &it, &de);
        if (d != 0 && d != ERR_INVALID && d != ERR_FAIL)
            fuzz_fail("decode returned %d", d);
        if (d == 0)
            check_result(&it);
        if (fuzz_verbose())
            fprintf(stderr, "frame %d: %s (%zu findings)\n", frames, d ? de.msg : "ok",
                    it.res.n_findings);
    }
    if (rc != ERR_CLOSED && rc != ERR_INVALID && rc != ERR_BUSY)
        fuzz_fail("frame_recv returned %d: %s", rc, e.msg);
    eval_result_free(&it.res);
    frame_buf_free(&b);
    close(sv[1]);
    return 0;
}
