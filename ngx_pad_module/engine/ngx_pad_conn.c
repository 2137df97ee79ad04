
/*
 * ngx_pad_module: this worker's sessions of each pad, in the pad's
 * "conn" hash in Redis (numConnectedUsers, read by ngx_pad_padinfo.c;
 * padUsersCount and padUsers of the HTTP API), and this worker's totals
 * for getStats (ngx_pad_store_stats.c).
 *
 * Each worker writes its number of sessions of a pad (field: the
 * worker's id, value "<n>:<expiry ms>:<author>,<author>..." listing the
 * authors of its first pad_users_listed sessions) whenever that number
 * changes, and again every NGX_PAD_CONN_REFRESH for every pad it serves;
 * with it, its sessions over all pads and the pad's expiry in the stats
 * keys.  A worker that died without removing its field stops counting
 * after NGX_PAD_CONN_TTL.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"
#include "store/ngx_pad_store.h"


#define NGX_PAD_CONN_TTL      30000
#define NGX_PAD_CONN_REFRESH  10000


static void ngx_pad_conn_refresh_handler(ngx_event_t *ev);


static ngx_event_t  ngx_pad_conn_refresh_ev;


void
ngx_pad_conn_init_process(void)
{
    ngx_event_t  *ev;

    ev = &ngx_pad_conn_refresh_ev;

    ngx_memzero(ev, sizeof(ngx_event_t));
    ev->handler = ngx_pad_conn_refresh_handler;
    ev->data = ngx_pad_engine;      /* read by debug logging as a connection */
    ev->log = ngx_pad_engine->log;
    ev->cancelable = 1;

    ngx_add_timer(ev, NGX_PAD_CONN_REFRESH);
}


/* this worker's sessions of the pad changed in number */

void
ngx_pad_conn_count(ngx_pad_pad_t *pad)
{
    u_char             *buf, *p, *last;
    size_t              size;
    int64_t             expiry;
    ngx_str_t           worker, value;
    ngx_uint_t          listed;
    ngx_queue_t        *q;
    ngx_pad_session_t  *sess;

    if (ngx_pad_engine == NULL || ngx_pad_engine->exiting) {
        return;
    }

    worker.data = (u_char *) ngx_pad_engine->wid;
    worker.len = ngx_strlen(ngx_pad_engine->wid);
    expiry = ngx_pad_now_ms() + NGX_PAD_CONN_TTL;

    if (pad->nsessions != pad->conn_reported) {
        ngx_pad_engine->sessions += pad->nsessions;
        ngx_pad_engine->sessions -= pad->conn_reported;
        pad->conn_reported = pad->nsessions;

        (void) ngx_pad_store_stats_worker(&worker, ngx_pad_engine->sessions,
                                          expiry);
    }

    if (pad->nsessions == 0) {
        (void) ngx_pad_store_conn_set(&pad->id, &worker, NULL, 0);
        (void) ngx_pad_store_stats_pad_left(&pad->id);
        return;
    }

    listed = ngx_min(pad->nsessions, ngx_pad_engine->conf->users_listed);
    size = 2 * NGX_INT64_LEN + 2 + listed * (NGX_PAD_AUTHOR_MAX + 1);

    buf = ngx_alloc(size, ngx_pad_engine->log);
    if (buf == NULL) {
        return;
    }

    last = buf + size;
    p = ngx_sprintf(buf, "%ui:%L:", pad->nsessions, expiry);

    for (q = ngx_queue_head(&pad->sessions);
         listed && q != ngx_queue_sentinel(&pad->sessions);
         q = ngx_queue_next(q))
    {
        sess = ngx_queue_data(q, ngx_pad_session_t, queue);

        if (sess->author_len == 0
            || ngx_strlchr(sess->author, sess->author + sess->author_len, ',')
            || (size_t) (last - p) < sess->author_len + 1)
        {
            continue;
        }

        p = ngx_cpymem(p, sess->author, sess->author_len);
        *p++ = ',';
        listed--;
    }

    if (p[-1] == ',') {
        p--;
    }

    value.data = buf;
    value.len = p - buf;

    (void) ngx_pad_store_conn_set(&pad->id, &worker, &value,
                                  2 * NGX_PAD_CONN_TTL);
    (void) ngx_pad_store_stats_pad(&pad->id, expiry);

    ngx_free(buf);
}


static void
ngx_pad_conn_refresh_handler(ngx_event_t *ev)
{
    ngx_str_t           worker;
    ngx_pad_pad_t      *pad;
    ngx_rbtree_node_t  *node, *root, *sentinel;

    if (ngx_pad_engine == NULL || ngx_pad_engine->exiting || ngx_exiting
        || ngx_terminate)
    {
        return;
    }

    root = ngx_pad_engine->pads.root;
    sentinel = ngx_pad_engine->pads.sentinel;

    if (root != sentinel) {
        for (node = ngx_rbtree_min(root, sentinel);
             node;
             node = ngx_rbtree_next(&ngx_pad_engine->pads, node))
        {
            pad = (ngx_pad_pad_t *) node;

            if (pad->nsessions) {
                ngx_pad_conn_count(pad);
            }
        }
    }

    if (ngx_pad_engine->sessions) {
        worker.data = (u_char *) ngx_pad_engine->wid;
        worker.len = ngx_strlen(ngx_pad_engine->wid);

        (void) ngx_pad_store_stats_worker(&worker, ngx_pad_engine->sessions,
                                          ngx_pad_now_ms()
                                          + NGX_PAD_CONN_TTL);
    }

    ngx_add_timer(ev, NGX_PAD_CONN_REFRESH);
}
