/* deliver.c - the outbox queue: claim a due row, hand it to its channel,
 * mark it sent only after the channel accepted it, else plan a retry with
 * exponential backoff. Also the `file` channel (a fsync'd JSON-lines spool).
 * Never holds a database transaction open across a send. */
#include "deliver.h"
#include "date.h"
#include "deliver_internal.h"
#include "log.h"
#include "nightly.h"
#include "scrub.h"
#include "store_alert.h"
#include "store_engine.h"
#include "tz.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void deliver_global_init(void)
{
    pthread_once(&curl_once, curl_init_once);
}

static void utc_stamp(time_t t, char out[24])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 24, "%Y-%m-%d %H:%M:%S", &tm);
}

/* "YYYY-MM-DD HH:MM:SS" (UTC) to seconds since the epoch; -1 if malformed. */
static int64_t parse_stamp(const char *s)
{
    char day[11];
    int h, m, sec, ok;
    if (!s || strlen(s) < 19 || sscanf(s + 11, "%2d:%2d:%2d", &h, &m, &sec) != 3)
        return -1;
    memcpy(day, s, 10);
    day[10] = 0;
    long days = date_days(day, &ok);
    return ok ? (int64_t)days * 86400 + h * 3600 + m * 60 + sec : -1;
}

int deliver_text_literal(const char *payload, const char **lit, size_t *len)
{
    static const char head[] = "{\"text\":\"";
    if (!payload || strncmp(payload, head, sizeof head - 1) != 0)
        return 0;
    const char *start = payload + sizeof head - 2, *p = start + 1;
    while (*p && *p != '"')
        p += (*p == '\\' && p[1]) ? 2 : 1;
    if (*p != '"')
        return 0;
    *lit = start;
    *len = (size_t)(p - start) + 1;
    return 1;
}

static void put_utf8(char **o, unsigned cp)
{
    unsigned char *q = (unsigned char *)*o;
    if (cp < 0x80) {
        *q++ = (unsigned char)cp;
    } else if (cp < 0x800) {
        *q++ = (unsigned char)(0xc0 | cp >> 6);
        *q++ = (unsigned char)(0x80 | (cp & 0x3f));
    } else {
        *q++ = (unsigned char)(0xe0 | cp >> 12);
        *q++ = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
        *q++ = (unsigned char)(0x80 | (cp & 0x3f));
    }
    *o = (char *)q;
}

char *deliver_text(const char *payload)
{
    const char *lit;
    size_t len;
    if (!deliver_text_literal(payload, &lit, &len))
        return NULL;
    char *out = malloc(len * 3 + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *p = lit + 1; p < lit + len - 1; p++) {
        if (*p != '\\') {
            *o++ = *p;
            continue;
        }
        p++;
        switch (*p) {
        case 'n':
            *o++ = '\n';
            break;
        case 't':
            *o++ = '\t';
            break;
        case 'r':
            *o++ = '\r';
            break;
        case 'b':
            *o++ = '\b';
            break;
        case 'f':
            *o++ = '\f';
            break;
        case 'u': {
            unsigned cp = 0;
            if (sscanf(p + 1, "%4x", &cp) == 1 && p + 4 < lit + len - 1) {
                put_utf8(&o, cp);
                p += 4;
            }
            break;
        }
        default:
            *o++ = *p; /* \" \\ \/ */
        }
    }
    *o = 0;
    return out;
}

static int mkdir_p(const char *dir, struct err *e)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return err_set(e, ERR_FAIL, "%s: spool path too long", dir);
    for (char *p = path + 1;; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            if (mkdir(path, 0700) != 0 && errno != EEXIST)
                return err_set(e, ERR_FAIL, "%s: cannot create spool directory: %s", path,
                               strerror(errno));
            *p = c;
            if (!c)
                break;
        }
    }
    return 0;
}

/* Appends one JSON line per message (in order) and makes them durable
 * with one fsync before reporting success for all of them. */
static int deliver_file(const struct config *cfg, const struct config_channel *ch,
                        const struct outbox_msg *msgs, size_t n, struct err *e)
{
    if (!ch->dir || !*ch->dir)
        return err_set(e, ERR_INVALID, "channel file has no dir");
    int rc = mkdir_p(ch->dir, e);
    if (rc)
        return rc;
    char day[11], path[4200];
    tz_today(cfg->timezone, day);
    snprintf(path, sizeof path, "%s/outbox-%s.jsonl", ch->dir, day);

    char *lines = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&lines, &len);
    if (!f)
        return err_set(e, ERR_FAIL, "out of memory");
    for (size_t i = 0; i < n; i++)
        fprintf(f,
                "{\"outbox_id\":%" PRId64 ",\"supervisor_id\":%" PRId64 ",\"created_at\":\"%s\","
                "\"payload\":%s}\n",
                msgs[i].id, msgs[i].supervisor_id, msgs[i].created_at ? msgs[i].created_at : "",
                msgs[i].payload);
    if (fclose(f) != 0) {
        free(lines);
        return err_set(e, ERR_FAIL, "out of memory");
    }
    /* Defence in depth: the nightly scrubs what it writes, but an outbox row
     * may have been written by an older fupin or by hand. */
    scrub_ids_json(lines, len);
    struct stat sb;
    int is_new = stat(path, &sb) != 0;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = err_set(e, ERR_FAIL, "%s: %s", path, strerror(errno));
        goto done;
    }
    /* One write for all the lines: O_APPEND keeps concurrent writers'
     * lines whole. */
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, lines + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = err_set(e, ERR_FAIL, "%s: write: %s", path, strerror(errno));
            break;
        }
        off += (size_t)w;
    }
    if (!rc && fsync(fd) != 0)
        rc = err_set(e, ERR_FAIL, "%s: fsync: %s", path, strerror(errno));
    close(fd);
    if (!rc && is_new) {
        /* A new file's directory entry must be durable too. */
        int dfd = open(ch->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
done:
    free(lines);
    return rc;
}

/* deliver_send with the database, which a digest mail's list is read from
 * (st NULL: no list). */
static int send_msg(const struct config *cfg, struct store *st, const struct outbox_msg *m,
                    struct err *e)
{
    const struct config_channel *ch = config_channel_find(cfg, m->channel);
    if (!ch)
        return err_set(e, ERR_INVALID, "channel \"%s\" is not configured (channels:)", m->channel);
    if (strcmp(m->channel, "file") == 0)
        return deliver_file(cfg, ch, m, 1, e);
    int is_webhook = strcmp(m->channel, "webhook") == 0;
    if (!is_webhook && strcmp(m->channel, "email") != 0)
        return err_set(e, ERR_INVALID, "unknown channel \"%s\"", m->channel);
    /* What leaves the machine passes the ID scrubber once more (see
     * deliver_file): the webhook and mail bodies are built from this copy. */
    struct outbox_msg clean = *m;
    if (!(clean.payload = strdup(m->payload ? m->payload : "")))
        return err_set(e, ERR_FAIL, "out of memory");
    scrub_ids_json(clean.payload, strlen(clean.payload));
    int rc;
    if (is_webhook) {
        rc = deliver_webhook(ch, &clean, e);
    } else {
        /* Built per attempt: a retry carries the list as it stands then. A
         * list that cannot be built does not hold the digest back. */
        struct deliver_attachment att;
        struct err ae;
        if (deliver_digest_attachment(cfg, st, &clean, &att, &ae) != 0)
            log_event(LOG_WARN, "delivery.attach_failed",
                      "outbox %" PRId64 ": the digest's list is not attached: %s", m->id, ae.msg);
        rc = deliver_email(ch, &clean, &att, e);
        deliver_attachment_free(&att);
    }
    free(clean.payload);
    return rc;
}

int deliver_send(const struct config *cfg, const struct outbox_msg *m, struct err *e)
{
    return send_msg(cfg, NULL, m, e);
}

static int max_attempts(const struct config *cfg)
{
    return cfg->delivery_max_attempts > 0 ? cfg->delivery_max_attempts : 12;
}

/* backoff_s x 2^(attempts-1), capped at a day so the shift cannot overflow. */
static int64_t backoff(const struct config *cfg, int attempts)
{
    int64_t base = cfg->delivery_backoff_s >= 0 ? cfg->delivery_backoff_s : 30;
    int shift = attempts - 1 < 0 ? 0 : attempts - 1 > 20 ? 20 : attempts - 1;
    int64_t d = base << shift;
    return d > 86400 ? 86400 : d;
}

/* Claims last until now + the slowest channel's timeout + a minute: a
 * deliverer that dies mid-send leaves the row to be retried after it. */
static void lease_until(const struct config *cfg, time_t t, char out[24])
{
    int timeout = 30;
    for (size_t i = 0; i < cfg->n_channels; i++)
        if (cfg->channels[i].timeout_s > timeout)
            timeout = cfg->channels[i].timeout_s;
    utc_stamp(t + timeout + 60, out);
}

/* A permanent failure: the row is given up at once and the city's one
 * live delivery_failed alert (re)raised, so an operator fixes the channel
 * or the address instead of the outbox retrying it for days. Runs in the
 * caller's transaction. */
static int give_up(const struct config *cfg, struct store *st, const struct outbox_msg *m,
                   const struct err *why, struct deliver_stats *stats, struct err *e)
{
    char error[300], city[64], now[24], message[512];
    snprintf(error, sizeof error, "permanent: %s", why->msg);
    stats->gave_up++;
    log_event(LOG_ERROR, "delivery.refused",
              "outbox %" PRId64 ": %s delivery failed permanently, not retried: %s", m->id,
              m->channel, why->msg);
    int rc = store_outbox_give_up(st, m->id, max_attempts(cfg), error, e);
    if (!rc)
        rc = store_region_city(st, city, sizeof city, e);
    if (rc)
        return rc;
    utc_stamp(time(NULL), now);
    snprintf(message, sizeof message,
             "督办消息无法投递，已停止重试（outbox %" PRId64 "，渠道 %s）：%s。"
             "请检查渠道配置或督办人地址。",
             m->id, m->channel, why->msg);
    struct alert_spec a = {.kind = "delivery_failed",
                           .subject = "delivery",
                           .severity = SEVERITY_WARNING,
                           .region = city[0] ? city : NULL,
                           .level = "city",
                           .message = message,
                           .source = "deliver"};
    return store_alert_raise(st, &a, now, NULL, e);
}

/* Records the outcome of sending claimed row m: sent, or failed with a
 * retry planned by backoff, or given up after max_attempts or at once when
 * the failure is permanent (ERR_INVALID: nothing a retry could mend). in_tx:
 * the caller holds a write transaction. */
static int record(const struct config *cfg, struct store *st, const struct outbox_msg *m, int sent,
                  int send_rc, const struct err *why, int in_tx, struct deliver_stats *stats,
                  struct err *e)
{
    int rc;
    if (sent) {
        char done[24];
        utc_stamp(time(NULL), done);
        /* The at-least-once window: the channel has the message; if the
         * process dies before this commit the row is sent again later. */
        rc = store_outbox_mark_sent(st, m->id, done, e);
        if (!rc) {
            stats->sent++;
            log_event(LOG_DEBUG, "delivery.sent", "outbox %" PRId64 ": delivered via %s", m->id,
                      m->channel);
        }
        return rc;
    }
    if (send_rc == ERR_INVALID) {
        if (in_tx)
            return give_up(cfg, st, m, why, stats, e);
        if ((rc = store_begin(st, NULL, e)) != 0)
            return rc;
        if ((rc = give_up(cfg, st, m, why, stats, e)) == 0)
            rc = store_commit(st, e);
        if (rc)
            store_rollback(st);
        return rc;
    }
    int attempts = m->attempts + 1;
    char next[24];
    const char *next_at = NULL;
    if (attempts < max_attempts(cfg)) {
        utc_stamp(time(NULL) + (time_t)backoff(cfg, attempts), next);
        next_at = next;
        stats->failed++;
        log_event(LOG_WARN, "delivery.retry",
                  "outbox %" PRId64 ": %s delivery failed (attempt %d): %s; retry at %s UTC", m->id,
                  m->channel, attempts, why->msg, next);
    } else {
        stats->gave_up++;
        log_event(LOG_ERROR, "delivery.gave_up",
                  "outbox %" PRId64 ": %s delivery failed %d times, giving up: %s", m->id,
                  m->channel, attempts, why->msg);
    }
    return store_outbox_mark_failed(st, m->id, why->msg, next_at, e);
}

static int deliver_one(const struct config *cfg, struct store *st, int64_t id,
                       struct deliver_stats *stats, struct err *e)
{
    char now[24], lease[24];
    time_t t = time(NULL);
    utc_stamp(t, now);
    lease_until(cfg, t, lease);
    struct outbox_msg m;
    int claimed, rc = store_outbox_claim(st, id, now, lease, &m, &claimed, e);
    if (rc || !claimed)
        return rc;
    struct err why = {""};
    int send_rc = send_msg(cfg, st, &m, &why);
    rc = record(cfg, st, &m, send_rc == 0, send_rc, &why, 0, stats, e);
    outbox_msg_free(&m);
    return rc;
}

/* Rows the file channel takes at once. */
#define DELIVER_FILE_BATCH 256

/* Delivers the file-channel rows among ids[0..n) together: one claim
 * transaction, one append and fsync of the spool, one transaction
 * recording the outcome, instead of two commits and an fsync per row
 * (most of delivering 2,000 digests after the nightly job). A file send
 * never waits on a network, so the lease cannot run out mid-batch. The
 * ids handled are set to 0. */
static int deliver_file_batch(const struct config *cfg, struct store *st, int64_t *ids, size_t n,
                              struct deliver_stats *stats, struct err *e)
{
    const struct config_channel *ch = config_channel_find(cfg, "file");
    if (!ch)
        return 0;
    struct outbox_msg *msgs = calloc(n, sizeof *msgs);
    if (!msgs)
        return err_set(e, ERR_FAIL, "out of memory delivering the outbox");
    char now[24], lease[24];
    time_t t = time(NULL);
    utc_stamp(t, now);
    lease_until(cfg, t, lease);
    size_t claimed = 0;
    int rc = store_outbox_claim_channel(st, ids, n, "file", now, lease, msgs, &claimed, e);
    if (rc || claimed == 0)
        goto done;
    struct err why = {""};
    int send_rc = deliver_file(cfg, ch, msgs, claimed, &why);
    if ((rc = store_begin(st, NULL, e)) != 0)
        goto done;
    for (size_t i = 0; i < claimed && !rc; i++)
        rc = record(cfg, st, &msgs[i], send_rc == 0, send_rc, &why, 1, stats, e);
    if (!rc)
        rc = store_commit(st, e);
    if (rc)
        store_rollback(st);
    /* ids and msgs are both in id order. */
    for (size_t i = 0, k = 0; i < n && k < claimed; i++)
        if (ids[i] == msgs[k].id)
            ids[i] = 0, k++;
done:
    for (size_t i = 0; i < claimed; i++)
        outbox_msg_free(&msgs[i]);
    free(msgs);
    return rc;
}

int deliver_pending(const struct config *cfg, struct store *st, const atomic_int *stop,
                    struct deliver_stats *stats, struct err *e)
{
    deliver_global_init();
    memset(stats, 0, sizeof *stats);
    char now[24];
    utc_stamp(time(NULL), now);
    int64_t *ids;
    size_t n;
    int rc = store_outbox_due(st, now, max_attempts(cfg), &ids, &n, e);
    if (rc)
        return rc;
    /* Per slice of the due rows: the file channel's first, all at once,
     * then the others one by one in id order. */
    for (size_t i = 0; i < n && !rc && !stop_requested(stop); i += DELIVER_FILE_BATCH) {
        size_t k = n - i < DELIVER_FILE_BATCH ? n - i : DELIVER_FILE_BATCH;
        rc = deliver_file_batch(cfg, st, ids + i, k, stats, e);
        for (size_t j = i; j < i + k && !rc && !stop_requested(stop); j++)
            if (ids[j])
                rc = deliver_one(cfg, st, ids[j], stats, e);
    }
    free(ids);
    return rc;
}

int deliver_next_due(const struct config *cfg, struct store *st, int64_t *in_ms, int *any,
                     struct err *e)
{
    char next[32];
    int rc = store_outbox_next(st, max_attempts(cfg), next, sizeof next, any, e);
    if (rc || !*any)
        return rc;
    int64_t at = next[0] ? parse_stamp(next) : 0, now = (int64_t)time(NULL);
    *in_ms = at > now ? (at - now) * 1000 : 0;
    return 0;
}
