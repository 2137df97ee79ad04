
/*
 * ngx_pad_module: hiredis 0.14 async context <-> nginx event loop.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include <sys/ioctl.h>

#include "redis/ngx_pad_redis_adapter.h"


/* reads per read event before yielding to other connections (16 KiB each) */
#define NGX_PAD_REDIS_ADAPTER_READS  32


typedef struct {
    redisAsyncContext         *ac;
    ngx_connection_t          *c;
    ngx_uint_t                *destroyed;
} ngx_pad_redis_adapter_t;


static void ngx_pad_redis_adapter_read_handler(ngx_event_t *rev);
static void ngx_pad_redis_adapter_write_handler(ngx_event_t *wev);
static void ngx_pad_redis_adapter_add_read(void *privdata);
static void ngx_pad_redis_adapter_del_read(void *privdata);
static void ngx_pad_redis_adapter_add_write(void *privdata);
static void ngx_pad_redis_adapter_del_write(void *privdata);
static void ngx_pad_redis_adapter_cleanup(void *privdata);


ngx_int_t
ngx_pad_redis_adapter_attach(redisAsyncContext *ac, ngx_log_t *log)
{
    ngx_connection_t         *c;
    ngx_pad_redis_adapter_t  *a;

    if (ac->ev.data != NULL) {
        return NGX_ERROR;
    }

    a = ngx_alloc(sizeof(ngx_pad_redis_adapter_t), log);
    if (a == NULL) {
        return NGX_ERROR;
    }

    c = ngx_get_connection(ac->c.fd, log);
    if (c == NULL) {
        ngx_free(a);
        return NGX_ERROR;
    }

    a->ac = ac;
    a->c = c;
    a->destroyed = NULL;

    c->data = a;
    c->log = log;
    c->pool = NULL;
    c->read->log = log;
    c->write->log = log;
    c->read->handler = ngx_pad_redis_adapter_read_handler;
    c->write->handler = ngx_pad_redis_adapter_write_handler;

    ac->ev.data = a;
    ac->ev.addRead = ngx_pad_redis_adapter_add_read;
    ac->ev.delRead = ngx_pad_redis_adapter_del_read;
    ac->ev.addWrite = ngx_pad_redis_adapter_add_write;
    ac->ev.delWrite = ngx_pad_redis_adapter_del_write;
    ac->ev.cleanup = ngx_pad_redis_adapter_cleanup;

    return NGX_OK;
}


static void
ngx_pad_redis_adapter_read_handler(ngx_event_t *rev)
{
    int                       n;
    ngx_uint_t                i, destroyed;
    ngx_connection_t         *c;
    ngx_pad_redis_adapter_t  *a;

    c = rev->data;
    a = c->data;

    if (c->close) {
        /* worker_shutdown_timeout: nginx closes every connection */
        a->ac->c.err = REDIS_ERR_EOF;
        ngx_cpystrn((u_char *) a->ac->c.errstr,
                    (u_char *) "closed by nginx: worker shutdown timeout",
                    sizeof(a->ac->c.errstr));
        redisAsyncFree(a->ac);
        return;
    }

    /*
     * hiredis reads at most 16 KiB per call; the event is level triggered,
     * so what is left is reported again, but reading a few chunks now
     * saves event loop rounds for large replies.  "a" may be freed inside
     * any call (a callback dropped the connection): the cleanup hook then
     * sets "destroyed".
     */

    destroyed = 0;
    a->destroyed = &destroyed;

    for (i = 0; i < NGX_PAD_REDIS_ADAPTER_READS; i++) {
        redisAsyncHandleRead(a->ac);

        if (destroyed) {
            return;
        }

        if (!(a->ac->c.flags & REDIS_CONNECTED)) {
            break;
        }

        if (ioctl(c->fd, FIONREAD, &n) == -1 || n <= 0) {
            break;
        }
    }

    a->destroyed = NULL;
}


static void
ngx_pad_redis_adapter_write_handler(ngx_event_t *wev)
{
    ngx_connection_t         *c;
    ngx_pad_redis_adapter_t  *a;

    c = wev->data;
    a = c->data;

    redisAsyncHandleWrite(a->ac);
}


static void
ngx_pad_redis_adapter_add_read(void *privdata)
{
    ngx_pad_redis_adapter_t  *a = privdata;

    ngx_event_t  *rev;

    rev = a->c->read;

    if (!rev->active) {
        if (ngx_add_event(rev, NGX_READ_EVENT, NGX_LEVEL_EVENT) != NGX_OK) {
            ngx_log_error(NGX_LOG_ALERT, rev->log, 0,
                          "pad redis: cannot add read event");
        }
    }
}


static void
ngx_pad_redis_adapter_del_read(void *privdata)
{
    ngx_pad_redis_adapter_t  *a = privdata;

    ngx_event_t  *rev;

    rev = a->c->read;

    if (rev->active) {
        (void) ngx_del_event(rev, NGX_READ_EVENT, 0);
    }
}


static void
ngx_pad_redis_adapter_add_write(void *privdata)
{
    ngx_pad_redis_adapter_t  *a = privdata;

    ngx_event_t  *wev;

    wev = a->c->write;

    if (!wev->active) {
        if (ngx_add_event(wev, NGX_WRITE_EVENT, NGX_LEVEL_EVENT) != NGX_OK) {
            ngx_log_error(NGX_LOG_ALERT, wev->log, 0,
                          "pad redis: cannot add write event");
        }
    }
}


static void
ngx_pad_redis_adapter_del_write(void *privdata)
{
    ngx_pad_redis_adapter_t  *a = privdata;

    ngx_event_t  *wev;

    wev = a->c->write;

    if (wev->active) {
        (void) ngx_del_event(wev, NGX_WRITE_EVENT, 0);
    }
}


static void
ngx_pad_redis_adapter_cleanup(void *privdata)
{
    ngx_pad_redis_adapter_t  *a = privdata;

    ngx_connection_t  *c;

    if (a == NULL) {
        return;
    }

    if (a->destroyed) {
        *a->destroyed = 1;
    }

    a->ac->ev.data = NULL;
    a->ac->ev.addRead = NULL;
    a->ac->ev.delRead = NULL;
    a->ac->ev.addWrite = NULL;
    a->ac->ev.delWrite = NULL;
    a->ac->ev.cleanup = NULL;

    c = a->c;

    if (c->read->timer_set) {
        ngx_del_timer(c->read);
    }

    if (c->write->timer_set) {
        ngx_del_timer(c->write);
    }

    if (c->read->posted) {
        ngx_delete_posted_event(c->read);
    }

    if (c->write->posted) {
        ngx_delete_posted_event(c->write);
    }

    if (c->read->active) {
        (void) ngx_del_event(c->read, NGX_READ_EVENT, 0);
    }

    if (c->write->active) {
        (void) ngx_del_event(c->write, NGX_WRITE_EVENT, 0);
    }

    /* hiredis closes the fd right after this hook returns */

    c->read->closed = 1;
    c->write->closed = 1;

    ngx_free_connection(c);

    c->fd = (ngx_socket_t) -1;

    ngx_free(a);
}
