
/*
 * ngx_pad_module: the per-worker Redis client.
 *
 * Two connections to one Redis: "command" for ordinary commands and
 * "pub/sub" for SUBSCRIBE (a subscribed connection cannot run commands).
 * Each goes connecting -> ready -> (lost) -> backoff -> connecting ...
 * on its own; the pub/sub connection is first opened once the command
 * connection is ready.
 *
 * Commands:
 *   - ngx_pad_redis_command*() returns a handle, or NULL when out of
 *     memory (then the handler is never called);
 *   - the handler is called exactly once, never from inside the call that
 *     issued the command: with the reply (which may be a Redis error reply,
 *     reply->type == REDIS_REPLY_ERROR), or with reply == NULL and "err"
 *     saying why (not connected, command timeout, connection lost,
 *     worker exiting);
 *   - the reply belongs to hiredis and is valid during the call only;
 *   - ngx_pad_redis_cancel(req) before the handler ran: the handler is
 *     not called any more; the handle is invalid after the handler ran or
 *     after cancel.
 *   - with pad_redis_sentinel, both connections go to the master the
 *     sentinels name (ngx_pad_redis_sentinel.c), checked with ROLE.
 *   - a command that gets no reply within pad_redis_command_timeout fails
 *     the command and every other command pending on that connection, and
 *     the connection is dropped and reopened (hiredis 0.14 has no timeouts
 *     of its own).
 *
 * Subscriptions (reference counted per channel):
 *   - ngx_pad_redis_subscribe() adds a listener; the channel is subscribed
 *     once for all its listeners;
 *   - the listener's handler gets NGX_PAD_REDIS_SUB_READY once the
 *     subscription is confirmed by Redis, then every MESSAGE published
 *     after that point; when the pub/sub connection is lost it gets LOST,
 *     and after the automatic resubscribe RESUBSCRIBED: messages published
 *     in between are missed, the owner catches up from stored state.
 *     Messages are delivered only after READY/RESUBSCRIBED was delivered.
 *     READY, LOST and RESUBSCRIBED are delivered from posted events, never
 *     from inside ngx_pad_redis_subscribe();
 *   - ngx_pad_redis_unsubscribe() removes the listener (it may be called
 *     from its own handler); the last listener's removal unsubscribes.
 */


#ifndef _NGX_PAD_REDIS_H_INCLUDED_
#define _NGX_PAD_REDIS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>

#include "redis/ngx_pad_redis_conf.h"


#define NGX_PAD_REDIS_SUB_READY         1
#define NGX_PAD_REDIS_SUB_MESSAGE       2
#define NGX_PAD_REDIS_SUB_LOST          3
#define NGX_PAD_REDIS_SUB_RESUBSCRIBED  4


typedef struct ngx_pad_redis_s      ngx_pad_redis_t;
typedef struct ngx_pad_redis_req_s  ngx_pad_redis_req_t;
typedef struct ngx_pad_redis_sub_s  ngx_pad_redis_sub_t;


typedef void (*ngx_pad_redis_handler_pt)(void *data, redisReply *reply,
    ngx_str_t *err);

/* payload: the message for MESSAGE, NULL otherwise */
typedef void (*ngx_pad_redis_sub_handler_pt)(void *data, ngx_uint_t event,
    ngx_str_t *payload);


/* the worker's client (NULL in the master and when Redis is not used) */
extern ngx_pad_redis_t  *ngx_pad_redis;


ngx_pad_redis_t *ngx_pad_redis_create(ngx_cycle_t *cycle,
    ngx_pad_redis_conf_t *conf);
void ngx_pad_redis_destroy(ngx_pad_redis_t *rc);

/*
 * Called each time the command connection becomes ready (first connect
 * and every reconnect), after commands queued meanwhile were sent.
 */
typedef void (*ngx_pad_redis_ready_pt)(void *data);

void ngx_pad_redis_on_ready(ngx_pad_redis_t *rc,
    ngx_pad_redis_ready_pt handler, void *data);

/* 1 if the command connection is ready now */
ngx_uint_t ngx_pad_redis_ready(ngx_pad_redis_t *rc);

ngx_pad_redis_req_t *ngx_pad_redis_command_argv(ngx_pad_redis_t *rc,
    ngx_pad_redis_handler_pt handler, void *data, int argc,
    const char **argv, const size_t *argvlen);
void ngx_pad_redis_cancel(ngx_pad_redis_req_t *req);

/*
 * The same for a write that must reach the replicas: with
 * pad_redis_wait_replicas N T, "WAIT N T" follows the command on its
 * connection, and the handler gets the command's reply only once WAIT
 * counted N replicas; fewer (or WAIT failed): reply == NULL and "err"
 * says so (the write was done on the primary: its outcome is unknown
 * to the caller).  Without the directive: ngx_pad_redis_command_argv().
 */
ngx_pad_redis_req_t *ngx_pad_redis_command_wait_argv(ngx_pad_redis_t *rc,
    ngx_pad_redis_handler_pt handler, void *data, int argc,
    const char **argv, const size_t *argvlen);

ngx_pad_redis_sub_t *ngx_pad_redis_subscribe(ngx_pad_redis_t *rc,
    ngx_str_t *channel, ngx_pad_redis_sub_handler_pt handler, void *data);
void ngx_pad_redis_unsubscribe(ngx_pad_redis_sub_t *sub);


#endif /* _NGX_PAD_REDIS_H_INCLUDED_ */
