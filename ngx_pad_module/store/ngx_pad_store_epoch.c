
/*
 * ngx_pad_module: the watcher of Redis's data-set marker (see
 * ngx_pad_store_on_lost() in ngx_pad_store.h and
 * src/store/scripts/epoch.lua).
 *
 * States: idle -> reading (epoch.lua in flight) -> idle.  The first
 * marker a worker reads is taken as it is (a new worker cannot know
 * what Redis held before it started); every later read that differs is
 * a loss, reported once per new marker.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "store/ngx_pad_store.h"
#include "redis/ngx_pad_redis.h"


#define NGX_PAD_EPOCH_ID_LEN  16
#define NGX_PAD_EPOCH_MAX     64


typedef struct {
    ngx_pad_store_conf_t     *conf;
    ngx_event_t               timer;
    ngx_pad_store_req_t      *req;        /* epoch.lua in flight */
    u_char                    known[NGX_PAD_EPOCH_MAX];
    size_t                    known_len;  /* 0: none read yet */
    ngx_pad_store_lost_pt     handler;
    void                     *data;
} ngx_pad_store_epoch_t;


static void ngx_pad_store_epoch_read(void *data);
static void ngx_pad_store_epoch_timer(ngx_event_t *ev);
static void ngx_pad_store_epoch_done(void *data, ngx_pad_store_result_t *res);


static ngx_pad_store_epoch_t  ngx_pad_store_epoch_w;


/*
 * The watcher starts with its handler (the engine's init_process) and
 * stops with a NULL one (its exit_process, before the store goes).
 */

void
ngx_pad_store_on_lost(ngx_pad_store_lost_pt handler, void *data)
{
    ngx_pad_store_epoch_t  *w = &ngx_pad_store_epoch_w;

    if (handler == NULL) {
        if (w->timer.timer_set) {
            ngx_del_timer(&w->timer);
        }

        if (w->req) {
            ngx_pad_store_cancel(w->req);
            w->req = NULL;
        }

        w->handler = NULL;
        return;
    }

    if (ngx_pad_redis == NULL) {
        /* the master, or Redis not used */
        return;
    }

    w->handler = handler;
    w->data = data;
    w->conf = ngx_pad_store_conf_get();
    w->timer.handler = ngx_pad_store_epoch_timer;
    w->timer.data = w;
    w->timer.log = ngx_cycle->log;
    w->timer.cancelable = 1;

    ngx_pad_redis_on_ready(ngx_pad_redis, ngx_pad_store_epoch_read, w);
}


static void
ngx_pad_store_epoch_read(void *data)
{
    ngx_pad_store_epoch_t  *w = data;

    u_char     id[NGX_PAD_EPOCH_ID_LEN];
    ngx_str_t  cand;

    if (w->req) {
        return;
    }

    ngx_pad_store_random_id(id, sizeof(id));
    cand.data = id;
    cand.len = sizeof(id);

    ngx_log_debug0(NGX_LOG_DEBUG_EVENT, ngx_cycle->log, 0,
                   "pad store: epoch: idle -> reading");

    w->req = ngx_pad_store_epoch(&cand, ngx_pad_store_epoch_done, w);

    if (w->req == NULL && !w->timer.timer_set) {
        ngx_add_timer(&w->timer, w->conf->redis.keepalive);
    }
}


static void
ngx_pad_store_epoch_timer(ngx_event_t *ev)
{
    ngx_pad_store_epoch_read(ev->data);
}


static void
ngx_pad_store_epoch_done(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_store_epoch_t  *w = data;

    w->req = NULL;

    ngx_log_debug1(NGX_LOG_DEBUG_EVENT, ngx_cycle->log, 0,
                   "pad store: epoch: reading -> idle (%i)", res->status);

    if (!w->timer.timer_set && !ngx_exiting && !ngx_terminate) {
        ngx_add_timer(&w->timer, w->conf->redis.keepalive);
    }

    if (res->status != NGX_OK || res->value.len == 0
        || res->value.len > NGX_PAD_EPOCH_MAX)
    {
        /* Redis unreachable: the next (re)connect or period reads it */
        return;
    }

    if (w->known_len == res->value.len
        && ngx_memcmp(w->known, res->value.data, res->value.len) == 0)
    {
        return;
    }

    if (w->known_len) {
        ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                      "pad store: Redis's data set is new (marker \"%*s\", "
                      "was \"%*s\", written %L ms ago): Redis lost its "
                      "data; every pad this worker holds is compared "
                      "and written back where Redis lacks it",
                      res->value.len, res->value.data, w->known_len,
                      w->known, res->now - res->ts);
    }

    ngx_memcpy(w->known, res->value.data, res->value.len);

    if (w->known_len && w->handler) {
        w->known_len = res->value.len;
        w->handler(w->data);
        return;
    }

    w->known_len = res->value.len;
}
