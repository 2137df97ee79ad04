
/*
 * Short HTTP answers of the transport, one function for all of them: the
 * Engine.IO handshake and errors, the polling answers (local and
 * relayed), the refusals of a WebSocket handshake; and the request body
 * as one buffer.  The lowest file of the transport: it calls no other.
 */


#include "transport/ngx_pad_transport.h"


static const char  *ngx_pad_eio_errors[] = {
    "Transport unknown",
    "Session ID unknown",
    "Bad handshake method",
    "Bad request",
    "Forbidden",
    "Unsupported protocol version"
};


/*
 * Answers r with one in-memory body (data lives at least as long as r's
 * pool); the request body, if any, is discarded.  Returns what a content
 * handler returns (or what ngx_http_finalize_request() takes).
 */

ngx_int_t
ngx_pad_http_answer(ngx_http_request_t *r, ngx_uint_t status,
    const char *type, u_char *data, size_t len)
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


const char *
ngx_pad_eio_error_message(ngx_uint_t code)
{
    if (code >= sizeof(ngx_pad_eio_errors) / sizeof(ngx_pad_eio_errors[0])) {
        code = NGX_PAD_ERR_BAD_REQUEST;
    }

    return ngx_pad_eio_errors[code];
}


/* {"code":N,"message":"..."} into buf (NGX_PAD_EIO_ERROR_LEN bytes) */

u_char *
ngx_pad_eio_error_json(u_char *buf, ngx_uint_t code)
{
    return ngx_sprintf(buf, "{\"code\":%ui,\"message\":\"%s\"}",
                       code, ngx_pad_eio_error_message(code));
}


/* an Engine.IO error answer, as engine.io's Server sends it */

ngx_int_t
ngx_pad_eio_error_answer(ngx_http_request_t *r, ngx_uint_t status,
    ngx_uint_t code)
{
    u_char  *p, *last;

    p = ngx_pnalloc(r->pool, NGX_PAD_EIO_ERROR_LEN);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    last = ngx_pad_eio_error_json(p, code);

    return ngx_pad_http_answer(r, status, "application/json", p, last - p);
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


/* the size of a request body read in memory or in a file */

size_t
ngx_pad_request_body_len(ngx_http_request_t *r)
{
    size_t        len;
    ngx_chain_t  *cl;

    len = 0;

    if (r->request_body) {
        for (cl = r->request_body->bufs; cl; cl = cl->next) {
            len += ngx_buf_size(cl->buf);
        }
    }

    return len;
}


/* an Engine.IO request refused, logged */

ngx_int_t
ngx_pad_eio_refuse(ngx_http_request_t *r, ngx_uint_t status, ngx_uint_t code)
{
    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "pad: engine.io request refused: %s",
                  ngx_pad_eio_error_message(code));

    return ngx_pad_eio_error_answer(r, status, code);
}
