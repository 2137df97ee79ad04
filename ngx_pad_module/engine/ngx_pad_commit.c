
/*
 * ngx_pad_module: USER_CHANGES, one append per pad at a time.
 *
 * A commit waits in its pad's FIFO.  The one at its head is validated
 * and rebased against the worker's copy of the pad (baseRev range,
 * checkRep, author rules, moveOpsToNewPool, follow over every revision
 * after baseRev with retransmission detection, length and final newline
 * checks), then appended by the store only if the stored head is still
 * the one it was rebased on; the commits queued behind it are rebased on
 * top of it, in order, and appended with it in the same atomic call
 * (group commit: one round trip for all).  If another writer won, the
 * store's reply carries the revisions that were missing; the pad applies
 * them, the commit is rebased on the stored head and retried at once,
 * alone (no extra round trip, so the loser of a race is not slower than
 * the winner; while commits wait, the next append is the read).
 * Retries are bounded by time (pad_commit_timeout), never by a count: a
 * lost race is not a fault of the commit.  ACCEPT_COMMIT is queued by the
 * fan-out once the pad advanced to the new revision, i.e. only after
 * Redis confirmed it.  An invalid changeset: {"disconnect":"badChangeset"}
 * and the pad is unchanged (nothing was appended); a valid one that could
 * not be appended: "unavailable" (Redis failed or unreachable, outcome
 * unknown) or "slowcommit" (still losing races after pad_commit_timeout).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"


#define NGX_PAD_SESSION_PENDING  16
#define NGX_PAD_GROUP_MAX        64       /* commits per append at most */




/*
 * What a commit is rebased on: the pad, or (group commit) the pad plus
 * the commits prepared before it in this group, not yet stored.
 */
typedef struct {
    int64_t                head;
    ngx_pad_atext_t        atext;
    intptr_t               text_len16;
    ngx_pad_pool_t        *pool;
    ngx_pad_commit_t     **group;        /* revisions pad->head + 1 .. */
    ngx_uint_t             ngroup;
} ngx_pad_commit_base_t;


static ngx_int_t ngx_pad_commit_prepare(ngx_pad_pad_t *pad,
    ngx_pad_commit_t *c, ngx_pad_commit_base_t *b, const char **why);
static void ngx_pad_commit_drop_old(ngx_pad_commit_t *c);
static ngx_int_t ngx_pad_commit_old_revs(ngx_pad_pad_t *pad,
    ngx_pad_commit_t *c);
static void ngx_pad_commit_appended(void *data, ngx_int_t rc);
static ngx_uint_t ngx_pad_commit_group(ngx_pad_pad_t *pad,
    ngx_pad_commit_t *c, ngx_pad_commit_base_t *base,
    ngx_pad_commit_t **group);
static ngx_int_t ngx_pad_commit_store(ngx_pad_pad_t *pad,
    ngx_pad_commit_t **group, ngx_uint_t n);
static void ngx_pad_commit_revs_read(void *data, ngx_int_t rc, int64_t from,
    ngx_str_t *items, ngx_uint_t n);


ngx_int_t
ngx_pad_commit_add(ngx_pad_session_t *sess, ngx_pad_msg_t *m)
{
    ngx_pad_pad_t     *pad;
    ngx_pad_commit_t  *c;

    pad = sess->pad;

    if (m->base_rev < 0 || m->base_rev > pad->head) {
        ngx_log_error(NGX_LOG_INFO, ngx_pad_socket_log(sess->socket), 0,
                      "pad: \"%V\": baseRev %L out of range [0, %L]",
                      &pad->id, m->base_rev, pad->head);
        return NGX_DECLINED;
    }

    if (m->changeset.len > ngx_pad_engine->conf->max_changeset) {
        ngx_log_error(NGX_LOG_INFO, ngx_pad_socket_log(sess->socket), 0,
                      "pad: \"%V\": changeset of %uz bytes is larger than "
                      "pad_max_changeset", &pad->id, m->changeset.len);
        return NGX_DECLINED;
    }

    if (sess->pending >= NGX_PAD_SESSION_PENDING
        || pad->ncommits >= ngx_pad_engine->conf->max_commits)
    {
        ngx_log_error(NGX_LOG_WARN, ngx_pad_socket_log(sess->socket), 0,
                      "pad: \"%V\": too many pending commits", &pad->id);
        return NGX_DECLINED;
    }

    c = ngx_calloc(sizeof(ngx_pad_commit_t), ngx_pad_engine->log);
    if (c == NULL) {
        return NGX_ERROR;
    }

    c->changeset.data = ngx_alloc(m->changeset.len + 1, ngx_pad_engine->log);
    if (c->changeset.data == NULL) {
        ngx_free(c);
        return NGX_ERROR;
    }

    ngx_memcpy(c->changeset.data, m->changeset.data, m->changeset.len);
    c->changeset.len = m->changeset.len;
    c->base_rev = m->base_rev;
    c->apool = json_incref(m->apool);
    c->session = sess;
    c->arrived = ngx_current_msec;

    sess->refs++;
    sess->pending++;

    ngx_queue_insert_tail(&pad->commits, &c->queue);
    pad->ncommits++;

    ngx_pad_commit_next(pad);

    return NGX_OK;
}


void
ngx_pad_commit_free(ngx_pad_commit_t *c)
{
    ngx_free(c->changeset.data);
    ngx_free(c->rebased.data);
    ngx_free((void *) c->atext.text.data);
    ngx_free((void *) c->atext.attribs.data);

    if (c->pool) {
        ngx_pad_pool_destroy(c->pool);
    }

    json_decref(c->apool);
    ngx_pad_commit_drop_old(c);

    c->session->pending--;
    ngx_pad_session_unref(c->session);

    ngx_free(c);
}


static void
ngx_pad_commit_drop_prepared(ngx_pad_commit_t *c)
{
    ngx_free(c->rebased.data);
    ngx_free((void *) c->atext.text.data);
    ngx_free((void *) c->atext.attribs.data);

    c->rebased.data = NULL;
    c->atext.text.data = NULL;
    c->atext.attribs.data = NULL;

    if (c->pool) {
        ngx_pad_pool_destroy(c->pool);
        c->pool = NULL;
    }
}


static ngx_pad_commit_t *
ngx_pad_commit_head(ngx_pad_pad_t *pad)
{
    if (ngx_queue_empty(&pad->commits)) {
        return NULL;
    }

    return ngx_queue_data(ngx_queue_head(&pad->commits), ngx_pad_commit_t,
                          queue);
}


static void
ngx_pad_commit_done(ngx_pad_pad_t *pad, ngx_pad_commit_t *c)
{
    ngx_queue_remove(&c->queue);
    pad->ncommits--;
    ngx_pad_commit_free(c);
}


/*
 * Group commit: the commits queued behind it are rebased in order,
 * each on top of the previous one, and appended with it in one
 * atomic call (one round trip for all).  The first that cannot
 * join (it adds pool entries, changes nothing, is refused, its
 * session is gone) ends the group and waits for the next round.
 */

static ngx_uint_t
ngx_pad_commit_group(ngx_pad_pad_t *pad, ngx_pad_commit_t *c,
    ngx_pad_commit_base_t *base, ngx_pad_commit_t **group)
{
    ngx_uint_t         n;
    const char        *why;
    ngx_queue_t       *q;
    ngx_pad_commit_t  *g, *prev;

    n = 1;

    /*
     * Not after a lost race: the others would be rebased again over
     * the whole gap at every retry (the loser's retries get slower as
     * the gap grows, and it loses again); the retried commit goes
     * alone, with only the new revisions to follow.
     */

    for (q = ngx_queue_next(&c->queue);
         c->tries == 0
         && q != ngx_queue_sentinel(&pad->commits) && n < NGX_PAD_GROUP_MAX;
         q = ngx_queue_next(q))
    {
        g = ngx_queue_data(q, ngx_pad_commit_t, queue);

        if (g->session->socket == NULL || g->session->pad != pad
            || g->session->state != NGX_PAD_SESSION_JOINED
            || g->rebased.data != NULL
            || g->base_rev + 1 < pad->first_rev)
        {
            /* (older than the window: read when at the head) */
            break;
        }

        prev = group[n - 1];
        base->head = prev->rev;
        base->atext = prev->atext;
        base->text_len16 = prev->new_len16;

        if (prev->pool) {
            base->pool = prev->pool;
        }

        base->ngroup = n;

        if (g->tries == 0) {
            g->started = ngx_current_msec;
        }

        why = NULL;

        if (ngx_pad_commit_prepare(pad, g, base, &why) != NGX_OK) {
            ngx_pad_commit_drop_prepared(g);
            break;
        }

        group[n++] = g;
    }

    return n;
}


/* the group (the FIFO's first n commits) to the store, as one append */

static ngx_int_t
ngx_pad_commit_store(ngx_pad_pad_t *pad, ngx_pad_commit_t **group,
    ngx_uint_t n)
{
    ngx_uint_t         i;
    ngx_pad_commit_t  *g;

    pad->committing = 1;
    pad->ninflight = n;
    pad->refs++;

    if (ngx_pad_pstore_append(pad, group[0], ngx_pad_commit_appended, pad)
        != NGX_OK)
    {
        pad->committing = 0;
        pad->ninflight = 0;
        pad->refs--;

        for (i = 0; i < n; i++) {
            g = group[i];
            ngx_pad_commit_drop_prepared(g);
            ngx_pad_session_disconnect(g->session, "unavailable");
            ngx_pad_commit_done(pad, g);
        }

        return NGX_ERROR;
    }

    ngx_log_debug3(NGX_LOG_DEBUG_EVENT, ngx_pad_engine->log, 0,
                   "pad: \"%V\": commit: appending %ui as revision %L",
                   &pad->id, n, group[0]->rev);

    return NGX_OK;
}


/* processes queued commits until one waits for the store */

void
ngx_pad_commit_next(ngx_pad_pad_t *pad)
{
    ngx_int_t               rc;
    ngx_uint_t              n;
    const char             *why;
    ngx_pad_commit_t       *c;
    ngx_pad_session_t      *sess;
    ngx_pad_commit_base_t   base;
    ngx_pad_commit_t       *group[NGX_PAD_GROUP_MAX];

    while (!pad->committing && !pad->catching_up && !pad->reading
           && pad->repair == NGX_PAD_REPAIR_NONE
           && pad->state == NGX_PAD_READY)
    {
        c = ngx_pad_commit_head(pad);
        if (c == NULL) {
            return;
        }

        sess = c->session;

        if (sess->socket == NULL || sess->pad != pad
            || sess->state != NGX_PAD_SESSION_JOINED)
        {
            ngx_pad_commit_done(pad, c);
            continue;
        }

        if (c->tries == 0 && c->nold == 0) {
            c->started = ngx_current_msec;
        }

        rc = ngx_pad_commit_old_revs(pad, c);

        if (rc == NGX_AGAIN) {
            return;
        }

        if (rc == NGX_DECLINED) {
            ngx_pad_engine->rejected++;
            ngx_log_error(NGX_LOG_INFO, ngx_pad_socket_log(sess->socket), 0,
                          "pad: \"%V\": bad changeset from %*s: baseRev %L "
                          "is more than pad_max_rebase revisions behind "
                          "the head %L", &pad->id, sess->author_len,
                          sess->author, c->base_rev, pad->head);
            ngx_pad_session_disconnect(sess, "badChangeset");
            ngx_pad_commit_done(pad, c);
            continue;
        }

        if (rc != NGX_OK) {
            ngx_pad_session_disconnect(sess, "unavailable");
            ngx_pad_commit_done(pad, c);
            continue;
        }

        base.head = pad->head;
        base.atext.text.data = (const char *) pad->atext.text.data;
        base.atext.text.len = pad->atext.text.len;
        base.atext.attribs.data = (const char *) pad->atext.attribs.data;
        base.atext.attribs.len = pad->atext.attribs.len;
        base.text_len16 = pad->text_len16;
        base.pool = pad->pool;
        base.group = group;
        base.ngroup = 0;

        why = NULL;
        rc = ngx_pad_commit_prepare(pad, c, &base, &why);

        if (rc == NGX_DECLINED) {
            /* nothing changes: ACCEPT_COMMIT at the session's head */
            sess->noop_accept = 1;
            ngx_pad_commit_done(pad, c);
            ngx_pad_fanout_session(sess);
            continue;
        }

        if (rc == NGX_AGAIN) {
            /* a revision to rebase over is missing (logged): not its fault */
            ngx_pad_session_disconnect(sess, "unavailable");
            ngx_pad_commit_done(pad, c);
            continue;
        }

        if (rc != NGX_OK) {
            ngx_pad_engine->rejected++;
            ngx_log_error(NGX_LOG_INFO, ngx_pad_socket_log(sess->socket), 0,
                          "pad: \"%V\": bad changeset from %*s: %s",
                          &pad->id, sess->author_len, sess->author,
                          why ? why : "out of memory");
            ngx_pad_session_disconnect(sess, "badChangeset");
            ngx_pad_commit_done(pad, c);
            continue;
        }

        group[0] = c;
        n = ngx_pad_commit_group(pad, c, &base, group);

        if (ngx_pad_commit_store(pad, group, n) != NGX_OK) {
            continue;
        }

        return;
    }
}


/* the store's answer to ngx_pad_pstore_append() */

static void
ngx_pad_commit_appended(void *data, ngx_int_t rc)
{
    ngx_uint_t          n, i;
    ngx_pad_pad_t      *pad = data;
    ngx_pad_str_t       cs, author;
    ngx_pad_commit_t   *c;
    ngx_pad_session_t  *sess;

    ngx_log_debug3(NGX_LOG_DEBUG_EVENT, ngx_pad_engine->log, 0,
                   "pad: \"%V\": commit: append answered %i, %ui queued",
                   &pad->id, rc, pad->ncommits);

    pad->committing = 0;
    n = pad->ninflight ? pad->ninflight : 1;
    pad->ninflight = 0;

    c = ngx_pad_commit_head(pad);

    if (c == NULL) {
        ngx_log_error(NGX_LOG_ALERT, ngx_pad_engine->log, 0,
                      "pad: \"%V\": append reply without a commit",
                      &pad->id);
        ngx_pad_pad_release(pad);
        return;
    }

    if (rc == NGX_OK) {

        /* the group's revisions, in order, from the FIFO's head */

        for (i = 0; i < n && (c = ngx_pad_commit_head(pad)) != NULL; i++) {
            sess = c->session;

            if (c->pool) {
                ngx_pad_pool_destroy(pad->pool);
                pad->pool = c->pool;
                c->pool = NULL;
            }

            cs.data = (const char *) c->rebased.data;
            cs.len = c->rebased.len;
            author.data = (const char *) sess->author;
            author.len = sess->author_len;

            if (ngx_pad_pad_advance(pad, c->rev, &cs, &author, c->time,
                                    sess->serial, &c->atext)
                != NGX_OK)
            {
                /* stored but not applied here: read it back as remote */
                pad->want_head = ngx_max(pad->want_head, c->rev);
            }

            c->atext.text.data = NULL;
            c->atext.attribs.data = NULL;

            ngx_pad_engine->commits++;
            ngx_pad_commit_done(pad, c);
        }

    } else if (rc == NGX_DECLINED) {
        /* another writer appended first: rebase again and retry */

        ngx_pad_engine->conflicts++;
        sess = c->session;

        /* the rest of the group starts over (rebased on the first) */

        {
            ngx_queue_t       *q;
            ngx_pad_commit_t  *g;

            q = ngx_queue_next(&c->queue);

            for (i = 1; i < n && q != ngx_queue_sentinel(&pad->commits);
                 i++, q = ngx_queue_next(q))
            {
                g = ngx_queue_data(q, ngx_pad_commit_t, queue);
                ngx_pad_commit_drop_prepared(g);
            }
        }

        if (c->pool == NULL && c->rebased.data) {
            /* keep the rebased changeset: the retry follows from here */
            c->on_rev = c->rev - 1;
            ngx_free((void *) c->atext.text.data);
            ngx_free((void *) c->atext.attribs.data);
            c->atext.text.data = NULL;
            c->atext.attribs.data = NULL;

        } else {
            /* its new pool numbers may be taken now: start over */
            ngx_pad_commit_drop_prepared(c);
        }

        c->tries++;

        if (ngx_current_msec - c->started
            >= ngx_pad_engine->conf->commit_timeout)
        {
            ngx_log_error(NGX_LOG_WARN, ngx_pad_engine->log, 0,
                          "pad: \"%V\": commit lost %ui races in %M ms "
                          "(pad_commit_timeout), giving up", &pad->id,
                          c->tries, ngx_current_msec - c->started);
            ngx_pad_session_disconnect(sess, "slowcommit");
            ngx_pad_commit_done(pad, c);
        }

        /*
         * ngx_pad_pstore_append.c applied the revisions the reply carried
         * and set want_head to the stored head; a longer gap is read
         * below.
         */

    } else {
        /*
         * The outcome is unknown: never acknowledged; if it was stored
         * after all, the head check reads it back as a remote revision.
         */

        for (i = 0; i < n && (c = ngx_pad_commit_head(pad)) != NULL; i++) {
            ngx_pad_commit_drop_prepared(c);
            ngx_pad_session_disconnect(c->session, "unavailable");
            ngx_pad_commit_done(pad, c);
        }

        ngx_pad_repair_check(pad);
    }

    /*
     * With commits queued, the next append is the read: its conflict
     * reply carries what is missing.  Reading first (one more round trip
     * per retry, and again whenever more was published meanwhile) would
     * chase the other writers' head for as long as they are busy.
     */

    if (pad->want_head > pad->head && ngx_queue_empty(&pad->commits)) {
        ngx_pad_pad_catch_up(pad);
    }

    ngx_pad_commit_next(pad);

    ngx_pad_pad_release(pad);
}


/*
 * The revisions a commit is rebased over that are older than the window
 * (it waited in the FIFO while the pad moved on, its client is far
 * behind, or the pad was loaded from a snapshot after its baseRev) are
 * read from the store first (in parts, if there are many).
 * NGX_OK: it has them all; NGX_AGAIN: a read is in flight (the answer
 * calls ngx_pad_commit_revs_read()); NGX_DECLINED: more than
 * pad_max_rebase revisions behind; NGX_ERROR: the read did not start.
 */

static ngx_int_t
ngx_pad_commit_old_revs(ngx_pad_pad_t *pad, ngx_pad_commit_t *c)
{
    int64_t  from, next, to;

    from = c->rebased.data ? c->on_rev + 1 : c->base_rev + 1;

    if (pad->first_rev < 0 || from >= pad->first_rev) {
        return NGX_OK;
    }

    if (pad->head - from >= (int64_t) ngx_pad_engine->conf->max_rebase) {
        return NGX_DECLINED;
    }

    if (c->nold
        && (c->old_from > from
            || c->old_from + (int64_t) c->nold < from))
    {
        ngx_pad_commit_drop_old(c);
    }

    next = c->nold ? c->old_from + (int64_t) c->nold : from;

    if (next >= pad->first_rev) {
        return NGX_OK;
    }

    to = pad->first_rev - 1;              /* the store may read fewer */

    ngx_log_error(NGX_LOG_INFO, ngx_pad_engine->log, 0,
                   "pad: \"%V\": commit on %L reads revisions %L..%L",
                   &pad->id, c->base_rev, next, to);

    if (ngx_pad_pstore_commit_revs(pad, next, to, ngx_pad_commit_revs_read,
                                   pad)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    pad->reading = 1;
    pad->reader = c;
    pad->refs++;

    return NGX_AGAIN;
}


static void
ngx_pad_commit_drop_old(ngx_pad_commit_t *c)
{
    ngx_uint_t  i;

    for (i = 0; i < c->nold; i++) {
        ngx_free(c->old[2 * i].data);       /* the author shares it */
    }

    if (c->old) {
        ngx_free(c->old);
    }

    c->old = NULL;
    c->nold = 0;
    c->old_cap = 0;
}


/* one stored record ({"rev":…,"cs":…,"author":…}) kept in c->old */

static ngx_int_t
ngx_pad_commit_keep_old(ngx_pad_commit_t *c, int64_t rev, ngx_str_t *item)
{
    u_char         *p;
    json_t         *j;
    ngx_str_t      *old;
    ngx_uint_t      cap;
    ngx_int_t       rc;
    ngx_pad_str_t   cs, author;

    j = json_loadb((char *) item->data, item->len, 0, NULL);

    if (j == NULL || !json_is_integer(json_object_get(j, "rev"))
        || json_integer_value(json_object_get(j, "rev")) != rev
        || ngx_pad_msg_get_str(j, "cs", &cs) != 0
        || ngx_pad_msg_get_str(j, "author", &author) != 0)
    {
        json_decref(j);
        return NGX_DECLINED;
    }

    rc = NGX_ERROR;

    if (c->nold == c->old_cap) {
        cap = c->old_cap ? 2 * c->old_cap : 64;

        old = ngx_alloc(2 * cap * sizeof(ngx_str_t), ngx_pad_engine->log);
        if (old == NULL) {
            goto done;
        }

        if (c->old) {
            ngx_memcpy(old, c->old, 2 * c->nold * sizeof(ngx_str_t));
            ngx_free(c->old);
        }

        c->old = old;
        c->old_cap = cap;
    }

    p = ngx_alloc(cs.len + author.len + 1, ngx_pad_engine->log);
    if (p == NULL) {
        goto done;
    }

    old = &c->old[2 * c->nold];

    old[0].data = p;
    old[0].len = cs.len;
    old[1].data = ngx_cpymem(p, cs.data, cs.len);
    old[1].len = author.len;
    ngx_memcpy(old[1].data, author.data, author.len);

    c->nold++;
    rc = NGX_OK;

done:

    json_decref(j);

    return rc;
}


/* the store's answer to ngx_pad_pstore_commit_revs() */

static void
ngx_pad_commit_revs_read(void *data, ngx_int_t rc, int64_t from,
    ngx_str_t *items, ngx_uint_t n)
{
    ngx_uint_t         i;
    ngx_pad_pad_t     *pad = data;
    ngx_pad_commit_t  *c;

    ngx_log_debug3(NGX_LOG_DEBUG_EVENT, ngx_pad_engine->log, 0,
                   "pad: \"%V\": commit: %ui old revisions read from %L",
                   &pad->id, n, from);

    c = ngx_pad_commit_head(pad);

    pad->reading = 0;

    if (c == NULL || c != pad->reader) {
        /* the commit is gone (not reached: only commit_next frees) */
        pad->reader = NULL;
        goto next;
    }

    pad->reader = NULL;

    if (rc == NGX_OK) {
        if (c->nold == 0) {
            c->old_from = from;

        } else if (c->old_from + (int64_t) c->nold != from) {
            ngx_pad_commit_drop_old(c);
            c->old_from = from;
        }

        for (i = 0; i < n; i++) {
            rc = items[i].len
                 ? ngx_pad_commit_keep_old(c, from + (int64_t) i, &items[i])
                 : NGX_DECLINED;

            if (rc == NGX_DECLINED) {
                ngx_log_error(NGX_LOG_ERR, ngx_pad_engine->log, 0,
                              "pad: \"%V\": stored revision %L is missing "
                              "or invalid", &pad->id, from + (int64_t) i);
            }

            if (rc != NGX_OK) {
                break;
            }
        }

        if (n == 0) {
            rc = NGX_ERROR;
        }
    }

    if (rc != NGX_OK) {
        ngx_pad_session_disconnect(c->session, "unavailable");
        ngx_pad_commit_done(pad, c);
    }

next:

    ngx_pad_commit_next(pad);

    ngx_pad_pad_release(pad);
}


/* base 36 number at p; advances p */

static intptr_t
ngx_pad_commit_num36(const char **pp, const char *end)
{
    intptr_t     n;
    const char  *p;

    n = 0;

    for (p = *pp; p < end; p++) {
        if (*p >= '0' && *p <= '9') {
            n = n * 36 + (*p - '0');

        } else if (*p >= 'a' && *p <= 'z') {
            n = n * 36 + (*p - 'a' + 10);

        } else {
            break;
        }

        if (n > (intptr_t) 1 << 40) {
            return -1;
        }
    }

    if (p == *pp) {
        return -1;
    }

    *pp = p;

    return n;
}


static int
ngx_pad_commit_str_eq(ngx_pad_str_t *a, const char *b, size_t blen)
{
    return a->len == blen && (blen == 0 || ngx_memcmp(a->data, b, blen) == 0);
}


static u_char *
ngx_pad_commit_put36(u_char *p, intptr_t n)
{
    u_char   tmp[16];
    size_t   i;

    i = 0;

    do {
        tmp[i++] = "0123456789abcdefghijklmnopqrstuvwxyz"[n % 36];
        n /= 36;
    } while (n && i < sizeof(tmp));

    while (i) {
        *p++ = tmp[--i];
    }

    return p;
}


/* one op of a checked changeset's ops */

typedef struct {
    const char    *start;        /* the op */
    const char    *attrs_end;    /* end of its "*n" list */
    const char    *end;
    char           opcode;
} ngx_pad_commit_op_t;


static ngx_int_t
ngx_pad_commit_next_op(const char **pp, const char *end,
    ngx_pad_commit_op_t *op)
{
    const char  *p;

    p = *pp;
    op->start = p;

    while (p < end && *p == '*') {
        p++;

        if (ngx_pad_commit_num36(&p, end) < 0) {
            return NGX_ERROR;
        }
    }

    op->attrs_end = p;

    if (p < end && *p == '|') {
        p++;

        if (ngx_pad_commit_num36(&p, end) < 0) {
            return NGX_ERROR;
        }
    }

    if (p >= end || (*p != '+' && *p != '-' && *p != '=')) {
        return NGX_ERROR;
    }

    op->opcode = *p++;

    if (ngx_pad_commit_num36(&p, end) < 0) {
        return NGX_ERROR;
    }

    op->end = p;
    *pp = p;

    return NGX_OK;
}


/*
 * Author rules on a checked changeset: every attribute number must be in
 * the wire pool; "author" must be the session's author, except on "="
 * ops, where "" (clear authorship) or an author already in the pad's
 * pool may appear.  A "+" without an author is refused with
 * pad_require_author on; otherwise *stamp is set.
 */

static ngx_int_t
ngx_pad_commit_authors(ngx_pad_pool_t *padpool, ngx_pad_session_t *sess,
    ngx_pad_str_t *ops, ngx_pad_pool_t *wire, ngx_uint_t *stamp,
    const char **why)
{
    intptr_t             num;
    ngx_uint_t           has_author;
    const char          *p, *q, *end;
    ngx_pad_str_t        k, v;
    ngx_pad_commit_op_t  op;

    p = ops->data;
    end = p + ops->len;
    *stamp = 0;

    while (p < end) {
        if (ngx_pad_commit_next_op(&p, end, &op) != NGX_OK) {
            *why = "malformed op";
            return NGX_ERROR;
        }

        has_author = 0;

        for (q = op.start; q < op.attrs_end; /* void */) {
            q++;
            num = ngx_pad_commit_num36(&q, op.attrs_end);

            if (num < 0 || ngx_pad_pool_get(wire, num, &k, &v) != 0) {
                *why = "attribute not in the changeset's pool";
                return NGX_ERROR;
            }

            if (!ngx_pad_commit_str_eq(&k, "author", 6)) {
                continue;
            }

            has_author = 1;

            if (ngx_pad_commit_str_eq(&v, (char *) sess->author,
                                      sess->author_len))
            {
                continue;
            }

            if (op.opcode != '=') {
                *why = "foreign author on an insert or delete";
                return NGX_ERROR;
            }

            if (v.len > 0
                && ngx_pad_pool_put_attrib(padpool, &k, &v, 1) < 0)
            {
                *why = "foreign author not in the pad's pool";
                return NGX_ERROR;
            }
        }

        if (op.opcode == '+' && !has_author) {
            if (ngx_pad_engine->conf->require_author) {
                *why = "insert without an author";
                return NGX_ERROR;
            }

            *stamp = 1;
        }
    }

    return NGX_OK;
}


/*
 * Adds the author attribute (number author_num) to every "+" without
 * one, keeping each op's attributes sorted by key as AttributeMap does.
 * out must hold ops->len + 16 * (number of ops) bytes.
 */

static size_t
ngx_pad_commit_stamp(ngx_pad_str_t *ops, ngx_pad_pool_t *wire,
    intptr_t author_num, u_char *out)
{
    u_char              *o;
    intptr_t             num;
    ngx_uint_t           has_author, placed;
    const char          *p, *q, *s, *end;
    ngx_pad_str_t        k, v;
    ngx_pad_commit_op_t  op;

    p = ops->data;
    end = p + ops->len;
    o = out;

    while (p < end) {
        (void) ngx_pad_commit_next_op(&p, end, &op);

        has_author = 0;

        for (q = op.start; q < op.attrs_end; /* void */) {
            q++;
            num = ngx_pad_commit_num36(&q, op.attrs_end);
            (void) ngx_pad_pool_get(wire, num, &k, &v);

            if (ngx_pad_commit_str_eq(&k, "author", 6)) {
                has_author = 1;
            }
        }

        if (op.opcode != '+' || has_author) {
            o = ngx_cpymem(o, op.start, op.end - op.start);
            continue;
        }

        placed = 0;

        for (q = op.start; q < op.attrs_end; /* void */) {
            s = q;
            q++;
            num = ngx_pad_commit_num36(&q, op.attrs_end);
            (void) ngx_pad_pool_get(wire, num, &k, &v);

            if (!placed && ngx_memn2cmp((u_char *) k.data,
                                        (u_char *) "author", k.len, 6) > 0)
            {
                *o++ = '*';
                o = ngx_pad_commit_put36(o, author_num);
                placed = 1;
            }

            o = ngx_cpymem(o, s, q - s);
        }

        if (!placed) {
            *o++ = '*';
            o = ngx_pad_commit_put36(o, author_num);
        }

        o = ngx_cpymem(o, op.attrs_end, op.end - op.attrs_end);
    }

    return o - out;
}


static ngx_int_t
ngx_pad_commit_copy(ngx_str_t *dst, const ngx_pad_str_t *src)
{
    dst->data = ngx_alloc(src->len + 1, ngx_pad_engine->log);
    if (dst->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(dst->data, src->data, src->len);
    dst->len = src->len;

    return NGX_OK;
}


/*
 * USER_CHANGES as Etherpad's handleUserChanges takes it, one stage each:
 * validate (baseRev, apool, checkRep), stamp and pool (author rules,
 * moveOpsToNewPool, a pool clone when it adds entries), rebase (follow
 * over every revision after baseRev, retransmissions detected), apply
 * and check (length, final newline, no-op).  The refusal reason is kept
 * on the commit (c->why).
 */

typedef struct {
    ngx_pad_ctx_t         *ctx;
    ngx_pad_str_t          author;
    ngx_pad_pool_t        *wire;       /* the client's apool */
    ngx_pad_pool_t        *target;     /* b->pool, or a clone */
    ngx_pad_cs_t           u;          /* the client's changeset */
    ngx_pad_str_t          cs;
    ngx_pad_str_t          moved;      /* in the pad's pool numbers */
    ngx_pad_str_t          rebased;
    int64_t                from;       /* first revision to follow */
    ngx_uint_t             again;      /* a retry after a lost race */
} ngx_pad_commit_prep_t;


static ngx_int_t
ngx_pad_commit_validate(ngx_pad_pad_t *pad, ngx_pad_commit_t *c,
    ngx_pad_commit_prep_t *p, const char **why)
{
    ngx_pad_session_t  *sess = c->session;

    if (c->base_rev < 0 || c->base_rev > pad->head) {
        *why = "baseRev out of range";
        return NGX_ERROR;
    }

    if (c->base_rev > sess->sent_rev) {
        *why = "baseRev is a revision the session was never sent";
        return NGX_ERROR;
    }

    p->wire = ngx_pad_pool_create();
    if (p->wire == NULL) {
        return NGX_ERROR;
    }

    if (ngx_pad_msg_pool_from_json(c->apool, p->wire,
                                   ngx_pad_engine->conf->max_pool)
        != 0)
    {
        *why = "invalid apool";
        return NGX_ERROR;
    }

    p->cs.data = (const char *) c->changeset.data;
    p->cs.len = c->changeset.len;

    if (ngx_pad_cs_check_rep(p->ctx, &p->cs) != NGX_PAD_CS_OK
        || ngx_pad_cs_unpack(p->ctx, &p->cs, &p->u) != NGX_PAD_CS_OK)
    {
        *why = ngx_pad_ctx_error(p->ctx);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* the author's attribute on every insert, then the pad's pool numbers */

static ngx_int_t
ngx_pad_commit_stamp_pool(ngx_pad_commit_t *c, ngx_pad_commit_base_t *b,
    ngx_pad_commit_prep_t *p, const char **why)
{
    u_char         *buf;
    intptr_t        num, n, author_num;
    ngx_uint_t      stamp, need_clone;
    ngx_pad_str_t   k, v, t, ident;

    if (ngx_pad_commit_authors(b->pool, c->session, &p->u.ops, p->wire,
                               &stamp, why)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    k.data = "author";
    k.len = 6;

    if (stamp) {
        author_num = ngx_pad_pool_put_attrib(p->wire, &k, &p->author, 0);
        if (author_num < 0) {
            return NGX_ERROR;
        }

        buf = ngx_alloc(p->u.ops.len * 17 + 16, ngx_pad_engine->log);
        if (buf == NULL) {
            return NGX_ERROR;
        }

        t.data = (const char *) buf;
        t.len = ngx_pad_commit_stamp(&p->u.ops, p->wire, author_num, buf);

        if (ngx_pad_cs_pack(p->ctx, p->u.old_len, p->u.new_len, &t,
                            &p->u.bank, &p->moved)
            != NGX_PAD_CS_OK)
        {
            ngx_free(buf);
            *why = ngx_pad_ctx_error(p->ctx);
            return NGX_ERROR;
        }

        ngx_free(buf);

        /* merge what stamping made mergeable: canonical form again */

        if (ngx_pad_cs_identity(p->ctx, p->u.old_len, &ident)
            != NGX_PAD_CS_OK
            || ngx_pad_cs_compose(p->ctx, &ident, &p->moved, p->wire,
                                  &p->cs)
               != NGX_PAD_CS_OK
            || ngx_pad_cs_check_rep(p->ctx, &p->cs) != NGX_PAD_CS_OK)
        {
            *why = ngx_pad_ctx_error(p->ctx);
            return NGX_ERROR;
        }
    }

    /* the pad pool, or a clone when the commit adds attributes to it */

    need_clone = 0;
    n = ngx_pad_pool_next_num(p->wire);

    for (num = 0; num < n; num++) {
        if (ngx_pad_pool_get(p->wire, num, &k, &v) == 0
            && ngx_pad_pool_put_attrib(b->pool, &k, &v, 1) < 0)
        {
            need_clone = 1;
            break;
        }
    }

    k.data = "author";
    k.len = 6;

    if (ngx_pad_pool_put_attrib(b->pool, &k, &p->author, 1) < 0) {
        need_clone = 1;
    }

    if (need_clone && b->ngroup) {
        /* only a group's first commit may add pool entries */
        *why = "new pool entries";
        return NGX_AGAIN;
    }

    if (need_clone) {
        p->target = ngx_pad_pool_clone(b->pool);
        if (p->target == NULL) {
            return NGX_ERROR;
        }

    } else {
        p->target = b->pool;
    }

    if (ngx_pad_cs_move_ops_to_new_pool(p->ctx, &p->cs, p->wire, p->target,
                                        &p->moved)
        != NGX_PAD_CS_OK)
    {
        *why = ngx_pad_ctx_error(p->ctx);
        return NGX_ERROR;
    }

    p->rebased = p->moved;
    p->from = c->base_rev + 1;

    return NGX_OK;
}


/* follow over every revision from p->from to the base's head */

static ngx_int_t
ngx_pad_commit_rebase(ngx_pad_pad_t *pad, ngx_pad_commit_t *c,
    ngx_pad_commit_base_t *b, ngx_pad_commit_prep_t *p, const char **why)
{
    int64_t             r, i;
    ngx_pad_str_t       t, ra;
    ngx_pad_rev_t      *rev;
    ngx_pad_commit_t   *g;
    ngx_pad_session_t  *sess = c->session;

    for (r = p->from; r <= b->head; r++) {

        if (r > pad->head) {
            /* a commit of this group, before this one */
            g = b->group[r - pad->head - 1];
            t.data = (const char *) g->rebased.data;
            t.len = g->rebased.len;
            ra.data = (const char *) g->session->author;
            ra.len = g->session->author_len;

        } else if ((rev = ngx_pad_pad_rev(pad, r)) != NULL) {
            t.data = (const char *) rev->changeset.data;
            t.len = rev->changeset.len;
            ra.data = (const char *) rev->author.data;
            ra.len = rev->author.len;

        } else if (r >= c->old_from && r < c->old_from + (int64_t) c->nold) {
            /* older than the window: read from the store */
            i = 2 * (r - c->old_from);
            t.data = (const char *) c->old[i].data;
            t.len = c->old[i].len;
            ra.data = (const char *) c->old[i + 1].data;
            ra.len = c->old[i + 1].len;

        } else {
            /* ngx_pad_commit_old_revs() read them all: not reached */
            ngx_log_error(NGX_LOG_ALERT, ngx_pad_engine->log, 0,
                          "pad: \"%V\": revision %L to rebase over is "
                          "missing", &pad->id, r);
            *why = "a revision after baseRev is missing";
            return NGX_AGAIN;
        }

        if (!p->again
            && t.len == p->moved.len
            && ngx_memcmp(t.data, p->moved.data, t.len) == 0
            && ra.len == sess->author_len
            && ngx_memcmp(ra.data, sess->author, sess->author_len) == 0)
        {
            /* a retransmission of a revision already stored */

            if (ngx_pad_cs_identity(p->ctx, p->u.old_len, &p->rebased)
                != NGX_PAD_CS_OK)
            {
                *why = ngx_pad_ctx_error(p->ctx);
                return NGX_ERROR;
            }
        }

        if (ngx_pad_cs_follow(p->ctx, &t, &p->rebased, 0, p->target,
                              &p->rebased)
            != NGX_PAD_CS_OK)
        {
            *why = ngx_pad_ctx_error(p->ctx);
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/* applied to the base: the checks, then the prepared append on c */

static ngx_int_t
ngx_pad_commit_apply(ngx_pad_commit_t *c, ngx_pad_commit_base_t *b,
    ngx_pad_commit_prep_t *p, const char **why)
{
    ngx_str_t        copy;
    ngx_pad_cs_t     u;
    ngx_pad_str_t    k;
    ngx_pad_atext_t  cur, at;

    if (ngx_pad_cs_unpack(p->ctx, &p->rebased, &u) != NGX_PAD_CS_OK) {
        *why = ngx_pad_ctx_error(p->ctx);
        return NGX_ERROR;
    }

    if (u.old_len != b->text_len16) {
        *why = "changeset length does not match the pad";
        return NGX_ERROR;
    }

    cur = b->atext;

    if (ngx_pad_cs_apply_to_atext(p->ctx, &p->rebased, &cur, p->target, &at)
        != NGX_PAD_CS_OK)
    {
        *why = ngx_pad_ctx_error(p->ctx);
        return NGX_ERROR;
    }

    if (at.text.len == 0 || at.text.data[at.text.len - 1] != '\n') {
        *why = "the pad would not end with a newline";
        return NGX_ERROR;
    }

    if (at.text.len == cur.text.len && at.attribs.len == cur.attribs.len
        && ngx_memcmp(at.text.data, cur.text.data, at.text.len) == 0
        && ngx_memcmp(at.attribs.data, cur.attribs.data, at.attribs.len)
           == 0)
    {
        return NGX_DECLINED;
    }

    /* appendRevision puts the author in the pool even if no op has it */

    k.data = "author";
    k.len = 6;

    if (ngx_pad_pool_put_attrib(p->target, &k, &p->author, 0) < 0) {
        return NGX_ERROR;
    }

    if (ngx_pad_commit_copy(&c->rebased, &p->rebased) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_pad_commit_copy(&copy, &at.text) != NGX_OK) {
        return NGX_ERROR;
    }

    c->atext.text.data = (const char *) copy.data;
    c->atext.text.len = copy.len;

    if (ngx_pad_commit_copy(&copy, &at.attribs) != NGX_OK) {
        return NGX_ERROR;
    }

    c->atext.attribs.data = (const char *) copy.data;
    c->atext.attribs.len = copy.len;

    c->pool_from = ngx_pad_pool_next_num(b->pool);
    c->pool = (p->target != b->pool) ? p->target : NULL;
    c->new_len16 = u.new_len;
    p->target = NULL;
    c->rev = b->head + 1;
    c->time = ngx_pad_now_ms();

    return NGX_OK;
}


/*
 * NGX_OK: c holds a revision to append; NGX_DECLINED: the commit changes
 * nothing (identity, net no-op, retransmission); NGX_ERROR: refused,
 * *why says why (NULL: out of memory); NGX_AGAIN: not now (a group's
 * later commit adding pool entries, a revision missing).
 */

static ngx_int_t
ngx_pad_commit_prepare(ngx_pad_pad_t *pad, ngx_pad_commit_t *c,
    ngx_pad_commit_base_t *b, const char **why)
{
    u_char                 *kept;
    ngx_int_t               rc;
    ngx_pad_commit_prep_t   p;

    ngx_memzero(&p, sizeof(ngx_pad_commit_prep_t));
    p.ctx = ngx_pad_engine->ctx;
    p.author.data = (const char *) c->session->author;
    p.author.len = c->session->author_len;

    kept = c->rebased.data;
    c->rebased.data = NULL;

    if (kept) {
        /*
         * Retried after a lost race: c->rebased (pad pool numbers, no new
         * pool entries) applies to revision on_rev; only the revisions
         * stored since then are followed, so the retry neither depends on
         * baseRev still being in the window nor repeats work.
         */

        p.again = 1;
        p.target = b->pool;
        p.rebased.data = (const char *) kept;
        p.rebased.len = c->rebased.len;
        p.from = c->on_rev + 1;

        if (c->on_rev > b->head) {
            *why = "rebased beyond the pad's head";
            rc = NGX_ERROR;
            goto done;
        }

    } else {
        rc = ngx_pad_commit_validate(pad, c, &p, why);

        if (rc == NGX_OK) {
            rc = ngx_pad_commit_stamp_pool(c, b, &p, why);
        }

        if (rc != NGX_OK) {
            goto done;
        }
    }

    rc = ngx_pad_commit_rebase(pad, c, b, &p, why);

    if (rc == NGX_OK) {
        rc = ngx_pad_commit_apply(c, b, &p, why);
    }

done:

    ngx_log_debug3(NGX_LOG_DEBUG_EVENT, ngx_pad_engine->log, 0,
                   "pad: \"%V\": commit prepared: %i (%s)", &pad->id, rc,
                   (rc == NGX_ERROR && *why) ? *why : "");

    if (rc == NGX_ERROR && *why) {
        /* the message may live in ctx, which is reset below */
        (void) ngx_cpystrn(c->why, (u_char *) *why, sizeof(c->why));
        *why = (const char *) c->why;
    }

    if (p.target && p.target != b->pool) {
        ngx_pad_pool_destroy(p.target);
    }

    if (rc == NGX_ERROR || rc == NGX_AGAIN) {
        ngx_free(c->rebased.data);
        ngx_free((void *) c->atext.text.data);
        c->rebased.data = NULL;
        c->atext.text.data = NULL;
    }

    if (p.wire) {
        ngx_pad_pool_destroy(p.wire);
    }

    ngx_pad_ctx_reset(p.ctx);

    if (kept) {
        ngx_free(kept);
    }

    return rc;
}
