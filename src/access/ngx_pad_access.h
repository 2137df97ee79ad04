
/*
 * Access to a pad, as Etherpad 2.x decides it (SecurityManager's
 * checkAccess, SessionManager's findAuthorID): facts in, a decision out.
 * Pure: the caller gathers the facts (Redis, the external check) and
 * acts on the decision (the socket's join, an export).
 *
 * The order is Etherpad's:
 *   1. a read-only id cannot create (it was resolved by the caller:
 *      a read-only id of no pad is denied before any fact is read);
 *   2. the site's check (pad_access_check: Etherpad's authorization
 *      and onAccessCheck hooks): deny, or read-only (cannot create);
 *   3. a pad that does not exist and cannot be created (pad_edit_only,
 *      read-only): deny;
 *   4. pad_require_session without a valid session of the pad's group:
 *      deny;
 *   5. no such session and no valid author token: deny;
 *   6. the author is the session's, else the token's;
 *   7. not a group pad (no '$'): granted;
 *   8. a group pad that does not exist: only with a session;
 *   9. an existing group pad: public, or with a session.
 */


#ifndef _NGX_PAD_ACCESS_H_INCLUDED_
#define _NGX_PAD_ACCESS_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include "easysync/ngx_pad_cs.h"


#define NGX_PAD_ACCESS_IDS_MAX   16    /* session ids read from a list */
#define NGX_PAD_ACCESS_ID_MAX    100   /* bytes of one session id */


typedef enum {
    NGX_PAD_ACCESS_DENY = 0,
    NGX_PAD_ACCESS_GRANT,
    NGX_PAD_ACCESS_READONLY
} ngx_pad_access_e;


/* the answer of the site's check (pad_access_check) */
typedef enum {
    NGX_PAD_ACCESS_CHECK_NONE = 0,     /* not configured */
    NGX_PAD_ACCESS_CHECK_ALLOW,
    NGX_PAD_ACCESS_CHECK_READONLY,
    NGX_PAD_ACCESS_CHECK_DENY
} ngx_pad_access_check_e;


typedef struct {
    ngx_pad_access_check_e  check;
    unsigned                readonly_id:1;     /* asked by an r. id */
    unsigned                exists:1;          /* the pad exists */
    unsigned                public:1;          /* P{pad}:meta public=1 */
    unsigned                session:1;         /* a valid session of the
                                                  pad's group was found */
    unsigned                token_ok:1;        /* the author token is
                                                  valid (or not needed) */
    unsigned                edit_only:1;       /* pad_edit_only */
    unsigned                require_session:1; /* pad_require_session */
} ngx_pad_access_facts_t;


typedef struct {
    ngx_pad_access_e        status;
    unsigned                session_author:1;  /* the session's author */
    const char             *reason;            /* why (for the log) */
} ngx_pad_access_t;


void ngx_pad_access_decide(const char *pad, size_t len,
    const ngx_pad_access_facts_t *f, ngx_pad_access_t *out);

/* a group pad: "g.<16 alnum>$name" (Etherpad's test: the id holds '$') */
int ngx_pad_access_group_pad(const char *pad, size_t len);

/* the pad's group as findAuthorID is given it: padID.split('$')[0] */
size_t ngx_pad_access_group_len(const char *pad, size_t len);

/*
 * The session ids of a sessionID value: quotes around the whole value
 * stripped (Etherpad's #3819), split at ',', blanks around each id
 * trimmed; an id that is empty, longer than NGX_PAD_ACCESS_ID_MAX or
 * holds a byte outside [A-Za-z0-9._-] is skipped; ids already in
 * ids[0..n-1] are not added again.  Appends at most max - n ids; returns
 * the new count.
 */
size_t ngx_pad_access_session_ids(const char *value, size_t len,
    ngx_pad_str_t *ids, size_t n, size_t max);

/*
 * A session record (Psession:{s.X}: groupID, validUntil) is valid for
 * the group at unix time now: the same group and now < validUntil
 * (an integer of seconds; anything else is not valid).
 */
int ngx_pad_access_session_valid(const char *group, size_t glen,
    const ngx_pad_str_t *sgroup, const ngx_pad_str_t *valid_until,
    int64_t now);


#endif /* _NGX_PAD_ACCESS_H_INCLUDED_ */
