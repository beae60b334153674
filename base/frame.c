/* frame.c - length-prefixed, size-capped messages over a socket (frame.h).
 * Strings travel as a u32 length, the bytes and a NUL, so a reader can hand
 * out pointers into the payload without copying. */
#include "frame.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* What one read() may bring at most beyond the frame asked for: room for a
 * burst of results, small beside a worker's footprint. */
#define AHEAD_MIN (64u << 10)
/* Once a frame has begun: a generous fixed allowance, not the caller's
 * timeout. */
#define PATIENCE_MS 10000

void frame_buf_free(struct frame_buf *b)
{
    free(b->data);
    free(b->ahead);
    memset(b, 0, sizeof *b);
}

static int reserve(struct frame_buf *b, size_t more)
{
    if (b->bad)
        return -1;
    if (b->len - b->start + more > FRAME_MAX + 4) {
        b->bad = 1;
        return -1;
    }
    if (b->len + more <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + more)
        cap *= 2;
    unsigned char *d = realloc(b->data, cap);
    if (!d) {
        b->bad = 1;
        return -1;
    }
    b->data = d;
    b->cap = cap;
    return 0;
}

static void put(struct frame_buf *b, const void *p, size_t n)
{
    if (reserve(b, n) == 0) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
    }
}

void frame_begin(struct frame_buf *b, unsigned tag)
{
    b->len = 0;
    b->pos = 0;
    b->start = 0;
    b->bad = 0;
    unsigned char head[5] = {0, 0, 0, 0, (unsigned char)tag};
    put(b, head, sizeof head);
}

/* Writes the length of the frame being built into its prefix. */
static void close_frame(struct frame_buf *b)
{
    uint32_t n = (uint32_t)(b->len - b->start - 4);
    unsigned char *p = b->data + b->start;
    p[0] = (unsigned char)n;
    p[1] = (unsigned char)(n >> 8);
    p[2] = (unsigned char)(n >> 16);
    p[3] = (unsigned char)(n >> 24);
}

void frame_next(struct frame_buf *b, unsigned tag)
{
    if (b->bad || b->len < b->start + 5)
        return;
    close_frame(b);
    b->start = b->len;
    unsigned char head[5] = {0, 0, 0, 0, (unsigned char)tag};
    put(b, head, sizeof head);
}

void frame_put_u8(struct frame_buf *b, unsigned v)
{
    unsigned char c = (unsigned char)v;
    put(b, &c, 1);
}

void frame_put_u32(struct frame_buf *b, uint32_t v)
{
    unsigned char c[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    put(b, c, 4);
}

void frame_put_i64(struct frame_buf *b, int64_t v)
{
    uint64_t u = (uint64_t)v;
    frame_put_u32(b, (uint32_t)u);
    frame_put_u32(b, (uint32_t)(u >> 32));
}

void frame_put_f64(struct frame_buf *b, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    frame_put_i64(b, (int64_t)u);
}

void frame_put_str(struct frame_buf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n > FRAME_MAX) {
        b->bad = 1;
        return;
    }
    frame_put_u32(b, (uint32_t)n);
    put(b, s ? s : "", n);
    put(b, "", 1);
}

int frame_send(int fd, struct frame_buf *b, struct err *e)
{
    if (b->bad || b->len < b->start + 5 || b->len - b->start - 4 > FRAME_MAX)
        return err_set(e, ERR_INVALID, "frame too large or out of memory");
    close_frame(b);
    size_t off = 0;
    while (off < b->len) {
        ssize_t w = send(fd, b->data + off, b->len - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return err_set(e, ERR_FAIL, "peer gone: %s", w < 0 ? strerror(errno) : "closed");
        off += (size_t)w;
    }
    return 0;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void drop_ahead(struct frame_buf *b)
{
    b->ahead_len = b->ahead_pos = 0;
}

/* Makes at least need bytes wait in b->ahead before the deadline (-1:
 * none), reading as much as the peer has sent. started says whether part
 * of the frame was read already (a timeout is then a short frame, not
 * "nothing yet"). */
static int fill(int fd, struct frame_buf *b, size_t need, int64_t deadline, int started,
                struct err *e)
{
    while (b->ahead_len - b->ahead_pos < need) {
        if (b->ahead_pos) {
            memmove(b->ahead, b->ahead + b->ahead_pos, b->ahead_len - b->ahead_pos);
            b->ahead_len -= b->ahead_pos;
            b->ahead_pos = 0;
        }
        size_t cap = need > AHEAD_MIN ? need : AHEAD_MIN;
        if (b->ahead_cap < cap) {
            unsigned char *a = realloc(b->ahead, cap);
            if (!a)
                return err_set(e, ERR_FAIL, "out of memory");
            b->ahead = a;
            b->ahead_cap = cap;
        }
        size_t have = b->ahead_len;
        if (have > 0 && !started) {
            /* Part of a frame is here: the rest follows at once or the peer
             * is broken (a burst may be split anywhere, even in a length). */
            started = 1;
            deadline = now_ms() + PATIENCE_MS;
        }
        int wait = -1;
        if (deadline >= 0) {
            int64_t left = deadline - now_ms();
            wait = left > 0 ? (int)left : 0;
        }
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int r = poll(&pfd, 1, wait);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return err_set(e, ERR_FAIL, "poll: %s", strerror(errno));
        if (r == 0) {
            if (!started)
                return err_set(e, ERR_BUSY, "no frame yet");
            return err_set(e, ERR_INVALID, "short frame: %zu of %zu bytes", have, need);
        }
        ssize_t got = read(fd, b->ahead + have, b->ahead_cap - have);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got <= 0) {
            if (!started)
                return err_set(e, ERR_CLOSED, "peer closed the connection");
            return err_set(e, ERR_INVALID, "short frame: %zu of %zu bytes", have, need);
        }
        b->ahead_len += (size_t)got;
    }
    return 0;
}

static int recv_frame(int fd, struct frame_buf *b, unsigned *tag, int timeout_ms, struct err *e)
{
    int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    int rc = fill(fd, b, 4, deadline, 0, e);
    if (rc)
        return rc;
    const unsigned char *head = b->ahead + b->ahead_pos;
    uint32_t n = (uint32_t)head[0] | (uint32_t)head[1] << 8 | (uint32_t)head[2] << 16 |
                 (uint32_t)head[3] << 24;
    if (n < 1 || n > FRAME_MAX)
        return err_set(e, ERR_INVALID, "bad frame length %u", n);
    b->len = 0;
    b->start = 0;
    b->bad = 0;
    if (reserve(b, n) != 0)
        return err_set(e, ERR_FAIL, "out of memory");
    if ((rc = fill(fd, b, (size_t)n + 4, now_ms() + PATIENCE_MS, 1, e)) != 0)
        return rc;
    memcpy(b->data, b->ahead + b->ahead_pos + 4, n);
    b->ahead_pos += (size_t)n + 4;
    b->len = n;
    *tag = b->data[0];
    b->pos = 1;
    return 0;
}

int frame_recv(int fd, struct frame_buf *b, unsigned *tag, int timeout_ms, struct err *e)
{
    int rc = recv_frame(fd, b, tag, timeout_ms, e);
    if (rc && rc != ERR_BUSY)
        drop_ahead(b);
    return rc;
}

static const unsigned char *get(struct frame_buf *b, size_t n)
{
    if (b->bad || b->len - b->pos < n) {
        b->bad = 1;
        return NULL;
    }
    const unsigned char *p = b->data + b->pos;
    b->pos += n;
    return p;
}

unsigned frame_get_u8(struct frame_buf *b)
{
    const unsigned char *p = get(b, 1);
    return p ? *p : 0;
}

uint32_t frame_get_u32(struct frame_buf *b)
{
    const unsigned char *p = get(b, 4);
    return p ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
             : 0;
}

int64_t frame_get_i64(struct frame_buf *b)
{
    uint64_t lo = frame_get_u32(b), hi = frame_get_u32(b);
    return (int64_t)(lo | hi << 32);
}

double frame_get_f64(struct frame_buf *b)
{
    uint64_t u = (uint64_t)frame_get_i64(b);
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

const char *frame_get_str(struct frame_buf *b)
{
    uint32_t n = frame_get_u32(b);
    const unsigned char *p = b->bad ? NULL : get(b, (size_t)n + 1);
    if (!p || p[n] != 0 || memchr(p, 0, n)) {
        b->bad = 1;
        return "";
    }
    return (const char *)p;
}
