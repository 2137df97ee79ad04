
/*
 * ngx_pad_module: hiredis 0.14 async context <-> nginx event loop.
 *
 * Only event plumbing lives here: the hiredis fd is wrapped in an
 * ngx_connection_t, the add/del read/write hooks register it (level
 * triggered, so replies larger than hiredis' 16 KiB read size are read
 * completely), and the cleanup hook releases the ngx_connection_t without
 * closing the fd, which hiredis closes itself.  Timeouts, reconnects and
 * state live in ngx_pad_redis.c.
 */


#ifndef _NGX_PAD_REDIS_ADAPTER_H_INCLUDED_
#define _NGX_PAD_REDIS_ADAPTER_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>


/*
 * Attach "ac" to nginx's event loop.  Call it right after
 * redisAsyncConnect*() and before redisAsyncSetConnectCallback(), which
 * already asks for a write event.  On NGX_ERROR nothing is attached and
 * the caller frees "ac".
 *
 * When nginx closes the wrapped connection (worker_shutdown_timeout), the
 * context is freed with redisAsyncFree(): pending callbacks get a NULL
 * reply as on any connection loss.
 */
ngx_int_t ngx_pad_redis_adapter_attach(redisAsyncContext *ac,
    ngx_log_t *log);


#endif /* _NGX_PAD_REDIS_ADAPTER_H_INCLUDED_ */
