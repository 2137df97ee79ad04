
/*
 * ngx_pad_module: the Redis client's Sentinel part (pad_redis_sentinel).
 * Internal to the client: ngx_pad_redis.c creates and destroys it
 * (ngx_pad_redis_int.h declares the two calls), ngx_pad_redis_conn.c
 * reaches it through the client's master_addr and master_failed hooks.
 *
 * Two jobs, each an explicit state machine:
 *
 *   asking (ask_state): IDLE -> QUERY (one sentinel at a time, in turn,
 *     starting with the one that answered last: [AUTH] SENTINEL
 *     get-master-addr-by-name NAME, within pad_redis_connect_timeout +
 *     pad_redis_command_timeout) -> IDLE with the master's address, or,
 *     when no sentinel answered, BACKOFF (100 ms doubling up to
 *     pad_redis_backoff_max) -> QUERY ...  Asked at start, after every
 *     failure of a connection to the master (its ROLE check included),
 *     and after the watch (re)subscribed.
 *
 *   watching (watch_state): DOWN -> CONNECTING ([AUTH] SUBSCRIBE
 *     +switch-master on one sentinel) -> SUBSCRIBED; lost or refused:
 *     BACKOFF, then the next sentinel.  A +switch-master for NAME
 *     names the new master at once.
 *
 * A master address that changes drops both data connections and opens
 * the command connection to the new one (pub/sub follows once it is
 * ready), whichever job learnt it.
 */


#ifndef _NGX_PAD_REDIS_SENTINEL_H_INCLUDED_
#define _NGX_PAD_REDIS_SENTINEL_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "redis/ngx_pad_redis_int.h"


typedef enum {
    NGX_PAD_SENTINEL_ASK_IDLE = 0,
    NGX_PAD_SENTINEL_ASK_QUERY,
    NGX_PAD_SENTINEL_ASK_BACKOFF
} ngx_pad_redis_sentinel_ask_e;


typedef enum {
    NGX_PAD_SENTINEL_WATCH_DOWN = 0,
    NGX_PAD_SENTINEL_WATCH_CONNECTING,
    NGX_PAD_SENTINEL_WATCH_SUBSCRIBED,
    NGX_PAD_SENTINEL_WATCH_BACKOFF
} ngx_pad_redis_sentinel_watch_e;


struct ngx_pad_redis_sentinel_s {
    ngx_pad_redis_t                *rc;
    ngx_pad_redis_conf_t           *conf;
    ngx_log_t                      *log;

    ngx_pad_redis_sentinel_ask_e    ask_state;
    ngx_uint_t                      ask_index;     /* in conf->sentinels */
    ngx_uint_t                      ask_tried;     /* in this round */
    ngx_uint_t                      ask_failures;  /* rounds in a row */
    ngx_uint_t                      bad;           /* bit per sentinel */
    redisAsyncContext              *ask_ac;
    ngx_event_t                     ask_timer;     /* timeout or backoff */

    ngx_uint_t                      known;
    ngx_uint_t                      switching;
    ngx_pad_redis_addr_t            master;
    u_char                          master_host[NGX_SOCKADDR_STRLEN + 1];

    ngx_pad_redis_sentinel_watch_e  watch_state;
    ngx_uint_t                      watch_index;
    ngx_uint_t                      watch_failures;
    redisAsyncContext              *watch_ac;
    ngx_event_t                     watch_timer;   /* timeout or backoff */
};


#endif /* _NGX_PAD_REDIS_SENTINEL_H_INCLUDED_ */
