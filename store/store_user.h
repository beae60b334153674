/* store_user.h - the web console's accounts: users (web_user), sessions
 * (web_session), login attempts (web_login_attempt) and the audit log
 * (web_audit). Stores only hashes of passwords and session ids, never the
 * secrets themselves; hashing is the caller's (web/auth.c). */
#ifndef FUPIN_STORE_USER_H
#define FUPIN_STORE_USER_H

#include "err.h"
#include "stop.h"
#include "store.h"

#include <stddef.h>
#include <stdint.h>

struct store_user {
    int64_t id;
    char name[64];
    char role[16];   /* "cadre" ... "admin" */
    char region[32]; /* "" for every region (policy staff, admins) */
    char hash[192];  /* the Argon2id string ("$argon2id$...") */
    int disabled;
    char created_at[24];
};

/* Adds a user; ERR_INVALID naming the user when the name is taken. *id may
 * be NULL. Its own write transaction, waiting for the lock until stop. */
int store_user_add(struct store *st, const char *name, const char *role, const char *region,
                   const char *hash, const atomic_int *stop, int64_t *id, struct err *e);
/* The user called name (disabled ones too); ERR_NOTFOUND if none. */
int store_user_get(struct store *st, const char *name, struct store_user *out, struct err *e);
/* Replaces the password hash of name; ERR_NOTFOUND if none. Ends the
 * user's sessions: a changed password signs everybody out. */
int store_user_set_hash(struct store *st, const char *name, const char *hash, struct err *e);
/* Disables name and ends its sessions, in one transaction. ERR_INVALID when
 * name is the last enabled admin (nobody could manage users any more);
 * ERR_NOTFOUND if no such user. Disabling a disabled user is a no-op. */
int store_user_disable(struct store *st, const char *name, struct err *e);
typedef int (*store_user_fn)(void *ctx, const struct store_user *u, struct err *e);
/* Calls fn for every user, by name; fn's nonzero return stops and is returned. */
int store_user_list(struct store *st, store_user_fn fn, void *ctx, struct err *e);

/* A session row joined with its user. */
struct store_session {
    struct store_user user;
    char csrf[72];
    int64_t created_at, last_seen, expires_at;
};
/* Records a new session (id_hash: the hash of the cookie's id). */
int store_session_add(struct store *st, const char *id_hash, int64_t user_id, const char *csrf,
                      int64_t now, int64_t expires_at, const char *remote, const atomic_int *stop,
                      struct err *e);
/* The live session id_hash: not expired at now, idle no longer than idle_s,
 * its user enabled. ERR_NOTFOUND otherwise. A read: fine on STORE_READ. */
int store_session_get(struct store *st, const char *id_hash, int64_t now, int64_t idle_s,
                      struct store_session *out, struct err *e);
/* Moves the session's last_seen to now. */
int store_session_touch(struct store *st, const char *id_hash, int64_t now, const atomic_int *stop,
                        struct err *e);
/* Ends one session (logout); no error when it is already gone. Also drops
 * every expired session of anybody, so the table does not grow. */
int store_session_end(struct store *st, const char *id_hash, int64_t now, const atomic_int *stop,
                      struct err *e);

/* Failed logins since since: for name into *by_name, from remote into
 * *by_remote. A read. */
int store_login_failures(struct store *st, const char *name, const char *remote, int64_t since,
                         int *by_name, int *by_remote, struct err *e);
/* Records one attempt (ok 1 or 0) and forgets attempts older than
 * forget_before. */
int store_login_record(struct store *st, const char *name, const char *remote, int64_t now, int ok,
                       int64_t forget_before, const atomic_int *stop, struct err *e);

/* One line of the audit log; user_id 0 and user_name NULL for nobody signed
 * in (a failed login names the name tried in subject). at is written by
 * the database (UTC, "YYYY-MM-DD HH:MM:SS"). */
struct store_audit {
    int64_t user_id;
    const char *user_name, *action, *subject, *remote, *detail;
};
int store_audit_add(struct store *st, const struct store_audit *a, const atomic_int *stop,
                    struct err *e);

/* 1 when region code is ancestor or lies below it (region.parent, any
 * depth), 0 when not (also for an unknown code). A read. */
int store_region_within(struct store *st, const char *code, const char *ancestor, struct err *e);
/* The name and level of region code into name / level (may be NULL);
 * ERR_NOTFOUND if there is no such region. A read. */
int store_region_get(struct store *st, const char *code, char *name, size_t name_size, char *level,
                     size_t level_size, struct err *e);
/* The first region (by code) of level whose parent is parent (NULL: any
 * parent) into code; ERR_NOTFOUND if there is none. A read. */
int store_region_first(struct store *st, const char *parent, const char *level, char *code,
                       size_t size, struct err *e);

#endif
