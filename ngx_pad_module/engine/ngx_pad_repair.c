
/*
 * ngx_pad_module: a worker's copy of a pad against Redis's, after Redis
 * lost data (restarted without persistence, a failover to a replica that
 * lagged, FLUSHALL).
 *
 * The copy is compared with Redis (head.lua: the head, the history id,
 * the stored records of the worker's head and of the stored head, what a
 * merge absorbed) after a resubscribe, a lost-data notice from the store,
 * a "reset" published by another worker, and an append that found the
 * head below its base or another history.  Then exactly one of:
 *
 *   ok       Redis has this history up to at least this head (the same
 *            record at this head): catch up if it has more;
 *   tail     Redis lost the last revisions of this same history: write
 *            them back (restore.lua "tail": only onto the head and record
 *            this worker saw);
 *   merge    Redis holds another history, or a fork of this one, that
 *            lacks revisions this worker had acknowledged: this history
 *            is written back and the other one's edits since the fork
 *            (since its revision 0 for a pad created anew) are rebased
 *            onto it as one new revision (restore.lua "replace", a new
 *            history id, "absorbed" records both), so that no
 *            acknowledged edit of either is lost;
 *   reset    Redis holds another history that absorbed this one: this
 *            copy is dropped and its sessions are told to reload
 *            ({"disconnect":"looping"}, as for a reconnect too far
 *            behind); the pad loads anew from Redis;
 *   deleted  deletePad removed this history (the tombstone of delete.lua,
 *            or its publish, ngx_pad_channel.c): the copy is dropped, never
 *            written back, and its sessions get {"disconnect":"deleted"}.
 *
 * The states (pad->repair): NONE -> CHECKING -> (NONE | WRITING |
 * READING -> WRITING) -> NONE, and WAITING (back-off) after a failure:
 * 50 ms doubling up to 5 s, no retry loop without it.  Commits wait in
 * every state but NONE.  Each problem is logged once when it starts
 * (pad->repair_logged), not per try.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"
#include "store/ngx_pad_store.h"


#define NGX_PAD_REPAIR_DELAY_MIN  50
#define NGX_PAD_REPAIR_DELAY_MAX  5000


typedef enum {
    NGX_PAD_REPAIR_LOG_NONE = 0,
    NGX_PAD_REPAIR_LOG_FAILED,
    NGX_PAD_REPAIR_LOG_TAIL,
    NGX_PAD_REPAIR_LOG_MERGE,
    NGX_PAD_REPAIR_LOG_RESET
} ngx_pad_repair_log_e;


static const char  *ngx_pad_repair_names[] = {
    "none", "checking", "reading", "writing", "waiting"
};


static void ngx_pad_repair_set(ngx_pad_pad_t *pad, ngx_pad_repair_e state);
static void ngx_pad_repair_head(void *data, ngx_pad_store_result_t *res);
static void ngx_pad_repair_retry(ngx_pad_pad_t *pad, ngx_str_t *why,
    ngx_uint_t level);
static void ngx_pad_repair_timer(ngx_event_t *ev);
static void ngx_pad_repair_done(ngx_pad_pad_t *pad);
static void ngx_pad_repair_written(void *data, ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_repair_write(ngx_pad_pad_t *pad,
    ngx_pad_store_restore_t *r);
static ngx_int_t ngx_pad_repair_merged(ngx_pad_pad_t *pad,
    ngx_pad_store_restore_t *r, ngx_str_t *why);


/* the pad is freed: the repair's state goes with it */

void
ngx_pad_repair_cleanup(ngx_pad_pad_t *pad)
{
    if (pad->repair_ev.timer_set) {
        ngx_del_timer(&pad->repair_ev);
    }

    ngx_pad_merge_free(pad);
}


static void
ngx_pad_repair_set(ngx_pad_pad_t *pad, ngx_pad_repair_e state)
{
    ngx_log_debug3(NGX_LOG_DEBUG_EVENT, ngx_pad_engine->log, 0,
                   "pad: \"%V\": repair %s -> %s", &pad->id,
                   ngx_pad_repair_names[pad->repair],
                   ngx_pad_repair_names[state]);

    pad->repair = state;
}


/* compare the copy with Redis (a check already under way is repeated) */

void
ngx_pad_repair_check(ngx_pad_pad_t *pad)
{
    ngx_uint_t  held;

    if (ngx_pad_engine->exiting || pad->detached) {
        return;
    }

    if (pad->state == NGX_PAD_LOADING) {
        /* the load may have read Redis before this: after it */
        pad->recheck = 1;
        return;
    }

    if (pad->state != NGX_PAD_READY) {
        return;
    }

    held = 0;

    if (pad->repair == NGX_PAD_REPAIR_WAITING) {
        /*
         * Something changed (resubscribed, rewritten, lost): no more
         * waiting; the timer's reference goes to the check.
         */
        ngx_del_timer(&pad->repair_ev);
        ngx_pad_repair_set(pad, NGX_PAD_REPAIR_NONE);
        held = 1;
    }

    if (pad->repair != NGX_PAD_REPAIR_NONE) {
        pad->recheck = 1;
        return;
    }

    pad->recheck = 0;

    if (!held) {
        pad->refs++;
    }

    if (ngx_pad_store_head(&pad->id, (ngx_int_t) pad->head, &pad->hist,
                           ngx_pad_repair_head, pad)
        == NULL)
    {
        if (held) {
            /* back to waiting, with the reference */
            ngx_pad_repair_set(pad, NGX_PAD_REPAIR_WAITING);
            ngx_add_timer(&pad->repair_ev, NGX_PAD_REPAIR_DELAY_MAX);
            return;
        }

        pad->refs--;
        return;
    }

    ngx_pad_repair_set(pad, NGX_PAD_REPAIR_CHECKING);
}


/* the store lost its data: every pad of this worker is compared */

void
ngx_pad_repair_lost(void *data)
{
    ngx_rbtree_node_t  *node, *root, *sentinel;
    ngx_pad_pad_t      *pad;

    sentinel = ngx_pad_engine->pads.sentinel;
    root = ngx_pad_engine->pads.root;

    if (root == sentinel) {
        return;
    }

    for (node = ngx_rbtree_min(root, sentinel);
         node;
         node = ngx_rbtree_next(&ngx_pad_engine->pads, node))
    {
        pad = (ngx_pad_pad_t *) node;
        ngx_pad_repair_check(pad);
    }
}


static void
ngx_pad_repair_head(void *data, ngx_pad_store_result_t *res)
{
    ngx_int_t        mine, at_head;
    ngx_str_t        why;
    ngx_pad_pad_t   *pad = data;
    ngx_pad_rev_t   *rev;

    ngx_pad_store_restore_t  r;

    ngx_pad_repair_set(pad, NGX_PAD_REPAIR_NONE);

    if (pad->state != NGX_PAD_READY || pad->detached) {
        goto done;
    }

    if (res->status == NGX_ERROR) {
        /* Redis unreachable: its client logs that once for all pads */
        ngx_pad_repair_retry(pad, &res->err, NGX_LOG_INFO);
        goto done;
    }

    if (res->deleted) {
        /* deletePad removed this history: never written back */
        ngx_pad_repair_drop(pad, "deleted");
        goto done;
    }

    if (res->chat_head > pad->chat_head) {
        pad->chat_head = res->chat_head;
    }

    ngx_memzero(&r, sizeof(ngx_pad_store_restore_t));

    if (res->status == NGX_DECLINED) {
        /* no such pad in Redis: all of it is written back */
        r.seen = -1;

        if (ngx_pad_repair_write(pad, &r) != NGX_OK) {
            ngx_str_set(&why, "cannot write the pad back");
            ngx_pad_repair_retry(pad, &why, NGX_LOG_WARN);
        }

        goto done;
    }

    /* 1: Redis's record of this head is this worker's, 0: not, -1: ? */

    rev = ngx_pad_pad_rev(pad, pad->head);
    mine = rev ? ngx_pad_pad_rev_same(rev, &res->record) : -1;

    if (res->hist.len == pad->hist.len
        && ngx_strncmp(res->hist.data, pad->hist.data, res->hist.len) == 0)
    {
        if (res->head >= pad->head && mine != 0) {
            /* Redis has this history up to here at least */
            ngx_pad_pad_published(pad, res->head);
            ngx_pad_repair_done(pad);
            goto done;
        }

        if (res->head < pad->head) {
            rev = ngx_pad_pad_rev(pad, res->head);
            at_head = rev ? ngx_pad_pad_rev_same(rev, &res->head_record) : -1;

            if (at_head == 1) {
                /* the same history, its last revisions lost */
                r.seen = res->head;
                r.seen_hist = res->hist;

                if (ngx_pad_repair_write(pad, &r) != NGX_OK) {
                    ngx_str_set(&why, "cannot write the pad back");
                    ngx_pad_repair_retry(pad, &why, NGX_LOG_WARN);
                }

                goto done;
            }
        }

        /* a fork of this history */

    } else if (mine == 1) {
        /* a merge wrote this history on: take its id and catch up */
        ngx_log_error(NGX_LOG_INFO, ngx_pad_engine->log, 0,
                      "pad: \"%V\": Redis continues this worker's copy "
                      "under history \"%V\"", &pad->id, &res->hist);

        if (ngx_pad_pad_set_hist(pad, &res->hist) == NGX_OK) {
            ngx_pad_pad_published(pad, res->head);
            ngx_pad_repair_done(pad);
        }

        goto done;

    } else if (res->absorbed >= pad->head) {
        /* Redis's history holds this one's edits: reload from it */
        ngx_pad_repair_drop(pad, "looping");
        goto done;
    }

    /*
     * Redis lacks revisions this worker had acknowledged and holds
     * others: keep both (ngx_pad_merge.c).
     */

    if (pad->repair_logged != NGX_PAD_REPAIR_LOG_MERGE) {
        pad->repair_logged = NGX_PAD_REPAIR_LOG_MERGE;
        ngx_log_error(NGX_LOG_WARN, ngx_pad_engine->log, 0,
                      "pad: \"%V\": Redis holds revision %i of history "
                      "\"%V\", this worker revision %L of \"%V\", which "
                      "Redis lost: merging (this history is written back "
                      "and the other's edits rebased onto it)", &pad->id,
                      res->head, &res->hist, pad->head, &pad->hist);
    }

    if (ngx_pad_merge_start(pad, res, ngx_pad_repair_merged) != NGX_OK) {
        ngx_str_set(&why, "cannot start the merge");
        ngx_pad_repair_retry(pad, &why, NGX_LOG_WARN);
        goto done;
    }

    ngx_pad_repair_set(pad, NGX_PAD_REPAIR_READING);

done:

    if (pad->repair == NGX_PAD_REPAIR_NONE) {
        ngx_pad_pad_post_ready(pad);

        if (pad->recheck) {
            ngx_pad_repair_check(pad);
        }
    }

    ngx_pad_pad_release(pad);
}


static void
ngx_pad_repair_done(ngx_pad_pad_t *pad)
{
    pad->repair_tries = 0;
    pad->repair_logged = NGX_PAD_REPAIR_LOG_NONE;
    ngx_pad_repair_set(pad, NGX_PAD_REPAIR_NONE);
}


/* a failed step: compare again after a back-off, logged once */

static void
ngx_pad_repair_retry(ngx_pad_pad_t *pad, ngx_str_t *why, ngx_uint_t level)
{
    ngx_msec_t  delay;

    if (pad->repair_logged != NGX_PAD_REPAIR_LOG_FAILED) {
        pad->repair_logged = NGX_PAD_REPAIR_LOG_FAILED;
        ngx_log_error(level, ngx_pad_engine->log, 0,
                      "pad: \"%V\": cannot compare with Redis or write the "
                      "pad back: %V; commits wait, retrying with back-off",
                      &pad->id, why);

    } else {
        ngx_log_debug2(NGX_LOG_DEBUG_EVENT, ngx_pad_engine->log, 0,
                       "pad: \"%V\": repair failed again: %V", &pad->id, why);
    }

    delay = NGX_PAD_REPAIR_DELAY_MIN << ngx_min(pad->repair_tries, 7);
    delay = ngx_min(delay, NGX_PAD_REPAIR_DELAY_MAX);
    delay += ngx_random() % (delay / 4 + 1);
    pad->repair_tries++;

    pad->repair_ev.handler = ngx_pad_repair_timer;
    pad->repair_ev.data = pad;
    pad->repair_ev.log = ngx_pad_engine->log;
    pad->repair_ev.cancelable = 1;

    ngx_pad_repair_set(pad, NGX_PAD_REPAIR_WAITING);
    ngx_add_timer(&pad->repair_ev, delay);
    pad->refs++;
}


static void
ngx_pad_repair_timer(ngx_event_t *ev)
{
    ngx_pad_pad_t  *pad = ev->data;

    if (pad->repair == NGX_PAD_REPAIR_WAITING) {
        ngx_pad_repair_set(pad, NGX_PAD_REPAIR_NONE);
        pad->recheck = 0;
        ngx_pad_repair_check(pad);

        if (pad->repair == NGX_PAD_REPAIR_NONE) {
            /* the check did not start: commits fail on their own */
            ngx_pad_pad_post_ready(pad);
        }
    }

    ngx_pad_pad_release(pad);
}


/* a merge step failed (ngx_pad_merge.c) */

static void
ngx_pad_repair_merge_failed(ngx_pad_pad_t *pad, ngx_str_t *why)
{
    ngx_pad_merge_free(pad);
    ngx_pad_repair_set(pad, NGX_PAD_REPAIR_NONE);
    ngx_pad_repair_retry(pad, why, NGX_LOG_WARN);
}


/* the merge's outcome: its write-back (r), or why it failed */

static ngx_int_t
ngx_pad_repair_merged(ngx_pad_pad_t *pad, ngx_pad_store_restore_t *r,
    ngx_str_t *why)
{
    if (r) {
        return ngx_pad_repair_write(pad, r);
    }

    ngx_pad_repair_merge_failed(pad, why);

    return NGX_OK;
}


/*
 * restore.lua: r->seen (and seen_hist, replace, head, text, attribs,
 * hist, absorbed) set by the caller; the pool and the window's records
 * are added here (the merge's revision, if any, is the last record).
 */

static ngx_int_t
ngx_pad_repair_write(ngx_pad_pad_t *pad, ngx_pad_store_restore_t *r)
{
    char                 *s;
    u_char                ts[NGX_INT64_LEN];
    json_t               *j;
    int64_t               rv, last;
    intptr_t              n;
    ngx_int_t             rc;
    ngx_str_t            *all, *merged;
    ngx_uint_t            k;
    ngx_pad_rev_t        *rev;
    ngx_pad_pool_t       *pool;
    ngx_pad_store_req_t  *req;

    if (!r->replace && r->seen >= 0) {
        rev = ngx_pad_pad_rev(pad, r->seen);
        if (rev == NULL) {
            return NGX_ERROR;
        }

        r->seen_rev[0] = rev->changeset;
        r->seen_rev[1] = rev->author;
        r->seen_rev[2].data = ts;
        r->seen_rev[2].len = ngx_sprintf(ts, "%L", rev->time) - ts;
    }

    if (r->hist.len == 0) {
        r->hist = pad->hist;
    }

    if (r->text.data == NULL) {
        r->head = (ngx_int_t) pad->head;
        r->text.data = (u_char *) pad->atext.text.data;
        r->text.len = pad->atext.text.len;
        r->attribs.data = (u_char *) pad->atext.attribs.data;
        r->attribs.len = pad->atext.attribs.len;
    }

    pool = pad->merge ? ngx_pad_merge_pool(pad) : pad->pool;
    merged = ngx_pad_merge_record(pad);
    n = ngx_pad_pool_next_num(pool);
    rv = r->replace ? pad->first_rev : ngx_max(r->seen + 1, pad->first_rev);
    last = pad->head;

    all = ngx_alloc((n + (last - rv + 1) + 2) * sizeof(ngx_str_t),
                    ngx_pad_engine->log);
    if (all == NULL) {
        return NGX_ERROR;
    }

    r->pool = all;
    r->npool = 0;
    r->nrecs = 0;
    r->pool_next = n;
    rc = NGX_ERROR;

    if (ngx_pad_pstore_pool_json(pool, 0, n, 1, all, &r->npool) != NGX_OK) {
        goto done;
    }

    r->recs = all + r->npool;

    for ( /* void */ ; rv >= 0 && rv <= last; rv++) {
        rev = ngx_pad_pad_rev(pad, rv);
        if (rev == NULL) {
            continue;
        }

        j = json_pack("{s:s,s:I,s:s%,s:s%,s:I,s:{}}", "type", "rev",
                      "rev", (json_int_t) rv,
                      "cs", rev->changeset.data, rev->changeset.len,
                      "author", rev->author.data, rev->author.len,
                      "ts", (json_int_t) rev->time, "pool");
        s = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);

        if (s == NULL) {
            goto done;
        }

        r->recs[r->nrecs].data = (u_char *) s;
        r->recs[r->nrecs].len = ngx_strlen(s);
        r->nrecs++;
    }

    if (merged) {
        /* the merge's revision, not in the window yet (the merge's) */
        r->recs[r->nrecs] = *merged;
        r->nrecs++;
    }

    pad->refs++;

    req = ngx_pad_store_restore(&pad->id, r, ngx_pad_repair_written, pad);

    if (req == NULL) {
        pad->refs--;
        goto done;
    }

    if (!r->replace && pad->repair_logged != NGX_PAD_REPAIR_LOG_TAIL) {
        pad->repair_logged = NGX_PAD_REPAIR_LOG_TAIL;
        ngx_log_error(NGX_LOG_WARN, ngx_pad_engine->log, 0,
                      "pad: \"%V\": Redis has %i as the head, this worker "
                      "%L: Redis lost revisions; restoring the pad from "
                      "this worker's copy", &pad->id, r->seen, pad->head);
    }

    pad->restore_seen = r->seen;
    pad->restore_head = r->head;
    ngx_pad_repair_set(pad, NGX_PAD_REPAIR_WRITING);
    rc = NGX_OK;

done:

    for (k = 0; k < r->npool; k++) {
        free(all[k].data);
    }

    for (k = 0; k < r->nrecs; k++) {
        if (merged == NULL || r->recs[k].data != merged->data) {
            free(r->recs[k].data);
        }
    }

    ngx_free(all);

    return rc;
}


static void
ngx_pad_repair_written(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_pad_t  *pad = data;

    ngx_pad_repair_set(pad, NGX_PAD_REPAIR_NONE);

    if (pad->state != NGX_PAD_READY || pad->detached) {
        ngx_pad_merge_free(pad);
        ngx_pad_pad_release(pad);
        return;
    }

    if (res->status != NGX_OK) {
        /*
         * Another worker wrote first (restore.lua found another head or
         * history: not a fault), or Redis failed: compare again.
         */
        ngx_pad_merge_free(pad);
        ngx_pad_repair_retry(pad, &res->err,
                             (res->err.len > 16
                              && ngx_strncmp(res->err.data,
                                             "ERR not restored", 16) == 0)
                             ? NGX_LOG_INFO : NGX_LOG_WARN);
        ngx_pad_pad_release(pad);
        return;
    }

    /* done: a revision that does not apply below compares again */
    ngx_pad_repair_done(pad);

    if (pad->merge) {
        if (ngx_pad_merge_apply(pad) != NGX_OK) {
            /* stored, not applied here: read it back as a remote revision */
            pad->want_head = ngx_max(pad->want_head, pad->head + 1);
        }

        ngx_log_error(NGX_LOG_WARN, ngx_pad_engine->log, 0,
                      "pad: \"%V\": merged in Redis: this worker's history "
                      "to revision %L, then the other history's edits "
                      "(revisions to %L of it) rebased as revision %L, "
                      "history \"%V\"", &pad->id, pad->restore_head - 1,
                      pad->restore_seen, pad->restore_head, &pad->hist);

    } else {
        ngx_log_error(NGX_LOG_WARN, ngx_pad_engine->log, 0,
                      "pad: \"%V\": restored in Redis from this worker's "
                      "copy at revision %L (Redis had lost revisions "
                      "after %L)", &pad->id, pad->restore_head,
                      pad->restore_seen);
    }

    ngx_pad_pad_post_ready(pad);

    if (pad->want_head > pad->head && ngx_queue_empty(&pad->commits)) {
        ngx_pad_pad_catch_up(pad);
    }

    if (pad->recheck) {
        ngx_pad_repair_check(pad);
    }

    ngx_pad_pad_release(pad);
}


/*
 * This copy's history was absorbed into Redis's ("looping": its sessions
 * reload the pad, a reconnect with their revision numbers would be
 * wrong) or deleted by deletePad ("deleted", Etherpad's kick): the copy
 * leaves the registry so that the next join loads the pad anew.
 */

void
ngx_pad_repair_drop(ngx_pad_pad_t *pad, const char *reason)
{
    ngx_queue_t        *q;
    ngx_pad_session_t  *sess;

    if (pad->detached) {
        return;
    }

    if (reason[0] == 'd') {
        ngx_log_error(NGX_LOG_INFO, ngx_pad_engine->log, 0,
                      "pad: \"%V\": deleted (history \"%V\"): the copy "
                      "is dropped and its %ui sessions are told",
                      &pad->id, &pad->hist, pad->nsessions);

    } else if (pad->repair_logged != NGX_PAD_REPAIR_LOG_RESET) {
        pad->repair_logged = NGX_PAD_REPAIR_LOG_RESET;
        ngx_log_error(NGX_LOG_WARN, ngx_pad_engine->log, 0,
                      "pad: \"%V\": Redis's history of the pad took in "
                      "this worker's copy (revision %L of \"%V\"): the "
                      "copy is dropped and its %ui sessions reload",
                      &pad->id, pad->head, &pad->hist, pad->nsessions);
    }

    pad->refs++;

    /*
     * Queued commits are dropped by the pad's ready event (their sessions
     * left); one in flight meets the other history id and is refused.
     */

    ngx_pad_pad_detach(pad);
    ngx_pad_pstore_unsubscribe(pad);

    while (!ngx_queue_empty(&pad->sessions)) {
        q = ngx_queue_head(&pad->sessions);
        sess = ngx_queue_data(q, ngx_pad_session_t, queue);
        ngx_pad_session_disconnect(sess, reason);

        if (!ngx_queue_empty(&pad->sessions)
            && ngx_queue_head(&pad->sessions) == q)
        {
            /* not detached (not joined): take it out of the list */
            ngx_queue_remove(q);
            sess->in_list = 0;
        }
    }

    ngx_pad_pad_post_ready(pad);
    ngx_pad_pad_release(pad);
}
