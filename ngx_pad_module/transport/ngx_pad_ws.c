
/*
 * WebSocket (RFC 6455) on a taken-over HTTP/1.1 connection, the
 * session's sink when it carries it.
 *
 * After the handshake (ngx_pad_ws_handshake.c) the connection's read and
 * write handlers are replaced, as the upstream
 * upgrade and HTTP/2 code do: the request stays alive (r->main->count),
 * bytes left in r->header_in are decoded first, reads go into a shared
 * per-worker buffer, writes go through the connection's ordered queue
 * (ngx_pad_outq.c) with c->send_chain, and c->idle lets a graceful
 * shutdown reach the read handler with c->close set (close 1001).
 *
 * Closing never frees anything from inside a callback: it queues a close
 * frame and posts the write event; the request is finalized only at the
 * top of an event handler.
 *
 * Fan-out packets (payloads shared with other sockets) may wait up to
 * pad_fanout_flush_delay before the connection is written, so that the
 * revisions of that time leave in one write; a packet built for this
 * socket alone (an answer the client waits for) flushes the queue at
 * once, ahead of other connections' writes (see "Write scheduling").
 * The queue's order never changes: only the moment of the write does.
 */


#include "transport/ngx_pad_transport.h"


#define NGX_PAD_WS_READS_PER_EVENT  8
#define NGX_PAD_WS_DELAY_PACKETS    32     /* queued: write without delay */
#define NGX_PAD_WS_DELAY_BYTES      16384


static ngx_int_t ngx_pad_ws_sink_send(ngx_pad_sink_t *k, ngx_pad_payload_t *p,
    ngx_uint_t opcode);
static void ngx_pad_ws_sink_flush(ngx_pad_sink_t *k, ngx_pad_outq_t *q);
static void ngx_pad_ws_sink_close(ngx_pad_sink_t *k, ngx_uint_t code,
    const char *reason);
static void ngx_pad_ws_read_handler(ngx_event_t *rev);
static void ngx_pad_ws_write_handler(ngx_event_t *wev);
static void ngx_pad_ws_timer_handler(ngx_event_t *ev);
static void ngx_pad_ws_process(ngx_pad_ws_t *ws, u_char *p, u_char *end);
static void ngx_pad_ws_on_control(ngx_pad_ws_t *ws, ngx_uint_t opcode);
static void ngx_pad_ws_on_message(ngx_pad_ws_t *ws, u_char *data,
    size_t len);
static void ngx_pad_ws_finalize(ngx_pad_ws_t *ws);
static void ngx_pad_ws_cleanup(void *data);
static void ngx_pad_ws_detach(ngx_pad_ws_t *ws);
static void ngx_pad_ws_delay_write(ngx_pad_ws_t *ws);
static void ngx_pad_ws_post_write_first(ngx_pad_ws_t *ws);
static void ngx_pad_ws_delay_handler(ngx_event_t *ev);
static void ngx_pad_ws_undelay(ngx_pad_ws_t *ws);
static ngx_uint_t ngx_pad_ws_may_wait(ngx_pad_ws_t *ws);


static u_char       *ngx_pad_ws_rbuf;

/* connections waiting for a delayed flush, by deadline (FIFO) */
static ngx_queue_t   ngx_pad_ws_delayed;
static ngx_event_t   ngx_pad_ws_delay_ev;
/* what nginx's debug lines read as the event's connection (its fd) */
static ngx_connection_t  ngx_pad_ws_delay_conn;


ngx_int_t
ngx_pad_ws_init_worker(ngx_cycle_t *cycle)
{
    ngx_pad_ws_rbuf = ngx_alloc(NGX_PAD_READ_BUF, cycle->log);
    if (ngx_pad_ws_rbuf == NULL) {
        return NGX_ERROR;
    }

    ngx_queue_init(&ngx_pad_ws_delayed);

    ngx_pad_ws_delay_conn.fd = (ngx_socket_t) -1;
    ngx_pad_ws_delay_ev.data = &ngx_pad_ws_delay_conn;
    ngx_pad_ws_delay_ev.handler = ngx_pad_ws_delay_handler;
    ngx_pad_ws_delay_ev.log = cycle->log;
    ngx_pad_ws_delay_ev.cancelable = 1;

    return NGX_OK;
}


void
ngx_pad_ws_exit_worker(void)
{
    if (ngx_pad_ws_delay_ev.timer_set) {
        ngx_del_timer(&ngx_pad_ws_delay_ev);
    }

    if (ngx_pad_ws_rbuf) {
        ngx_free(ngx_pad_ws_rbuf);
        ngx_pad_ws_rbuf = NULL;
    }
}


/* the WebSocket of request r, before the 101 (freed with r's pool) */

ngx_pad_ws_t *
ngx_pad_ws_create(ngx_http_request_t *r, ngx_pad_loc_conf_t *plcf)
{
    ngx_pad_ws_t        *ws;
    ngx_pool_cleanup_t  *cln;

    ws = ngx_pcalloc(r->pool, sizeof(ngx_pad_ws_t));
    if (ws == NULL) {
        return NULL;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    ws->sink.send = ngx_pad_ws_sink_send;
    ws->sink.flush = ngx_pad_ws_sink_flush;
    ws->sink.close = ngx_pad_ws_sink_close;
    ws->sink.queue = &ws->outq;

    ws->request = r;
    ws->connection = r->connection;
    ws->conf = plcf;
    ngx_pad_ws_decoder_init(&ws->dec, plcf->max_payload, 1);
    ngx_pad_utf8_init(&ws->utf8);
    ngx_pad_outq_init(&ws->outq);

    ws->timer.handler = ngx_pad_ws_timer_handler;
    ws->timer.data = ws;
    ws->timer.log = r->connection->log;

    cln->handler = ngx_pad_ws_cleanup;
    cln->data = ws;

    ngx_http_set_ctx(r, ws, ngx_pad_module);

    return ws;
}


/*
 * The 101 is out: the connection is ours.  ws takes the caller's
 * reference to s, created: a direct WebSocket session (else a probe).
 */

void
ngx_pad_ws_start(ngx_pad_ws_t *ws, ngx_pad_eio_session_t *s,
    ngx_uint_t created)
{
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = ws->request;
    c = ws->connection;

    r->main->count++;

    ws->session = s;
    ngx_pad_eio_ws_attach(s, &ws->sink, c->log, ws->conf->upgrade_timeout);
    ngx_pad_log_vars_note(r, s);

    c->log->action = "serving socket.io over websocket";

    if (c->read->timer_set) {
        ngx_del_timer(c->read);
    }

    if (c->write->timer_set) {
        ngx_del_timer(c->write);
    }

    c->read->handler = ngx_pad_ws_read_handler;
    c->write->handler = ngx_pad_ws_write_handler;
    c->idle = 1;

    (void) ngx_tcp_nodelay(c);

    if (created) {
        /* direct websocket: the open packet is the first frame */
        if (ngx_pad_eio_send_open(s) != NGX_OK) {
            ngx_pad_ws_close(ws, NGX_PAD_WS_CLOSE_INTERNAL, "open failed");
        }
    }

    if (ngx_exiting) {
        ngx_pad_ws_close(ws, NGX_PAD_WS_CLOSE_GOING_AWAY,
                         "server shutting down");
    }

    /*
     * Bytes that came with the handshake are the first frames; more may
     * wait in the socket (edge-triggered: no new event would say so).
     */

    if (r->header_in->pos < r->header_in->last || c->read->ready) {
        ngx_post_event(c->read, &ngx_posted_events);
    }

    ngx_pad_ws_post_write(ws);
}


static ngx_int_t
ngx_pad_ws_sink_send(ngx_pad_sink_t *k, ngx_pad_payload_t *p,
    ngx_uint_t opcode)
{
    return ngx_pad_ws_send((ngx_pad_ws_t *) k, p, opcode);
}


/* the packets that waited for the upgrade go first, in order */

static void
ngx_pad_ws_sink_flush(ngx_pad_sink_t *k, ngx_pad_outq_t *q)
{
    ngx_pad_ws_t  *ws = (ngx_pad_ws_t *) k;

    ngx_pad_outq_move(&ws->outq, q);

    if (ws->outq.bytes >= ngx_pad_lowat(ws->conf)) {
        ws->above_lowat = 1;
    }

    ngx_pad_ws_post_write(ws);
}


static void
ngx_pad_ws_sink_close(ngx_pad_sink_t *k, ngx_uint_t code,
    const char *reason)
{
    ngx_pad_ws_close((ngx_pad_ws_t *) k, code, reason);
}


void
ngx_pad_ws_post_write(ngx_pad_ws_t *ws)
{
    ngx_event_t  *wev;

    wev = ws->connection->write;

    if (!wev->posted) {
        ngx_post_event(wev, &ngx_posted_events);
    }
}


/*
 * Write scheduling.  A packet whose payload only this queue holds (an
 * answer built for this socket: ACCEPT_COMMIT, CLIENT_VARS, an ack, a
 * pong, a close) must leave in this event-loop turn, and before the
 * fan-out of the same turn: its write event goes to the head of the
 * posted events.  A packet whose payload is shared (a revision that the
 * pad's window and every reader's queue hold, a batch) may wait up to
 * pad_fanout_flush_delay, so that the revisions of that time leave in one
 * write.  Whether a payload is shared is known for sure only once its
 * producer has emitted it everywhere and dropped its own reference, so
 * the write handler decides: it writes at once when any queued payload
 * has a single reference, else it parks the connection in the worker's
 * delayed list (deadline order: one timer for all).  Whichever write
 * happens first takes everything queued, in order.
 */

static void
ngx_pad_ws_post_write_first(ngx_pad_ws_t *ws)
{
    ngx_event_t  *wev;

    wev = ws->connection->write;

    if (wev->posted) {
        ngx_delete_posted_event(wev);
    }

    ngx_queue_insert_head(&ngx_posted_events, &wev->queue);
    wev->posted = 1;
}


static void
ngx_pad_ws_delay_write(ngx_pad_ws_t *ws)
{
    ngx_msec_t  delay;

    if (ws->delaying) {
        return;
    }

    delay = ws->conf->flush_delay;

    ws->flush_at = ngx_current_msec + delay;
    ws->delaying = 1;
    ngx_queue_insert_tail(&ngx_pad_ws_delayed, &ws->delayed);

    if (!ngx_pad_ws_delay_ev.timer_set) {
        ngx_add_timer(&ngx_pad_ws_delay_ev, delay);
    }
}


static void
ngx_pad_ws_delay_handler(ngx_event_t *ev)
{
    ngx_msec_int_t   left;
    ngx_queue_t     *q;
    ngx_pad_ws_t    *ws;

    while (!ngx_queue_empty(&ngx_pad_ws_delayed)) {
        q = ngx_queue_head(&ngx_pad_ws_delayed);
        ws = ngx_queue_data(q, ngx_pad_ws_t, delayed);

        left = (ngx_msec_int_t) (ws->flush_at - ngx_current_msec);

        if (left > 0) {
            ngx_add_timer(ev, (ngx_msec_t) left);
            return;
        }

        ngx_queue_remove(q);
        ws->delaying = 0;
        ws->flush_due = 1;

        ngx_pad_ws_post_write(ws);
    }
}


static void
ngx_pad_ws_undelay(ngx_pad_ws_t *ws)
{
    if (ws->delaying) {
        ngx_queue_remove(&ws->delayed);
        ws->delaying = 0;
    }

    ws->flush_due = 0;
}


/*
 * May the write wait: only shared payloads queued, nothing in flight, and
 * not already enough for a full write (a backlog goes out at once).
 */

static ngx_uint_t
ngx_pad_ws_may_wait(ngx_pad_ws_t *ws)
{
    ngx_pad_pkt_t  *pkt;

    if (ws->conf->flush_delay == 0 || ws->flush_due || ws->finalize
        || ws->outq.head == NULL || ws->outq.head->sent
        || ws->connection->buffered
        || ws->outq.count >= NGX_PAD_WS_DELAY_PACKETS
        || ws->outq.bytes >= NGX_PAD_WS_DELAY_BYTES)
    {
        return 0;
    }

    for (pkt = ws->outq.head; pkt; pkt = pkt->next) {
        if (pkt->payload->refs == 1 || pkt->opcode != NGX_PAD_WS_OP_TEXT) {
            return 0;
        }
    }

    return 1;
}


/* queues one packet (one frame) and schedules the write (see above) */

ngx_int_t
ngx_pad_ws_send(ngx_pad_ws_t *ws, ngx_pad_payload_t *p, ngx_uint_t opcode)
{
    ngx_uint_t  shared;

    if (ws->close_sent) {
        return NGX_DECLINED;
    }

    /* the caller's reference and another: shared for sure */
    shared = (p->refs > 1 && opcode == NGX_PAD_WS_OP_TEXT);

    if (ngx_pad_outq_push(&ws->outq, p, opcode, ws->connection->log)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ws->outq.bytes >= ngx_pad_lowat(ws->conf)) {
        ws->above_lowat = 1;
    }

    if (!shared) {
        ngx_pad_ws_post_write_first(ws);

    } else if (ws->conf->flush_delay == 0
               || ws->outq.count >= NGX_PAD_WS_DELAY_PACKETS
               || ws->outq.bytes >= NGX_PAD_WS_DELAY_BYTES)
    {
        ngx_pad_ws_post_write(ws);

    } else if (!ws->connection->write->posted) {
        ngx_pad_ws_delay_write(ws);
    }

    return NGX_OK;
}


void
ngx_pad_ws_close(ngx_pad_ws_t *ws, ngx_uint_t code, const char *reason)
{
    size_t              len;
    ngx_pad_payload_t  *p;

    if (ws->close_sent) {
        return;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, ws->connection->log, 0,
                   "pad ws: close %ui \"%s\"", code, reason ? reason : "");

    len = reason ? ngx_min(ngx_strlen(reason), 123) : 0;

    p = ngx_pad_payload_alloc(2 + len, ws->connection->log);

    if (p) {
        p->data[0] = (u_char) (code >> 8);
        p->data[1] = (u_char) (code & 0xff);

        if (len) {
            ngx_memcpy(p->data + 2, reason, len);
        }

        if (ngx_pad_outq_push(&ws->outq, p, NGX_PAD_WS_OP_CLOSE,
                              ws->connection->log)
            != NGX_OK)
        {
            ws->finalize = 1;
        }

        ngx_pad_payload_unref(p);

    } else {
        ws->finalize = 1;
    }

    ws->close_sent = 1;
    ws->closing = 1;

    /* wait at most close_timeout for the client's close frame */

    if (ws->timer.timer_set) {
        ngx_del_timer(&ws->timer);
    }

    ws->timer.cancelable = 0;
    ngx_add_timer(&ws->timer, ws->conf->close_timeout);

    ngx_pad_ws_detach(ws);
    ngx_pad_ws_post_write(ws);
}


/* the session stops using this connection */

static void
ngx_pad_ws_detach(ngx_pad_ws_t *ws)
{
    ngx_pad_eio_session_t  *s;

    s = ws->session;

    if (s == NULL) {
        return;
    }

    ws->session = NULL;

    ngx_pad_eio_ws_closed(s, &ws->sink);
    ngx_pad_eio_unref(s);
}


static void
ngx_pad_ws_read_handler(ngx_event_t *rev)
{
    ssize_t              n;
    ngx_uint_t           i;
    ngx_pad_ws_t        *ws;
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    c = rev->data;
    r = c->data;
    ws = ngx_http_get_module_ctx(r, ngx_pad_module);

    ngx_http_set_log_request(c->log, r);

    if (c->close) {
        /* graceful shutdown, or worker_shutdown_timeout (c->error) */

        c->close = 0;
        c->idle = 0;

        if (c->error || ws->close_sent) {
            ngx_pad_ws_finalize(ws);
            return;
        }

        ngx_pad_ws_close(ws, NGX_PAD_WS_CLOSE_GOING_AWAY,
                         "server shutting down");

        /*
         * Every other session of the worker closes too, and the posted
         * writes run: this connection may be gone on return.
         */

        ngx_pad_eio_shutdown();
        return;
    }

    if (r->header_in->pos < r->header_in->last) {
        u_char  *p = r->header_in->pos;

        r->header_in->pos = r->header_in->last;
        ngx_pad_ws_process(ws, p, r->header_in->last);

        if (ws->finalize || ws->close_received) {
            goto done;
        }
    }

    for (i = 0; i < NGX_PAD_WS_READS_PER_EVENT; i++) {

        if (!rev->ready) {
            break;
        }

        n = c->recv(c, ngx_pad_ws_rbuf, NGX_PAD_READ_BUF);

        if (n == NGX_AGAIN) {
            break;
        }

        if (n == 0 || n == NGX_ERROR) {
            if (!ws->close_sent) {
                ngx_log_error(NGX_LOG_INFO, c->log, 0,
                              "pad: client closed the websocket "
                              "without a close frame");
            }

            c->error = 1;
            ws->finalize = 1;
            goto done;
        }

        ngx_pad_ws_process(ws, ngx_pad_ws_rbuf, ngx_pad_ws_rbuf + n);

        if (ws->finalize || ws->close_received) {
            goto done;
        }
    }

    if (i == NGX_PAD_WS_READS_PER_EVENT && rev->ready) {
        /* let other connections run; continue on the next iteration */
        ngx_post_event(rev, &ngx_posted_events);

    } else if (ngx_handle_read_event(rev, 0) != NGX_OK) {
        ws->finalize = 1;
    }

done:

    if (ws->finalize) {
        ngx_pad_ws_finalize(ws);
    }
}


static void
ngx_pad_ws_process(ngx_pad_ws_t *ws, u_char *p, u_char *end)
{
    int                  rc;
    size_t               cap;
    u_char              *m;
    ngx_pad_ws_event_t   ev;

    while (!ws->finalize && !ws->close_received) {

        rc = ngx_pad_ws_decode(&ws->dec, &p, end, &ev);

        if (rc == NGX_PAD_WS_AGAIN) {
            return;
        }

        if (rc == NGX_PAD_WS_FAIL) {
            ngx_log_error(NGX_LOG_INFO, ws->connection->log, 0,
                          "pad: websocket protocol error: %s", ev.reason);

            ngx_pad_outq_drop_unsent(&ws->outq);
            ngx_pad_ws_close(ws, ev.code, ev.reason);

            /* nothing more can be decoded: stop reading */
            ws->close_received = 1;
            return;
        }

        if (ev.opcode >= NGX_PAD_WS_OP_CLOSE) {
            if (ev.frame_start) {
                ws->ctl_len = 0;
            }

            ngx_memcpy(ws->ctl + ws->ctl_len, ev.data, ev.len);
            ws->ctl_len += ev.len;

            if (ev.frame_end) {
                ngx_pad_ws_on_control(ws, ev.opcode);
            }

            continue;
        }

        if (ev.frame_start && ev.opcode != NGX_PAD_WS_OP_CONT) {
            ngx_pad_utf8_init(&ws->utf8);
            ws->msg_len = 0;
        }

        if (ngx_pad_utf8_feed(&ws->utf8, ev.data, ev.len)
            == NGX_PAD_UTF8_INVALID
            || (ev.message_end && ws->utf8.need))
        {
            ngx_log_error(NGX_LOG_INFO, ws->connection->log, 0,
                          "pad: invalid UTF-8 in a websocket text message");

            ngx_pad_outq_drop_unsent(&ws->outq);
            ngx_pad_ws_close(ws, NGX_PAD_WS_CLOSE_BAD_DATA,
                             "invalid UTF-8");
            ws->close_received = 1;
            return;
        }

        if (ws->close_sent) {
            /* closing: data is no longer delivered */
            continue;
        }

        if (ev.message_end && ws->msg_len == 0 && ev.frame_start) {
            /* a whole message in one chunk: no copy */
            ngx_pad_ws_on_message(ws, ev.data, ev.len);
            continue;
        }

        if (ws->msg_len + ev.len > ws->msg_cap) {
            cap = ws->msg_cap ? ws->msg_cap : 1024;

            while (cap < ws->msg_len + ev.len) {
                cap *= 2;
            }

            /* grow with the data, not with the declared length */

            cap = ngx_min(cap, ws->conf->max_payload);

            m = ngx_alloc(cap, ws->connection->log);
            if (m == NULL) {
                ngx_pad_ws_close(ws, NGX_PAD_WS_CLOSE_INTERNAL,
                                 "out of memory");
                ws->close_received = 1;
                return;
            }

            if (ws->msg) {
                ngx_memcpy(m, ws->msg, ws->msg_len);
                ngx_free(ws->msg);
            }

            ws->msg = m;
            ws->msg_cap = cap;
        }

        ngx_memcpy(ws->msg + ws->msg_len, ev.data, ev.len);
        ws->msg_len += ev.len;

        if (ev.message_end) {
            m = ws->msg;
            ws->msg = NULL;
            ws->msg_cap = 0;

            ngx_pad_ws_on_message(ws, m, ws->msg_len);

            ws->msg_len = 0;
            ngx_free(m);
        }
    }
}


static void
ngx_pad_ws_on_control(ngx_pad_ws_t *ws, ngx_uint_t opcode)
{
    ngx_uint_t          code;
    ngx_pad_payload_t  *p;

    switch (opcode) {

    case NGX_PAD_WS_OP_PING:
        if (ws->close_sent) {
            return;
        }

        p = ngx_pad_payload_from(ws->ctl, ws->ctl_len, ws->connection->log);
        if (p == NULL) {
            ws->finalize = 1;
            return;
        }

        if (ngx_pad_ws_send(ws, p, NGX_PAD_WS_OP_PONG) == NGX_ERROR) {
            ws->finalize = 1;
        }

        ngx_pad_payload_unref(p);
        return;

    case NGX_PAD_WS_OP_PONG:
        return;

    default: /* NGX_PAD_WS_OP_CLOSE */
        ws->close_received = 1;

        if (ws->ctl_len == 0) {
            code = NGX_PAD_WS_CLOSE_NORMAL;

        } else if (ws->ctl_len == 1) {
            ngx_pad_ws_close(ws, NGX_PAD_WS_CLOSE_PROTOCOL,
                             "invalid close frame");
            goto check;

        } else {
            code = (ws->ctl[0] << 8) | ws->ctl[1];

            if (!ngx_pad_ws_close_code_valid(code)) {
                ngx_pad_ws_close(ws, NGX_PAD_WS_CLOSE_PROTOCOL,
                                 "invalid close code");
                goto check;
            }

            if (!ngx_pad_utf8_valid(ws->ctl + 2, ws->ctl_len - 2)) {
                ngx_pad_ws_close(ws, NGX_PAD_WS_CLOSE_BAD_DATA,
                                 "invalid UTF-8 in close reason");
                goto check;
            }
        }

        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, ws->connection->log, 0,
                       "pad ws: client close %ui", code);

        /* echo the code; after it is written the connection closes */
        ngx_pad_ws_close(ws, code, NULL);

    check:

        if (ws->outq.head == NULL) {
            ws->finalize = 1;
        }

        return;
    }
}


static void
ngx_pad_ws_on_message(ngx_pad_ws_t *ws, u_char *data, size_t len)
{
    ngx_pad_eio_session_t  *s;

    s = ws->session;

    if (s == NULL) {
        return;
    }

    ngx_pad_eio_ref(s);
    ngx_pad_eio_on_packet(s, data, len, 1);
    ngx_pad_eio_unref(s);
}


static void
ngx_pad_ws_write_handler(ngx_event_t *wev)
{
    ngx_int_t            rc;
    ngx_pad_ws_t        *ws;
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    c = wev->data;
    r = c->data;
    ws = ngx_http_get_module_ctx(r, ngx_pad_module);

    ngx_http_set_log_request(c->log, r);

    if (ngx_pad_ws_may_wait(ws)) {
        ngx_pad_ws_delay_write(ws);
        return;
    }

    ngx_pad_ws_undelay(ws);

    if (ws->finalize) {
        ngx_pad_ws_finalize(ws);
        return;
    }

    rc = ngx_pad_outq_write(c, &ws->outq);

    if (rc == NGX_ERROR) {
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "pad: websocket write failed");
        ngx_pad_ws_finalize(ws);
        return;
    }

    if (ws->above_lowat && ws->outq.bytes < ngx_pad_lowat(ws->conf)) {
        ws->above_lowat = 0;

        if (ws->session) {
            ngx_pad_eio_ws_drained(ws->session);
        }
    }

    if (rc == NGX_AGAIN) {
        if (ngx_handle_write_event(wev, 0) != NGX_OK) {
            ngx_pad_ws_finalize(ws);
        }

        return;
    }

    if (ws->closing && ws->outq.head == NULL) {
        if (ws->close_received || ws->finalize) {
            ngx_pad_ws_finalize(ws);
        }

        /* else: wait for the client's close frame (or the timer) */
    }
}


/* the client's close frame did not come in time */

static void
ngx_pad_ws_timer_handler(ngx_event_t *ev)
{
    ngx_pad_ws_t  *ws;

    ws = ev->data;

    ngx_http_set_log_request(ws->connection->log, ws->request);

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, ws->connection->log, 0,
                   "pad ws: close wait timed out");

    ngx_pad_ws_finalize(ws);
}


static void
ngx_pad_ws_finalize(ngx_pad_ws_t *ws)
{
    ssize_t              n;
    ngx_uint_t           i;
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    c = ws->connection;
    r = ws->request;

    ngx_pad_ws_detach(ws);

    /*
     * Unread bytes at close() make the kernel send a RST, which can make
     * the client lose our close frame: drain what has arrived.
     */

    for (i = 0; i < 4 && !c->error && c->read->ready; i++) {
        n = c->recv(c, ngx_pad_ws_rbuf, NGX_PAD_READ_BUF);

        if (n <= 0) {
            break;
        }
    }

    if (ws->timer.timer_set) {
        ngx_del_timer(&ws->timer);
    }

    c->idle = 0;

    ngx_http_finalize_request(r, NGX_ERROR);
    ngx_http_run_posted_requests(c);
}


/* r->pool cleanup: the request (and connection) is going away */

static void
ngx_pad_ws_cleanup(void *data)
{
    ngx_pad_ws_t  *ws = data;

    ngx_pad_ws_detach(ws);
    ngx_pad_ws_undelay(ws);

    if (ws->timer.timer_set) {
        ngx_del_timer(&ws->timer);
    }

    if (ws->timer.posted) {
        ngx_delete_posted_event(&ws->timer);
    }

    ngx_pad_outq_free(&ws->outq);

    if (ws->msg) {
        ngx_free(ws->msg);
        ws->msg = NULL;
    }
}
