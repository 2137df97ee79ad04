
/*
 * What the files of the session relay share (see ngx_pad_relay.h), from
 * the top down:
 *   ngx_pad_relay.c           the worker's channel: subscription and
 *                             dispatch; the relaying worker's requests
 *   ngx_pad_relay_owner.c     the owner serving relayed requests
 *   ngx_pad_relay_handover.c  a session moving to another worker
 *   ngx_pad_relay_wire.c      the worker's relay state, messages out
 * The messages themselves: src/codec/ngx_pad_relay_codec.c.
 */


#ifndef _NGX_PAD_RELAY_INT_H_INCLUDED_
#define _NGX_PAD_RELAY_INT_H_INCLUDED_


#include "transport/ngx_pad_transport.h"
#include "transport/ngx_pad_relay_conf.h"
#include "redis/ngx_pad_redis.h"
#include "codec/ngx_pad_relay_codec.h"


#define NGX_PAD_RELAY_PREFIX       "pad:relay:"
#define NGX_PAD_RELAY_CHANNEL_LEN  (sizeof(NGX_PAD_RELAY_PREFIX) - 1 + 8)


/* a message on this worker's channel, parsed */

typedef struct {
    u_char                     type;           /* 'Q' or 'R' */
    u_char                     kind;
    uint64_t                   id;
    ngx_str_t                  reply;          /* Q */
    ngx_str_t                  sid;            /* Q */
    ngx_uint_t                 status;         /* R */
    ngx_str_t                  body;
} ngx_pad_relay_msg_t;


/* the relay of this worker */

typedef struct {
    ngx_uint_t                 on;             /* initialized */
    ngx_uint_t                 subscribed;
    ngx_pad_relay_conf_t      *conf;
    uint32_t                   self;
    ngx_str_t                  channel;
    u_char                     channel_data[NGX_PAD_RELAY_CHANNEL_LEN];
    uint64_t                   next_id;

    /* counters, logged at exit */
    ngx_uint_t                 n_out;
    ngx_uint_t                 n_served;
    ngx_uint_t                 n_failed;
    ngx_uint_t                 n_handed;       /* to others */
    ngx_uint_t                 n_taken;        /* from others */
    ngx_uint_t                 n_ho_failed;
} ngx_pad_relay_worker_t;


extern ngx_pad_relay_worker_t  ngx_pad_relay_w;


/* ngx_pad_relay_wire.c */
void ngx_pad_relay_wire_init(ngx_pad_relay_conf_t *conf);
ngx_int_t ngx_pad_relay_publish(ngx_str_t *channel, u_char *header,
    size_t hlen, ngx_pad_outq_t *q, u_char *body, size_t blen,
    ngx_pad_redis_handler_pt handler, void *data,
    ngx_pad_redis_req_t **req);
ngx_int_t ngx_pad_relay_request(ngx_str_t *channel, u_char kind,
    uint64_t id, ngx_str_t *sid, u_char *body, size_t blen,
    ngx_pad_redis_handler_pt handler, void *data,
    ngx_pad_redis_req_t **req);
void ngx_pad_relay_reply(ngx_str_t *channel, u_char kind, uint64_t id,
    ngx_uint_t status, ngx_pad_outq_t *q, u_char *body, size_t len);
void ngx_pad_relay_reply_error(ngx_pad_relay_msg_t *m, ngx_uint_t status,
    ngx_uint_t code);
ngx_int_t ngx_pad_relay_owner_channel(ngx_str_t *sid, ngx_str_t *ch);

/* ngx_pad_relay_owner.c */
void ngx_pad_relay_owner_init(void);
void ngx_pad_relay_owner_exit(void);
void ngx_pad_relay_serve(ngx_pad_relay_msg_t *m);

/* ngx_pad_relay_handover.c */
void ngx_pad_handover_init(void);
void ngx_pad_handover_exit(void);
void ngx_pad_handover_serve(ngx_pad_relay_msg_t *m);
void ngx_pad_handover_on_answer(ngx_pad_relay_msg_t *m);


#endif /* _NGX_PAD_RELAY_INT_H_INCLUDED_ */
