/* deliver.c - the outbox queue: claim a due row, hand it to its channel,
 * mark it sent only after the channel accepted it, else plan a retry with
 * exponential backoff. Also the `file` channel (a fsync'd JSON-lines spool).
 * Never holds a database transaction open across a send. */
#include "deliver.h"
#include "date.h"
#include "deliver_internal.h"
#include "log.h"
#include "nightly.h"
#include "nightly_timer.h"

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

/* Appends one JSON line and makes it durable before reporting success. */
static int deliver_file(const struct config *cfg, const struct config_channel *ch,
                        const struct outbox_msg *m, struct err *e)
{
    if (!ch->dir || !*ch->dir)
        return err_set(e, ERR_INVALID, "channel file has no dir");
    int rc = mkdir_p(ch->dir, e);
    if (rc)
        return rc;
    int offset = 8 * 3600;
    nightly_zone_offset(cfg->timezone ? cfg->timezone : "Asia/Shanghai", &offset, NULL);
    char day[11], path[4200];
    nightly_local_date((int64_t)time(NULL), offset, day);
    snprintf(path, sizeof path, "%s/outbox-%s.jsonl", ch->dir, day);

    char *line = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&line, &len);
    if (!f)
        return err_set(e, ERR_FAIL, "out of memory");
    fprintf(f,
            "{\"outbox_id\":%" PRId64 ",\"supervisor_id\":%" PRId64 ",\"created_at\":\"%s\","
            "\"payload\":%s}\n",
            m->id, m->supervisor_id, m->created_at ? m->created_at : "", m->payload);
    if (fclose(f) != 0) {
        free(line);
        return err_set(e, ERR_FAIL, "out of memory");
    }
    struct stat sb;
    int is_new = stat(path, &sb) != 0;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = err_set(e, ERR_FAIL, "%s: %s", path, strerror(errno));
        goto done;
    }
    /* One write per line: O_APPEND keeps concurrent writers' lines whole. */
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, line + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = err_set(e, ERR_FAIL, "%s: write: %s", path, strerror(errno));
            break;
        }
        off += (size_t)n;
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
    free(line);
    return rc;
}

int deliver_send(const struct config *cfg, const struct outbox_msg *m, struct err *e)
{
    const struct config_channel *ch = config_channel_find(cfg, m->channel);
    if (!ch)
        return err_set(e, ERR_INVALID, "channel \"%s\" is not configured (channels:)", m->channel);
    if (strcmp(m->channel, "file") == 0)
        return deliver_file(cfg, ch, m, e);
    if (strcmp(m->channel, "webhook") == 0)
        return deliver_webhook(ch, m, e);
    if (strcmp(m->channel, "email") == 0)
        return deliver_email(ch, m, e);
    return err_set(e, ERR_INVALID, "unknown channel \"%s\"", m->channel);
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

static int deliver_one(const struct config *cfg, struct store *st, int64_t id,
                       struct deliver_stats *stats, struct err *e)
{
    char now[24], lease[24];
    time_t t = time(NULL);
    utc_stamp(t, now);
    /* Long enough for the slowest send; a deliverer that dies mid-send
     * leaves the row to be retried after the lease. */
    int timeout = 30;
    const struct config_channel *any = NULL;
    for (size_t i = 0; i < cfg->n_channels; i++) {
        any = &cfg->channels[i];
        if (any->timeout_s > timeout)
            timeout = any->timeout_s;
    }
    utc_stamp(t + timeout + 60, lease);
    struct outbox_msg m;
    int claimed, rc = store_outbox_claim(st, id, now, lease, &m, &claimed, e);
    if (rc || !claimed)
        return rc;
    struct err why = {""};
    if (deliver_send(cfg, &m, &why) == 0) {
        char done[24];
        utc_stamp(time(NULL), done);
        /* The at-least-once window: the channel has the message; if the
         * process dies before this commit the row is sent again later. */
        rc = store_outbox_mark_sent(st, id, done, e);
        if (!rc) {
            stats->sent++;
            log_debug("outbox %" PRId64 ": delivered via %s", id, m.channel);
        }
    } else {
        int attempts = m.attempts + 1;
        char next[24];
        const char *next_at = NULL;
        if (attempts < max_attempts(cfg)) {
            utc_stamp(time(NULL) + (time_t)backoff(cfg, attempts), next);
            next_at = next;
            stats->failed++;
            log_warn("outbox %" PRId64 ": %s delivery failed (attempt %d): %s; retry at %s UTC", id,
                     m.channel, attempts, why.msg, next);
        } else {
            stats->gave_up++;
            log_error("outbox %" PRId64 ": %s delivery failed %d times, giving up: %s", id,
                      m.channel, attempts, why.msg);
        }
        rc = store_outbox_mark_failed(st, id, why.msg, next_at, e);
    }
    outbox_msg_free(&m);
    return rc;
}

int deliver_pending(const struct config *cfg, struct store *st, const volatile int *stop,
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
    for (size_t i = 0; i < n && !rc && !(stop && *stop); i++)
        rc = deliver_one(cfg, st, ids[i], stats, e);
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
