
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
 *
 * An outage (Redis unreachable, restarting, stalled, failing over:
 * ngx_pad_pstore_outage()) does not refuse at once: the FIFO waits
 * (pad->outage, pad->committing kept set so that no published revision
 * is applied in front of the unknown one) and retries on a back-off
 * timer, sending nothing while the command connection is down.  A failed
 * append's outcome is unknown: the retry first reads revision N; the
 * group was stored if N is its first commit's changeset by its author
 * (one socket per author: userdup), then it is acknowledged as if the
 * append had answered; otherwise it is appended again (a conflict brings
 * the other writer's N).  A commit that has waited pad_commit_timeout
 * since it arrived, or beyond pad_commit_wait_max commits waiting in the
 * worker, gets the old "unavailable" (and the head check).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"
#include "engine/ngx_pad_commit_prepare.h"
#include "store/ngx_pad_store.h"


/* a commit refused: the session is told why, the reason is counted */

static void
ngx_pad_commit_refuse(ngx_pad_session_t *sess, const char *reason)
{
    ngx_pad_metric_e  m;

    m = (reason[0] == 'b') ? NGX_PAD_M_REFUSED_BAD_CHANGESET
        : (reason[0] == 's') ? NGX_PAD_M_REFUSED_SLOW_COMMIT
        : NGX_PAD_M_REFUSED_UNAVAILABLE;

    ngx_pad_metric_inc(m);
    ngx_pad_session_disconnect(sess, reason);
}


#define NGX_PAD_SESSION_PENDING  16
#define NGX_PAD_GROUP_MAX        64       /* commits per append at most */




static void ngx_pad_commit_drop_old(ngx_pad_commit_t *c);
static ngx_int_t ngx_pad_commit_old_revs(ngx_pad_pad_t *pad,
    ngx_pad_commit_t *c);
static void ngx_pad_commit_appended(void *data, ngx_int_t rc);
static void ngx_pad_commit_lost_race(ngx_pad_pad_t *pad, ngx_pad_commit_t *c,
    ngx_uint_t n);
static ngx_uint_t ngx_pad_commit_group(ngx_pad_pad_t *pad,
    ngx_pad_commit_t *c, ngx_pad_commit_base_t *base,
    ngx_pad_commit_t **group);
static ngx_int_t ngx_pad_commit_store(ngx_pad_pad_t *pad,
    ngx_pad_commit_t **group, ngx_uint_t n);
static void ngx_pad_commit_revs_read(void *data, ngx_int_t rc, int64_t from,
    ngx_str_t *items, ngx_uint_t n);
static void ngx_pad_commit_stored(ngx_pad_pad_t *pad, ngx_uint_t n);
static void ngx_pad_commit_wait_timer(ngx_event_t *ev);
static void ngx_pad_commit_checked(void *data, ngx_int_t rc, int64_t from,
    ngx_str_t *items, ngx_uint_t n);
static void ngx_pad_commit_give_up(ngx_pad_pad_t *pad);


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

    if (pad->outage
        && ngx_pad_engine->commits_waiting
           >= ngx_pad_engine->conf->commit_wait_max)
    {
        /* beyond pad_commit_wait_max: as without waiting */
        ngx_pad_commit_refuse(sess, "unavailable");
        return NGX_OK;
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
    c->arrived_us = ngx_pad_metrics_now_us();

    sess->refs++;
    sess->pending++;

    ngx_queue_insert_tail(&pad->commits, &c->queue);
    pad->ncommits++;

    if (pad->outage) {
        ngx_pad_engine->commits_waiting++;
        ngx_pad_metric_inc(NGX_PAD_M_COMMITS_WAITING);
    }

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

    if (pad->outage) {
        ngx_pad_engine->commits_waiting--;
        ngx_pad_metric_dec(NGX_PAD_M_COMMITS_WAITING);
    }

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
            ngx_pad_commit_refuse(g->session, "unavailable");
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
            ngx_pad_commit_refuse(sess, "badChangeset");
            ngx_pad_commit_done(pad, c);
            continue;
        }

        if (rc != NGX_OK) {
            ngx_pad_commit_refuse(sess, "unavailable");
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
            ngx_pad_metric_inc(NGX_PAD_M_COMMITS_NOOP);
            ngx_pad_metric_observe(NGX_PAD_H_COMMIT, c->arrived_us);
            sess->noop_accept = 1;
            ngx_pad_commit_done(pad, c);
            ngx_pad_fanout_session(sess);
            continue;
        }

        if (rc == NGX_AGAIN) {
            /* a revision to rebase over is missing (logged): not its fault */
            ngx_pad_commit_refuse(sess, "unavailable");
            ngx_pad_commit_done(pad, c);
            continue;
        }

        if (rc != NGX_OK) {
            ngx_pad_engine->rejected++;
            ngx_log_error(NGX_LOG_INFO, ngx_pad_socket_log(sess->socket), 0,
                          "pad: \"%V\": bad changeset from %*s: %s",
                          &pad->id, sess->author_len, sess->author,
                          why ? why : "out of memory");
            ngx_pad_commit_refuse(sess, "badChangeset");
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


/*
 * Another writer appended first: the first commit of the group keeps its
 * rebased changeset when it added no pool entries (the retry follows from
 * there), the rest of the group starts over; a commit past
 * pad_commit_timeout gives up.
 */

static void
ngx_pad_commit_lost_race(ngx_pad_pad_t *pad, ngx_pad_commit_t *c,
    ngx_uint_t n)
{
    ngx_uint_t          i;
    ngx_queue_t        *q;
    ngx_pad_commit_t   *g;
    ngx_pad_session_t  *sess;

    ngx_pad_engine->conflicts++;
    ngx_pad_metric_inc(NGX_PAD_M_COMMIT_CONFLICTS);
    sess = c->session;

    /* the rest of the group starts over (rebased on the first) */

    q = ngx_queue_next(&c->queue);

    for (i = 1; i < n && q != ngx_queue_sentinel(&pad->commits);
         i++, q = ngx_queue_next(q))
    {
        g = ngx_queue_data(q, ngx_pad_commit_t, queue);
        ngx_pad_commit_drop_prepared(g);
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
        ngx_pad_commit_refuse(sess, "slowcommit");
        ngx_pad_commit_done(pad, c);
    }
}


/* the store's answer to ngx_pad_pstore_append() */

static void
ngx_pad_commit_appended(void *data, ngx_int_t rc)
{
    ngx_uint_t          n, i;
    ngx_pad_pad_t      *pad = data;
    ngx_pad_commit_t   *c;

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
        ngx_pad_commit_stored(pad, n);

    } else if (rc == NGX_DECLINED) {
        /* another writer appended first: rebase again and retry */

        ngx_pad_commit_lost_race(pad, c, n);

        /*
         * ngx_pad_pstore_append.c applied the revisions the reply carried
         * and set want_head to the stored head; a longer gap is read
         * below.
         */

    } else if (rc == NGX_AGAIN && ngx_pad_commit_may_wait(pad, c)) {
        /* an outage: the FIFO waits, then checks revision c->rev */
        ngx_pad_commit_wait(pad, n, ngx_pad_commit_wait_timer);
        ngx_pad_pad_release(pad);
        return;

    } else {
        /*
         * The outcome is unknown: never acknowledged; if it was stored
         * after all, the head check reads it back as a remote revision.
         */

        for (i = 0; i < n && (c = ngx_pad_commit_head(pad)) != NULL; i++) {
            ngx_pad_commit_drop_prepared(c);
            ngx_pad_commit_refuse(c->session, "unavailable");
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

    if (rc == NGX_AGAIN && ngx_pad_commit_may_wait(pad, c)) {
        /* an outage: read again when Redis answers (nothing to check) */
        ngx_pad_commit_wait(pad, 0, ngx_pad_commit_wait_timer);
        ngx_pad_pad_release(pad);
        return;
    }

    if (rc != NGX_OK) {
        ngx_pad_commit_refuse(c->session, "unavailable");
        ngx_pad_commit_done(pad, c);
    }

next:

    ngx_pad_commit_next(pad);

    ngx_pad_pad_release(pad);
}


/* the group's revisions were stored: applied in order, from the FIFO's head */

static void
ngx_pad_commit_stored(ngx_pad_pad_t *pad, ngx_uint_t n)
{
    ngx_uint_t          i;
    ngx_pad_str_t       cs, author;
    ngx_pad_commit_t   *c;
    ngx_pad_session_t  *sess;

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
        ngx_pad_metric_inc(NGX_PAD_M_COMMITS_ACCEPTED);

        if (c->rev > c->base_rev + 1) {
            ngx_pad_metric_inc(NGX_PAD_M_COMMITS_REBASED);
        }

        ngx_pad_metric_observe(NGX_PAD_H_COMMIT, c->arrived_us);
        ngx_pad_commit_done(pad, c);
    }
}


static void
ngx_pad_commit_wait_timer(ngx_event_t *ev)
{
    ngx_pad_pad_t     *pad = ev->data;
    ngx_pad_commit_t  *c;

    c = ngx_pad_commit_head(pad);

    if (c == NULL || !ngx_pad_commit_may_wait(pad, c)) {
        ngx_pad_commit_give_up(pad);

    } else if (!ngx_pad_store_available()) {
        /* the connection's own back-off reconnects: nothing is sent */
        ngx_pad_commit_wait(pad, pad->outage_n, ngx_pad_commit_wait_timer);

    } else if (pad->outage_n == 0) {
        ngx_pad_commit_wait_end(pad, 0);
        ngx_pad_commit_next(pad);

    } else if (ngx_pad_pstore_commit_revs(pad, c->rev, c->rev,
                                          ngx_pad_commit_checked, pad)
               != NGX_OK)
    {
        ngx_pad_commit_give_up(pad);

    } else {
        /* the reference goes to the read */
        ngx_pad_engine->outage_retries++;
        ngx_pad_metric_inc(NGX_PAD_M_COMMIT_OUTAGE_RETRIES);
        return;
    }

    ngx_pad_pad_release(pad);
}


/* the read of revision c->rev after an outage */

static void
ngx_pad_commit_checked(void *data, ngx_int_t rc, int64_t from,
    ngx_str_t *items, ngx_uint_t n)
{
    int64_t            ts;
    ngx_uint_t         i, k;
    ngx_queue_t       *q;
    ngx_pad_pad_t     *pad = data;
    ngx_pad_commit_t  *c, *g;

    c = ngx_pad_commit_head(pad);
    k = pad->outage_n;

    if (c == NULL || k == 0 || !pad->outage) {
        /* not reached: the FIFO does not move while it waits */

        if (pad->outage) {
            ngx_pad_commit_wait_end(pad, 0);
            ngx_pad_commit_next(pad);
        }

        goto done;
    }

    if (rc == NGX_AGAIN && ngx_pad_commit_may_wait(pad, c)) {
        ngx_pad_commit_wait(pad, k, ngx_pad_commit_wait_timer);
        goto done;
    }

    if (rc != NGX_OK) {
        ngx_pad_commit_give_up(pad);
        goto done;
    }

    ngx_pad_engine->outage_gave_up = 0;

    if (ngx_pad_engine->outage_logged) {
        ngx_pad_engine->outage_logged = 0;
        ngx_log_error(NGX_LOG_NOTICE, ngx_pad_engine->log, 0,
                      "pad: Redis answers again, waiting commits resume");
    }

    if (n > 0 && items[0].len && ngx_pad_commit_is_mine(c, &items[0], &ts)) {
        /* the append happened: acknowledged once, as if it had answered */

        ngx_log_error(NGX_LOG_INFO, ngx_pad_engine->log, 0,
                      "pad: \"%V\": revision %L was stored before Redis "
                      "failed: acknowledged", &pad->id, c->rev);

        for (i = 0, q = &c->queue;
             i < k && q != ngx_queue_sentinel(&pad->commits);
             i++, q = ngx_queue_next(q))
        {
            g = ngx_queue_data(q, ngx_pad_commit_t, queue);
            g->time = ts;
        }

        ngx_pad_commit_wait_end(pad, 1);
        ngx_pad_commit_stored(pad, k);

    } else {
        /* not stored, or another writer's: appended again (rebased) */

        if (n > 0 && items[0].len) {
            pad->want_head = ngx_max(pad->want_head, from);
        }

        ngx_pad_commit_wait_end(pad, 0);
    }

    if (pad->want_head > pad->head && ngx_queue_empty(&pad->commits)) {
        ngx_pad_pad_catch_up(pad);
    }

    ngx_pad_commit_next(pad);

done:

    ngx_pad_pad_release(pad);
}


/*
 * Past pad_commit_timeout (or the pad went away): the old behaviour for
 * the group and for every commit queued behind it that has waited as
 * long; an unknown outcome is left to the head check.
 */

static void
ngx_pad_commit_give_up(ngx_pad_pad_t *pad)
{
    ngx_uint_t         i, k;
    ngx_pad_commit_t  *c;

    k = pad->outage_n;

    if (!ngx_pad_engine->outage_gave_up) {
        ngx_pad_engine->outage_gave_up = 1;
        ngx_log_error(NGX_LOG_WARN, ngx_pad_engine->log, 0,
                      "pad: Redis did not come back within "
                      "pad_commit_timeout, waiting commits refused (first: "
                      "pad \"%V\")", &pad->id);
    }

    ngx_pad_commit_wait_end(pad, 0);

    for (i = 0; (c = ngx_pad_commit_head(pad)) != NULL; i++) {
        if (i >= k
            && ngx_current_msec - c->arrived
               < ngx_pad_engine->conf->commit_timeout)
        {
            break;
        }

        ngx_pad_commit_refuse(c->session, "unavailable");
        ngx_pad_commit_done(pad, c);
    }

    if (k) {
        ngx_pad_repair_check(pad);
    }

    ngx_pad_commit_next(pad);
}
