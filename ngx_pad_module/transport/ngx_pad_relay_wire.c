
/*
 * The relay of this worker: its state, and the messages it publishes to
 * other workers' channels (the format: src/codec/ngx_pad_relay_codec.h).
 * The lowest file of the relay: it calls none of the others.
 */


#include "transport/ngx_pad_relay_int.h"


static void ngx_pad_relay_ignore(void *data, redisReply *reply,
    ngx_str_t *err);


ngx_pad_relay_worker_t  ngx_pad_relay_w;


void
ngx_pad_relay_wire_init(ngx_pad_relay_conf_t *conf)
{
    u_char  *p;

    ngx_memzero(&ngx_pad_relay_w, sizeof(ngx_pad_relay_worker_t));

    ngx_pad_relay_w.conf = conf;
    ngx_pad_relay_w.self = ngx_pad_eio_instance_id();

    p = ngx_sprintf(ngx_pad_relay_w.channel_data,
                    NGX_PAD_RELAY_PREFIX "%08xD", ngx_pad_relay_w.self);
    ngx_pad_relay_w.channel.data = ngx_pad_relay_w.channel_data;
    ngx_pad_relay_w.channel.len = p - ngx_pad_relay_w.channel_data;
}


/* PUBLISH channel header+(q joined with 0x1e | body) */

ngx_int_t
ngx_pad_relay_publish(ngx_str_t *channel, u_char *header, size_t hlen,
    ngx_pad_outq_t *q, u_char *body, size_t blen,
    ngx_pad_redis_handler_pt handler, void *data, ngx_pad_redis_req_t **req)
{
    u_char               *msg, *p;
    size_t                len, argvlen[3];
    const char           *argv[3];
    ngx_pad_pkt_t        *pkt;
    ngx_pad_redis_req_t  *r;

    len = hlen + blen;

    msg = ngx_alloc(len ? len : 1, ngx_cycle->log);
    if (msg == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(msg, header, hlen);

    if (q) {
        for (pkt = q->head; pkt; pkt = pkt->next) {
            if (pkt != q->head) {
                *p++ = NGX_PAD_EIO_SEPARATOR;
            }

            p = ngx_cpymem(p, pkt->payload->data, pkt->payload->len);
        }

    } else if (blen) {
        p = ngx_cpymem(p, body, blen);
    }

    argv[0] = "PUBLISH";
    argvlen[0] = 7;
    argv[1] = (const char *) channel->data;
    argvlen[1] = channel->len;
    argv[2] = (const char *) msg;
    argvlen[2] = p - msg;

    r = ngx_pad_redis_command_argv(ngx_pad_redis,
                                   handler ? handler : ngx_pad_relay_ignore,
                                   data, 3, argv, argvlen);
    ngx_free(msg);

    if (r == NULL) {
        return NGX_ERROR;
    }

    if (req) {
        *req = r;
    }

    return NGX_OK;
}


static void
ngx_pad_relay_ignore(void *data, redisReply *reply, ngx_str_t *err)
{
}


/* a request to another worker, answered on this worker's channel */

ngx_int_t
ngx_pad_relay_request(ngx_str_t *channel, u_char kind, uint64_t id,
    ngx_str_t *sid, u_char *body, size_t blen,
    ngx_pad_redis_handler_pt handler, void *data, ngx_pad_redis_req_t **req)
{
    size_t  n;
    u_char  header[NGX_PAD_RELAY_HEADER_MAX];

    n = ngx_pad_relay_request_header(header, kind, id,
                                     ngx_pad_relay_w.channel.data,
                                     ngx_pad_relay_w.channel.len,
                                     sid->data, sid->len, blen);
    if (n == 0) {
        return NGX_ERROR;
    }

    return ngx_pad_relay_publish(channel, header, n, NULL, body, blen,
                                 handler, data, req);
}


void
ngx_pad_relay_reply(ngx_str_t *channel, u_char kind, uint64_t id,
    ngx_uint_t status, ngx_pad_outq_t *q, u_char *body, size_t len)
{
    size_t  n;
    u_char  header[NGX_PAD_RELAY_HEADER_MAX];

    if (q) {
        len = q->bytes + (q->count ? q->count - 1 : 0);
    }

    n = ngx_pad_relay_answer_header(header, kind, id, status, len);

    if (n == 0
        || ngx_pad_relay_publish(channel, header, n, q, body, len,
                                 NULL, NULL, NULL)
           != NGX_OK)
    {
        ngx_log_error(NGX_LOG_ALERT, ngx_cycle->log, 0,
                      "pad: relay: cannot answer %V", channel);
    }
}


void
ngx_pad_relay_reply_error(ngx_pad_relay_msg_t *m, ngx_uint_t status,
    ngx_uint_t code)
{
    u_char  buf[NGX_PAD_EIO_ERROR_LEN], *p;

    p = ngx_pad_eio_error_json(buf, code);

    ngx_pad_relay_reply(&m->reply, 'D', m->id, status, NULL, buf, p - buf);
}


/* the channel of the worker that owns sid; NGX_DECLINED: this one's */

ngx_int_t
ngx_pad_relay_owner_channel(ngx_str_t *sid, ngx_str_t *ch)
{
    uint32_t    instance;
    ngx_uint_t  worker;

    if (!ngx_pad_eio_sid_owner(sid, &instance, &worker)
        || instance == ngx_pad_relay_w.self)
    {
        return NGX_DECLINED;
    }

    ch->len = ngx_sprintf(ch->data, NGX_PAD_RELAY_PREFIX "%08xD", instance)
              - ch->data;

    return NGX_OK;
}
