
/*
 * Engine.IO v4 sessions of a worker: the session table, the state
 * machine (see ngx_pad_eio_state_e), the heartbeat, the probe upgrade from
 * polling to WebSocket, where outgoing packets go, and closing.
 *
 * The session knows its outputs only as sinks (ngx_pad_sink_t): the
 * WebSocket and the pending polling GET, local or relayed, which it
 * answers from one posted flush.  It reaches Socket.IO through the
 * upcalls given at init, a stand-in's handover through the hooks given
 * with it.
 *
 * Lifetime: the session table holds one reference; a WebSocket holding
 * the session and code running on its behalf hold more.  Closing removes
 * it from the table; the memory goes when the last reference does.
 */


#include "transport/ngx_pad_transport.h"


static void ngx_pad_eio_ping_handler(ngx_event_t *ev);
static void ngx_pad_eio_connect_handler(ngx_event_t *ev);
static void ngx_pad_eio_upgrade_handler(ngx_event_t *ev);
static void ngx_pad_eio_post_handler(ngx_event_t *ev);
static void ngx_pad_eio_check_queue(ngx_pad_eio_session_t *s,
    ngx_pad_outq_t *q);
static void ngx_pad_eio_on_probe(ngx_pad_eio_session_t *s, u_char *data,
    size_t len);
static void ngx_pad_eio_upgraded(ngx_pad_eio_session_t *s);
static void ngx_pad_eio_keep_input(ngx_pad_eio_session_t *s, u_char *data,
    size_t len);
static ngx_pad_eio_session_t *ngx_pad_eio_new(ngx_http_request_t *r,
    ngx_pad_loc_conf_t *conf, ngx_pad_eio_state_e state);
static void ngx_pad_eio_init_event(ngx_pad_eio_session_t *s,
    ngx_event_t *ev, ngx_event_handler_pt handler);


#define NGX_PAD_EIO_INQ_MAX  64     /* client packets while handing over */


static ngx_rbtree_t                  ngx_pad_eio_tree;
static ngx_rbtree_node_t             ngx_pad_eio_sentinel;
static ngx_queue_t                   ngx_pad_eio_all;
static ngx_uint_t                    ngx_pad_eio_count;
static ngx_uint_t                    ngx_pad_eio_ready;
static const ngx_pad_eio_upcalls_t  *ngx_pad_eio_up;


#if (NGX_DEBUG)

static const char  *ngx_pad_eio_states[] = {
    "polling",
    "probing",
    "probed",
    "handing",
    "websocket",
    "standin",
    "standin probed",
    "taking",
    "closed"
};

#endif


ngx_int_t
ngx_pad_eio_init_worker(ngx_cycle_t *cycle, const ngx_pad_eio_upcalls_t *up)
{
    ngx_rbtree_init(&ngx_pad_eio_tree, &ngx_pad_eio_sentinel,
                    ngx_str_rbtree_insert_value);
    ngx_queue_init(&ngx_pad_eio_all);

    ngx_pad_eio_count = 0;
    ngx_pad_eio_up = up;

    ngx_pad_eio_id_init_worker();

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


const ngx_pad_eio_upcalls_t *
ngx_pad_eio_upcalls(void)
{
    return ngx_pad_eio_up;
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


/* the one place where a session changes its state */

void
ngx_pad_eio_set_state(ngx_pad_eio_session_t *s, ngx_pad_eio_state_e state)
{
    ngx_log_debug4(NGX_LOG_DEBUG_HTTP, s->log, 0,
                   "pad eio: session %*s: %s -> %s",
                   (size_t) NGX_PAD_SID_LEN, s->sid,
                   ngx_pad_eio_states[s->state], ngx_pad_eio_states[state]);

    ngx_pad_eio_gauge(s->state, -1);
    ngx_pad_eio_gauge(state, 1);

    s->state = state;
}


ngx_pad_eio_session_t *
ngx_pad_eio_create(ngx_http_request_t *r, ngx_pad_loc_conf_t *conf,
    ngx_pad_eio_state_e state)
{
    ngx_pad_eio_session_t  *s;

    s = ngx_pad_eio_new(r, conf, state);
    if (s == NULL) {
        return NULL;
    }

    ngx_pad_eio_new_sid(s->sid);

    s->node.str.data = s->sid;
    s->node.str.len = NGX_PAD_SID_LEN;
    s->node.node.key = ngx_crc32_short(s->sid, NGX_PAD_SID_LEN);

    ngx_pad_eio_insert(s);

    ngx_add_timer(&s->ping, conf->ping_interval);
    ngx_add_timer(&s->connect, conf->connect_timeout);

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "pad eio: new session %*s, %s",
                   (size_t) NGX_PAD_SID_LEN, s->sid,
                   ngx_pad_eio_states[state]);

    return s;
}


/*
 * A stand-in for another worker's session whose WebSocket upgrade came
 * here: not in the session table until the handover brings its state
 * (ngx_pad_eio_state.c), no heartbeat until then.
 */

ngx_pad_eio_session_t *
ngx_pad_eio_create_standin(ngx_http_request_t *r, ngx_pad_loc_conf_t *conf,
    ngx_str_t *sid, const ngx_pad_eio_standin_t *hooks)
{
    ngx_pad_eio_session_t  *s;

    if (sid->len != NGX_PAD_SID_LEN) {
        return NULL;
    }

    s = ngx_pad_eio_new(r, conf, NGX_PAD_EIO_STANDIN);
    if (s == NULL) {
        return NULL;
    }

    ngx_memcpy(s->sid, sid->data, NGX_PAD_SID_LEN);
    s->standin = hooks;
    s->node.str.data = s->sid;
    s->node.str.len = NGX_PAD_SID_LEN;
    s->node.node.key = ngx_crc32_short(s->sid, NGX_PAD_SID_LEN);

    return s;
}


static ngx_pad_eio_session_t *
ngx_pad_eio_new(ngx_http_request_t *r, ngx_pad_loc_conf_t *conf,
    ngx_pad_eio_state_e state)
{
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
    s->state = state;
    s->refs = 1;
    s->note_rev = -1;
    ngx_pad_outq_init(&s->pollq);
    ngx_pad_outq_init(&s->inq);

    if (ngx_pad_eio_copy_request(s, r) != NGX_OK) {
        if (s->args.data) {
            ngx_free(s->args.data);
        }

        if (s->cookie.data) {
            ngx_free(s->cookie.data);
        }

        if (s->addr.data) {
            ngx_free(s->addr.data);
        }

        ngx_free(s);

        return NULL;
    }

    ngx_pad_eio_init_event(s, &s->ping, ngx_pad_eio_ping_handler);
    ngx_pad_eio_init_event(s, &s->connect, ngx_pad_eio_connect_handler);
    ngx_pad_eio_init_event(s, &s->upgrade, ngx_pad_eio_upgrade_handler);
    ngx_pad_eio_init_event(s, &s->post, ngx_pad_eio_post_handler);
    s->post.cancelable = 0;

    ngx_pad_eio_new_sio_id(s);
    ngx_pad_eio_gauge(state, 1);

    return s;
}


static void
ngx_pad_eio_init_event(ngx_pad_eio_session_t *s, ngx_event_t *ev,
    ngx_event_handler_pt handler)
{
    ev->handler = handler;
    ev->data = s;
    ev->log = ngx_cycle->log;
    ev->cancelable = 1;
}


/* into the session table: a new session, or a stand-in that took over */

void
ngx_pad_eio_insert(ngx_pad_eio_session_t *s)
{
    ngx_rbtree_insert(&ngx_pad_eio_tree, &s->node.node);
    ngx_queue_insert_tail(&ngx_pad_eio_all, &s->queue);
    ngx_pad_eio_count++;
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

    ngx_pad_eio_gauge(s->state, -1);

    if (s->note) {
        /* the access log's notes (ngx_pad_log_vars.c) */
        ngx_free(s->note);
    }

    ngx_pad_outq_free(&s->pollq);
    ngx_pad_outq_free(&s->inq);

    if (s->args.data) {
        ngx_free(s->args.data);
    }

    if (s->cookie.data) {
        ngx_free(s->cookie.data);
    }

    if (s->addr.data) {
        ngx_free(s->addr.data);
    }

    ngx_free(s);
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

    if (ngx_pad_eio_closed(s) || (s->close_pending && s->close_code)) {
        /* closed, or closing as too slow: nothing more is queued */
        return NGX_DECLINED;
    }

    if (ngx_pad_eio_on_ws(s)) {
        if (s->ws->send(s->ws, p, NGX_PAD_WS_OP_TEXT) != NGX_OK) {
            return NGX_ERROR;
        }

        q = s->ws->queue;

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

        if (s->poll) {
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


/* packets for the pending GET: answer it from a posted event */

void
ngx_pad_eio_flush_poll(ngx_pad_eio_session_t *s)
{
    if (ngx_pad_eio_closed(s) || s->poll == NULL) {
        return;
    }

    if (!s->post.posted) {
        ngx_post_event(&s->post, &ngx_posted_events);
    }
}


/* answers the pending GET now with the packets of q (emptied) */

void
ngx_pad_eio_answer(ngx_pad_eio_session_t *s, ngx_pad_outq_t *q)
{
    ngx_pad_sink_t  *k;

    k = s->poll;

    if (k == NULL) {
        return;
    }

    s->poll = NULL;
    k->flush(k, q);
}


/* the pending GET returns with a noop (the client pauses polling) */

void
ngx_pad_eio_answer_noop(ngx_pad_eio_session_t *s)
{
    ngx_pad_outq_t  noop;

    if (s->poll == NULL) {
        return;
    }

    ngx_pad_outq_init(&noop);
    (void) ngx_pad_outq_push_str(&noop, "6", 1, s->log);

    ngx_pad_eio_answer(s, &noop);
    ngx_pad_outq_free(&noop);
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
    ngx_pad_metric_inc(NGX_PAD_M_SLOW_CONSUMER_CLOSES);
    ngx_pad_eio_close_later(s, "too slow");
}


/* closes from a posted event: safe to call from any callback */

void
ngx_pad_eio_close_later(ngx_pad_eio_session_t *s, const char *reason)
{
    if (ngx_pad_eio_closed(s) || s->close_pending) {
        return;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, s->log, 0,
                   "pad eio: session %*s: close posted",
                   (size_t) NGX_PAD_SID_LEN, s->sid);

    s->close_pending = 1;
    s->close_reason = reason;

    if (!s->post.posted) {
        ngx_post_event(&s->post, &ngx_posted_events);
    }
}


/* the one flush of every GET: a deferred close, or the queued packets */

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

    ngx_pad_eio_answer(s, &s->pollq);

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


/* the upgrade probe did not complete in time */

static void
ngx_pad_eio_upgrade_handler(ngx_event_t *ev)
{
    ngx_pad_eio_session_t  *s = ev->data;

    if (s->ws == NULL) {
        return;
    }

    ngx_log_error(NGX_LOG_INFO, s->log, 0,
                  "pad: websocket upgrade timed out");

    s->ws->close(s->ws, NGX_PAD_WS_CLOSE_NORMAL, "upgrade timeout");
}


/*
 * One Engine.IO packet from the client.  The caller holds a reference;
 * the session may be closed on return.
 */

void
ngx_pad_eio_on_packet(ngx_pad_eio_session_t *s, u_char *data, size_t len,
    ngx_uint_t from_ws)
{
    if (ngx_pad_eio_closed(s)) {
        return;
    }

    if (from_ws) {
        switch (s->state) {

        case NGX_PAD_EIO_TAKING:
            /* upgraded: the session's state is on its way, keep input */
            ngx_pad_eio_keep_input(s, data, len);
            return;

        case NGX_PAD_EIO_PROBING:
        case NGX_PAD_EIO_PROBED:
        case NGX_PAD_EIO_STANDIN:
        case NGX_PAD_EIO_STANDIN_PROBED:
            ngx_pad_eio_on_probe(s, data, len);
            return;

        default:
            break;
        }
    }

    switch (ngx_pad_eio_packet_type(data, len)) {

    case NGX_PAD_EIO_PONG:
        if (s->waiting_pong) {
            s->waiting_pong = 0;
            ngx_add_timer(&s->ping, s->conf->ping_interval);
        }

        return;

    case NGX_PAD_EIO_MESSAGE:
        ngx_pad_eio_up->message(s, data + 1, len - 1);
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


/* the packets of a polling POST, 0x1e-separated */

void
ngx_pad_eio_on_payload(ngx_pad_eio_session_t *s, u_char *body, size_t len)
{
    u_char        *pkt;
    size_t         plen;
    const u_char  *pos;

    pos = body;

    while (!ngx_pad_eio_closed(s)
           && ngx_pad_eio_payload_next(&pos, body + len,
                                       (const u_char **) &pkt, &plen))
    {
        ngx_pad_eio_on_packet(s, pkt, plen, 0);
    }
}


/* a stand-in keeps the client's input until the state has come */

static void
ngx_pad_eio_keep_input(ngx_pad_eio_session_t *s, u_char *data, size_t len)
{
    if (s->inq.count >= NGX_PAD_EIO_INQ_MAX
        || s->inq.bytes + len > s->conf->max_payload)
    {
        ngx_log_error(NGX_LOG_INFO, s->log, 0,
                      "pad: too much input during the handover of "
                      "session %*s", NGX_PAD_SID_LEN, s->sid);
        ngx_pad_eio_close(s, "handover input");
        return;
    }

    if (ngx_pad_outq_push_str(&s->inq, (const char *) data, len, s->log)
        != NGX_OK)
    {
        ngx_pad_eio_close(s, "internal error");
    }
}


/* a packet on a WebSocket that probes an upgrade of a polling session */

static void
ngx_pad_eio_on_probe(ngx_pad_eio_session_t *s, u_char *data, size_t len)
{
    ngx_pad_sink_t     *ws;
    ngx_pad_payload_t  *p;

    ws = s->ws;

    if (len == 6 && ngx_strncmp(data, "2probe", 6) == 0) {
        p = ngx_pad_payload_from((u_char *) "3probe", 6, s->log);
        if (p == NULL) {
            ws->close(ws, NGX_PAD_WS_CLOSE_INTERNAL, "out of memory");
            return;
        }

        (void) ws->send(ws, p, NGX_PAD_WS_OP_TEXT);
        ngx_pad_payload_unref(p);

        if (ngx_pad_eio_standin(s)) {
            /* the owner answers its pending GET */
            ngx_pad_eio_set_state(s, NGX_PAD_EIO_STANDIN_PROBED);
            s->standin->probe(s);
            return;
        }

        ngx_pad_eio_set_state(s, NGX_PAD_EIO_PROBED);

        /* a pending GET must return so that the client can pause */

        if (s->poll) {
            if (s->pollq.head == NULL) {
                (void) ngx_pad_eio_send_str(s, "6", 1);

            } else {
                ngx_pad_eio_flush_poll(s);
            }
        }

        return;
    }

    if (len == 1 && data[0] == '5'
        && (s->state == NGX_PAD_EIO_PROBED
            || s->state == NGX_PAD_EIO_STANDIN_PROBED))
    {
        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, s->log, 0,
                       "pad eio: session %*s upgraded",
                       (size_t) NGX_PAD_SID_LEN, s->sid);

        if (s->upgrade.timer_set) {
            ngx_del_timer(&s->upgrade);
        }

        if (ngx_pad_eio_standin(s)) {
            /* ask the owner for the session; input waits meanwhile */
            ngx_pad_eio_set_state(s, NGX_PAD_EIO_TAKING);

            if (s->standin->upgrade(s) != NGX_OK) {
                ngx_pad_eio_close(s, "handover failed");
            }

            return;
        }

        ngx_pad_eio_upgraded(s);
        return;
    }

    ngx_log_error(NGX_LOG_INFO, s->log, 0,
                  "pad: unexpected packet during the upgrade probe");

    ws->close(ws, NGX_PAD_WS_CLOSE_PROTOCOL, "bad upgrade probe");
}


/* "5": the WebSocket carries the session from now on */

static void
ngx_pad_eio_upgraded(ngx_pad_eio_session_t *s)
{
    ngx_pad_eio_set_state(s, NGX_PAD_EIO_WEBSOCKET);

    /* answer the last GET with a noop; the rest goes by ws */
    ngx_pad_eio_answer_noop(s);

    s->above_lowat = 0;
    s->ws->flush(s->ws, &s->pollq);
}


/* a WebSocket takes the session (direct) or probes its upgrade */

void
ngx_pad_eio_ws_attach(ngx_pad_eio_session_t *s, ngx_pad_sink_t *ws,
    ngx_log_t *log, ngx_msec_t upgrade_timeout)
{
    s->ws = ws;
    s->log = log;

    if (s->state == NGX_PAD_EIO_WEBSOCKET) {
        return;
    }

    if (s->state == NGX_PAD_EIO_POLLING) {
        ngx_pad_eio_set_state(s, NGX_PAD_EIO_PROBING);
    }

    s->upgrade.log = log;
    ngx_add_timer(&s->upgrade, upgrade_timeout);
}


/* the WebSocket stops carrying the session (closing or gone) */

void
ngx_pad_eio_ws_closed(ngx_pad_eio_session_t *s, ngx_pad_sink_t *ws)
{
    if (s->ws != ws) {
        return;
    }

    s->ws = NULL;
    s->log = ngx_cycle->log;

    if (s->upgrade.timer_set) {
        ngx_del_timer(&s->upgrade);
    }

    s->upgrade.log = ngx_cycle->log;

    if (ngx_pad_eio_closed(s)) {
        return;
    }

    if (s->state == NGX_PAD_EIO_PROBING || s->state == NGX_PAD_EIO_PROBED) {
        /* a failed probe: the session goes on polling */
        ngx_pad_eio_set_state(s, NGX_PAD_EIO_POLLING);
        return;
    }

    ngx_pad_eio_close(s, "transport close");
}


void
ngx_pad_eio_ws_drained(ngx_pad_eio_session_t *s)
{
    if (!ngx_pad_eio_closed(s) && s->sio_connected && !s->close_pending) {
        ngx_pad_eio_up->writable(s);
    }
}


void
ngx_pad_eio_close(ngx_pad_eio_session_t *s, const char *reason)
{
    ngx_uint_t           code, standin;

    if (ngx_pad_eio_closed(s)) {
        return;
    }

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, s->log, 0,
                   "pad eio: close session %*s: %s",
                   (size_t) NGX_PAD_SID_LEN, s->sid, reason ? reason : "");

    standin = ngx_pad_eio_standin(s);

    ngx_pad_eio_set_state(s, NGX_PAD_EIO_CLOSED);
    s->close_pending = 0;

    if (standin) {
        if (s->handover) {
            s->standin->gone(s);
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

    if (s->upgrade.timer_set) {
        ngx_del_timer(&s->upgrade);
    }

    if (s->post.posted) {
        ngx_delete_posted_event(&s->post);
    }

    if (s->sio_connected) {
        s->sio_connected = 0;
        ngx_pad_eio_up->closed(s, reason);
    }

    if (s->ws) {
        if (s->close_code) {
            code = s->close_code;

        } else if (ngx_exiting || ngx_quit || ngx_terminate) {
            code = NGX_PAD_WS_CLOSE_GOING_AWAY;

        } else {
            code = NGX_PAD_WS_CLOSE_NORMAL;
        }

        s->ws->close(s->ws, code,
                     code == NGX_PAD_WS_CLOSE_POLICY ? reason : NULL);
    }

    if (s->poll) {
        /* the pending GET gets what is queued and the close packet */
        (void) ngx_pad_outq_push_str(&s->pollq, "1", 1, s->log);
        ngx_pad_eio_answer(s, &s->pollq);
    }

    ngx_pad_outq_free(&s->pollq);

    ngx_pad_eio_unref(s);
}
