
/*
 * Engine.IO session ids, what a session keeps of its handshake and the
 * open packet.
 *
 * A session id is 20 base64url characters encoding 15 bytes:
 *   0..3   a random id of this worker process (fresh on every start)
 *   4      ngx_worker (the worker slot)
 *   5..8   a counter
 *   9..14  random
 * so the owner of a session can be told from its id alone
 * (ngx_pad_eio_sid_owner()).
 */


#include <sys/random.h>

#include "transport/ngx_pad_transport.h"
#include "request/ngx_pad_request.h"


#define NGX_PAD_RANDOM_POOL  1024


static uint32_t           ngx_pad_eio_counter;
static u_char             ngx_pad_eio_instance[4];
static u_char             ngx_pad_random_pool[NGX_PAD_RANDOM_POOL];
static size_t             ngx_pad_random_left;


void
ngx_pad_eio_id_init_worker(void)
{
    ngx_pad_random_left = 0;

    ngx_pad_eio_random(ngx_pad_eio_instance, 4);
    ngx_pad_eio_random((u_char *) &ngx_pad_eio_counter, 4);
}


/* a new session id of this worker (NGX_PAD_SID_LEN characters) */

void
ngx_pad_eio_new_sid(u_char *sid)
{
    u_char     raw[15];
    ngx_str_t  src, dst;

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
    dst.data = sid;
    ngx_encode_base64url(&dst, &src);
}


void
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


ngx_int_t
ngx_pad_eio_copy_request(ngx_pad_eio_session_t *s, ngx_http_request_t *r)
{
    u_char     *p;
    ngx_str_t   v;

    if (r->args.len) {
        s->args.data = ngx_alloc(r->args.len, s->log);
        if (s->args.data == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(s->args.data, r->args.data, r->args.len);
        s->args.len = r->args.len;
    }

    /* the client's address, for the site's access check */

    if (r->connection->addr_text.len) {
        s->addr.data = ngx_alloc(r->connection->addr_text.len, s->log);
        if (s->addr.data == NULL) {
            return NGX_ERROR;
        }

        s->addr.len = ngx_cpymem(s->addr.data, r->connection->addr_text.data,
                                 r->connection->addr_text.len)
                      - s->addr.data;
    }

    if (ngx_pad_request_cookies(r, &v) != NGX_OK) {
        return NGX_ERROR;
    }

    if (v.len) {
        s->cookie.data = ngx_alloc(v.len, s->log);
        if (s->cookie.data == NULL) {
            return NGX_ERROR;
        }

        s->cookie.len = ngx_cpymem(s->cookie.data, v.data, v.len)
                        - s->cookie.data;

    } else if (ngx_http_arg(r, (u_char *) "cookie", 6, &v) == NGX_OK
               && v.len)
    {
        /* Etherpad: Node clients pass the Cookie header as ?cookie= */

        p = ngx_alloc(v.len, s->log);
        if (p == NULL) {
            return NGX_ERROR;
        }

        s->cookie.data = p;
        ngx_unescape_uri(&p, &v.data, v.len, 0);
        s->cookie.len = p - s->cookie.data;
    }

    return NGX_OK;
}


/*
 * A later request of the session (a polling GET or POST, the WebSocket
 * upgrade) that carries a Cookie header: its cookies replace the kept
 * ones, so the access decision sees the client's latest (relayed
 * requests carry no header: the owner keeps what it had).
 */

void
ngx_pad_eio_refresh_cookie(ngx_pad_eio_session_t *s, ngx_http_request_t *r)
{
    u_char     *p;
    ngx_str_t   c;

    if (ngx_pad_request_cookies(r, &c) != NGX_OK || c.len == 0) {
        return;
    }

    if (c.len == s->cookie.len
        && ngx_memcmp(c.data, s->cookie.data, c.len) == 0)
    {
        return;
    }

    p = ngx_alloc(c.len, s->log);
    if (p == NULL) {
        return;
    }

    if (s->cookie.data) {
        ngx_free(s->cookie.data);
    }

    s->cookie.data = p;
    s->cookie.len = ngx_cpymem(p, c.data, c.len) - p;
}


ngx_int_t
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


/* the open packet of the Engine.IO handshake */
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
                    ngx_pad_eio_polling(s) ? "\"websocket\"" : "",
                    s->conf->ping_interval, s->conf->ping_timeout,
                    s->conf->max_payload);
    out->len = p - out->data;

    return NGX_OK;
}
