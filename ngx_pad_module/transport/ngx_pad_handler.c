
/*
 * The "pad_socketio" content handler: Engine.IO request checks (answered
 * with engine.io's own error codes), the polling transport (handshake,
 * long-polling GET, POST of 0x1e-separated packets) and the hand-off of
 * WebSocket requests to ngx_pad_ws.c.
 */


#include "transport/ngx_pad_transport.h"
#include "transport/ngx_pad_relay.h"


#define NGX_PAD_ERR_TRANSPORT    0
#define NGX_PAD_ERR_SID          1
#define NGX_PAD_ERR_METHOD       2
#define NGX_PAD_ERR_BAD_REQUEST  3
#define NGX_PAD_ERR_VERSION      5


static ngx_int_t ngx_pad_error(ngx_http_request_t *r, ngx_uint_t status,
    ngx_uint_t code);
static ngx_int_t ngx_pad_send_text(ngx_http_request_t *r, ngx_uint_t status,
    const char *type, u_char *data, size_t len);
static ngx_int_t ngx_pad_poll_handshake(ngx_http_request_t *r,
    ngx_pad_loc_conf_t *plcf);
static ngx_int_t ngx_pad_poll_get(ngx_http_request_t *r,
    ngx_pad_eio_session_t *s);
static ngx_int_t ngx_pad_poll_post(ngx_http_request_t *r,
    ngx_pad_eio_session_t *s);
static void ngx_pad_poll_body_handler(ngx_http_request_t *r);
static void ngx_pad_poll_read_handler(ngx_event_t *rev);
static void ngx_pad_poll_get_cleanup(void *data);
static void ngx_pad_poll_post_cleanup(void *data);


static const char  *ngx_pad_errors[] = {
    "Transport unknown",
    "Session ID unknown",
    "Bad handshake method",
    "Bad request",
    "Forbidden",
    "Unsupported protocol version"
};


ngx_int_t
ngx_pad_transport_init_process(ngx_cycle_t *cycle, ngx_uint_t socketio)
{
    if (!socketio) {
        return NGX_OK;
    }

    if (ngx_pad_ws_init_worker(cycle) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_pad_eio_init_worker(cycle);
}


void
ngx_pad_transport_exit_process(ngx_cycle_t *cycle)
{
    ngx_pad_eio_exit_worker(cycle);
    ngx_pad_ws_exit_worker();
    ngx_pad_outq_cleanup_worker();
}


ngx_int_t
ngx_pad_http_handler(ngx_http_request_t *r)
{
    ngx_int_t               rc;
    ngx_str_t               eio, transport, sid;
    ngx_uint_t              websocket;
    ngx_pad_loc_conf_t     *plcf;
    ngx_pad_eio_session_t  *s;

    plcf = ngx_http_get_module_loc_conf(r, ngx_pad_module);

    /* the order of checks is engine.io's (Server.verify, handshake) */

    if (ngx_http_arg(r, (u_char *) "transport", 9, &transport) != NGX_OK) {
        transport.len = 0;
    }

    if (transport.len == 7
        && ngx_strncmp(transport.data, "polling", 7) == 0)
    {
        websocket = 0;

    } else if (transport.len == 9
               && ngx_strncmp(transport.data, "websocket", 9) == 0)
    {
        websocket = 1;

    } else {
        return ngx_pad_error(r, NGX_HTTP_BAD_REQUEST,
                             NGX_PAD_ERR_TRANSPORT);
    }

    if (ngx_http_arg(r, (u_char *) "sid", 3, &sid) == NGX_OK) {

        s = ngx_pad_eio_lookup(&sid);

        if (s == NULL) {
            /*
             * Another worker's session: relay a polling request to it;
             * an upgrade takes the session over (the handover).
             */
            rc = websocket ? ngx_pad_relay_ws_handler(r, &sid, plcf)
                           : ngx_pad_relay_handler(r, &sid, plcf);
            if (rc != NGX_DECLINED) {
                return rc;
            }
        }

        if (s == NULL || s->closed) {
            return ngx_pad_error(r, NGX_HTTP_BAD_REQUEST, NGX_PAD_ERR_SID);
        }

        if (websocket) {
            if (r->headers_in.upgrade == NULL) {
                return ngx_pad_error(r, NGX_HTTP_BAD_REQUEST,
                                     NGX_PAD_ERR_BAD_REQUEST);
            }

            if (s->transport != NGX_PAD_EIO_POLLING || s->ws) {
                return ngx_pad_error(r, NGX_HTTP_BAD_REQUEST,
                                     NGX_PAD_ERR_BAD_REQUEST);
            }

            return ngx_pad_ws_handshake(r, s);
        }

        if (s->transport != NGX_PAD_EIO_POLLING) {
            return ngx_pad_error(r, NGX_HTTP_BAD_REQUEST,
                                 NGX_PAD_ERR_BAD_REQUEST);
        }

        if (r->method == NGX_HTTP_GET) {
            return ngx_pad_poll_get(r, s);
        }

        if (r->method == NGX_HTTP_POST) {
            return ngx_pad_poll_post(r, s);
        }

        return ngx_pad_error(r, NGX_HTTP_BAD_REQUEST,
                             NGX_PAD_ERR_BAD_REQUEST);
    }

    if (r->method != NGX_HTTP_GET) {
        return ngx_pad_error(r, NGX_HTTP_BAD_REQUEST, NGX_PAD_ERR_METHOD);
    }

    if (ngx_http_arg(r, (u_char *) "EIO", 3, &eio) != NGX_OK
        || eio.len != 1 || eio.data[0] != '4')
    {
        return ngx_pad_error(r, NGX_HTTP_BAD_REQUEST, NGX_PAD_ERR_VERSION);
    }

    if (websocket) {
        if (r->headers_in.upgrade == NULL) {
            return ngx_pad_error(r, NGX_HTTP_BAD_REQUEST,
                                 NGX_PAD_ERR_BAD_REQUEST);
        }

        return ngx_pad_ws_handshake(r, NULL);
    }

    return ngx_pad_poll_handshake(r, plcf);
}


static ngx_int_t
ngx_pad_error(ngx_http_request_t *r, ngx_uint_t status, ngx_uint_t code)
{
    u_char  *p;
    size_t   len;

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "pad: engine.io request refused: %s",
                  ngx_pad_errors[code]);

    len = sizeof("{\"code\":,\"message\":\"\"}") + NGX_INT_T_LEN
          + ngx_strlen(ngx_pad_errors[code]);

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = ngx_sprintf(p, "{\"code\":%ui,\"message\":\"%s\"}",
                      code, ngx_pad_errors[code]) - p;

    return ngx_pad_send_text(r, status, "application/json", p, len);
}


static ngx_int_t
ngx_pad_send_text(ngx_http_request_t *r, ngx_uint_t status, const char *type,
    u_char *data, size_t len)
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
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    r->headers_out.status = status;
    r->headers_out.content_length_n = len;
    r->headers_out.content_type.data = (u_char *) type;
    r->headers_out.content_type.len = ngx_strlen(type);
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


static ngx_int_t
ngx_pad_poll_handshake(ngx_http_request_t *r, ngx_pad_loc_conf_t *plcf)
{
    ngx_str_t               open;
    ngx_pad_eio_session_t  *s;

    s = ngx_pad_eio_create(r, plcf, NGX_PAD_EIO_POLLING);
    if (s == NULL) {
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    if (ngx_pad_eio_open_packet(s, &open, r->pool) != NGX_OK) {
        ngx_pad_eio_close(s, "internal error");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_pad_send_text(r, NGX_HTTP_OK, "text/plain; charset=UTF-8",
                             open.data, open.len);
}


static ngx_int_t
ngx_pad_poll_get(ngx_http_request_t *r, ngx_pad_eio_session_t *s)
{
    ngx_connection_t    *c;
    ngx_pool_cleanup_t  *cln;

    if (s->handing) {
        /* the session moves to the worker of its WebSocket */
        return ngx_pad_error(r, NGX_HTTP_BAD_REQUEST,
                             NGX_PAD_ERR_BAD_REQUEST);
    }

    if (s->poll || s->relay) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "pad: overlapping polling GET, closing session");
        ngx_pad_eio_close(s, "poll overlap");
        return ngx_pad_error(r, NGX_HTTP_BAD_REQUEST,
                             NGX_PAD_ERR_BAD_REQUEST);
    }

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln->handler = ngx_pad_poll_get_cleanup;
    cln->data = s;

    c = r->connection;

    s->poll = r;
    s->poll_cln = cln;

    ngx_http_set_ctx(r, s, ngx_pad_module);

    r->main->count++;
    r->write_event_handler = ngx_http_request_empty_handler;
    r->read_event_handler = ngx_http_test_reading;

    s->poll_read_handler = NULL;

#if (NGX_HTTP_V2)
    if (r->stream == NULL)
#endif
    {
        /* HTTP/1.x: a graceful shutdown must reach us (c->idle) */
        s->poll_read_handler = c->read->handler;
        c->read->handler = ngx_pad_poll_read_handler;
        c->idle = 1;
    }

    if (((s->upgrading && s->probed) || s->remote_probe)
        && s->pollq.head == NULL)
    {
        /* the client pauses polling to finish the upgrade: noop */
        s->remote_probe = 0;
        (void) ngx_pad_eio_send_str(s, "6", 1);
    }

    if (s->pollq.head) {
        ngx_pad_eio_flush_poll(s);
    }

    return NGX_DONE;
}


/* the held GET's connection: client gone, or graceful shutdown */

static void
ngx_pad_poll_read_handler(ngx_event_t *rev)
{
    ngx_connection_t       *c;
    ngx_http_request_t     *r;
    ngx_pad_eio_session_t  *s;

    c = rev->data;
    r = c->data;

    ngx_http_set_log_request(c->log, r);

    s = ngx_http_get_module_ctx(r, ngx_pad_module);

    if (c->close && !c->error) {
        c->close = 0;
        c->idle = 0;

        /*
         * Graceful shutdown: every session of the worker closes, this
         * GET (and every other pending one) is answered with "1".
         * The connection may be gone on return: touch nothing.
         */

        ngx_pad_eio_shutdown();
        return;
    }

    if (s && s->poll == r && s->poll_read_handler) {
        s->poll_read_handler(rev);
        return;
    }

    /* not expected: the GET was answered and the handler restored */
    r->read_event_handler(r);
}


/* packets for the pending GET: answer it from a posted event */

void
ngx_pad_eio_flush_poll(ngx_pad_eio_session_t *s)
{
    if (s->closed) {
        return;
    }

    if (s->poll == NULL) {
        ngx_pad_relay_flush(s);
        return;
    }

    if (!s->post.posted) {
        ngx_post_event(&s->post, &ngx_posted_events);
    }
}


/* answers the pending GET now with the packets of q (emptied) */

void
ngx_pad_poll_answer(ngx_pad_eio_session_t *s, ngx_pad_outq_t *q)
{
    ngx_int_t            rc;
    ngx_buf_t           *b;
    ngx_chain_t          out;
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = s->poll;

    if (r == NULL) {
        ngx_pad_relay_answer(s, q);
        return;
    }

    c = r->connection;

    s->poll = NULL;
    s->poll_cln->data = NULL;
    s->poll_cln = NULL;
    ngx_http_set_ctx(r, NULL, ngx_pad_module);

    if (c->read->handler == ngx_pad_poll_read_handler) {
        c->read->handler = s->poll_read_handler;
        c->idle = 0;
    }

    s->poll_read_handler = NULL;

    b = ngx_pad_outq_join(q, r->pool);
    if (b == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    b->last_buf = 1;
    b->last_in_chain = 1;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = b->last - b->pos;
    ngx_str_set(&r->headers_out.content_type, "text/plain; charset=UTF-8");
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        ngx_http_finalize_request(r, rc);
        return;
    }

    out.buf = b;
    out.next = NULL;

    ngx_http_finalize_request(r, ngx_http_output_filter(r, &out));
}


static void
ngx_pad_poll_get_cleanup(void *data)
{
    ngx_pad_eio_session_t  *s = data;

    if (s == NULL) {
        return;
    }

    /* the GET went away unanswered (client closed it) */

    s->poll = NULL;
    s->poll_cln = NULL;
}


static ngx_int_t
ngx_pad_poll_post(ngx_http_request_t *r, ngx_pad_eio_session_t *s)
{
    ngx_int_t            rc;
    ngx_pool_cleanup_t  *cln;

    if (s->posting) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "pad: overlapping polling POST, closing session");
        ngx_pad_eio_close(s, "post overlap");
        return ngx_pad_error(r, NGX_HTTP_BAD_REQUEST,
                             NGX_PAD_ERR_BAD_REQUEST);
    }

    if (r->headers_in.content_length_n > (off_t) s->conf->max_payload) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "pad: polling POST of %O bytes over pad_max_payload",
                      r->headers_in.content_length_n);
        ngx_pad_eio_close(s, "payload too large");
        return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_pad_eio_ref(s);
    s->posting = 1;

    cln->handler = ngx_pad_poll_post_cleanup;
    cln->data = s;

    ngx_http_set_ctx(r, s, ngx_pad_module);

    r->request_body_in_single_buf = 1;

    rc = ngx_http_read_client_request_body(r, ngx_pad_poll_body_handler);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_pad_poll_post_cleanup(void *data)
{
    ngx_pad_eio_session_t  *s = data;

    s->posting = 0;
    ngx_pad_eio_unref(s);
}


static void
ngx_pad_poll_body_handler(ngx_http_request_t *r)
{
    u_char                 *body, *pkt;
    size_t                  len, plen;
    ngx_chain_t            *cl;
    const u_char           *pos;
    ngx_pad_eio_session_t  *s;

    s = ngx_http_get_module_ctx(r, ngx_pad_module);

    if (s == NULL || s->closed) {
        ngx_http_finalize_request(r,
                  ngx_pad_error(r, NGX_HTTP_BAD_REQUEST, NGX_PAD_ERR_SID));
        return;
    }

    len = 0;

    if (r->request_body) {
        for (cl = r->request_body->bufs; cl; cl = cl->next) {
            len += ngx_buf_size(cl->buf);
        }
    }

    if (len > s->conf->max_payload) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "pad: polling POST of %uz bytes over pad_max_payload",
                      len);
        ngx_pad_eio_close(s, "payload too large");
        ngx_http_finalize_request(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE);
        return;
    }

    if (len == 0) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "pad: empty polling POST, closing session");
        ngx_pad_eio_close(s, "parse error");
        ngx_http_finalize_request(r,
                  ngx_pad_error(r, NGX_HTTP_BAD_REQUEST,
                                NGX_PAD_ERR_BAD_REQUEST));
        return;
    }

    body = ngx_pad_request_body(r, len);
    if (body == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    pos = body;

    while (!s->closed
           && ngx_pad_eio_payload_next(&pos, body + len,
                                       (const u_char **) &pkt, &plen))
    {
        ngx_pad_eio_on_packet(s, pkt, plen, 0);
    }

    ngx_http_finalize_request(r,
              ngx_pad_send_text(r, NGX_HTTP_OK, "text/html",
                                (u_char *) "ok", 2));
}


/*
 * The request body (len bytes, len > 0) as one contiguous buffer: the
 * buffer itself when it is one in memory, else a copy in r->pool.
 */

u_char *
ngx_pad_request_body(ngx_http_request_t *r, size_t len)
{
    u_char       *body, *p;
    ssize_t       n;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    cl = r->request_body->bufs;

    if (cl->next == NULL && !cl->buf->in_file) {
        return cl->buf->pos;
    }

    body = ngx_pnalloc(r->pool, len);
    if (body == NULL) {
        return NULL;
    }

    p = body;

    for ( /* void */ ; cl; cl = cl->next) {
        b = cl->buf;

        if (b->in_file) {
            n = ngx_read_file(b->file, p, (size_t) (b->file_last
                                                    - b->file_pos),
                              b->file_pos);
            if (n != b->file_last - b->file_pos) {
                return NULL;
            }

            p += n;

        } else {
            p = ngx_cpymem(p, b->pos, b->last - b->pos);
        }
    }

    return body;
}
