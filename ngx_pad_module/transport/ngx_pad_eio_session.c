
/*
 * Engine.IO v4 sessions of a worker: ids, the session table, the
 * heartbeat, the probe upgrade from polling to WebSocket, where outgoing
 * packets go, and closing.
 *
 * A session id is 20 base64url characters encoding 15 bytes:
 *   0..3   a random id of this worker process (fresh on every start)
 *   4      ngx_worker (the worker slot)
 *   5..8   a counter
 *   9..14  random
 * so the owner of a session can be told from its id alone
 * (ngx_pad_eio_sid_owner()).
 *
 * Lifetime: the session table holds one reference; a WebSocket holding
 * the session and code running on its behalf hold more.  Closing removes
 * it from the table; the memory goes when the last reference does.
 */


#include <sys/random.h>

#include "transport/ngx_pad_transport.h"
#include "transport/ngx_pad_relay.h"


#define NGX_PAD_RANDOM_POOL  1024


static void ngx_pad_eio_ping_handler(ngx_event_t *ev);
static void ngx_pad_eio_connect_handler(ngx_event_t *ev);
static void ngx_pad_eio_post_handler(ngx_event_t *ev);
static void ngx_pad_eio_random(u_char *buf, size_t n);
static ngx_int_t ngx_pad_eio_copy_request(ngx_pad_eio_session_t *s,
    ngx_http_request_t *r);
static void ngx_pad_eio_check_queue(ngx_pad_eio_session_t *s,
    ngx_pad_outq_t *q);
static void ngx_pad_eio_on_probe(ngx_pad_eio_session_t *s, u_char *data,
    size_t len);
static ngx_pad_eio_session_t *ngx_pad_eio_new(ngx_http_request_t *r,
    ngx_pad_loc_conf_t *conf, ngx_pad_eio_transport_e transport,
    ngx_str_t *sid);
static ngx_int_t ngx_pad_eio_set_str(ngx_str_t *dst, json_t *v,
    ngx_log_t *log);


#define NGX_PAD_EIO_INQ_MAX  64     /* client packets while handing over */


static ngx_rbtree_t       ngx_pad_eio_tree;
static ngx_rbtree_node_t  ngx_pad_eio_sentinel;
static ngx_queue_t        ngx_pad_eio_all;
static ngx_uint_t         ngx_pad_eio_count;
static uint32_t           ngx_pad_eio_counter;
static u_char             ngx_pad_eio_instance[4];
static u_char             ngx_pad_random_pool[NGX_PAD_RANDOM_POOL];
static size_t             ngx_pad_random_left;
static ngx_uint_t         ngx_pad_eio_ready;


ngx_int_t
ngx_pad_eio_init_worker(ngx_cycle_t *cycle)
{
    ngx_rbtree_init(&ngx_pad_eio_tree, &ngx_pad_eio_sentinel,
                    ngx_str_rbtree_insert_value);
    ngx_queue_init(&ngx_pad_eio_all);

    ngx_pad_eio_count = 0;
    ngx_pad_random_left = 0;

    ngx_pad_eio_random(ngx_pad_eio_instance, 4);
    ngx_pad_eio_random((u_char *) &ngx_pad_eio_counter, 4);

    ngx_pad_eio_ready = 1;

    return NGX_OK;
}


void
ngx_pad_eio_exit_worker(ngx_cycle_t *cycle)
{
    ngx_queue_t            *q;
    ngx_pad_eio_session_t  *s;

    if (!ngx_pad_eio_ready) {
        return;
    }

    while (!ngx_queue_empty(&ngx_pad_eio_all)) {
        q = ngx_queue_head(&ngx_pad_eio_all);
        s = ngx_queue_data(q, ngx_pad_eio_session_t, queue);
        ngx_pad_eio_close(s, "worker exit");
    }

    ngx_pad_eio_ready = 0;
}


/* closes every session: the worker is shutting down */

void
ngx_pad_eio_shutdown(void)
{
    ngx_queue_t            *q;
    ngx_pad_eio_session_t  *s;

    if (!ngx_pad_eio_ready) {
        return;
    }

    while (!ngx_queue_empty(&ngx_pad_eio_all)) {
        q = ngx_queue_head(&ngx_pad_eio_all);
        s = ngx_queue_data(q, ngx_pad_eio_session_t, queue);
        ngx_pad_eio_close(s, "server shutting down");
    }

    /*
     * We run from ngx_close_idle_connections(), outside the event loop:
     * write the close frames now, before any close timer can expire.
     */

    ngx_event_process_posted((ngx_cycle_t *) ngx_cycle, &ngx_posted_events);
}


static void
ngx_pad_eio_random(u_char *buf, size_t n)
{
    size_t   k;
    ssize_t  got;

    while (n) {
        if (ngx_pad_random_left == 0) {
            got = getrandom(ngx_pad_random_pool, NGX_PAD_RANDOM_POOL, 0);

            if (got <= 0) {
                /* not expected on Linux; fall back to random() */
                for (k = 0; k < NGX_PAD_RANDOM_POOL; k++) {
                    ngx_pad_random_pool[k] = (u_char) ngx_random();
                }

                got = NGX_PAD_RANDOM_POOL;
            }

            ngx_pad_random_left = (size_t) got;
        }

        k = ngx_min(n, ngx_pad_random_left);
        ngx_memcpy(buf, ngx_pad_random_pool + ngx_pad_random_left - k, k);
        ngx_pad_random_left -= k;
        buf += k;
        n -= k;
    }
}


/* the 4 bytes 0..3 of this worker's session ids */

uint32_t
ngx_pad_eio_instance_id(void)
{
    return ((uint32_t) ngx_pad_eio_instance[0] << 24)
           | ((uint32_t) ngx_pad_eio_instance[1] << 16)
           | ((uint32_t) ngx_pad_eio_instance[2] << 8)
           | ngx_pad_eio_instance[3];
}


ngx_uint_t
ngx_pad_eio_sid_owner(ngx_str_t *sid, uint32_t *instance, ngx_uint_t *worker)
{
    u_char     buf[16];
    ngx_str_t  dst;

    if (sid->len != NGX_PAD_SID_LEN) {
        return 0;
    }

    dst.data = buf;

    if (ngx_decode_base64url(&dst, sid) != NGX_OK || dst.len != 15) {
        return 0;
    }

    *instance = ((uint32_t) buf[0] << 24) | ((uint32_t) buf[1] << 16)
                | ((uint32_t) buf[2] << 8) | buf[3];
    *worker = buf[4];

    return 1;
}


static ngx_int_t
ngx_pad_eio_copy_request(ngx_pad_eio_session_t *s, ngx_http_request_t *r)
{
    size_t            len;
    u_char           *p;
    ngx_str_t         v;
    ngx_uint_t        i, pass;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    if (r->args.len) {
        s->args.data = ngx_alloc(r->args.len, s->log);
        if (s->args.data == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(s->args.data, r->args.data, r->args.len);
        s->args.len = r->args.len;
    }

    /*
     * Every Cookie header, joined with "; " (walking the header list works
     * with nginx 1.22's cookies array and 1.23's linked headers alike).
     */

    len = 0;
    p = NULL;

    for (pass = 0; pass < 2; pass++) {

        part = &r->headers_in.headers.part;
        h = part->elts;

        for (i = 0; /* void */; i++) {

            if (i >= part->nelts) {
                if (part->next == NULL) {
                    break;
                }

                part = part->next;
                h = part->elts;
                i = 0;
            }

            if (h[i].key.len != 6
                || ngx_strncasecmp(h[i].key.data, (u_char *) "Cookie", 6)
                   != 0
                || h[i].value.len == 0)
            {
                continue;
            }

            if (pass == 0) {
                len += h[i].value.len + 2;
                continue;
            }

            if (p != s->cookie.data) {
                *p++ = ';';
                *p++ = ' ';
            }

            p = ngx_cpymem(p, h[i].value.data, h[i].value.len);
        }

        if (pass == 0) {
            if (len == 0) {
                break;
            }

            p = ngx_alloc(len, s->log);
            if (p == NULL) {
                return NGX_ERROR;
            }

            s->cookie.data = p;

        } else {
            s->cookie.len = p - s->cookie.data;
        }
    }

    if (s->cookie.len == 0
        && ngx_http_arg(r, (u_char *) "cookie", 6, &v) == NGX_OK
        && v.len)
    {
        /* Etherpad: Node clients pass the Cookie header as ?cookie= */

        if (s->cookie.data) {
            ngx_free(s->cookie.data);
        }

        p = ngx_alloc(v.len, s->log);
        if (p == NULL) {
            s->cookie.data = NULL;
            return NGX_ERROR;
        }

        s->cookie.data = p;
        ngx_unescape_uri(&p, &v.data, v.len, 0);
        s->cookie.len = p - s->cookie.data;
    }

    return NGX_OK;
}


ngx_pad_eio_session_t *
ngx_pad_eio_create(ngx_http_request_t *r, ngx_pad_loc_conf_t *conf,
    ngx_pad_eio_transport_e transport)
{
    return ngx_pad_eio_new(r, conf, transport, NULL);
}


/*
 * A stand-in for another worker's session whose WebSocket upgrade came
 * here: not in the session table until the handover brings its state
 * (ngx_pad_eio_import()), no heartbeat until then.
 */

ngx_pad_eio_session_t *
ngx_pad_eio_create_standin(ngx_http_request_t *r, ngx_pad_loc_conf_t *conf,
    ngx_str_t *sid)
{
    if (sid->len != NGX_PAD_SID_LEN) {
        return NULL;
    }

    return ngx_pad_eio_new(r, conf, NGX_PAD_EIO_POLLING, sid);
}


static ngx_pad_eio_session_t *
ngx_pad_eio_new(ngx_http_request_t *r, ngx_pad_loc_conf_t *conf,
    ngx_pad_eio_transport_e transport, ngx_str_t *sid)
{
    u_char                  raw[15];
    ngx_str_t               src, dst;
    ngx_pad_eio_session_t  *s;

    if (ngx_pad_eio_count >= conf->max_sessions) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "pad: session limit %ui reached", conf->max_sessions);
        return NULL;
    }

    s = ngx_calloc(sizeof(ngx_pad_eio_session_t), r->connection->log);
    if (s == NULL) {
        return NULL;
    }

    s->conf = conf;
    s->log = ngx_cycle->log;
    s->transport = transport;
    s->refs = 1;
    ngx_pad_outq_init(&s->pollq);
    ngx_pad_outq_init(&s->inq);

    if (ngx_pad_eio_copy_request(s, r) != NGX_OK) {
        goto failed;
    }

    s->ping.handler = ngx_pad_eio_ping_handler;
    s->ping.data = s;
    s->ping.log = ngx_cycle->log;
    s->ping.cancelable = 1;

    s->connect.handler = ngx_pad_eio_connect_handler;
    s->connect.data = s;
    s->connect.log = ngx_cycle->log;
    s->connect.cancelable = 1;

    s->post.handler = ngx_pad_eio_post_handler;
    s->post.data = s;
    s->post.log = ngx_cycle->log;

    if (sid) {
        ngx_memcpy(s->sid, sid->data, NGX_PAD_SID_LEN);
        s->standin = 1;
        ngx_pad_eio_new_sio_id(s);
        s->node.str.data = s->sid;
        s->node.str.len = NGX_PAD_SID_LEN;
        s->node.node.key = ngx_crc32_short(s->sid, NGX_PAD_SID_LEN);

        return s;
    }

    /* the Engine.IO session id */

    ngx_memcpy(raw, ngx_pad_eio_instance, 4);
    raw[4] = (u_char) ngx_worker;
    ngx_pad_eio_counter++;
    raw[5] = (u_char) (ngx_pad_eio_counter >> 24);
    raw[6] = (u_char) (ngx_pad_eio_counter >> 16);
    raw[7] = (u_char) (ngx_pad_eio_counter >> 8);
    raw[8] = (u_char) ngx_pad_eio_counter;
    ngx_pad_eio_random(raw + 9, 6);

    src.data = raw;
    src.len = 15;
    dst.data = s->sid;
    ngx_encode_base64url(&dst, &src);

    ngx_pad_eio_new_sio_id(s);

    s->node.str.data = s->sid;
    s->node.str.len = NGX_PAD_SID_LEN;
    s->node.node.key = ngx_crc32_short(s->sid, NGX_PAD_SID_LEN);

    ngx_rbtree_insert(&ngx_pad_eio_tree, &s->node.node);
    ngx_queue_insert_tail(&ngx_pad_eio_all, &s->queue);
    ngx_pad_eio_count++;

    ngx_add_timer(&s->ping, conf->ping_interval);
    ngx_add_timer(&s->connect, conf->connect_timeout);

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "pad eio: new session %*s", NGX_PAD_SID_LEN, s->sid);

    return s;

failed:

    if (s->args.data) {
        ngx_free(s->args.data);
    }

    if (s->cookie.data) {
        ngx_free(s->cookie.data);
    }

    ngx_free(s);

    return NULL;
}


/* a fresh Socket.IO socket id, for every CONNECT */

void
ngx_pad_eio_new_sio_id(ngx_pad_eio_session_t *s)
{
    u_char     raw[15];
    ngx_str_t  src, dst;

    ngx_pad_eio_random(raw, 15);

    src.data = raw;
    src.len = 15;
    dst.data = s->sio_sid;
    ngx_encode_base64url(&dst, &src);

    s->sio_id.data = s->sio_sid;
    s->sio_id.len = NGX_PAD_SID_LEN;
}


ngx_pad_eio_session_t *
ngx_pad_eio_lookup(ngx_str_t *sid)
{
    ngx_str_node_t  *n;

    if (!ngx_pad_eio_ready || sid->len != NGX_PAD_SID_LEN) {
        return NULL;
    }

    n = ngx_str_rbtree_lookup(&ngx_pad_eio_tree, sid,
                              ngx_crc32_short(sid->data, sid->len));
    if (n == NULL) {
        return NULL;
    }

    return (ngx_pad_eio_session_t *) n;
}


void
ngx_pad_eio_ref(ngx_pad_eio_session_t *s)
{
    s->refs++;
}


void
ngx_pad_eio_unref(ngx_pad_eio_session_t *s)
{
    if (--s->refs) {
        return;
    }

    ngx_pad_outq_free(&s->pollq);
    ngx_pad_outq_free(&s->inq);

    if (s->args.data) {
        ngx_free(s->args.data);
    }

    if (s->cookie.data) {
        ngx_free(s->cookie.data);
    }

    ngx_free(s);
}


ngx_int_t
ngx_pad_eio_open_packet(ngx_pad_eio_session_t *s, ngx_str_t *out,
    ngx_pool_t *pool)
{
    u_char  *p;
    size_t   len;

    len = sizeof("0{\"sid\":\"\",\"upgrades\":[\"websocket\"],"
                 "\"pingInterval\":,\"pingTimeout\":,\"maxPayload\":}")
          + NGX_PAD_SID_LEN + 3 * NGX_INT64_LEN;

    p = ngx_pnalloc(pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    out->data = p;
    p = ngx_sprintf(p, "0{\"sid\":\"%*s\",\"upgrades\":[%s],"
                    "\"pingInterval\":%M,\"pingTimeout\":%M,"
                    "\"maxPayload\":%uz}",
                    NGX_PAD_SID_LEN, s->sid,
                    s->transport == NGX_PAD_EIO_POLLING ? "\"websocket\"" : "",
                    s->conf->ping_interval, s->conf->ping_timeout,
                    s->conf->max_payload);
    out->len = p - out->data;

    return NGX_OK;
}


ngx_int_t
ngx_pad_eio_send_open(ngx_pad_eio_session_t *s)
{
    ngx_int_t            rc;
    ngx_str_t            open;
    ngx_pool_t          *pool;
    ngx_pad_payload_t   *p;

    pool = ngx_create_pool(512, s->log);
    if (pool == NULL) {
        return NGX_ERROR;
    }

    rc = NGX_ERROR;

    if (ngx_pad_eio_open_packet(s, &open, pool) == NGX_OK) {
        p = ngx_pad_payload_from(open.data, open.len, s->log);

        if (p) {
            rc = ngx_pad_eio_send(s, p);
            ngx_pad_payload_unref(p);
        }
    }

    ngx_destroy_pool(pool);

    return rc;
}


/* queues one Engine.IO packet on the session's current transport */

ngx_int_t
ngx_pad_eio_send(ngx_pad_eio_session_t *s, ngx_pad_payload_t *p)
{
    ngx_pad_outq_t  *q;

    if (s->closed || (s->close_pending && s->close_code)) {
        /* closed, or closing as too slow: nothing more is queued */
        return NGX_DECLINED;
    }

    if (s->ws && !s->upgrading) {
        if (ngx_pad_ws_send(s->ws, p, NGX_PAD_WS_OP_TEXT) != NGX_OK) {
            return NGX_ERROR;
        }

        q = &s->ws->outq;

    } else {
        if (ngx_pad_outq_push(&s->pollq, p, NGX_PAD_WS_OP_TEXT, s->log)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        q = &s->pollq;

        if (q->bytes >= ngx_pad_lowat(s->conf)) {
            s->above_lowat = 1;
        }

        if (s->poll || s->relay) {
            ngx_pad_eio_flush_poll(s);
        }
    }

    ngx_pad_eio_check_queue(s, q);

    return NGX_OK;
}


ngx_int_t
ngx_pad_eio_send_str(ngx_pad_eio_session_t *s, const char *data, size_t len)
{
    ngx_int_t           rc;
    ngx_pad_payload_t  *p;

    p = ngx_pad_payload_from((u_char *) data, len, s->log);
    if (p == NULL) {
        return NGX_ERROR;
    }

    rc = ngx_pad_eio_send(s, p);
    ngx_pad_payload_unref(p);

    return rc;
}


/* the cap on queued bytes: a client that does not read is closed */

static void
ngx_pad_eio_check_queue(ngx_pad_eio_session_t *s, ngx_pad_outq_t *q)
{
    if (q->bytes <= s->conf->send_queue_max || s->close_pending) {
        return;
    }

    ngx_log_error(NGX_LOG_WARN, s->log, 0,
                  "pad: client too slow, %uz bytes queued "
                  "(pad_send_queue_max %uz), closing session %*s",
                  q->bytes, s->conf->send_queue_max,
                  NGX_PAD_SID_LEN, s->sid);

    ngx_pad_outq_drop_unsent(q);

    /* from a posted event: we may be inside an application callback */

    s->close_code = NGX_PAD_WS_CLOSE_POLICY;
    ngx_pad_eio_close_later(s, "too slow");
}


/* closes from a posted event: safe to call from any callback */

void
ngx_pad_eio_close_later(ngx_pad_eio_session_t *s, const char *reason)
{
    if (s->closed || s->close_pending) {
        return;
    }

    s->close_pending = 1;
    s->close_reason = reason;

    if (!s->post.posted) {
        ngx_post_event(&s->post, &ngx_posted_events);
    }
}


static void
ngx_pad_eio_post_handler(ngx_event_t *ev)
{
    ngx_pad_eio_session_t  *s = ev->data;

    if (s->close_pending) {
        ngx_pad_eio_close(s, s->close_reason);
        return;
    }

    if (s->poll == NULL || s->pollq.head == NULL) {
        return;
    }

    /* everything queued in this event-loop turn goes into one answer */

    ngx_pad_eio_ref(s);

    ngx_pad_poll_answer(s, &s->pollq);

    if (s->above_lowat && s->pollq.bytes < ngx_pad_lowat(s->conf)) {
        s->above_lowat = 0;
        ngx_pad_eio_ws_drained(s);
    }

    ngx_pad_eio_unref(s);
}


static void
ngx_pad_eio_ping_handler(ngx_event_t *ev)
{
    ngx_pad_eio_session_t  *s = ev->data;

    if (s->waiting_pong) {
        ngx_log_error(NGX_LOG_INFO, s->log, 0,
                      "pad: ping timeout, closing session %*s",
                      NGX_PAD_SID_LEN, s->sid);
        ngx_pad_eio_close(s, "ping timeout");
        return;
    }

    s->waiting_pong = 1;
    ngx_add_timer(&s->ping, s->conf->ping_timeout);

    if (ngx_pad_eio_send_str(s, "2", 1) == NGX_ERROR) {
        ngx_pad_eio_close(s, "internal error");
    }
}


static void
ngx_pad_eio_connect_handler(ngx_event_t *ev)
{
    ngx_pad_eio_session_t  *s = ev->data;

    if (s->sio_connected) {
        return;
    }

    ngx_log_error(NGX_LOG_INFO, s->log, 0,
                  "pad: no socket.io connect in time, closing session %*s",
                  NGX_PAD_SID_LEN, s->sid);

    ngx_pad_eio_close(s, "connect timeout");
}


/*
 * One Engine.IO packet from the client.  The caller holds a reference;
 * the session may be closed on return.
 */

void
ngx_pad_eio_on_packet(ngx_pad_eio_session_t *s, u_char *data, size_t len,
    ngx_uint_t from_ws)
{
    int                 type;
    ngx_pad_payload_t  *p;

    if (s->closed) {
        return;
    }

    if (from_ws && s->standin && s->handover) {
        /* upgraded: the session's state is on its way, keep the input */

        if (s->inq.count >= NGX_PAD_EIO_INQ_MAX
            || s->inq.bytes + len > s->conf->max_payload)
        {
            ngx_log_error(NGX_LOG_INFO, s->log, 0,
                          "pad: too much input during the handover of "
                          "session %*s", NGX_PAD_SID_LEN, s->sid);
            ngx_pad_eio_close(s, "handover input");
            return;
        }

        p = ngx_pad_payload_from(data, len, s->log);

        if (p == NULL
            || ngx_pad_outq_push(&s->inq, p, NGX_PAD_WS_OP_TEXT, s->log)
               != NGX_OK)
        {
            if (p) {
                ngx_pad_payload_unref(p);
            }

            ngx_pad_eio_close(s, "internal error");
            return;
        }

        ngx_pad_payload_unref(p);
        return;
    }

    if (from_ws && s->upgrading) {
        ngx_pad_eio_on_probe(s, data, len);
        return;
    }

    type = ngx_pad_eio_packet_type(data, len);

    switch (type) {

    case NGX_PAD_EIO_PONG:
        if (s->waiting_pong) {
            s->waiting_pong = 0;
            ngx_add_timer(&s->ping, s->conf->ping_interval);
        }

        return;

    case NGX_PAD_EIO_MESSAGE:
        ngx_pad_sio_on_message(s, data + 1, len - 1);
        return;

    case NGX_PAD_EIO_CLOSE:
        ngx_pad_eio_close(s, "transport close");
        return;

    case NGX_PAD_EIO_NOOP:
        return;

    case NGX_PAD_EIO_UPGRADE:
        /* a late or repeated upgrade packet is harmless */
        return;

    default:
        ngx_log_error(NGX_LOG_INFO, s->log, 0,
                      "pad: invalid engine.io packet type, "
                      "closing session %*s", NGX_PAD_SID_LEN, s->sid);
        ngx_pad_eio_close(s, "parse error");
        return;
    }
}


/* a packet on a WebSocket that probes an upgrade of a polling session */

static void
ngx_pad_eio_on_probe(ngx_pad_eio_session_t *s, u_char *data, size_t len)
{
    ngx_pad_ws_t       *ws;
    ngx_pad_outq_t      noop;
    ngx_pad_payload_t  *p;

    ws = s->ws;

    if (len == 6 && ngx_strncmp(data, "2probe", 6) == 0) {
        p = ngx_pad_payload_from((u_char *) "3probe", 6, ws->connection->log);
        if (p == NULL) {
            ngx_pad_ws_close(ws, NGX_PAD_WS_CLOSE_INTERNAL, "out of memory");
            return;
        }

        (void) ngx_pad_ws_send(ws, p, NGX_PAD_WS_OP_TEXT);
        ngx_pad_payload_unref(p);

        s->probed = 1;

        if (s->standin) {
            /* the owner answers its pending GET */
            ngx_pad_relay_standin_probe(s);
            return;
        }

        /* a pending GET must return so that the client can pause */

        if (s->poll || s->relay) {
            if (s->pollq.head == NULL) {
                (void) ngx_pad_eio_send_str(s, "6", 1);

            } else {
                ngx_pad_eio_flush_poll(s);
            }
        }

        return;
    }

    if (len == 1 && data[0] == '5' && s->probed) {
        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, ws->connection->log, 0,
                       "pad eio: session %*s upgraded",
                       NGX_PAD_SID_LEN, s->sid);

        if (ws->timer.timer_set) {
            ngx_del_timer(&ws->timer);
        }

        if (s->standin) {
            /* ask the owner for the session; input waits meanwhile */
            if (ngx_pad_relay_standin_upgrade(s) != NGX_OK) {
                ngx_pad_eio_close(s, "handover failed");
            }

            return;
        }

        s->upgrading = 0;
        s->transport = NGX_PAD_EIO_WEBSOCKET;

        if (s->poll || s->relay) {
            /* answer the last GET with a noop; the rest goes by ws */
            ngx_pad_outq_init(&noop);

            p = ngx_pad_payload_from((u_char *) "6", 1, s->log);
            if (p) {
                (void) ngx_pad_outq_push(&noop, p, NGX_PAD_WS_OP_TEXT,
                                         s->log);
                ngx_pad_payload_unref(p);
            }

            ngx_pad_poll_answer(s, &noop);
            ngx_pad_outq_free(&noop);
        }

        ngx_pad_outq_move(&ws->outq, &s->pollq);

        if (ws->outq.bytes >= ngx_pad_lowat(s->conf)) {
            ws->above_lowat = 1;
        }

        s->above_lowat = 0;

        ngx_pad_ws_post_write(ws);
        return;
    }

    ngx_log_error(NGX_LOG_INFO, ws->connection->log, 0,
                  "pad: unexpected packet during the upgrade probe");

    ngx_pad_ws_close(ws, NGX_PAD_WS_CLOSE_PROTOCOL, "bad upgrade probe");
}


/* the WebSocket stops carrying the session (closing or gone) */

void
ngx_pad_eio_ws_closed(ngx_pad_eio_session_t *s, ngx_pad_ws_t *ws)
{
    if (s->ws != ws) {
        return;
    }

    s->ws = NULL;
    s->log = ngx_cycle->log;

    if (s->closed) {
        return;
    }

    if (s->standin) {
        ngx_pad_eio_close(s, "transport close");
        return;
    }

    if (s->upgrading) {
        /* a failed probe: the session goes on polling */
        s->upgrading = 0;
        s->probed = 0;
        return;
    }

    ngx_pad_eio_close(s, "transport close");
}


void
ngx_pad_eio_ws_drained(ngx_pad_eio_session_t *s)
{
    if (!s->closed && s->sio_connected && !s->close_pending) {
        ngx_pad_sio_writable(s);
    }
}


void
ngx_pad_eio_close(ngx_pad_eio_session_t *s, const char *reason)
{
    ngx_uint_t          code;
    ngx_pad_ws_t       *ws;
    ngx_pad_payload_t  *p;

    if (s->closed) {
        return;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, s->log, 0,
                   "pad eio: close session %*s",
                   NGX_PAD_SID_LEN, s->sid);

    s->closed = 1;
    s->close_pending = 0;

    if (s->standin) {
        if (s->handover) {
            ngx_pad_relay_standin_gone(s);
        }

    } else {
        ngx_rbtree_delete(&ngx_pad_eio_tree, &s->node.node);
        ngx_queue_remove(&s->queue);
        ngx_pad_eio_count--;
    }

    if (s->ping.timer_set) {
        ngx_del_timer(&s->ping);
    }

    if (s->connect.timer_set) {
        ngx_del_timer(&s->connect);
    }

    if (s->post.posted) {
        ngx_delete_posted_event(&s->post);
    }

    if (s->sio_connected) {
        s->sio_connected = 0;
        ngx_pad_sio_closed(s, reason);
    }

    ws = s->ws;

    if (ws) {
        if (s->close_code) {
            code = s->close_code;

        } else if (ngx_exiting || ngx_quit || ngx_terminate) {
            code = NGX_PAD_WS_CLOSE_GOING_AWAY;

        } else {
            code = NGX_PAD_WS_CLOSE_NORMAL;
        }

        ngx_pad_ws_close(ws, code,
                         code == NGX_PAD_WS_CLOSE_POLICY ? reason : NULL);
    }

    if (s->poll || s->relay) {
        /* the pending GET gets what is queued and the close packet */
        p = ngx_pad_payload_from((u_char *) "1", 1, s->log);

        if (p) {
            (void) ngx_pad_outq_push(&s->pollq, p, NGX_PAD_WS_OP_TEXT,
                                     s->log);
            ngx_pad_payload_unref(p);
        }

        ngx_pad_poll_answer(s, &s->pollq);
    }

    ngx_pad_outq_free(&s->pollq);

    ngx_pad_eio_unref(s);
}


/*
 * The handover, at the owner: the session's state for the worker that
 * holds its WebSocket.  NGX_AGAIN: the app has work in flight, ask again.
 * After NGX_OK the app data is gone and the session must be closed with
 * ngx_pad_eio_close_handed().
 */

ngx_int_t
ngx_pad_eio_export(ngx_pad_eio_session_t *s, json_t **state)
{
    json_t         *st, *q, *v, *app;
    ngx_int_t       rc;
    ngx_uint_t      connected;
    ngx_pad_pkt_t  *pkt;

    *state = NULL;
    app = NULL;

    connected = s->sio_connected;

    if (connected) {
        rc = ngx_pad_sio_export(s, &app);

        if (rc != NGX_OK) {
            return rc;
        }

        /* the app data is gone: no "closed" callback any more */
        s->sio_connected = 0;
        s->app_data = NULL;
    }

    st = json_object();
    q = json_array();

    if (st == NULL || q == NULL) {
        goto failed;
    }

    for (pkt = s->pollq.head; pkt; pkt = pkt->next) {
        v = json_stringn((char *) pkt->payload->data, pkt->payload->len);

        if (v == NULL || json_array_append_new(q, v) != 0) {
            goto failed;
        }
    }

    if (json_object_set_new(st, "q", q) != 0) {
        q = NULL;
        goto failed;
    }

    q = NULL;

    if (json_object_set_new(st, "sio", json_boolean(connected)) != 0
        || json_object_set_new(st, "siosid",
                               json_stringn((char *) s->sio_sid,
                                            NGX_PAD_SID_LEN)) != 0
        || json_object_set_new(st, "args",
                               json_stringn(s->args.len
                                            ? (char *) s->args.data : "",
                                            s->args.len)) != 0
        || json_object_set_new(st, "cookie",
                               json_stringn(s->cookie.len
                                            ? (char *) s->cookie.data : "",
                                            s->cookie.len)) != 0
        || json_object_set_new(st, "app", app ? app : json_null()) != 0)
    {
        app = NULL;
        goto failed;
    }

    *state = st;

    return NGX_OK;

failed:

    /* the app state is lost: the session closes without it */

    json_decref(st);
    json_decref(q);
    json_decref(app);

    return NGX_ERROR;
}


/* the owner drops a session handed over: no departure, no close packet */

void
ngx_pad_eio_close_handed(ngx_pad_eio_session_t *s)
{
    s->sio_connected = 0;
    s->app_data = NULL;

    ngx_pad_outq_free(&s->pollq);

    ngx_pad_eio_close(s, "handed over");
}


static ngx_int_t
ngx_pad_eio_set_str(ngx_str_t *dst, json_t *v, ngx_log_t *log)
{
    size_t   len;
    u_char  *p;

    if (!json_is_string(v)) {
        return NGX_ERROR;
    }

    len = json_string_length(v);
    p = NULL;

    if (len) {
        p = ngx_alloc(len, log);
        if (p == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(p, json_string_value(v), len);
    }

    if (dst->data) {
        ngx_free(dst->data);
    }

    dst->data = p;
    dst->len = len;

    return NGX_OK;
}


/*
 * The handover, in the worker holding the WebSocket: the stand-in
 * becomes the session (in the table, upgraded), with the owner's packets
 * first, then the app's state, then the client's input that waited.
 */

ngx_int_t
ngx_pad_eio_import(ngx_pad_eio_session_t *s, json_t *state)
{
    size_t              i;
    json_t             *q, *v, *sio;
    ngx_pad_ws_t       *ws;
    ngx_pad_pkt_t      *pkt;
    ngx_pad_outq_t      in;
    ngx_pad_payload_t  *p;

    ws = s->ws;
    q = json_object_get(state, "q");
    sio = json_object_get(state, "siosid");

    if (s->closed || ws == NULL || ws->close_sent || !s->standin
        || !json_is_array(q) || !json_is_string(sio)
        || json_string_length(sio) != NGX_PAD_SID_LEN
        || ngx_pad_eio_set_str(&s->args, json_object_get(state, "args"),
                               s->log) != NGX_OK
        || ngx_pad_eio_set_str(&s->cookie, json_object_get(state, "cookie"),
                               s->log) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ngx_pad_eio_lookup(&s->node.str) != NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(s->sio_sid, json_string_value(sio), NGX_PAD_SID_LEN);

    s->standin = 0;
    s->upgrading = 0;
    s->probed = 0;
    s->transport = NGX_PAD_EIO_WEBSOCKET;

    ngx_rbtree_insert(&ngx_pad_eio_tree, &s->node.node);
    ngx_queue_insert_tail(&ngx_pad_eio_all, &s->queue);
    ngx_pad_eio_count++;

    /* what the owner had queued, in order */

    json_array_foreach(q, i, v) {
        if (!json_is_string(v)) {
            return NGX_ERROR;
        }

        p = ngx_pad_payload_from((u_char *) json_string_value(v),
                                 json_string_length(v), s->log);
        if (p == NULL) {
            return NGX_ERROR;
        }

        if (ngx_pad_ws_send(ws, p, NGX_PAD_WS_OP_TEXT) == NGX_ERROR) {
            ngx_pad_payload_unref(p);
            return NGX_ERROR;
        }

        ngx_pad_payload_unref(p);
    }

    /*
     * The heartbeat restarts with a ping now: the owner's last one may
     * be a whole interval old.
     */

    s->waiting_pong = 1;
    ngx_add_timer(&s->ping, s->conf->ping_timeout);

    if (ngx_pad_eio_send_str(s, "2", 1) != NGX_OK) {
        return NGX_ERROR;
    }

    if (json_is_true(json_object_get(state, "sio"))) {
        s->sio_connected = 1;

        if (ngx_pad_sio_import(s, json_object_get(state, "app")) != NGX_OK) {
            return NGX_ERROR;
        }

    } else {
        ngx_add_timer(&s->connect, s->conf->connect_timeout);
    }

    /* the client's packets that came meanwhile */

    in = s->inq;
    ngx_pad_outq_init(&s->inq);

    ngx_pad_eio_ref(s);

    for (pkt = in.head; pkt && !s->closed; pkt = pkt->next) {
        ngx_pad_eio_on_packet(s, pkt->payload->data, pkt->payload->len, 1);
    }

    ngx_pad_outq_free(&in);

    ngx_pad_eio_unref(s);

    return NGX_OK;
}
