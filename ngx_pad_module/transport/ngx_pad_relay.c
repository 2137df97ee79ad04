
/*
 * Relay of Engine.IO polling requests to the worker that owns the
 * session (see ngx_pad_relay.h).
 *
 * Messages on a worker's channel, binary-safe (the body is counted):
 *
 *   request  "Q<kind> <id> <reply channel> <sid> <body length>\n<body>"
 *            kind: G (polling GET), P (polling POST), X (forget GET <id>)
 *   answer   "R<kind> <id> <status> <body length>\n<body>"
 *            kind: A (the GET is held by the owner), D (the HTTP answer)
 *
 *   probe    "QU 0 <reply channel> <sid> 0\n": the client probes a
 *            WebSocket to another worker: the owner answers its pending
 *            GET with a noop so that the client can pause polling
 *   handover "QH <id> <reply channel> <sid> 0\n": the client upgraded
 *            there; the owner answers "RH <id> <status> <len>\n<state>"
 *            (JSON, ngx_pad_eio_export()) and drops the session without
 *            departure effects; the new worker imports it.
 *
 * The relaying worker answers its HTTP request with what the owner sent,
 * or with 400 "Session ID unknown" when nobody listens on the owner's
 * channel (the owner is gone), when no answer came in time, or when Redis
 * is unreachable.
 */


#include "transport/ngx_pad_relay.h"
#include "redis/ngx_pad_redis.h"


#define NGX_PAD_RELAY_PREFIX       "pad:relay:"
#define NGX_PAD_RELAY_CHANNEL_LEN  (sizeof(NGX_PAD_RELAY_PREFIX) - 1 + 8)
#define NGX_PAD_RELAY_HEADER_MAX   128


/* a request this worker relays (lives in the request's pool) */

typedef struct {
    ngx_rbtree_node_t          node;           /* key: id */
    ngx_http_request_t        *request;
    ngx_pool_cleanup_t        *cln;
    ngx_pad_loc_conf_t        *conf;
    ngx_event_t                timer;
    ngx_pad_redis_req_t       *pub;
    ngx_str_t                  owner;          /* the owner's channel */
    u_char                     owner_data[NGX_PAD_RELAY_CHANNEL_LEN];
    u_char                     sid[NGX_PAD_SID_LEN];
    u_char                     kind;
    unsigned                   published:1;
} ngx_pad_relay_out_t;


/* the new worker: a stand-in waiting for its session's state */

typedef struct {
    ngx_queue_t                queue;
    ngx_pad_eio_session_t     *session;        /* referenced */
    ngx_event_t                timer;
    ngx_pad_redis_req_t       *pub;
    uint64_t                   id;
} ngx_pad_relay_ho_t;


/* the owner: a session being handed over, once its app is ready */

typedef struct {
    ngx_queue_t                queue;
    ngx_pad_eio_session_t     *session;        /* referenced */
    ngx_event_t                timer;          /* asks the app again */
    ngx_msec_t                 started;
    uint64_t                   id;
    ngx_str_t                  reply;
} ngx_pad_relay_hs_t;


/* a relayed GET held by the owner as the session's pending poll */

typedef struct {
    ngx_queue_t                queue;
    ngx_pad_eio_session_t     *session;
    ngx_event_t                flush;
    uint64_t                   id;
    ngx_str_t                  reply;
} ngx_pad_relay_poll_t;


typedef struct {
    u_char                     type;           /* 'Q' or 'R' */
    u_char                     kind;
    uint64_t                   id;
    ngx_str_t                  reply;          /* Q */
    ngx_str_t                  sid;            /* Q */
    ngx_uint_t                 status;         /* R */
    ngx_str_t                  body;
} ngx_pad_relay_msg_t;


static void ngx_pad_relay_sub_handler(void *data, ngx_uint_t event,
    ngx_str_t *payload);
static ngx_int_t ngx_pad_relay_parse(ngx_str_t *in, ngx_pad_relay_msg_t *m);
static ngx_int_t ngx_pad_relay_publish(ngx_str_t *channel, u_char *header,
    size_t hlen, ngx_pad_outq_t *q, u_char *body, size_t blen,
    ngx_pad_redis_handler_pt handler, void *data,
    ngx_pad_redis_req_t **req);
static void ngx_pad_relay_ignore(void *data, redisReply *reply,
    ngx_str_t *err);

static ngx_int_t ngx_pad_relay_send(ngx_pad_relay_out_t *out, u_char *body,
    size_t len);
static void ngx_pad_relay_body_handler(ngx_http_request_t *r);
static void ngx_pad_relay_published(void *data, redisReply *reply,
    ngx_str_t *err);
static void ngx_pad_relay_timeout(ngx_event_t *ev);
static void ngx_pad_relay_cleanup(void *data);
static void ngx_pad_relay_on_answer(ngx_pad_relay_msg_t *m);
static void ngx_pad_relay_finish(ngx_pad_relay_out_t *out,
    ngx_uint_t status, u_char *body, size_t len);
static void ngx_pad_relay_fail_all(void);
static ngx_int_t ngx_pad_relay_error(ngx_http_request_t *r,
    ngx_uint_t status, ngx_uint_t code);
static ngx_int_t ngx_pad_relay_send_text(ngx_http_request_t *r,
    ngx_uint_t status, u_char *kind, u_char *data, size_t len);

static void ngx_pad_relay_serve(ngx_pad_relay_msg_t *m);
static void ngx_pad_relay_serve_get(ngx_pad_relay_msg_t *m,
    ngx_pad_eio_session_t *s);
static void ngx_pad_relay_serve_post(ngx_pad_relay_msg_t *m,
    ngx_pad_eio_session_t *s);
static void ngx_pad_relay_reply(ngx_str_t *channel, u_char kind,
    uint64_t id, ngx_uint_t status, ngx_pad_outq_t *q, u_char *body,
    size_t len);
static void ngx_pad_relay_reply_error(ngx_pad_relay_msg_t *m,
    ngx_uint_t status, ngx_uint_t code);
static void ngx_pad_relay_flush_handler(ngx_event_t *ev);
static void ngx_pad_relay_poll_free(ngx_pad_relay_poll_t *rp);

static ngx_int_t ngx_pad_relay_owner_channel(ngx_str_t *sid, ngx_str_t *ch);
static void ngx_pad_relay_ho_published(void *data, redisReply *reply,
    ngx_str_t *err);
static void ngx_pad_relay_ho_timeout(ngx_event_t *ev);
static void ngx_pad_relay_ho_free(ngx_pad_relay_ho_t *ho);
static void ngx_pad_relay_ho_fail(ngx_pad_relay_ho_t *ho, const char *why);
static void ngx_pad_relay_on_handover(ngx_pad_relay_msg_t *m);
static void ngx_pad_relay_serve_probe(ngx_pad_eio_session_t *s);
static void ngx_pad_relay_serve_handover(ngx_pad_relay_msg_t *m,
    ngx_pad_eio_session_t *s);
static void ngx_pad_relay_hs_handler(ngx_event_t *ev);
static void ngx_pad_relay_hs_free(ngx_pad_relay_hs_t *hs);


static const char  *ngx_pad_relay_errors[] = {
    "Transport unknown",
    "Session ID unknown",
    "Bad handshake method",
    "Bad request"
};


static ngx_uint_t            ngx_pad_relay_on;        /* initialized */
static ngx_uint_t            ngx_pad_relay_subscribed;
static ngx_pad_relay_conf_t *ngx_pad_relay_conf;
static ngx_pad_redis_sub_t  *ngx_pad_relay_sub;
static uint32_t              ngx_pad_relay_self;
static ngx_str_t             ngx_pad_relay_channel;
static u_char                ngx_pad_relay_channel_data[
                                 NGX_PAD_RELAY_CHANNEL_LEN];
static uint64_t              ngx_pad_relay_next_id;
static ngx_rbtree_t          ngx_pad_relay_tree;
static ngx_rbtree_node_t     ngx_pad_relay_sentinel;
static ngx_uint_t            ngx_pad_relay_pending;
static ngx_queue_t           ngx_pad_relay_polls;
static ngx_queue_t           ngx_pad_relay_hos;       /* stand-ins */
static ngx_queue_t           ngx_pad_relay_hss;       /* handing over */

/* counters, logged at exit */
static ngx_uint_t            ngx_pad_relay_n_out;
static ngx_uint_t            ngx_pad_relay_n_served;
static ngx_uint_t            ngx_pad_relay_n_failed;
static ngx_uint_t            ngx_pad_relay_n_handed;      /* to others */
static ngx_uint_t            ngx_pad_relay_n_taken;       /* from others */
static ngx_uint_t            ngx_pad_relay_n_ho_failed;


void
ngx_pad_relay_create_conf(ngx_pad_relay_conf_t *rcf)
{
    rcf->timeout = NGX_CONF_UNSET_MSEC;
    rcf->max = NGX_CONF_UNSET_UINT;
}


char *
ngx_pad_relay_init_conf(ngx_conf_t *cf, ngx_pad_relay_conf_t *rcf)
{
    ngx_conf_init_msec_value(rcf->timeout, 3000);
    ngx_conf_init_uint_value(rcf->max, 1024);

    if (rcf->timeout == 0) {
        return "pad_relay_timeout must be positive";
    }

    return NGX_CONF_OK;
}


ngx_int_t
ngx_pad_relay_init_process(ngx_cycle_t *cycle, ngx_pad_relay_conf_t *conf,
    ngx_uint_t socketio)
{
    u_char  *p;

    if (!socketio || ngx_pad_redis == NULL) {
        return NGX_OK;
    }

    ngx_pad_relay_conf = conf;
    ngx_pad_relay_self = ngx_pad_eio_instance_id();

    p = ngx_sprintf(ngx_pad_relay_channel_data, NGX_PAD_RELAY_PREFIX "%08xD",
                    ngx_pad_relay_self);
    ngx_pad_relay_channel.data = ngx_pad_relay_channel_data;
    ngx_pad_relay_channel.len = p - ngx_pad_relay_channel_data;

    ngx_rbtree_init(&ngx_pad_relay_tree, &ngx_pad_relay_sentinel,
                    ngx_rbtree_insert_value);
    ngx_queue_init(&ngx_pad_relay_polls);
    ngx_queue_init(&ngx_pad_relay_hos);
    ngx_queue_init(&ngx_pad_relay_hss);

    ngx_pad_relay_next_id = 0;
    ngx_pad_relay_pending = 0;
    ngx_pad_relay_subscribed = 0;

    ngx_pad_relay_sub = ngx_pad_redis_subscribe(ngx_pad_redis,
                                                &ngx_pad_relay_channel,
                                                ngx_pad_relay_sub_handler,
                                                NULL);
    if (ngx_pad_relay_sub == NULL) {
        return NGX_ERROR;
    }

    ngx_pad_relay_on = 1;

    return NGX_OK;
}


void
ngx_pad_relay_exit_process(ngx_cycle_t *cycle)
{
    ngx_queue_t           *q;
    ngx_pad_relay_poll_t  *rp;

    if (!ngx_pad_relay_on) {
        return;
    }

    ngx_log_error(NGX_LOG_INFO, cycle->log, 0,
                  "pad: relay: %ui requests relayed, %ui served for other "
                  "workers, %ui failed",
                  ngx_pad_relay_n_out, ngx_pad_relay_n_served,
                  ngx_pad_relay_n_failed);

    ngx_log_error(NGX_LOG_INFO, cycle->log, 0,
                  "pad: relay: %ui sessions handed over to other workers, "
                  "%ui taken over, %ui handovers failed",
                  ngx_pad_relay_n_handed, ngx_pad_relay_n_taken,
                  ngx_pad_relay_n_ho_failed);

    ngx_pad_relay_fail_all();

    while (!ngx_queue_empty(&ngx_pad_relay_hos)) {
        q = ngx_queue_head(&ngx_pad_relay_hos);
        ngx_pad_relay_ho_free(ngx_queue_data(q, ngx_pad_relay_ho_t, queue));
    }

    while (!ngx_queue_empty(&ngx_pad_relay_hss)) {
        q = ngx_queue_head(&ngx_pad_relay_hss);
        ngx_pad_relay_hs_free(ngx_queue_data(q, ngx_pad_relay_hs_t, queue));
    }

    while (!ngx_queue_empty(&ngx_pad_relay_polls)) {
        q = ngx_queue_head(&ngx_pad_relay_polls);
        rp = ngx_queue_data(q, ngx_pad_relay_poll_t, queue);
        ngx_pad_relay_poll_free(rp);
    }

    ngx_pad_redis_unsubscribe(ngx_pad_relay_sub);
    ngx_pad_relay_sub = NULL;
    ngx_pad_relay_on = 0;
    ngx_pad_relay_subscribed = 0;
}


static void
ngx_pad_relay_sub_handler(void *data, ngx_uint_t event, ngx_str_t *payload)
{
    ngx_pad_relay_msg_t  m;

    switch (event) {

    case NGX_PAD_REDIS_SUB_READY:
    case NGX_PAD_REDIS_SUB_RESUBSCRIBED:
        ngx_pad_relay_subscribed = 1;
        return;

    case NGX_PAD_REDIS_SUB_LOST:
        ngx_pad_relay_subscribed = 0;

        /* answers may have been missed: fail what waits for one */
        ngx_pad_relay_fail_all();
        return;

    default: /* NGX_PAD_REDIS_SUB_MESSAGE */
        break;
    }

    if (ngx_pad_relay_parse(payload, &m) != NGX_OK) {
        ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                      "pad: relay: malformed message on %V",
                      &ngx_pad_relay_channel);
        return;
    }

    if (m.type == 'Q') {
        ngx_pad_relay_serve(&m);

    } else if (m.kind == 'H') {
        ngx_pad_relay_on_handover(&m);

    } else {
        ngx_pad_relay_on_answer(&m);
    }
}


static u_char *
ngx_pad_relay_word(u_char *p, u_char *last, ngx_str_t *w)
{
    w->data = p;

    while (p < last && *p != ' ' && *p != '\n') {
        p++;
    }

    w->len = p - w->data;

    if (p == last || w->len == 0) {
        return NULL;
    }

    return p + 1;
}


static ngx_int_t
ngx_pad_relay_parse(ngx_str_t *in, ngx_pad_relay_msg_t *m)
{
    u_char     *p, *last;
    ngx_str_t   w;
    ngx_int_t   n;
    off_t       id;

    p = in->data;
    last = in->data + in->len;

    ngx_memzero(m, sizeof(ngx_pad_relay_msg_t));

    p = ngx_pad_relay_word(p, last, &w);
    if (p == NULL || w.len != 2 || (w.data[0] != 'Q' && w.data[0] != 'R')) {
        return NGX_ERROR;
    }

    m->type = w.data[0];
    m->kind = w.data[1];

    p = ngx_pad_relay_word(p, last, &w);
    if (p == NULL) {
        return NGX_ERROR;
    }

    id = ngx_atoof(w.data, w.len);
    if (id == NGX_ERROR) {
        return NGX_ERROR;
    }

    m->id = (uint64_t) id;

    if (m->type == 'Q') {
        p = ngx_pad_relay_word(p, last, &m->reply);
        if (p == NULL) {
            return NGX_ERROR;
        }

        p = ngx_pad_relay_word(p, last, &m->sid);
        if (p == NULL) {
            return NGX_ERROR;
        }

    } else {
        p = ngx_pad_relay_word(p, last, &w);
        if (p == NULL) {
            return NGX_ERROR;
        }

        n = ngx_atoi(w.data, w.len);
        if (n == NGX_ERROR) {
            return NGX_ERROR;
        }

        m->status = (ngx_uint_t) n;
    }

    p = ngx_pad_relay_word(p, last, &w);
    if (p == NULL || p[-1] != '\n') {
        return NGX_ERROR;
    }

    n = ngx_atoi(w.data, w.len);
    if (n == NGX_ERROR || (size_t) n != (size_t) (last - p)) {
        return NGX_ERROR;
    }

    m->body.data = p;
    m->body.len = n;

    return NGX_OK;
}


/* PUBLISH channel header+(q joined with 0x1e | body) */

static ngx_int_t
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


/* --- the relaying worker ------------------------------------------------ */


ngx_int_t
ngx_pad_relay_handler(ngx_http_request_t *r, ngx_str_t *sid,
    ngx_pad_loc_conf_t *plcf)
{
    ngx_int_t             rc;
    uint32_t              instance;
    ngx_uint_t            worker;
    ngx_pad_relay_out_t  *out;

    if (!ngx_pad_relay_on
        || !ngx_pad_eio_sid_owner(sid, &instance, &worker)
        || instance == ngx_pad_relay_self)
    {
        return NGX_DECLINED;
    }

    if (r->method != NGX_HTTP_GET && r->method != NGX_HTTP_POST) {
        return ngx_pad_relay_error(r, NGX_HTTP_BAD_REQUEST, 3);
    }

    if (!ngx_pad_relay_subscribed || !ngx_pad_redis_ready(ngx_pad_redis)) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "pad: relay: redis unavailable, cannot reach the "
                      "owner of session %V", sid);
        ngx_pad_relay_n_failed++;
        return ngx_pad_relay_error(r, NGX_HTTP_BAD_REQUEST, 1);
    }

    if (ngx_pad_relay_pending >= ngx_pad_relay_conf->max) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "pad: relay: %ui requests pending (pad_relay_max)",
                      ngx_pad_relay_pending);
        ngx_pad_relay_n_failed++;
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    if (r->method == NGX_HTTP_POST
        && r->headers_in.content_length_n > (off_t) plcf->max_payload)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "pad: polling POST of %O bytes over pad_max_payload",
                      r->headers_in.content_length_n);
        return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
    }

    out = ngx_pcalloc(r->pool, sizeof(ngx_pad_relay_out_t));
    if (out == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    out->cln = ngx_pool_cleanup_add(r->pool, 0);
    if (out->cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    out->request = r;
    out->conf = plcf;
    out->kind = (r->method == NGX_HTTP_GET) ? 'G' : 'P';
    ngx_memcpy(out->sid, sid->data, NGX_PAD_SID_LEN);

    out->owner.data = out->owner_data;
    out->owner.len = ngx_sprintf(out->owner_data, NGX_PAD_RELAY_PREFIX "%08xD",
                                 instance)
                     - out->owner_data;

    out->timer.handler = ngx_pad_relay_timeout;
    out->timer.data = out;
    out->timer.log = r->connection->log;
    out->timer.cancelable = 1;

    out->cln->handler = ngx_pad_relay_cleanup;
    out->cln->data = out;

    ngx_pad_relay_pending++;
    ngx_pad_relay_n_out++;

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "pad relay: %c for session %V to %V",
                   out->kind, sid, &out->owner);

    if (out->kind == 'G') {
        if (ngx_http_discard_request_body(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        r->main->count++;

        if (ngx_pad_relay_send(out, NULL, 0) != NGX_OK) {
            r->main->count--;
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        r->read_event_handler = ngx_http_test_reading;
        r->write_event_handler = ngx_http_request_empty_handler;
        r->connection->idle = 1;

        return NGX_DONE;
    }

    ngx_http_set_ctx(r, out, ngx_pad_module);

    r->request_body_in_single_buf = 1;

    rc = ngx_http_read_client_request_body(r, ngx_pad_relay_body_handler);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_pad_relay_body_handler(ngx_http_request_t *r)
{
    u_char               *body;
    size_t                len;
    ngx_chain_t          *cl;
    ngx_pad_relay_out_t  *out;

    out = ngx_http_get_module_ctx(r, ngx_pad_module);

    if (out == NULL || out->request != r) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    len = 0;

    if (r->request_body) {
        for (cl = r->request_body->bufs; cl; cl = cl->next) {
            len += ngx_buf_size(cl->buf);
        }
    }

    if (len > out->conf->max_payload) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "pad: polling POST of %uz bytes over pad_max_payload",
                      len);
        ngx_http_finalize_request(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE);
        return;
    }

    body = NULL;

    if (len) {
        body = ngx_pad_request_body(r, len);
        if (body == NULL) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }
    }

    if (ngx_pad_relay_send(out, body, len) != NGX_OK) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    /* finalized when the answer comes (ngx_pad_relay_finish) */
}


static ngx_int_t
ngx_pad_relay_send(ngx_pad_relay_out_t *out, u_char *body, size_t len)
{
    u_char  header[NGX_PAD_RELAY_HEADER_MAX], *p;

    out->node.key = ++ngx_pad_relay_next_id;

    p = ngx_sprintf(header, "Q%c %uL %V %*s %uz\n", out->kind,
                    (uint64_t) out->node.key, &ngx_pad_relay_channel,
                    (size_t) NGX_PAD_SID_LEN, out->sid, len);

    if (ngx_pad_relay_publish(&out->owner, header, p - header, NULL, body,
                              len, ngx_pad_relay_published, out, &out->pub)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_rbtree_insert(&ngx_pad_relay_tree, &out->node);
    out->published = 1;

    ngx_add_timer(&out->timer, ngx_pad_relay_conf->timeout);

    return NGX_OK;
}


static void
ngx_pad_relay_published(void *data, redisReply *reply, ngx_str_t *err)
{
    ngx_pad_relay_out_t  *out = data;

    out->pub = NULL;

    if (reply == NULL || reply->type != REDIS_REPLY_INTEGER) {
        ngx_log_error(NGX_LOG_WARN, out->request->connection->log, 0,
                      "pad: relay: cannot publish to %V: %V", &out->owner,
                      err ? err : &out->owner);
        ngx_pad_relay_n_failed++;
        ngx_pad_relay_finish(out, NGX_HTTP_BAD_REQUEST, NULL, 1);
        return;
    }

    if (reply->integer == 0) {
        /* nobody listens: the owner is gone, and its sessions with it */
        ngx_log_error(NGX_LOG_INFO, out->request->connection->log, 0,
                      "pad: relay: the owner of session %*s is gone",
                      (size_t) NGX_PAD_SID_LEN, out->sid);
        ngx_pad_relay_n_failed++;
        ngx_pad_relay_finish(out, NGX_HTTP_BAD_REQUEST, NULL, 1);
    }
}


static void
ngx_pad_relay_timeout(ngx_event_t *ev)
{
    ngx_pad_relay_out_t  *out = ev->data;

    ngx_log_error(NGX_LOG_INFO, ev->log, 0,
                  "pad: relay: no answer from %V for session %*s in time",
                  &out->owner, (size_t) NGX_PAD_SID_LEN, out->sid);

    ngx_pad_relay_n_failed++;
    ngx_pad_relay_finish(out, NGX_HTTP_BAD_REQUEST, NULL, 1);
}


static void
ngx_pad_relay_on_answer(ngx_pad_relay_msg_t *m)
{
    ngx_msec_t            hold;
    ngx_rbtree_node_t    *node, *sentinel;
    ngx_pad_relay_out_t  *out;

    node = ngx_pad_relay_tree.root;
    sentinel = ngx_pad_relay_tree.sentinel;

    while (node != sentinel) {
        if (m->id == (uint64_t) node->key) {
            break;
        }

        node = (m->id < (uint64_t) node->key) ? node->left : node->right;
    }

    if (node == sentinel) {
        /* too late: timed out or the client went away */
        return;
    }

    out = (ngx_pad_relay_out_t *) node;

    if (m->kind == 'A') {
        /*
         * The owner holds the GET; it answers it at the latest when its
         * heartbeat sends a ping or gives up on the pong.
         */

        hold = out->conf->ping_interval + out->conf->ping_timeout
               + ngx_pad_relay_conf->timeout;
        ngx_add_timer(&out->timer, hold);
        return;
    }

    ngx_pad_relay_finish(out, m->status, m->body.data, m->body.len);
}


/* answers the relayed HTTP request; body NULL, len 1: unknown session */

static void
ngx_pad_relay_finish(ngx_pad_relay_out_t *out, ngx_uint_t status,
    u_char *body, size_t len)
{
    u_char              *p;
    ngx_int_t            rc;
    ngx_http_request_t  *r;

    r = out->request;

    if (out->published) {
        ngx_rbtree_delete(&ngx_pad_relay_tree, &out->node);
        out->published = 0;
    }

    if (out->timer.timer_set) {
        ngx_del_timer(&out->timer);
    }

    if (out->pub) {
        ngx_pad_redis_cancel(out->pub);
        out->pub = NULL;
    }

    out->cln->data = NULL;
    ngx_pad_relay_pending--;

    r->connection->idle = 0;
    ngx_http_set_ctx(r, NULL, ngx_pad_module);

    if (body == NULL) {
        rc = ngx_pad_relay_error(r, status, 1);

    } else {
        p = ngx_pnalloc(r->pool, len ? len : 1);
        if (p == NULL) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

        ngx_memcpy(p, body, len);

        rc = ngx_pad_relay_send_text(r, status, &out->kind, p, len);
    }

    ngx_http_finalize_request(r, rc);
}


static void
ngx_pad_relay_fail_all(void)
{
    ngx_rbtree_node_t    *root, *sentinel;
    ngx_pad_relay_out_t  *out;

    sentinel = ngx_pad_relay_tree.sentinel;

    for ( ;; ) {
        root = ngx_pad_relay_tree.root;

        if (root == sentinel) {
            break;
        }

        out = (ngx_pad_relay_out_t *) ngx_rbtree_min(root, sentinel);
        ngx_pad_relay_n_failed++;
        ngx_pad_relay_finish(out, NGX_HTTP_BAD_REQUEST, NULL, 1);
    }
}


static void
ngx_pad_relay_cleanup(void *data)
{
    ngx_pad_relay_out_t  *out = data;

    u_char    header[NGX_PAD_RELAY_HEADER_MAX], *p;
    uint64_t  id;

    if (out == NULL) {
        return;
    }

    /* the client went away before the answer */

    if (out->timer.timer_set) {
        ngx_del_timer(&out->timer);
    }

    if (out->pub) {
        ngx_pad_redis_cancel(out->pub);
        out->pub = NULL;
    }

    ngx_pad_relay_pending--;

    if (!out->published) {
        return;
    }

    id = (uint64_t) out->node.key;      /* ngx_rbtree_delete() zeroes it */

    ngx_rbtree_delete(&ngx_pad_relay_tree, &out->node);

    if (out->kind == 'G' && ngx_pad_relay_on) {
        /* the owner must not answer a GET nobody reads any more */

        p = ngx_sprintf(header, "QX %uL %V %*s 0\n",
                        id, &ngx_pad_relay_channel,
                        (size_t) NGX_PAD_SID_LEN, out->sid);

        (void) ngx_pad_relay_publish(&out->owner, header, p - header, NULL,
                                     NULL, 0, NULL, NULL, NULL);
    }
}


static ngx_int_t
ngx_pad_relay_error(ngx_http_request_t *r, ngx_uint_t status,
    ngx_uint_t code)
{
    u_char  *p;
    size_t   len;

    len = sizeof("{\"code\":,\"message\":\"\"}") + NGX_INT_T_LEN
          + ngx_strlen(ngx_pad_relay_errors[code]);

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = ngx_sprintf(p, "{\"code\":%ui,\"message\":\"%s\"}",
                      code, ngx_pad_relay_errors[code]) - p;

    return ngx_pad_relay_send_text(r, status, NULL, p, len);
}


/* kind: 'G' or 'P' for an answer of the owner, NULL for JSON */

static ngx_int_t
ngx_pad_relay_send_text(ngx_http_request_t *r, ngx_uint_t status,
    u_char *kind, u_char *data, size_t len)
{
    ngx_int_t    rc;
    ngx_buf_t   *b;
    ngx_chain_t  out;

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = data;
    b->last = data + len;
    b->memory = len ? 1 : 0;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    r->headers_out.status = status;
    r->headers_out.content_length_n = len;

    if (kind == NULL || status != NGX_HTTP_OK) {
        ngx_str_set(&r->headers_out.content_type, "application/json");

    } else if (*kind == 'G') {
        ngx_str_set(&r->headers_out.content_type,
                    "text/plain; charset=UTF-8");

    } else {
        ngx_str_set(&r->headers_out.content_type, "text/html");
    }

    r->headers_out.content_type_len = r->headers_out.content_type.len;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/* --- the owner ---------------------------------------------------------- */


static void
ngx_pad_relay_serve(ngx_pad_relay_msg_t *m)
{
    ngx_pad_eio_session_t  *s;
    ngx_pad_relay_poll_t   *rp;

    s = ngx_pad_eio_lookup(&m->sid);

    if (m->kind == 'X') {
        if (s == NULL || s->relay == NULL) {
            return;
        }

        rp = s->relay;

        if (rp->id == m->id && rp->reply.len == m->reply.len
            && ngx_strncmp(rp->reply.data, m->reply.data, m->reply.len) == 0)
        {
            ngx_pad_relay_poll_free(rp);
        }

        return;
    }

    if (m->reply.len > NGX_PAD_RELAY_CHANNEL_LEN) {
        return;
    }

    if (m->kind == 'U') {
        if (s && !s->closed && s->transport == NGX_PAD_EIO_POLLING) {
            ngx_pad_relay_serve_probe(s);
        }

        return;
    }

    if (m->kind == 'H') {
        ngx_pad_relay_serve_handover(m, s);
        return;
    }

    if (m->kind != 'G' && m->kind != 'P') {
        return;
    }

    ngx_pad_relay_n_served++;

    if (s == NULL || s->closed) {
        ngx_pad_relay_reply_error(m, NGX_HTTP_BAD_REQUEST, 1);
        return;
    }

    if (s->transport != NGX_PAD_EIO_POLLING) {
        ngx_pad_relay_reply_error(m, NGX_HTTP_BAD_REQUEST, 3);
        return;
    }

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, s->log, 0,
                   "pad relay: serving %c for session %V from %V",
                   m->kind, &m->sid, &m->reply);

    if (m->kind == 'G') {
        ngx_pad_relay_serve_get(m, s);

    } else {
        ngx_pad_relay_serve_post(m, s);
    }
}


static void
ngx_pad_relay_serve_get(ngx_pad_relay_msg_t *m, ngx_pad_eio_session_t *s)
{
    ngx_pad_relay_poll_t  *rp;

    if (s->handing) {
        ngx_pad_relay_reply_error(m, NGX_HTTP_BAD_REQUEST, 3);
        return;
    }

    if (s->poll || s->relay) {
        ngx_log_error(NGX_LOG_INFO, s->log, 0,
                      "pad: overlapping polling GET, closing session");
        ngx_pad_eio_close(s, "poll overlap");
        ngx_pad_relay_reply_error(m, NGX_HTTP_BAD_REQUEST, 3);
        return;
    }

    rp = ngx_calloc(sizeof(ngx_pad_relay_poll_t) + m->reply.len,
                    ngx_cycle->log);
    if (rp == NULL) {
        ngx_pad_relay_reply(&m->reply, 'D', m->id,
                            NGX_HTTP_INTERNAL_SERVER_ERROR, NULL, NULL, 0);
        return;
    }

    rp->session = s;
    rp->id = m->id;
    rp->reply.data = (u_char *) (rp + 1);
    rp->reply.len = m->reply.len;
    ngx_memcpy(rp->reply.data, m->reply.data, m->reply.len);

    rp->flush.handler = ngx_pad_relay_flush_handler;
    rp->flush.data = rp;
    rp->flush.log = ngx_cycle->log;

    ngx_queue_insert_tail(&ngx_pad_relay_polls, &rp->queue);

    /* the reference of s->relay: freed with the answer or the session */
    ngx_pad_eio_ref(s);
    s->relay = rp;

    ngx_pad_relay_reply(&m->reply, 'A', m->id, 0, NULL, NULL, 0);

    if (((s->upgrading && s->probed) || s->remote_probe)
        && s->pollq.head == NULL)
    {
        /* the client pauses polling to finish the upgrade: noop */
        s->remote_probe = 0;
        (void) ngx_pad_eio_send_str(s, "6", 1);
    }

    if (s->pollq.head) {
        ngx_pad_relay_flush(s);
    }
}


static void
ngx_pad_relay_serve_post(ngx_pad_relay_msg_t *m, ngx_pad_eio_session_t *s)
{
    u_char        *pkt;
    size_t         plen;
    const u_char  *pos, *last;

    if (s->posting) {
        ngx_log_error(NGX_LOG_INFO, s->log, 0,
                      "pad: overlapping polling POST, closing session");
        ngx_pad_eio_close(s, "post overlap");
        ngx_pad_relay_reply_error(m, NGX_HTTP_BAD_REQUEST, 3);
        return;
    }

    if (m->body.len > s->conf->max_payload) {
        ngx_pad_eio_close(s, "payload too large");
        ngx_pad_relay_reply(&m->reply, 'D', m->id,
                            NGX_HTTP_REQUEST_ENTITY_TOO_LARGE, NULL, NULL, 0);
        return;
    }

    if (m->body.len == 0) {
        ngx_log_error(NGX_LOG_INFO, s->log, 0,
                      "pad: empty polling POST, closing session");
        ngx_pad_eio_close(s, "parse error");
        ngx_pad_relay_reply_error(m, NGX_HTTP_BAD_REQUEST, 3);
        return;
    }

    ngx_pad_eio_ref(s);
    s->posting = 1;

    pos = m->body.data;
    last = m->body.data + m->body.len;

    while (!s->closed
           && ngx_pad_eio_payload_next(&pos, last, (const u_char **) &pkt,
                                       &plen))
    {
        ngx_pad_eio_on_packet(s, pkt, plen, 0);
    }

    s->posting = 0;
    ngx_pad_eio_unref(s);

    ngx_pad_relay_reply(&m->reply, 'D', m->id, NGX_HTTP_OK, NULL,
                        (u_char *) "ok", 2);
}


static void
ngx_pad_relay_reply(ngx_str_t *channel, u_char kind, uint64_t id,
    ngx_uint_t status, ngx_pad_outq_t *q, u_char *body, size_t len)
{
    u_char  header[NGX_PAD_RELAY_HEADER_MAX], *p;

    if (q) {
        len = q->bytes + (q->count ? q->count - 1 : 0);
    }

    p = ngx_sprintf(header, "R%c %uL %ui %uz\n", kind, id, status, len);

    if (ngx_pad_relay_publish(channel, header, p - header, q, body, len,
                              NULL, NULL, NULL)
        != NGX_OK)
    {
        ngx_log_error(NGX_LOG_ALERT, ngx_cycle->log, 0,
                      "pad: relay: cannot answer %V", channel);
    }
}


static void
ngx_pad_relay_reply_error(ngx_pad_relay_msg_t *m, ngx_uint_t status,
    ngx_uint_t code)
{
    u_char  buf[128], *p;

    p = ngx_sprintf(buf, "{\"code\":%ui,\"message\":\"%s\"}",
                    code, ngx_pad_relay_errors[code]);

    ngx_pad_relay_reply(&m->reply, 'D', m->id, status, NULL, buf, p - buf);
}


void
ngx_pad_relay_flush(ngx_pad_eio_session_t *s)
{
    ngx_pad_relay_poll_t  *rp;

    rp = s->relay;

    if (rp && !rp->flush.posted) {
        ngx_post_event(&rp->flush, &ngx_posted_events);
    }
}


static void
ngx_pad_relay_flush_handler(ngx_event_t *ev)
{
    ngx_pad_relay_poll_t   *rp = ev->data;
    ngx_pad_eio_session_t  *s;

    s = rp->session;

    if (s->pollq.head == NULL) {
        return;
    }

    ngx_pad_eio_ref(s);

    ngx_pad_relay_answer(s, &s->pollq);

    if (s->above_lowat && s->pollq.bytes < ngx_pad_lowat(s->conf)) {
        s->above_lowat = 0;
        ngx_pad_eio_ws_drained(s);
    }

    ngx_pad_eio_unref(s);
}


/* answers the relayed GET now with the packets of q (emptied) */

void
ngx_pad_relay_answer(ngx_pad_eio_session_t *s, ngx_pad_outq_t *q)
{
    ngx_pad_relay_poll_t  *rp;

    rp = s->relay;

    if (rp == NULL) {
        return;
    }

    ngx_pad_relay_reply(&rp->reply, 'D', rp->id, NGX_HTTP_OK, q, NULL, 0);
    ngx_pad_outq_free(q);

    ngx_pad_relay_poll_free(rp);
}


static void
ngx_pad_relay_poll_free(ngx_pad_relay_poll_t *rp)
{
    ngx_pad_eio_session_t  *s;

    s = rp->session;

    if (rp->flush.posted) {
        ngx_delete_posted_event(&rp->flush);
    }

    ngx_queue_remove(&rp->queue);

    s->relay = NULL;
    ngx_free(rp);

    ngx_pad_eio_unref(s);
}


/* --- the handover: the new worker ---------------------------------------- */


static ngx_int_t
ngx_pad_relay_owner_channel(ngx_str_t *sid, ngx_str_t *ch)
{
    uint32_t    instance;
    ngx_uint_t  worker;

    if (!ngx_pad_eio_sid_owner(sid, &instance, &worker)
        || instance == ngx_pad_relay_self)
    {
        return NGX_DECLINED;
    }

    ch->len = ngx_sprintf(ch->data, NGX_PAD_RELAY_PREFIX "%08xD", instance)
              - ch->data;

    return NGX_OK;
}


ngx_int_t
ngx_pad_relay_ws_handler(ngx_http_request_t *r, ngx_str_t *sid,
    ngx_pad_loc_conf_t *plcf)
{
    ngx_int_t               rc;
    ngx_str_t               owner;
    ngx_pad_eio_session_t  *s;
    u_char                  buf[NGX_PAD_RELAY_CHANNEL_LEN];

    owner.data = buf;

    if (!ngx_pad_relay_on || r->headers_in.upgrade == NULL
        || ngx_pad_relay_owner_channel(sid, &owner) != NGX_OK)
    {
        return NGX_DECLINED;
    }

    if (!ngx_pad_relay_subscribed || !ngx_pad_redis_ready(ngx_pad_redis)) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "pad: relay: redis unavailable, cannot take session "
                      "%V over", sid);
        ngx_pad_relay_n_ho_failed++;
        return NGX_DECLINED;
    }

    s = ngx_pad_eio_create_standin(r, plcf, sid);
    if (s == NULL) {
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "pad relay: websocket for session %V of %V", sid);

    rc = ngx_pad_ws_handshake(r, s);

    if (s->ws == NULL) {
        /* refused or failed: nothing holds the stand-in */
        ngx_pad_eio_close(s, "websocket handshake failed");
    }

    return rc;
}


/* 2probe answered here: the owner answers its pending GET with a noop */

void
ngx_pad_relay_standin_probe(ngx_pad_eio_session_t *s)
{
    u_char     header[NGX_PAD_RELAY_HEADER_MAX], *p;
    ngx_str_t  sid, owner;
    u_char     buf[NGX_PAD_RELAY_CHANNEL_LEN];

    sid.data = s->sid;
    sid.len = NGX_PAD_SID_LEN;
    owner.data = buf;

    if (!ngx_pad_relay_on
        || ngx_pad_relay_owner_channel(&sid, &owner) != NGX_OK)
    {
        return;
    }

    p = ngx_sprintf(header, "QU 0 %V %V 0\n", &ngx_pad_relay_channel, &sid);

    (void) ngx_pad_relay_publish(&owner, header, p - header, NULL, NULL, 0,
                                 NULL, NULL, NULL);
}


/* "5" came: ask the owner for the session */

ngx_int_t
ngx_pad_relay_standin_upgrade(ngx_pad_eio_session_t *s)
{
    u_char               header[NGX_PAD_RELAY_HEADER_MAX], *p;
    ngx_str_t            sid, owner;
    ngx_pad_relay_ho_t  *ho;
    u_char               buf[NGX_PAD_RELAY_CHANNEL_LEN];

    sid.data = s->sid;
    sid.len = NGX_PAD_SID_LEN;
    owner.data = buf;

    if (!ngx_pad_relay_on || !ngx_pad_relay_subscribed || s->handover
        || ngx_pad_relay_owner_channel(&sid, &owner) != NGX_OK)
    {
        ngx_pad_relay_n_ho_failed++;
        return NGX_ERROR;
    }

    ho = ngx_calloc(sizeof(ngx_pad_relay_ho_t), s->log);
    if (ho == NULL) {
        ngx_pad_relay_n_ho_failed++;
        return NGX_ERROR;
    }

    ho->session = s;
    ho->id = ++ngx_pad_relay_next_id;

    ho->timer.handler = ngx_pad_relay_ho_timeout;
    ho->timer.data = ho;
    ho->timer.log = ngx_cycle->log;
    ho->timer.cancelable = 1;

    p = ngx_sprintf(header, "QH %uL %V %V 0\n", ho->id,
                    &ngx_pad_relay_channel, &sid);

    if (ngx_pad_relay_publish(&owner, header, p - header, NULL, NULL, 0,
                              ngx_pad_relay_ho_published, ho, &ho->pub)
        != NGX_OK)
    {
        ngx_free(ho);
        ngx_pad_relay_n_ho_failed++;
        return NGX_ERROR;
    }

    ngx_pad_eio_ref(s);
    s->handover = ho;
    ngx_queue_insert_tail(&ngx_pad_relay_hos, &ho->queue);

    /* the owner may wait for a commit in flight: twice the relay time */
    ngx_add_timer(&ho->timer, 2 * ngx_pad_relay_conf->timeout);

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, s->log, 0,
                   "pad relay: asking %V for the session", &owner);

    return NGX_OK;
}


static void
ngx_pad_relay_ho_published(void *data, redisReply *reply, ngx_str_t *err)
{
    ngx_pad_relay_ho_t  *ho = data;

    ho->pub = NULL;

    if (reply == NULL || reply->type != REDIS_REPLY_INTEGER) {
        ngx_pad_relay_ho_fail(ho, "redis unavailable");
        return;
    }

    if (reply->integer == 0) {
        ngx_pad_relay_ho_fail(ho, "the owner is gone");
    }
}


static void
ngx_pad_relay_ho_timeout(ngx_event_t *ev)
{
    ngx_pad_relay_ho_fail(ev->data, "no answer in time");
}


/* the handover failed: the WebSocket closes, the client reconnects */

static void
ngx_pad_relay_ho_fail(ngx_pad_relay_ho_t *ho, const char *why)
{
    ngx_pad_eio_session_t  *s;

    s = ho->session;

    ngx_log_error(NGX_LOG_INFO, s->log, 0,
                  "pad: relay: cannot take session %*s over: %s",
                  (size_t) NGX_PAD_SID_LEN, s->sid, why);

    ngx_pad_relay_n_ho_failed++;

    ngx_pad_eio_ref(s);
    ngx_pad_relay_ho_free(ho);

    s->close_code = NGX_PAD_WS_CLOSE_GOING_AWAY;
    ngx_pad_eio_close(s, "handover failed");
    ngx_pad_eio_unref(s);
}


static void
ngx_pad_relay_ho_free(ngx_pad_relay_ho_t *ho)
{
    ngx_pad_eio_session_t  *s;

    s = ho->session;

    if (ho->timer.timer_set) {
        ngx_del_timer(&ho->timer);
    }

    if (ho->pub) {
        ngx_pad_redis_cancel(ho->pub);
        ho->pub = NULL;
    }

    ngx_queue_remove(&ho->queue);

    s->handover = NULL;
    ngx_free(ho);

    ngx_pad_eio_unref(s);
}


/* the stand-in closes (its WebSocket went away) before the state came */

void
ngx_pad_relay_standin_gone(ngx_pad_eio_session_t *s)
{
    if (s->handover) {
        ngx_pad_relay_ho_free(s->handover);
    }
}


static void
ngx_pad_relay_on_handover(ngx_pad_relay_msg_t *m)
{
    json_t                 *st;
    ngx_queue_t            *q;
    ngx_pad_relay_ho_t     *ho;
    ngx_pad_eio_session_t  *s;

    ho = NULL;

    for (q = ngx_queue_head(&ngx_pad_relay_hos);
         q != ngx_queue_sentinel(&ngx_pad_relay_hos);
         q = ngx_queue_next(q))
    {
        ho = ngx_queue_data(q, ngx_pad_relay_ho_t, queue);

        if (ho->id == m->id) {
            break;
        }

        ho = NULL;
    }

    if (ho == NULL) {
        /* too late: the WebSocket is gone, the client reconnects */
        return;
    }

    if (m->status != NGX_HTTP_OK) {
        ngx_pad_relay_ho_fail(ho, "refused by the owner");
        return;
    }

    st = json_loadb((char *) m->body.data, m->body.len, 0, NULL);
    if (st == NULL) {
        ngx_pad_relay_ho_fail(ho, "invalid state");
        return;
    }

    s = ho->session;

    ngx_pad_eio_ref(s);
    ngx_pad_relay_ho_free(ho);

    if (ngx_pad_eio_import(s, st) != NGX_OK) {
        ngx_log_error(NGX_LOG_INFO, s->log, 0,
                      "pad: relay: cannot import session %*s",
                      (size_t) NGX_PAD_SID_LEN, s->sid);
        ngx_pad_relay_n_ho_failed++;
        s->close_code = NGX_PAD_WS_CLOSE_GOING_AWAY;
        ngx_pad_eio_close(s, "handover failed");

    } else {
        ngx_log_error(NGX_LOG_INFO, s->log, 0,
                      "pad: relay: session %*s taken over",
                      (size_t) NGX_PAD_SID_LEN, s->sid);
        ngx_pad_relay_n_taken++;
    }

    ngx_pad_eio_unref(s);
    json_decref(st);
}


/* --- the handover: the owner --------------------------------------------- */


static void
ngx_pad_relay_serve_probe(ngx_pad_eio_session_t *s)
{
    if (s->poll || s->relay) {
        if (s->pollq.head == NULL) {
            (void) ngx_pad_eio_send_str(s, "6", 1);

        } else {
            ngx_pad_eio_flush_poll(s);
        }

        return;
    }

    /* the next GET returns at once */
    s->remote_probe = 1;
}


static void
ngx_pad_relay_serve_handover(ngx_pad_relay_msg_t *m,
    ngx_pad_eio_session_t *s)
{
    ngx_pad_outq_t       noop;
    ngx_pad_payload_t   *p;
    ngx_pad_relay_hs_t  *hs;

    if (s == NULL || s->closed || s->transport != NGX_PAD_EIO_POLLING
        || s->ws || s->handing)
    {
        ngx_log_error(NGX_LOG_INFO, ngx_cycle->log, 0,
                      "pad: relay: session %V cannot be handed over",
                      &m->sid);
        ngx_pad_relay_reply(&m->reply, 'H', m->id, NGX_HTTP_NOT_FOUND, NULL,
                            NULL, 0);
        return;
    }

    hs = ngx_calloc(sizeof(ngx_pad_relay_hs_t) + m->reply.len, s->log);
    if (hs == NULL) {
        ngx_pad_relay_reply(&m->reply, 'H', m->id,
                            NGX_HTTP_INTERNAL_SERVER_ERROR, NULL, NULL, 0);
        return;
    }

    hs->session = s;
    hs->id = m->id;
    hs->started = ngx_current_msec;
    hs->reply.data = (u_char *) (hs + 1);
    hs->reply.len = m->reply.len;
    ngx_memcpy(hs->reply.data, m->reply.data, m->reply.len);

    hs->timer.handler = ngx_pad_relay_hs_handler;
    hs->timer.data = hs;
    hs->timer.log = ngx_cycle->log;
    hs->timer.cancelable = 1;

    ngx_pad_eio_ref(s);
    s->handing = 1;
    s->remote_probe = 0;
    ngx_queue_insert_tail(&ngx_pad_relay_hss, &hs->queue);

    if (s->poll || s->relay) {
        /* a GET still held returns with a noop; the rest goes by ws */
        ngx_pad_outq_init(&noop);

        p = ngx_pad_payload_from((u_char *) "6", 1, s->log);
        if (p) {
            (void) ngx_pad_outq_push(&noop, p, NGX_PAD_WS_OP_TEXT, s->log);
            ngx_pad_payload_unref(p);
        }

        ngx_pad_poll_answer(s, &noop);
        ngx_pad_outq_free(&noop);
    }

    ngx_pad_relay_hs_handler(&hs->timer);
}


/* asks the app for the state until it has nothing in flight */

static void
ngx_pad_relay_hs_handler(ngx_event_t *ev)
{
    u_char                 *body;
    json_t                 *st;
    ngx_int_t               rc;
    ngx_pad_relay_hs_t     *hs = ev->data;
    ngx_pad_eio_session_t  *s;

    s = hs->session;

    if (s->closed) {
        ngx_pad_relay_reply(&hs->reply, 'H', hs->id, NGX_HTTP_NOT_FOUND, NULL,
                            NULL, 0);
        ngx_pad_relay_hs_free(hs);
        return;
    }

    rc = ngx_pad_eio_export(s, &st);

    if (rc == NGX_AGAIN) {
        if (ngx_current_msec - hs->started < ngx_pad_relay_conf->timeout) {
            ngx_add_timer(&hs->timer, 10);
            return;
        }

        ngx_log_error(NGX_LOG_INFO, s->log, 0,
                      "pad: relay: session %*s still busy, not handed over",
                      (size_t) NGX_PAD_SID_LEN, s->sid);
        rc = NGX_ERROR;
    }

    body = NULL;

    if (rc == NGX_OK) {
        body = (u_char *) json_dumps(st, JSON_COMPACT);
        json_decref(st);
    }

    if (body == NULL) {
        ngx_log_error(NGX_LOG_INFO, s->log, 0,
                      "pad: relay: session %*s not handed over",
                      (size_t) NGX_PAD_SID_LEN, s->sid);
        ngx_pad_relay_n_ho_failed++;
        ngx_pad_relay_reply(&hs->reply, 'H', hs->id,
                            NGX_HTTP_INTERNAL_SERVER_ERROR, NULL, NULL, 0);

        /* the client's WebSocket closes there: the session ends */
        s->handing = 0;
        ngx_pad_eio_ref(s);
        ngx_pad_relay_hs_free(hs);
        ngx_pad_eio_close(s, "handover failed");
        ngx_pad_eio_unref(s);
        return;
    }

    ngx_pad_relay_reply(&hs->reply, 'H', hs->id, NGX_HTTP_OK, NULL, body,
                        ngx_strlen(body));
    free(body);

    ngx_log_error(NGX_LOG_INFO, s->log, 0,
                  "pad: relay: session %*s handed over to %V",
                  (size_t) NGX_PAD_SID_LEN, s->sid, &hs->reply);

    ngx_pad_relay_n_handed++;

    ngx_pad_eio_ref(s);
    ngx_pad_relay_hs_free(hs);
    ngx_pad_eio_close_handed(s);
    ngx_pad_eio_unref(s);
}


static void
ngx_pad_relay_hs_free(ngx_pad_relay_hs_t *hs)
{
    ngx_pad_eio_session_t  *s;

    s = hs->session;

    if (hs->timer.timer_set) {
        ngx_del_timer(&hs->timer);
    }

    ngx_queue_remove(&hs->queue);
    ngx_free(hs);

    ngx_pad_eio_unref(s);
}
