
/*
 * Engine.IO sessions across workers and hosts (ngx_pad_relay*.c).
 *
 * A session id names the worker process that owns the session (see
 * ngx_pad_eio_session.c).  A polling request for a session of another
 * worker, of this or of another nginx instance sharing the Redis, is
 * relayed to the owner over Redis pub/sub: every worker subscribes to
 * its own channel "pad:relay:<instance>", where it receives relayed
 * requests and the answers to the requests it relayed.  The owner runs a
 * relayed request against its session as if it were local (a relayed GET
 * is the session's pending poll) and publishes the answer back.
 */


#ifndef _NGX_PAD_RELAY_H_INCLUDED_
#define _NGX_PAD_RELAY_H_INCLUDED_


#include "transport/ngx_pad_transport.h"
#include "transport/ngx_pad_relay_conf.h"


ngx_int_t ngx_pad_relay_init_process(ngx_cycle_t *cycle,
    ngx_pad_relay_conf_t *conf, ngx_uint_t socketio);
void ngx_pad_relay_exit_process(ngx_cycle_t *cycle);

/*
 * A polling request for a session that is not in this worker:
 * NGX_DECLINED when the sid names this worker (or no owner at all),
 * else the request is relayed or refused, and the return value is the
 * content handler's.
 */
ngx_int_t ngx_pad_relay_handler(ngx_http_request_t *r, ngx_str_t *sid,
    ngx_pad_loc_conf_t *plcf);

/* the handover of a WebSocket upgrade: see ngx_pad_transport.h */


#endif /* _NGX_PAD_RELAY_H_INCLUDED_ */
