
/*
 * The Engine.IO polling transport of this worker: the handshake, the
 * long-polling GET (held as the session's sink until the session answers
 * it) and the POST of 0x1e-separated packets.
 */


#include "transport/ngx_pad_transport.h"


/* a GET held as the session's pending poll (lives in the request pool) */

typedef struct {
    ngx_pad_sink_t              sink;
    ngx_http_request_t         *request;
    ngx_pad_eio_session_t      *session;       /* NULL once answered */
    ngx_event_handler_pt        read_handler;  /* saved, HTTP/1.x */
} ngx_pad_poll_t;


static void ngx_pad_poll_flush(ngx_pad_sink_t *k, ngx_pad_outq_t *q);
static void ngx_pad_poll_read_handler(ngx_event_t *rev);
static void ngx_pad_poll_get_cleanup(void *data);
static void ngx_pad_poll_body_handler(ngx_http_request_t *r);
static void ngx_pad_poll_post_cleanup(void *data);


ngx_int_t
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

    return ngx_pad_http_answer(r, NGX_HTTP_OK, "text/plain; charset=UTF-8",
                               open.data, open.len);
}


ngx_int_t
ngx_pad_poll_get(ngx_http_request_t *r, ngx_pad_eio_session_t *s)
{
    ngx_pad_poll_t      *p;
    ngx_connection_t    *c;
    ngx_pool_cleanup_t  *cln;

    if (s->state == NGX_PAD_EIO_HANDING) {
        /* the session moves to the worker of its WebSocket */
        return ngx_pad_eio_refuse(r, NGX_HTTP_BAD_REQUEST,
                                  NGX_PAD_ERR_BAD_REQUEST);
    }

    if (s->poll) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "pad: overlapping polling GET, closing session");
        ngx_pad_eio_close(s, "poll overlap");
        return ngx_pad_eio_refuse(r, NGX_HTTP_BAD_REQUEST,
                                  NGX_PAD_ERR_BAD_REQUEST);
    }

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_pcalloc(r->pool, sizeof(ngx_pad_poll_t));
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln->handler = ngx_pad_poll_get_cleanup;
    cln->data = p;

    c = r->connection;

    p->sink.flush = ngx_pad_poll_flush;
    p->request = r;
    p->session = s;
    s->poll = &p->sink;
    ngx_pad_log_vars_note(r, s);

    ngx_http_set_ctx(r, p, ngx_pad_module);

    r->main->count++;
    r->write_event_handler = ngx_http_request_empty_handler;
    r->read_event_handler = ngx_http_test_reading;

#if (NGX_HTTP_V2)
    if (r->stream == NULL)
#endif
    {
        /* HTTP/1.x: a graceful shutdown must reach us (c->idle) */
        p->read_handler = c->read->handler;
        c->read->handler = ngx_pad_poll_read_handler;
        c->idle = 1;
    }

    if ((s->state == NGX_PAD_EIO_PROBED || s->remote_probe)
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
    ngx_pad_poll_t      *p;
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    c = rev->data;
    r = c->data;

    ngx_http_set_log_request(c->log, r);

    p = ngx_http_get_module_ctx(r, ngx_pad_module);

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

    if (p && p->session && p->read_handler) {
        p->read_handler(rev);
        return;
    }

    /* not expected: the GET was answered and the handler restored */
    r->read_event_handler(r);
}


/* the sink: answers the GET now with the packets of q (emptied) */

static void
ngx_pad_poll_flush(ngx_pad_sink_t *k, ngx_pad_outq_t *q)
{
    ngx_buf_t           *b;
    ngx_pad_poll_t      *p;
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    p = (ngx_pad_poll_t *) k;
    r = p->request;
    c = r->connection;

    p->session = NULL;
    ngx_http_set_ctx(r, NULL, ngx_pad_module);

    if (c->read->handler == ngx_pad_poll_read_handler) {
        c->read->handler = p->read_handler;
        c->idle = 0;
    }

    b = ngx_pad_outq_join(q, r->pool);
    if (b == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_finalize_request(r,
        ngx_pad_http_answer(r, NGX_HTTP_OK, "text/plain; charset=UTF-8",
                            b->pos, b->last - b->pos));
}


static void
ngx_pad_poll_get_cleanup(void *data)
{
    ngx_pad_poll_t  *p = data;

    if (p->session == NULL) {
        return;
    }

    /* the GET went away unanswered (client closed it) */

    if (p->session->poll == &p->sink) {
        p->session->poll = NULL;
    }

    p->session = NULL;
}


ngx_int_t
ngx_pad_poll_post(ngx_http_request_t *r, ngx_pad_eio_session_t *s)
{
    ngx_int_t            rc;
    ngx_pool_cleanup_t  *cln;

    if (s->posting) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "pad: overlapping polling POST, closing session");
        ngx_pad_eio_close(s, "post overlap");
        return ngx_pad_eio_refuse(r, NGX_HTTP_BAD_REQUEST,
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
    ngx_pad_log_vars_note(r, s);

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
    u_char                 *body;
    size_t                  len;
    ngx_pad_eio_session_t  *s;

    s = ngx_http_get_module_ctx(r, ngx_pad_module);

    if (s == NULL || ngx_pad_eio_closed(s)) {
        ngx_http_finalize_request(r,
                  ngx_pad_eio_refuse(r, NGX_HTTP_BAD_REQUEST,
                                     NGX_PAD_ERR_SID));
        return;
    }

    len = ngx_pad_request_body_len(r);

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
                  ngx_pad_eio_refuse(r, NGX_HTTP_BAD_REQUEST,
                                     NGX_PAD_ERR_BAD_REQUEST));
        return;
    }

    body = ngx_pad_request_body(r, len);
    if (body == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_pad_eio_on_payload(s, body, len);

    ngx_http_finalize_request(r,
              ngx_pad_http_answer(r, NGX_HTTP_OK, "text/html",
                                  (u_char *) "ok", 2));
}
