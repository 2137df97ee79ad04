
/*
 * ngx_pad_module: one API write of a pad at a time in this worker, and
 * what a write does with its append's answer.
 *
 * A write (setText, appendText, setHTML, restoreRevision) reads the
 * pad's head and appends on it; two writes of one pad at once would race
 * for the head and the loser would read the whole pad again, so under
 * concurrent calls on one pad nearly every call retried (and some ran out
 * of tries).  Etherpad runs a pad's writes one after the other; so does a
 * worker here: a write takes its pad's lock before its first read, later
 * writes of the pad wait in arrival order, and the lock passes on when
 * the holder answers or its request ends.  Writes of other workers and
 * hosts, and the clients' commits, still race through the head check, as
 * before.  What waits is bounded by the worker's connections: each
 * waiting call is a request.
 *
 * States of a call (api->lock_state): NONE -> WAITING -> HOLDING -> NONE,
 * or NONE -> HOLDING -> NONE when the pad is free; the lock passes on
 * through a posted event, so that a waiting call's next step never runs
 * inside the holder's answer.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "http/ngx_pad_http_api.h"


typedef struct {
    ngx_str_node_t      sn;        /* the pad id, copied after the struct */
    ngx_pad_api_t      *holder;
    ngx_queue_t         waiting;   /* ngx_pad_api_t.lock_q */
} ngx_pad_api_lock_t;


static void ngx_pad_api_lock_go(ngx_event_t *ev);


static ngx_rbtree_t       ngx_pad_api_locks;
static ngx_rbtree_node_t  ngx_pad_api_locks_sentinel;
static ngx_uint_t         ngx_pad_api_locks_ready;


ngx_int_t
ngx_pad_api_write_pad(ngx_pad_api_t *api, ngx_pad_api_handler_pt done)
{
    uint32_t             hash;
    ngx_str_t           *pad;
    ngx_pad_api_lock_t  *l;

    if (ngx_pad_api_pad_arg(api, &pad) != NGX_OK) {
        return NGX_ERROR;
    }

    if (!ngx_pad_api_locks_ready) {
        ngx_rbtree_init(&ngx_pad_api_locks, &ngx_pad_api_locks_sentinel,
                        ngx_str_rbtree_insert_value);
        ngx_pad_api_locks_ready = 1;
    }

    api->lock_go = done;
    api->lock_done = ngx_pad_api_write_done;
    api->lock_ev.handler = ngx_pad_api_lock_go;
    api->lock_ev.data = api;
    api->lock_ev.log = api->log;

    hash = ngx_crc32_long(pad->data, pad->len);

    l = (ngx_pad_api_lock_t *) ngx_str_rbtree_lookup(&ngx_pad_api_locks, pad,
                                                     hash);
    if (l) {
        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, api->log, 0,
                       "pad api: %V waits for another write of \"%V\"",
                       &api->fn->name, pad);

        api->lock = l;
        api->lock_state = NGX_PAD_API_LOCK_WAITING;
        ngx_queue_insert_tail(&l->waiting, &api->lock_q);
        return NGX_OK;
    }

    l = ngx_alloc(sizeof(ngx_pad_api_lock_t) + pad->len, api->log);
    if (l == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return NGX_ERROR;
    }

    l->sn.str.data = (u_char *) &l[1];
    l->sn.str.len = ngx_cpymem(l->sn.str.data, pad->data, pad->len)
                    - l->sn.str.data;
    l->sn.node.key = hash;
    l->holder = api;
    ngx_queue_init(&l->waiting);
    ngx_rbtree_insert(&ngx_pad_api_locks, &l->sn.node);

    api->lock = l;
    api->lock_state = NGX_PAD_API_LOCK_HOLDING;

    return ngx_pad_api_read_pad(api, -1, 1, done);
}


/* the call answered or its request ends: the lock passes on */

void
ngx_pad_api_write_done(ngx_pad_api_t *api)
{
    ngx_queue_t         *q;
    ngx_pad_api_t       *next;
    ngx_pad_api_lock_t  *l;

    l = api->lock;

    if (l == NULL) {
        return;
    }

    api->lock = NULL;

    if (api->lock_ev.posted) {
        ngx_delete_posted_event(&api->lock_ev);
    }

    if (api->lock_state == NGX_PAD_API_LOCK_WAITING) {
        ngx_queue_remove(&api->lock_q);
        api->lock_state = NGX_PAD_API_LOCK_NONE;
        return;
    }

    api->lock_state = NGX_PAD_API_LOCK_NONE;

    if (ngx_queue_empty(&l->waiting)) {
        ngx_rbtree_delete(&ngx_pad_api_locks, &l->sn.node);
        ngx_free(l);
        return;
    }

    q = ngx_queue_head(&l->waiting);
    ngx_queue_remove(q);

    next = ngx_queue_data(q, ngx_pad_api_t, lock_q);
    next->lock_state = NGX_PAD_API_LOCK_HOLDING;
    l->holder = next;

    ngx_post_event(&next->lock_ev, &ngx_posted_events);
}


static void
ngx_pad_api_lock_go(ngx_event_t *ev)
{
    ngx_pad_api_t  *api = ev->data;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, api->log, 0,
                   "pad api: %V has the write of \"%V\"", &api->fn->name,
                   &((ngx_pad_api_lock_t *) api->lock)->sn.str);

    (void) ngx_pad_api_read_pad(api, -1, 1, api->lock_go);
}


void
ngx_pad_api_write_appended(ngx_pad_api_t *api, ngx_pad_store_result_t *res,
    ngx_pad_api_handler_pt reread)
{
    switch (res->status) {

    case NGX_OK:
        ngx_pad_api_ok(api, NULL);
        return;

    case NGX_DECLINED:
    case NGX_ABORT:
        /* the head moved, or another history: read again, rebuild */

        if (++api->write_tries >= NGX_PAD_API_WRITE_TRIES) {
            ngx_log_error(NGX_LOG_WARN, api->log, 0,
                          "pad api: %V: \"%V\": the head kept moving "
                          "(%ui tries)", &api->fn->name, &api->rd.pad,
                          api->write_tries);
            ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
            return;
        }

        ngx_pad_http_pad_free(&api->rd);
        ngx_memzero(&api->rd, sizeof(ngx_pad_http_pad_t));
        (void) ngx_pad_api_read_pad(api, -1, 1, reread);
        return;

    default:
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }
}
