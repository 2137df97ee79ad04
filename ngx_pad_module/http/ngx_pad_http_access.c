
/*
 * ngx_pad_module: the access decision of an export (see
 * ngx_pad_http_access.h).  The facts come from the request: the
 * "sessionID" cookie (a comma list), the "token" cookie (absent is
 * fine, as in Etherpad's export route; present and invalid is denied),
 * the whole Cookie header and the client's address for the site's check.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "msg/ngx_pad_msg.h"
#include "http/ngx_pad_http_access.h"
#include "request/ngx_pad_request.h"


typedef struct {
    ngx_http_request_t        *r;
    ngx_pad_http_access_pt     handler;
    void                      *data;
    ngx_pad_authz_t          **az;
} ngx_pad_http_access_ctx_t;


static void ngx_pad_http_decided(void *data, ngx_int_t rc,
    ngx_pad_access_t *a, ngx_str_t *author);


ngx_int_t
ngx_pad_http_access(ngx_http_request_t *r, ngx_str_t *pad,
    ngx_uint_t readonly_id, ngx_pad_http_access_pt handler, void *data,
    ngx_pad_authz_t **az)
{
    u_char                     *p, *src;
    ngx_str_t                   v, none;
    ngx_uint_t                  i;
    ngx_pad_str_t               ids[NGX_PAD_ACCESS_IDS_MAX], t;
    ngx_pad_access_t            a;
    ngx_pad_authz_input_t       in;
    ngx_pad_http_access_ctx_t  *ctx;

    ctx = ngx_palloc(r->pool, sizeof(ngx_pad_http_access_ctx_t));
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    ctx->r = r;
    ctx->handler = handler;
    ctx->data = data;
    ctx->az = az;

    ngx_memzero(&in, sizeof(ngx_pad_authz_input_t));

    in.pad = *pad;
    in.readonly_id = readonly_id;
    in.addr = r->connection->addr_text;
    ngx_str_set(&in.kind, "export");

    if (ngx_pad_request_cookies(r, &in.cookie) != NGX_OK) {
        return NGX_ERROR;
    }

    in.token_ok = 1;

    if (ngx_pad_request_cookie(&in.cookie, "token", &v) == NGX_OK) {
        t.data = (const char *) v.data;
        t.len = v.len;
        in.token_ok = ngx_pad_msg_token_valid(&t) ? 1 : 0;
        in.token = in.token_ok ? v : in.token;
    }

    if (ngx_pad_request_cookie(&in.cookie, "sessionID", &v) == NGX_OK
        && v.len)
    {
        /* %-decoded as Etherpad's cookie parser does */

        p = ngx_pnalloc(r->pool, v.len);
        if (p == NULL) {
            return NGX_ERROR;
        }

        src = v.data;
        v.data = p;
        ngx_unescape_uri(&p, &src, v.len, 0);
        v.len = p - v.data;

        in.nids = ngx_pad_access_session_ids((const char *) v.data, v.len,
                                             ids, 0, NGX_PAD_ACCESS_IDS_MAX);

        for (i = 0; i < in.nids; i++) {
            in.ids[i].data = (u_char *) ids[i].data;
            in.ids[i].len = ids[i].len;
        }
    }

    if (!ngx_pad_authz_needed(&in)) {
        ngx_pad_authz_decide_now(&in, &a);
        ngx_str_null(&none);
        *az = NULL;
        ngx_pad_http_decided(ctx, NGX_OK, &a, &none);
        return NGX_OK;
    }

    *az = ngx_pad_authz_ask(&in, r->connection->log, ngx_pad_http_decided,
                            ctx);

    return *az ? NGX_OK : NGX_ERROR;
}


static void
ngx_pad_http_decided(void *data, ngx_int_t rc, ngx_pad_access_t *a,
    ngx_str_t *author)
{
    ngx_pad_http_access_ctx_t  *ctx = data;

    *ctx->az = NULL;

    if (rc == NGX_OK && a->status == NGX_PAD_ACCESS_DENY) {
        ngx_log_error(NGX_LOG_INFO, ctx->r->connection->log, 0,
                      "pad export: \"%V\" denied: %s", &ctx->r->uri,
                      a->reason);
        rc = NGX_DECLINED;
    }

    ctx->handler(ctx->data, rc);
}


