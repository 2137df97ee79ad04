
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
 *            (JSON) and drops the session without departure effects;
 *            the new worker imports it (ngx_pad_relay_handover.c).
 *
 * This file: the worker's channel (its subscription, and where each
 * message goes) and the relaying worker, whose HTTP request is relayed
 * to the owner (ngx_pad_relay_owner.c serves it there; the handover has
 * ngx_pad_relay_handover.c).
 *
 * The relaying worker answers its HTTP request with what the owner sent,
 * or with 400 "Session ID unknown" when nobody listens on the owner's
 * channel (the owner is gone), when no answer came in time, or when Redis
 * is unreachable.
 */


#include "transport/ngx_pad_relay.h"
#include "transport/ngx_pad_relay_int.h"


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


static void ngx_pad_relay_sub_handler(void *data, ngx_uint_t event,
    ngx_str_t *payload);
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


static ngx_pad_redis_sub_t  *ngx_pad_relay_sub;
static ngx_rbtree_t          ngx_pad_relay_tree;
static ngx_rbtree_node_t     ngx_pad_relay_sentinel;
static ngx_uint_t            ngx_pad_relay_pending;


void
ngx_pad_relay_create_conf(ngx_pad_relay_conf_t *rcf)
{
    rcf->timeout = NGX_CONF_UNSET_MSEC;
    rcf->max = NGX_CONF_UNSET_UINT;
}


ngx_pad_conf_range_t  ngx_pad_relay_timeout_range =
    ngx_pad_conf_range(1, 600000, "1ms..10m");
ngx_pad_conf_range_t  ngx_pad_relay_max_range =
    ngx_pad_conf_range(1, 1000000, "1..1000000");


char *
ngx_pad_relay_init_conf(ngx_conf_t *cf, ngx_pad_relay_conf_t *rcf)
{
    ngx_conf_init_msec_value(rcf->timeout, 3000);
    ngx_conf_init_uint_value(rcf->max, 1024);

    return NGX_CONF_OK;
}


ngx_int_t
ngx_pad_relay_init_process(ngx_cycle_t *cycle, ngx_pad_relay_conf_t *conf,
    ngx_uint_t socketio)
{
    if (!socketio || ngx_pad_redis == NULL) {
        return NGX_OK;
    }

    ngx_pad_relay_wire_init(conf);

    ngx_rbtree_init(&ngx_pad_relay_tree, &ngx_pad_relay_sentinel,
                    ngx_rbtree_insert_value);
    ngx_pad_relay_owner_init();
    ngx_pad_handover_init();

    ngx_pad_relay_pending = 0;

    ngx_pad_relay_sub = ngx_pad_redis_subscribe(ngx_pad_redis,
                                                &ngx_pad_relay_w.channel,
                                                ngx_pad_relay_sub_handler,
                                                NULL);
    if (ngx_pad_relay_sub == NULL) {
        return NGX_ERROR;
    }

    ngx_pad_relay_w.on = 1;

    return NGX_OK;
}


void
ngx_pad_relay_exit_process(ngx_cycle_t *cycle)
{
    if (!ngx_pad_relay_w.on) {
        return;
    }

    ngx_log_error(NGX_LOG_INFO, cycle->log, 0,
                  "pad: relay: %ui requests relayed, %ui served for other "
                  "workers, %ui failed",
                  ngx_pad_relay_w.n_out, ngx_pad_relay_w.n_served,
                  ngx_pad_relay_w.n_failed);

    ngx_log_error(NGX_LOG_INFO, cycle->log, 0,
                  "pad: relay: %ui sessions handed over to other workers, "
                  "%ui taken over, %ui handovers failed",
                  ngx_pad_relay_w.n_handed, ngx_pad_relay_w.n_taken,
                  ngx_pad_relay_w.n_ho_failed);

    ngx_pad_relay_fail_all();
    ngx_pad_handover_exit();
    ngx_pad_relay_owner_exit();

    ngx_pad_redis_unsubscribe(ngx_pad_relay_sub);
    ngx_pad_relay_sub = NULL;
    ngx_pad_relay_w.on = 0;
    ngx_pad_relay_w.subscribed = 0;
}


static void
ngx_pad_relay_sub_handler(void *data, ngx_uint_t event, ngx_str_t *payload)
{
    ngx_pad_rmsg_t       w;
    ngx_pad_relay_msg_t  m;

    switch (event) {

    case NGX_PAD_REDIS_SUB_READY:
    case NGX_PAD_REDIS_SUB_RESUBSCRIBED:
        ngx_pad_relay_w.subscribed = 1;
        return;

    case NGX_PAD_REDIS_SUB_LOST:
        ngx_pad_relay_w.subscribed = 0;

        /* answers may have been missed: fail what waits for one */
        ngx_pad_relay_fail_all();
        return;

    default: /* NGX_PAD_REDIS_SUB_MESSAGE */
        break;
    }

    if (ngx_pad_relay_parse(payload->data, payload->len, &w) != 0) {
        ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                      "pad: relay: malformed message on %V",
                      &ngx_pad_relay_w.channel);
        return;
    }

    m.type = w.type;
    m.kind = w.kind;
    m.id = w.id;
    m.reply.data = (u_char *) w.reply.data;
    m.reply.len = w.reply.len;
    m.sid.data = (u_char *) w.sid.data;
    m.sid.len = w.sid.len;
    m.status = (ngx_uint_t) w.status;
    m.body.data = (u_char *) w.body.data;
    m.body.len = w.body.len;

    ngx_log_debug4(NGX_LOG_DEBUG_HTTP, ngx_cycle->log, 0,
                   "pad relay: %c%c %uL, %uz bytes",
                   m.type, m.kind, m.id, m.body.len);

    if (m.type == 'R') {
        if (m.kind == 'H') {
            ngx_pad_handover_on_answer(&m);

        } else {
            ngx_pad_relay_on_answer(&m);
        }

        return;
    }

    if (m.kind == 'H') {
        if (m.reply.len <= NGX_PAD_RELAY_CHANNEL_LEN) {
            ngx_pad_handover_serve(&m);
        }

        return;
    }

    ngx_pad_relay_serve(&m);
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

    if (!ngx_pad_relay_w.on
        || !ngx_pad_eio_sid_owner(sid, &instance, &worker)
        || instance == ngx_pad_relay_w.self)
    {
        return NGX_DECLINED;
    }

    if (r->method != NGX_HTTP_GET && r->method != NGX_HTTP_POST) {
        return ngx_pad_eio_error_answer(r, NGX_HTTP_BAD_REQUEST,
                                        NGX_PAD_ERR_BAD_REQUEST);
    }

    if (!ngx_pad_relay_w.subscribed || !ngx_pad_redis_ready(ngx_pad_redis)) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "pad: relay: redis unavailable, cannot reach the "
                      "owner of session %V", sid);
        ngx_pad_relay_w.n_failed++;
        ngx_pad_metric_inc(NGX_PAD_M_RELAY_FAILED);
        return ngx_pad_eio_error_answer(r, NGX_HTTP_BAD_REQUEST,
                                        NGX_PAD_ERR_SID);
    }

    if (ngx_pad_relay_pending >= ngx_pad_relay_w.conf->max) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "pad: relay: %ui requests pending (pad_relay_max)",
                      ngx_pad_relay_pending);
        ngx_pad_relay_w.n_failed++;
        ngx_pad_metric_inc(NGX_PAD_M_RELAY_FAILED);
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
    ngx_pad_relay_w.n_out++;
    ngx_pad_metric_inc(NGX_PAD_M_RELAYED);

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
    ngx_pad_relay_out_t  *out;

    out = ngx_http_get_module_ctx(r, ngx_pad_module);

    if (out == NULL || out->request != r) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    len = ngx_pad_request_body_len(r);

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
    ngx_str_t  sid;

    out->node.key = ++ngx_pad_relay_w.next_id;

    sid.data = out->sid;
    sid.len = NGX_PAD_SID_LEN;

    if (ngx_pad_relay_request(&out->owner, out->kind,
                              (uint64_t) out->node.key, &sid, body, len,
                              ngx_pad_relay_published, out, &out->pub)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_rbtree_insert(&ngx_pad_relay_tree, &out->node);
    out->published = 1;

    ngx_add_timer(&out->timer, ngx_pad_relay_w.conf->timeout);

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
        ngx_pad_relay_w.n_failed++;
        ngx_pad_metric_inc(NGX_PAD_M_RELAY_FAILED);
        ngx_pad_relay_finish(out, NGX_HTTP_BAD_REQUEST, NULL, 1);
        return;
    }

    if (reply->integer == 0) {
        /* nobody listens: the owner is gone, and its sessions with it */
        ngx_log_error(NGX_LOG_INFO, out->request->connection->log, 0,
                      "pad: relay: the owner of session %*s is gone",
                      (size_t) NGX_PAD_SID_LEN, out->sid);
        ngx_pad_relay_w.n_failed++;
        ngx_pad_metric_inc(NGX_PAD_M_RELAY_FAILED);
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

    ngx_pad_relay_w.n_failed++;

    ngx_pad_metric_inc(NGX_PAD_M_RELAY_FAILED);
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
               + ngx_pad_relay_w.conf->timeout;
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
        rc = ngx_pad_eio_error_answer(r, status, NGX_PAD_ERR_SID);

    } else {
        p = ngx_pnalloc(r->pool, len ? len : 1);
        if (p == NULL) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

        ngx_memcpy(p, body, len);

        rc = ngx_pad_http_answer(r, status,
                                 status != NGX_HTTP_OK ? "application/json"
                                 : out->kind == 'G'
                                   ? "text/plain; charset=UTF-8"
                                   : "text/html",
                                 p, len);
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
        ngx_pad_relay_w.n_failed++;
        ngx_pad_metric_inc(NGX_PAD_M_RELAY_FAILED);
        ngx_pad_relay_finish(out, NGX_HTTP_BAD_REQUEST, NULL, 1);
    }
}


static void
ngx_pad_relay_cleanup(void *data)
{
    ngx_pad_relay_out_t  *out = data;

    uint64_t   id;
    ngx_str_t  sid;

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

    if (out->kind == 'G' && ngx_pad_relay_w.on) {
        /* the owner must not answer a GET nobody reads any more */

        sid.data = out->sid;
        sid.len = NGX_PAD_SID_LEN;

        (void) ngx_pad_relay_request(&out->owner, 'X', id, &sid, NULL, 0,
                                     NULL, NULL, NULL);
    }
}
