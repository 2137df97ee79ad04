
/*
 * The WebSocket opening handshake: what the request says is checked by
 * the pure ngx_pad_ws_hs_check() (400 with a reason, 426 for a wrong
 * version), then the 101 is sent through the HTTP filters and flushed and
 * the connection is taken over (ngx_pad_ws_start()).
 */


#include <ngx_sha1.h>

#include "transport/ngx_pad_transport.h"
#include "codec/ngx_pad_ws_handshake.h"


#define NGX_PAD_WS_GUID  "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


static ngx_table_elt_t *ngx_pad_ws_find_header(ngx_http_request_t *r,
    const char *name, size_t len);
static ngx_uint_t ngx_pad_ws_header_has_token(ngx_http_request_t *r,
    const char *name, size_t name_len, const char *token, size_t token_len);
static ngx_int_t ngx_pad_ws_validate(ngx_http_request_t *r, ngx_str_t *key,
    ngx_int_t *rc);
static ngx_int_t ngx_pad_ws_reject(ngx_http_request_t *r, ngx_uint_t status,
    const char *reason);
static ngx_int_t ngx_pad_ws_add_header(ngx_http_request_t *r,
    const char *key, ngx_str_t *value);
static ngx_int_t ngx_pad_ws_switch(ngx_http_request_t *r, ngx_str_t *key);


/*
 * Validates the upgrade request and takes the connection over.  s is the
 * session being upgraded (a probe, or a stand-in), or NULL for a direct
 * WebSocket session, which is created here.  Returns what the content
 * handler returns.
 */

ngx_int_t
ngx_pad_ws_handshake(ngx_http_request_t *r, ngx_pad_eio_session_t *s)
{
    ngx_int_t            rc;
    ngx_str_t            key;
    ngx_uint_t           created;
    ngx_pad_ws_t        *ws;
    ngx_pad_loc_conf_t  *plcf;

    plcf = ngx_http_get_module_loc_conf(r, ngx_pad_module);

    if (ngx_pad_ws_validate(r, &key, &rc) != NGX_OK) {
        return rc;
    }

    created = 0;

    if (s == NULL) {
        s = ngx_pad_eio_create(r, plcf, NGX_PAD_EIO_WEBSOCKET);
        if (s == NULL) {
            return NGX_HTTP_SERVICE_UNAVAILABLE;
        }

        created = 1;
    }

    ngx_pad_eio_ref(s);

    ws = ngx_pad_ws_create(r, plcf);

    if (ws == NULL || ngx_pad_ws_switch(r, &key) != NGX_OK) {
        if (created) {
            ngx_pad_eio_close(s, "websocket handshake failed");
        }

        ngx_pad_eio_unref(s);

        return NGX_ERROR;
    }

    /* the reference above is the WebSocket's */
    ngx_pad_ws_start(ws, s, created);

    return NGX_DONE;
}


/*
 * NGX_OK with the Sec-WebSocket-Key, or NGX_DECLINED: refused, *rc is
 * what the content handler returns
 */

static ngx_int_t
ngx_pad_ws_validate(ngx_http_request_t *r, ngx_str_t *key, ngx_int_t *rc)
{
    int               status;
    const char       *reason;
    ngx_table_elt_t  *ver, *h;
    ngx_pad_ws_hs_t   hs;

    ngx_memzero(&hs, sizeof(ngx_pad_ws_hs_t));
    ngx_str_null(key);

    hs.subrequest = (r != r->main);
#if (NGX_HTTP_V2)
    hs.http2 = (r->stream != NULL);
#endif
    hs.get = (r->method == NGX_HTTP_GET);
    hs.http11 = (r->http_version >= NGX_HTTP_VERSION_11);
    hs.upgrade = ngx_pad_ws_header_has_token(r, "Upgrade", 7,
                                             "websocket", 9);
    hs.connection = ngx_pad_ws_header_has_token(r, "Connection", 10,
                                                "upgrade", 7);
    hs.body = (r->headers_in.content_length_n > 0 || r->headers_in.chunked);

    ver = ngx_pad_ws_find_header(r, "Sec-WebSocket-Version", 21);

    if (ver) {
        hs.version = ver->value.data;
        hs.version_len = ver->value.len;

        if (hs.version == NULL) {
            hs.version = (u_char *) "";
        }
    }

    h = ngx_pad_ws_find_header(r, "Sec-WebSocket-Key", 17);

    if (h) {
        hs.key = h->value.data ? h->value.data : (u_char *) "";
        hs.key_len = h->value.len;
        *key = h->value;
    }

    status = ngx_pad_ws_hs_check(&hs, &reason);

    if (status == NGX_PAD_WS_HS_OK) {
        return NGX_OK;
    }

    *rc = ngx_pad_ws_reject(r, (ngx_uint_t) status, reason);

    return NGX_DECLINED;
}


static ngx_table_elt_t *
ngx_pad_ws_find_header(ngx_http_request_t *r, const char *name, size_t len)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == len
            && ngx_strncasecmp(h[i].key.data, (u_char *) name, len) == 0)
        {
            return &h[i];
        }
    }
}


/* whether any header "name" holds "token" in its comma-separated list */

static ngx_uint_t
ngx_pad_ws_header_has_token(ngx_http_request_t *r, const char *name,
    size_t name_len, const char *token, size_t token_len)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return 0;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == name_len
            && ngx_strncasecmp(h[i].key.data, (u_char *) name, name_len) == 0
            && ngx_pad_ws_token_in(h[i].value.data, h[i].value.len,
                                   token, token_len))
        {
            return 1;
        }
    }
}


static ngx_int_t
ngx_pad_ws_reject(ngx_http_request_t *r, ngx_uint_t status,
    const char *reason)
{
    u_char     *p;
    size_t      len;
    ngx_str_t   v;

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "pad: websocket handshake refused: %s", reason);

    if (status == NGX_PAD_WS_HS_UPGRADE_NEEDED) {
        ngx_str_set(&v, "13");

        if (ngx_pad_ws_add_header(r, "Sec-WebSocket-Version", &v) != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        /* not in nginx's status table */
        ngx_str_set(&r->headers_out.status_line, "426 Upgrade Required");
    }

    len = ngx_strlen(reason);

    p = ngx_pnalloc(r->pool, len + 1);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(p, reason, len);
    p[len] = LF;

    r->keepalive = 0;

    return ngx_pad_http_answer(r, status, "text/plain", p, len + 1);
}


static ngx_int_t
ngx_pad_ws_add_header(ngx_http_request_t *r, const char *key,
    ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif
    h->key.data = (u_char *) key;
    h->key.len = ngx_strlen(key);
    h->value = *value;

    return NGX_OK;
}


/* the 101 with Sec-WebSocket-Accept = base64(sha1(key + GUID)), flushed */

static ngx_int_t
ngx_pad_ws_switch(ngx_http_request_t *r, ngx_str_t *key)
{
    ngx_int_t          rc;
    ngx_str_t          hash, accept, upgrade;
    ngx_sha1_t         sha1;
    ngx_connection_t  *c;
    u_char             digest[20];

    c = r->connection;

    ngx_sha1_init(&sha1);
    ngx_sha1_update(&sha1, key->data, key->len);
    ngx_sha1_update(&sha1, NGX_PAD_WS_GUID, sizeof(NGX_PAD_WS_GUID) - 1);
    ngx_sha1_final(digest, &sha1);

    accept.data = ngx_pnalloc(r->pool, ngx_base64_encoded_length(20));
    if (accept.data == NULL) {
        return NGX_ERROR;
    }

    hash.data = digest;
    hash.len = 20;
    ngx_encode_base64(&accept, &hash);

    ngx_str_set(&upgrade, "websocket");

    if (ngx_pad_ws_add_header(r, "Upgrade", &upgrade) != NGX_OK
        || ngx_pad_ws_add_header(r, "Sec-WebSocket-Accept", &accept)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    r->headers_out.status = NGX_HTTP_SWITCHING_PROTOCOLS;
    ngx_str_set(&r->headers_out.status_line, "101 Switching Protocols");
    r->headers_out.content_length_n = -1;
    r->keepalive = 0;
    r->header_only = 1;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_send_special(r, NGX_HTTP_FLUSH) == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (c->buffered) {
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "pad: client did not take the 101 response");
        return NGX_ERROR;
    }

    return NGX_OK;
}
