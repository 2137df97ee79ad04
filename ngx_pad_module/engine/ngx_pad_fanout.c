
/*
 * ngx_pad_module: ordered fan-out of revisions to sessions.
 *
 * ngx_pad_fanout_session() is the only writer of a joined session's
 * cursor: it takes revisions sent_rev + 1 .. head in order, queues their
 * bytes, and only then moves sent_rev (invariant 2).  The session's own
 * revision becomes ACCEPT_COMMIT, which therefore always follows
 * revision N - 1 in the stream (invariant 3).  When the queue has no room
 * the session simply stops; the transport's "writable" callback resumes
 * it from the cursor, so a slow reader catches up later, with a batch
 * when it opted in.
 *
 * A session whose cursor fell below the pad's window of recent revisions
 * (it stopped reading while the pad moved on) gets the missing ones from
 * Redis: one read of at most NGX_PAD_FILL_MAX revisions at a time, kept
 * in the session (sess->fill, entries shaped as the window's) and sent by
 * the same loop, under the same rules, as the window's revisions.  Which
 * of them are the session's own (ACCEPT_COMMIT, not NEW_CHANGES) is
 * recorded while they are still in the window (sess->own); revisions
 * that left the window before the session's fan-out ever saw them
 * (several evicted within one event loop turn) are recognized by author.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"
#include "store/ngx_pad_store.h"


#define NGX_PAD_BATCH_ITEMS_MAX  1024
#define NGX_PAD_BATCH_OVERHEAD   128   /* a batch packet around its items */


static void ngx_pad_fanout_timed(ngx_pad_pad_t *pad);
static ngx_int_t ngx_pad_fanout_read(ngx_pad_session_t *sess, int64_t r);
static void ngx_pad_fanout_read_done(void *data,
    ngx_pad_store_result_t *res);
static void ngx_pad_fanout_read_again(ngx_event_t *ev);


/* the pad's flush_ev: every session of the pad takes what is new */

void
ngx_pad_fanout_pad(ngx_event_t *ev)
{
    ngx_queue_t        *q, *next;
    ngx_pad_pad_t      *pad;
    ngx_pad_session_t  *sess;

    pad = ev->data;

    pad->refs++;

    for (q = ngx_queue_head(&pad->sessions);
         q != ngx_queue_sentinel(&pad->sessions);
         q = next)
    {
        next = ngx_queue_next(q);
        sess = ngx_queue_data(q, ngx_pad_session_t, queue);

        sess->refs++;
        ngx_pad_fanout_session(sess);
        ngx_pad_session_unref(sess);
    }

    ngx_pad_fanout_timed(pad);
    ngx_pad_pad_release(pad);
}


/* pad_fanout_seconds: each new revision, applied to queued everywhere */

static void
ngx_pad_fanout_timed(ngx_pad_pad_t *pad)
{
    int64_t         r;
    ngx_pad_rev_t  *rev;

    r = ngx_max(pad->fanned_rev + 1, pad->first_rev);

    for ( /* void */ ; pad->nsessions && r >= 0 && r <= pad->head; r++) {
        rev = ngx_pad_pad_rev(pad, r);

        if (rev && rev->applied_us) {
            ngx_pad_metric_observe(NGX_PAD_H_FANOUT, rev->applied_us);
        }
    }

    pad->fanned_rev = pad->head;
}


/* revision r as the session may send it: the window's, else read ones */

static ngx_pad_rev_t *
ngx_pad_fanout_rev(ngx_pad_session_t *sess, int64_t r)
{
    ngx_pad_rev_t  *rev;

    rev = ngx_pad_pad_rev(sess->pad, r);

    if (rev) {
        return rev;
    }

    if (sess->fill && r >= sess->fill_from
        && r < sess->fill_from + (int64_t) sess->fill_n)
    {
        return &sess->fill[r - sess->fill_from];
    }

    return NULL;
}


static void
ngx_pad_fanout_blind(ngx_pad_session_t *sess, int64_t lo, int64_t hi)
{
    if (sess->blind_lo < 0) {
        sess->blind_lo = lo;
        sess->blind_hi = hi;
        return;
    }

    sess->blind_lo = ngx_min(sess->blind_lo, lo);
    sess->blind_hi = ngx_max(sess->blind_hi, hi);
}


/*
 * Own revisions the session has not been sent yet are noted while the
 * window still tells them (origin), so that they are still ACCEPT_COMMIT
 * if they must be read back from Redis later.
 */

static void
ngx_pad_fanout_scan(ngx_pad_session_t *sess)
{
    int64_t         r, lo;
    ngx_uint_t      i, n;
    ngx_pad_pad_t  *pad;
    ngx_pad_rev_t  *rev;

    pad = sess->pad;

    /* forget what was sent */

    for (i = 0, n = 0; i < sess->nown; i++) {
        if (sess->own[i] > sess->sent_rev) {
            sess->own[n++] = sess->own[i];
        }
    }

    sess->nown = n;

    if (sess->blind_hi <= sess->sent_rev) {
        sess->blind_lo = -1;
        sess->blind_hi = -1;
    }

    lo = ngx_max(sess->scanned_rev, sess->sent_rev) + 1;

    if (lo > pad->head) {
        return;
    }

    if (pad->first_rev < 0 || lo < pad->first_rev) {
        /* gone before it could be searched */
        r = (pad->first_rev < 0) ? pad->head : pad->first_rev - 1;
        ngx_pad_fanout_blind(sess, lo, r);
        lo = r + 1;
    }

    for (r = lo; r <= pad->head; r++) {
        rev = ngx_pad_pad_rev(pad, r);

        if (rev == NULL) {
            ngx_pad_fanout_blind(sess, r, r);
            continue;
        }

        if (rev->origin != sess->serial) {
            continue;
        }

        if (sess->nown < NGX_PAD_OWN_MAX) {
            sess->own[sess->nown++] = r;

        } else {
            ngx_pad_fanout_blind(sess, r, r);
        }
    }

    sess->scanned_rev = pad->head;
}


/* may a payload of len bytes be queued now? */

static ngx_int_t
ngx_pad_fanout_fits(ngx_pad_session_t *sess, size_t len)
{
    if (ngx_pad_socket_queued(sess->socket) == 0) {
        return 1;
    }

    return ngx_pad_socket_room(sess->socket) >= len;
}


static ngx_int_t
ngx_pad_fanout_accept(ngx_pad_session_t *sess, int64_t rev)
{
    json_t             *j;
    ngx_int_t           rc;
    ngx_pad_payload_t  *p;

    j = ngx_pad_msg_accept_commit(rev);
    if (j == NULL) {
        return NGX_ERROR;
    }

    p = ngx_pad_json_payload(j);
    json_decref(j);

    if (p == NULL) {
        return NGX_ERROR;
    }

    if (!ngx_pad_fanout_fits(sess, p->len)) {
        ngx_pad_payload_unref(p);
        return NGX_AGAIN;
    }

    rc = ngx_pad_socket_emit_payload(sess->socket, p);

    ngx_pad_payload_unref(p);

    return rc;
}


static ngx_pad_payload_t *
ngx_pad_fanout_batch(ngx_pad_session_t *sess, int64_t from, int64_t to)
{
    size_t              n, i, size, lens[NGX_PAD_BATCH_ITEMS_MAX];
    const char         *items[NGX_PAD_BATCH_ITEMS_MAX];
    ngx_uint_t          shared;
    ngx_pad_pad_t      *pad;
    ngx_pad_rev_t      *r;
    ngx_pad_payload_t  *p;

    pad = sess->pad;

    /* only a batch of the window's revisions is shared by the pad */

    shared = (from >= pad->first_rev && pad->first_rev >= 0);

    if (shared && pad->batch && pad->batch_from == from
        && pad->batch_to == to)
    {
        return ngx_pad_payload_ref(pad->batch);
    }

    n = (size_t) (to - from + 1);

    for (i = 0; i < n; i++) {
        r = ngx_pad_fanout_rev(sess, from + i);
        if (r == NULL) {
            return NULL;
        }

        items[i] = r->item;
        lens[i] = r->item_len;
    }

    size = ngx_pad_msg_batch_packet(NULL, items, lens, n);

    p = ngx_pad_payload_alloc(size, ngx_pad_engine->log);
    if (p == NULL) {
        return NULL;
    }

    (void) ngx_pad_msg_batch_packet(p->data, items, lens, n);

    if (!shared) {
        return p;
    }

    /* keep it: sockets behind by the same range share it */

    if (pad->batch) {
        ngx_pad_payload_unref(pad->batch);
    }

    pad->batch = ngx_pad_payload_ref(p);
    pad->batch_from = from;
    pad->batch_to = to;

    return p;
}


void
ngx_pad_fanout_session(ngx_pad_session_t *sess)
{
    size_t              room, size;
    int64_t             r, k, max;
    ngx_int_t           rc;
    ngx_pad_pad_t      *pad;
    ngx_pad_rev_t      *rev, *next;
    ngx_pad_payload_t  *p;

    pad = sess->pad;

    if (sess->socket == NULL || sess->state != NGX_PAD_SESSION_JOINED
        || pad == NULL)
    {
        return;
    }

    ngx_pad_fanout_scan(sess);

    max = ngx_pad_engine->conf->batch_max;

    if (max > NGX_PAD_BATCH_ITEMS_MAX) {
        max = NGX_PAD_BATCH_ITEMS_MAX;
    }

    while (sess->sent_rev < pad->head) {
        r = sess->sent_rev + 1;

        rev = ngx_pad_fanout_rev(sess, r);

        if (rev == NULL) {
            /* older than the window: from Redis, then on from here */

            if (!sess->reading && ngx_pad_fanout_read(sess, r) != NGX_OK) {
                ngx_log_error(NGX_LOG_WARN, ngx_pad_socket_log(sess->socket),
                              0, "pad: \"%V\": revision %L (head %L) "
                              "cannot be read, disconnecting", &pad->id, r,
                              pad->head);
                ngx_pad_session_disconnect(sess, "unavailable");
            }

            return;
        }

        if (rev->origin == sess->serial) {
            rc = ngx_pad_fanout_accept(sess, r);

            if (rc != NGX_OK) {
                return;
            }

            ngx_pad_metric_inc(NGX_PAD_M_REVISIONS_DELIVERED);
            sess->sent_rev = r;
            continue;
        }

        /* a run of others' revisions r..k */

        k = r;

        if (ngx_pad_engine->conf->batch && sess->batch) {
            /* no longer than the queue takes: it would close as too slow */

            room = ngx_pad_socket_room(sess->socket);
            size = NGX_PAD_BATCH_OVERHEAD + rev->item_len;

            while (k < pad->head && k - r + 1 < max) {
                next = ngx_pad_fanout_rev(sess, k + 1);

                if (next == NULL || next->origin == sess->serial
                    || size + 1 + next->item_len > room)
                {
                    break;
                }

                size += 1 + next->item_len;
                k++;
            }
        }

        if (k > r) {
            p = ngx_pad_fanout_batch(sess, r, k);
            if (p == NULL) {
                return;
            }

            if (!ngx_pad_fanout_fits(sess, p->len)) {
                ngx_pad_payload_unref(p);
                return;
            }

            rc = ngx_pad_socket_emit_payload(sess->socket, p);
            ngx_pad_payload_unref(p);

            if (rc != NGX_OK) {
                return;
            }

            ngx_pad_engine->batches++;
            ngx_pad_metric_inc(NGX_PAD_M_BATCHES);
            ngx_pad_metric_add(NGX_PAD_M_BATCHED_REVISIONS, k - r + 1);
            ngx_pad_metric_add(NGX_PAD_M_REVISIONS_DELIVERED, k - r + 1);
            sess->sent_rev = k;
            continue;
        }

        if (!ngx_pad_fanout_fits(sess, rev->payload->len)) {
            return;
        }

        if (ngx_pad_socket_emit_payload(sess->socket, rev->payload)
            != NGX_OK)
        {
            return;
        }

        ngx_pad_metric_inc(NGX_PAD_M_REVISIONS_DELIVERED);
        sess->sent_rev = r;
    }

    /* everything read was sent */

    ngx_pad_session_free_fill(sess);
    sess->nown = 0;
    ngx_pad_socket_note_rev(sess->socket, sess->sent_rev);

    if (sess->noop_accept) {
        /* a commit that changed nothing: accepted at the current head */

        if (ngx_pad_fanout_accept(sess, sess->sent_rev) == NGX_OK) {
            sess->noop_accept = 0;
        }
    }
}


/*
 * One read: revisions r .. (at most NGX_PAD_FILL_MAX, at most up to the
 * window), and r - 1 for the time the first one's timeDelta counts from.
 */

static ngx_int_t
ngx_pad_fanout_read(ngx_pad_session_t *sess, int64_t r)
{
    int64_t         from, to;
    ngx_pad_pad_t  *pad;

    pad = sess->pad;

    if (ngx_pad_engine->exiting) {
        return NGX_ERROR;
    }

    /* what was read before is no use now */
    ngx_pad_session_free_fill(sess);

    to = r + NGX_PAD_FILL_MAX - 1;

    if (pad->first_rev > r && to > pad->first_rev - 1) {
        to = pad->first_rev - 1;
    }

    to = ngx_min(to, pad->head);
    from = (r > 0) ? r - 1 : r;

    ngx_log_error(NGX_LOG_INFO, ngx_pad_socket_log(sess->socket), 0,
                  "pad: \"%V\": session at revision %L is behind the "
                  "window (from %L): reading %L..%L from Redis",
                  &pad->id, sess->sent_rev, pad->first_rev, r, to);

    ngx_pad_metric_inc(NGX_PAD_M_CATCH_UP_READS);

    sess->refs++;
    sess->reading = 1;
    sess->fill_join = sess->joins;
    sess->fill_want = r;

    if (ngx_pad_store_revs(&pad->id, (ngx_int_t) from, (ngx_int_t) to,
                           ngx_pad_fanout_read_done, sess)
        == NULL)
    {
        sess->reading = 0;
        sess->refs--;
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* is revision r, by author, one of the session's own? */

static ngx_uint_t
ngx_pad_fanout_is_own(ngx_pad_session_t *sess, int64_t r,
    ngx_pad_str_t *author)
{
    ngx_uint_t  i;

    for (i = 0; i < sess->nown; i++) {
        if (sess->own[i] == r) {
            return 1;
        }
    }

    return r >= sess->blind_lo && r <= sess->blind_hi
           && sess->blind_lo >= 0
           && author->len == sess->author_len
           && ngx_memcmp(author->data, sess->author, author->len) == 0;
}


/* the records read, as the window's entries */

static ngx_int_t
ngx_pad_fanout_convert(ngx_pad_session_t *sess, ngx_pad_store_result_t *res)
{
    size_t           n;
    json_t          *rec;
    int64_t          r, time, prev_time;
    ngx_uint_t       i, first, has_prev;
    ngx_pad_pad_t   *pad;
    ngx_pad_rev_t   *fr;
    ngx_pad_str_t    cs, author, wire;
    ngx_pad_pool_t  *wpool;

    pad = sess->pad;

    if (res->nitems == 0 || res->from > sess->fill_want
        || res->from < sess->fill_want - 1)
    {
        return NGX_ERROR;
    }

    first = (ngx_uint_t) (sess->fill_want - res->from);

    if (first >= res->nitems) {
        return NGX_ERROR;
    }

    sess->fill = ngx_calloc((res->nitems - first) * sizeof(ngx_pad_rev_t),
                            ngx_pad_engine->log);
    if (sess->fill == NULL) {
        return NGX_ERROR;
    }

    sess->fill_from = sess->fill_want;
    sess->fill_n = 0;

    prev_time = 0;
    has_prev = 0;

    for (i = 0; i < res->nitems; i++) {
        rec = res->items[i].len
              ? json_loadb((char *) res->items[i].data, res->items[i].len, 0,
                           NULL)
              : NULL;

        r = res->from + i;

        if (rec == NULL
            || json_integer_value(json_object_get(rec, "rev")) != r
            || ngx_pad_msg_get_str(rec, "cs", &cs) != 0
            || ngx_pad_msg_get_str(rec, "author", &author) != 0
            || !json_is_integer(json_object_get(rec, "ts")))
        {
            json_decref(rec);
            return NGX_ERROR;
        }

        time = json_integer_value(json_object_get(rec, "ts"));

        if (i < first) {
            /* the revision before: the time of the first's timeDelta */
            prev_time = time;
            has_prev = 1;
            json_decref(rec);
            continue;
        }

        fr = &sess->fill[sess->fill_n];

        wpool = ngx_pad_pool_create();

        if (wpool == NULL
            || ngx_pad_cs_prepare_for_wire(ngx_pad_engine->ctx, &cs,
                                           pad->pool, wpool, &wire)
               != NGX_PAD_CS_OK)
        {
            if (wpool) {
                ngx_pad_pool_destroy(wpool);
            }

            ngx_pad_ctx_reset(ngx_pad_engine->ctx);
            json_decref(rec);
            return NGX_ERROR;
        }

        fr->item = ngx_pad_msg_rev_item(r, &wire, wpool, &author, time,
                                        time - prev_time, has_prev);
        ngx_pad_pool_destroy(wpool);
        ngx_pad_ctx_reset(ngx_pad_engine->ctx);

        fr->author.data = ngx_alloc(author.len + 1, ngx_pad_engine->log);

        if (fr->item == NULL || fr->author.data == NULL) {
            sess->fill_n++;         /* freed with the others */
            json_decref(rec);
            return NGX_ERROR;
        }

        ngx_memcpy(fr->author.data, author.data, author.len);
        fr->author.len = author.len;
        fr->item_len = ngx_strlen(fr->item);
        fr->rev = r;
        fr->time = time;
        fr->origin = ngx_pad_fanout_is_own(sess, r, &author) ? sess->serial
                                                              : 0;

        n = ngx_pad_msg_new_changes_packet(NULL, fr->item, fr->item_len);

        fr->payload = ngx_pad_payload_alloc(n, ngx_pad_engine->log);

        sess->fill_n++;
        json_decref(rec);

        if (fr->payload == NULL) {
            return NGX_ERROR;
        }

        (void) ngx_pad_msg_new_changes_packet(fr->payload->data, fr->item,
                                              fr->item_len);

        prev_time = time;
        has_prev = 1;
    }

    return NGX_OK;
}


static void
ngx_pad_fanout_read_done(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_session_t  *sess = data;

    sess->reading = 0;

    if (sess->socket == NULL || sess->state != NGX_PAD_SESSION_JOINED
        || sess->pad == NULL)
    {
        ngx_pad_session_unref(sess);
        return;
    }

    if (sess->fill_join != sess->joins
        || sess->fill_want != sess->sent_rev + 1)
    {
        /* it left and joined again meanwhile: what it needs now */
        ngx_pad_fanout_session(sess);
        ngx_pad_session_unref(sess);
        return;
    }

    if (res->status != NGX_OK && ngx_pad_pstore_outage(&res->err)
        && (sess->fill_failed == 0
            || ngx_current_msec - sess->fill_failed
               < ngx_pad_engine->conf->commit_timeout))
    {
        /* a Redis outage: read again later (the reference waits too) */

        if (sess->fill_failed == 0) {
            sess->fill_failed = ngx_current_msec;
        }

        sess->reading = 1;
        sess->fill_ev.handler = ngx_pad_fanout_read_again;
        sess->fill_ev.data = sess;
        sess->fill_ev.log = ngx_pad_engine->log;
        sess->fill_ev.cancelable = 1;
        ngx_add_timer(&sess->fill_ev, 500);
        return;
    }

    if (res->status != NGX_OK
        || ngx_pad_fanout_convert(sess, res) != NGX_OK)
    {
        ngx_log_error(NGX_LOG_WARN, ngx_pad_socket_log(sess->socket), 0,
                      "pad: \"%V\": revisions from %L could not be read "
                      "(%V), disconnecting", &sess->pad->id,
                      sess->fill_want, &res->err);
        ngx_pad_session_free_fill(sess);
        ngx_pad_session_disconnect(sess, "unavailable");
        ngx_pad_session_unref(sess);
        return;
    }

    sess->fill_failed = 0;
    ngx_pad_fanout_session(sess);
    ngx_pad_session_unref(sess);
}


/* the read failed in an outage: what the session needs now, read again */

static void
ngx_pad_fanout_read_again(ngx_event_t *ev)
{
    ngx_pad_session_t  *sess = ev->data;

    sess->reading = 0;

    ngx_pad_fanout_session(sess);
    ngx_pad_session_unref(sess);
}
