
/*
 * ngx_pad_module: this worker's sessions of each pad, in the pad's
 * "conn" hash in Redis (numConnectedUsers, read by ngx_pad_padinfo.c).
 *
 * Each worker writes its number of sessions of a pad (field: the
 * worker's id, value "<n>:<expiry ms>") whenever that number changes,
 * and again every NGX_PAD_CONN_REFRESH for every pad it serves.  A
 * worker that died without removing its field stops counting after
 * NGX_PAD_CONN_TTL.
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
    u_char     buf[2 * NGX_INT_T_LEN + 2];
    ngx_str_t  worker, value;

    if (ngx_pad_engine == NULL || ngx_pad_engine->exiting) {
        return;
    }

    worker.data = (u_char *) ngx_pad_engine->wid;
    worker.len = ngx_strlen(ngx_pad_engine->wid);

    if (pad->nsessions == 0) {
        (void) ngx_pad_store_conn_set(&pad->id, &worker, NULL, 0);
        return;
    }

    value.data = buf;
    value.len = ngx_sprintf(buf, "%ui:%L", pad->nsessions,
                            ngx_pad_now_ms() + NGX_PAD_CONN_TTL)
                - buf;

    (void) ngx_pad_store_conn_set(&pad->id, &worker, &value,
                                  2 * NGX_PAD_CONN_TTL);
}


static void
ngx_pad_conn_refresh_handler(ngx_event_t *ev)
{
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

    ngx_add_timer(ev, NGX_PAD_CONN_REFRESH);
}
