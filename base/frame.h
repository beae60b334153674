/* frame.h - length-prefixed messages between the daemon and its worker
 * processes, and a byte buffer to build and parse them. A frame is a 4-byte
 * little-endian length (tag included), a 1-byte tag and the payload; nothing
 * over FRAME_MAX is ever sent or accepted. A short read, a bad length or a
 * value running past the payload is ERR_INVALID: the supervisor treats the
 * peer as crashed. Never blocks forever: reads take a deadline. */
#ifndef FUPIN_FRAME_H
#define FUPIN_FRAME_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>

#define FRAME_MAX (8u << 20)

/* A growable buffer (writing) or a cursor over a received payload (reading).
 * Writing, it may hold several frames, sent together; reading, it keeps
 * what one read() brought beyond the frame returned (a peer that sends
 * frames in a burst costs one system call, not two per frame). */
struct frame_buf {
    unsigned char *data;
    size_t len, cap, pos;
    size_t start;         /* writing: where the frame being built begins */
    int bad;              /* a put ran out of memory or a get ran past the end */
    unsigned char *ahead; /* reading: bytes received past the last frame */
    size_t ahead_len, ahead_pos, ahead_cap;
};

void frame_buf_free(struct frame_buf *b);
/* Empties b for a new frame of tag (keeps the allocation). */
void frame_begin(struct frame_buf *b, unsigned tag);
/* Closes the frame being built and begins another of tag after it, in the
 * same buffer: frame_send sends them all in one write. b->bad when out of
 * memory. */
void frame_next(struct frame_buf *b, unsigned tag);
void frame_put_u8(struct frame_buf *b, unsigned v);
void frame_put_u32(struct frame_buf *b, uint32_t v);
void frame_put_i64(struct frame_buf *b, int64_t v);
void frame_put_f64(struct frame_buf *b, double v);
/* A string (NULL is sent as ""), at most FRAME_MAX bytes. */
void frame_put_str(struct frame_buf *b, const char *s);
/* Sends the frames built since frame_begin on fd (all of them, never
 * SIGPIPE). ERR_FAIL when the peer is gone, ERR_INVALID when b->bad or one
 * is too large. */
int frame_send(int fd, struct frame_buf *b, struct err *e);

/* Reads one frame into b (b->pos at the payload) and its tag into *tag,
 * waiting at most timeout_ms (-1: no limit); a frame already read ahead
 * costs no system call. ERR_BUSY on timeout with nothing read; ERR_CLOSED
 * on end of file before a frame starts (the peer hung up between frames:
 * an orderly end); ERR_INVALID on a short or oversized frame. After any
 * error but ERR_BUSY what was read ahead is dropped: the stream is over. */
int frame_recv(int fd, struct frame_buf *b, unsigned *tag, int timeout_ms, struct err *e);
unsigned frame_get_u8(struct frame_buf *b);
uint32_t frame_get_u32(struct frame_buf *b);
int64_t frame_get_i64(struct frame_buf *b);
double frame_get_f64(struct frame_buf *b);
/* A string inside b's payload (NUL-terminated in place: valid until the
 * next frame_recv into b); "" and b->bad set when malformed. */
const char *frame_get_str(struct frame_buf *b);

#endif
