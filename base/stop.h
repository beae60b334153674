/* stop.h - a stop request shared between threads: set where a signal or a
 * shutdown is handled, read by long work on another thread between steps.
 * An atomic_int with explicit loads and stores, never a volatile int (a
 * plain cross-thread read and write is a data race in C11). */
#ifndef FUPIN_STOP_H
#define FUPIN_STOP_H

#include <stdatomic.h>

/* A lock-free atomic may be stored from a signal handler (C11 7.14.1.1). */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "stop_request must be async-signal-safe");

/* True once a stop was requested; stop may be NULL (never stopped). */
static inline int stop_requested(const atomic_int *stop)
{
    return stop && atomic_load(stop) != 0;
}

/* Requests the stop. Safe from any thread and from a signal handler. */
static inline void stop_request(atomic_int *stop)
{
    atomic_store(stop, 1);
}

#endif
