/* test_frame.c - the framed messages between the daemon and its workers:
 * a round trip of every value type, and what counts as a crashed peer -
 * a bad length, a short frame, a string running past the payload, EOF. */
#include "frame.h"
#include "testlib.h"

#include <math.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void pair(int sv[2])
{
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        perror("socketpair");
        _exit(1);
    }
}

static void frame_round_trip_keeps_every_value(void)
{
    int sv[2];
    pair(sv);
    struct frame_buf out = {0}, in = {0};
    struct err e = {{0}};
    frame_begin(&out, 7);
    frame_put_u8(&out, 250);
    frame_put_u32(&out, 4000000000u);
    frame_put_i64(&out, -1234567890123ll);
    frame_put_f64(&out, 1234.5);
    frame_put_str(&out, "扶贫 reason");
    frame_put_str(&out, NULL);
    CHECK(frame_send(sv[0], &out, &e) == 0);
    unsigned tag = 0;
    CHECK(frame_recv(sv[1], &in, &tag, 5000, &e) == 0);
    CHECK(tag == 7);
    CHECK(frame_get_u8(&in) == 250);
    CHECK(frame_get_u32(&in) == 4000000000u);
    CHECK(frame_get_i64(&in) == -1234567890123ll);
    CHECK(frame_get_f64(&in) == 1234.5);
    CHECK(strcmp(frame_get_str(&in), "扶贫 reason") == 0);
    CHECK(strcmp(frame_get_str(&in), "") == 0);
    CHECK(!in.bad && in.pos == in.len);
    /* Reading past the end is noticed, not a crash. */
    frame_get_i64(&in);
    CHECK(in.bad);
    frame_buf_free(&out);
    frame_buf_free(&in);
    close(sv[0]);
    close(sv[1]);
}

/* A worker sends its results in bursts: frames built one after another in
 * one buffer, one write; the reader hands them out one by one and needs no
 * read for the ones it already holds. */
static void frames_in_a_burst_are_read_one_by_one(void)
{
    int sv[2];
    pair(sv);
    struct frame_buf out = {0}, in = {0};
    struct err e = {{0}};
    frame_begin(&out, 3);
    frame_put_u32(&out, 0);
    for (uint32_t i = 1; i < 500; i++) {
        frame_next(&out, 3);
        frame_put_u32(&out, i);
        frame_put_str(&out, i % 7 ? "户" : "");
    }
    CHECK(frame_send(sv[0], &out, &e) == 0);
    close(sv[0]);
    unsigned tag = 0;
    CHECK(frame_recv(sv[1], &in, &tag, 5000, &e) == 0);
    CHECK(tag == 3 && frame_get_u32(&in) == 0 && in.pos == in.len);
    for (uint32_t i = 1; i < 500; i++) {
        tag = 0;
        CHECK(frame_recv(sv[1], &in, &tag, 5000, &e) == 0);
        CHECK(tag == 3 && frame_get_u32(&in) == i);
        CHECK(strcmp(frame_get_str(&in), i % 7 ? "户" : "") == 0);
        CHECK(!in.bad && in.pos == in.len);
    }
    /* The writer is gone after the burst: an orderly end. */
    CHECK(frame_recv(sv[1], &in, &tag, 5000, &e) == ERR_CLOSED);
    close(sv[1]);
    frame_buf_free(&out);
    frame_buf_free(&in);
}

/* A burst may be split anywhere, even inside a length prefix: the rest
 * arriving after the caller's short timeout is still one frame, not a
 * broken peer. */
static void a_split_length_waits_for_the_rest(void)
{
    int sv[2];
    pair(sv);
    struct frame_buf out = {0}, in = {0};
    struct err e = {{0}};
    frame_begin(&out, 5);
    frame_put_str(&out, "first");
    frame_next(&out, 6);
    frame_put_str(&out, "second");
    CHECK(frame_send(sv[0], &out, &e) == 0);
    unsigned char whole[64];
    ssize_t n = read(sv[1], whole, sizeof whole);
    CHECK(n > 12);
    int sw[2];
    pair(sw);
    size_t cut = (size_t)n - 13; /* three bytes into the second frame's length */
    pid_t child = fork();
    if (child == 0) {
        close(sw[1]);
        if (write(sw[0], whole, cut) != (ssize_t)cut)
            _exit(1);
        struct timespec ts = {0, 300 * 1000000L};
        nanosleep(&ts, NULL);
        _exit(write(sw[0], whole + cut, (size_t)n - cut) == (ssize_t)n - (ssize_t)cut ? 0 : 1);
    }
    close(sw[0]);
    unsigned tag = 0;
    CHECK(frame_recv(sw[1], &in, &tag, 5000, &e) == 0);
    CHECK(tag == 5 && strcmp(frame_get_str(&in), "first") == 0);
    CHECK(frame_recv(sw[1], &in, &tag, 10, &e) == 0);
    CHECK(tag == 6 && strcmp(frame_get_str(&in), "second") == 0);
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* Nothing more, and the writer has gone: the end. */
    CHECK(frame_recv(sw[1], &in, &tag, 10, &e) == ERR_CLOSED);
    close(sv[0]);
    close(sv[1]);
    close(sw[1]);
    frame_buf_free(&out);
    frame_buf_free(&in);
}

static void frame_refuses_bad_lengths_and_short_frames(void)
{
    int sv[2];
    struct frame_buf in = {0};
    struct err e = {{0}};
    unsigned tag;
    /* A length over the cap. */
    pair(sv);
    unsigned char big[4] = {0xff, 0xff, 0xff, 0x7f};
    CHECK(write(sv[0], big, 4) == 4);
    CHECK(frame_recv(sv[1], &in, &tag, 5000, &e) == ERR_INVALID);
    CHECK_STR_CONTAINS(e.msg, "bad frame length");
    close(sv[0]);
    close(sv[1]);
    /* A zero length (no tag). */
    pair(sv);
    unsigned char zero[4] = {0, 0, 0, 0};
    CHECK(write(sv[0], zero, 4) == 4);
    CHECK(frame_recv(sv[1], &in, &tag, 5000, &e) == ERR_INVALID);
    close(sv[0]);
    close(sv[1]);
    /* Ten bytes announced, three sent, then the peer dies. */
    pair(sv);
    unsigned char part[7] = {10, 0, 0, 0, 3, 1, 2};
    CHECK(write(sv[0], part, 7) == 7);
    close(sv[0]);
    CHECK(frame_recv(sv[1], &in, &tag, 5000, &e) == ERR_INVALID);
    CHECK_STR_CONTAINS(e.msg, "short frame");
    close(sv[1]);
    /* Half a length prefix. */
    pair(sv);
    CHECK(write(sv[0], part, 2) == 2);
    close(sv[0]);
    CHECK(frame_recv(sv[1], &in, &tag, 5000, &e) == ERR_INVALID);
    close(sv[1]);
    frame_buf_free(&in);
}

static void frame_eof_and_timeout_are_told_apart(void)
{
    int sv[2];
    struct frame_buf in = {0};
    struct err e = {{0}};
    unsigned tag;
    pair(sv);
    CHECK(frame_recv(sv[1], &in, &tag, 10, &e) == ERR_BUSY);
    close(sv[0]);
    CHECK(frame_recv(sv[1], &in, &tag, 5000, &e) == ERR_CLOSED);
    close(sv[1]);
    /* Sending to a closed peer is an error, not SIGPIPE. */
    pair(sv);
    close(sv[1]);
    struct frame_buf out = {0};
    frame_begin(&out, 1);
    frame_put_str(&out, "x");
    CHECK(frame_send(sv[0], &out, &e) == ERR_FAIL);
    close(sv[0]);
    frame_buf_free(&out);
    frame_buf_free(&in);
}

static void frame_string_past_the_payload_is_bad(void)
{
    int sv[2];
    pair(sv);
    struct frame_buf in = {0};
    struct err e = {{0}};
    unsigned tag;
    /* tag 3, then a string claiming 100 bytes with 2 present. */
    unsigned char msg[] = {8, 0, 0, 0, 3, 100, 0, 0, 0, 'a', 'b', 0};
    CHECK(write(sv[0], msg, sizeof msg) == (ssize_t)sizeof msg);
    CHECK(frame_recv(sv[1], &in, &tag, 5000, &e) == 0);
    CHECK(tag == 3);
    CHECK(strcmp(frame_get_str(&in), "") == 0);
    CHECK(in.bad);
    /* A string whose NUL is missing. */
    unsigned char msg2[] = {8, 0, 0, 0, 3, 2, 0, 0, 0, 'a', 'b', 'c'};
    CHECK(write(sv[0], msg2, sizeof msg2) == (ssize_t)sizeof msg2);
    CHECK(frame_recv(sv[1], &in, &tag, 5000, &e) == 0);
    frame_get_str(&in);
    CHECK(in.bad);
    frame_buf_free(&in);
    close(sv[0]);
    close(sv[1]);
}

static void frame_send_refuses_oversized(void)
{
    struct frame_buf out = {0};
    struct err e = {{0}};
    frame_begin(&out, 1);
    static char huge[FRAME_MAX / 2 + 16];
    memset(huge, 'x', sizeof huge - 1);
    frame_put_str(&out, huge);
    frame_put_str(&out, huge);
    CHECK(out.bad);
    CHECK(frame_send(-1, &out, &e) == ERR_INVALID);
    frame_buf_free(&out);
}

int main(void)
{
    RUN(frame_round_trip_keeps_every_value);
    RUN(frames_in_a_burst_are_read_one_by_one);
    RUN(a_split_length_waits_for_the_rest);
    RUN(frame_refuses_bad_lengths_and_short_frames);
    RUN(frame_eof_and_timeout_are_told_apart);
    RUN(frame_string_past_the_payload_is_bad);
    RUN(frame_send_refuses_oversized);
    return test_done();
}
