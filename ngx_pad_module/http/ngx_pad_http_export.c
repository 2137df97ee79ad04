
/*
 * ngx_pad_module: "pad_http" locations.
 *
 *   GET /p/<pad>              200 with a small page (the pad exists for
 *                             the command line clients that fetch it
 *                             before connecting to /socket.io/);
 *   GET /p/<pad>/export/txt   the pad's text as Etherpad's exportTxt
 *                             renders it (list markers), from the latest
 *                             key snapshot and the revisions after it;
 *   GET /p/<pad>/export/html  the HTML document of Etherpad's exportHtml;
 *   GET /p/<pad>/<rev>/export/<txt|html>   after revision <rev> (a later
 *                             one than the head gives the head);
 *   GET /p/<pad>[/<rev>]/export/etherpad   the whole pad as Etherpad's
 *                             .etherpad file, streamed (the revision does
 *                             not cut it, as in Etherpad):
 *                             ngx_pad_http_export_etherpad.c;
 *
 * Exports are attachments named <pad>.<type> (<r.id>.<type> when asked by
 * the read-only id), as Etherpad's export route names them; r.<id> names
 * are resolved to their pad first.
 *
 * An id that sanitizePadId changes: the page answers 302 to the new id
 * (as Etherpad's pad route does), an export reads the new id.
 *
 * 404 for an invalid pad id or an unknown pad, 503 while Redis is
 * unreachable (the Redis client logs that once), 500 for a corrupt pad.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "msg/ngx_pad_msg.h"
#include "store/ngx_pad_store.h"
#include "http/ngx_pad_http_pad.h"
#include "http/ngx_pad_http_access.h"
#include "html/ngx_pad_html.h"
#include "http/ngx_pad_http_export_etherpad.h"
#include "http/ngx_pad_http_export.h"


typedef struct {
    ngx_http_request_t        *r;
    ngx_pad_http_pad_t         rd;
    ngx_pad_store_req_t       *sreq;        /* a read-only id resolved */
    ngx_pad_authz_t           *az;          /* the decision in flight */
    ngx_uint_t                 readonly_id;
    ngx_uint_t                 deciding;    /* inside ngx_pad_http_access */
    ngx_int_t                  decided;     /* its answer, when at once */
    ngx_uint_t                 html;        /* export/html, else txt */
    ngx_uint_t                 etherpad;    /* export/etherpad */
    ngx_str_t                  name;        /* as asked: the file name */
} ngx_pad_export_ctx_t;


static ngx_int_t ngx_pad_export_access(ngx_pad_export_ctx_t *ctx);
static ngx_int_t ngx_pad_export_start(ngx_pad_export_ctx_t *ctx);
static void ngx_pad_export_allowed(void *data, ngx_int_t rc);
static void ngx_pad_export_resolved(void *data, ngx_pad_store_result_t *res);
static void ngx_pad_export_read(ngx_pad_http_pad_t *rd);
static ngx_int_t ngx_pad_export_render(ngx_pad_export_ctx_t *ctx);
static ngx_int_t ngx_pad_export_attachment(ngx_pad_export_ctx_t *ctx);
static void ngx_pad_export_fail(ngx_pad_export_ctx_t *ctx,
    ngx_uint_t status, ngx_str_t *err);
static void ngx_pad_export_cleanup(void *data);
static ngx_int_t ngx_pad_export_send(ngx_http_request_t *r,
    ngx_uint_t status, ngx_str_t *type, u_char *body, size_t len);


static ngx_str_t  ngx_pad_export_text_type =
    ngx_string("text/plain; charset=utf-8");
static ngx_str_t  ngx_pad_export_html_type =
    ngx_string("text/html; charset=utf-8");


/*
 * As Etherpad's pad page: 302 to the sanitized id, relative to /p/, with
 * the query string kept.
 */

static ngx_int_t
ngx_pad_export_redirect(ngx_http_request_t *r, ngx_str_t *pad)
{
    u_char           *loc, *p, *body;
    size_t            len;
    ngx_table_elt_t  *h;

    len = pad->len + 2 * ngx_escape_uri(NULL, pad->data, pad->len,
                                        NGX_ESCAPE_URI_COMPONENT)
          + (r->args.len ? r->args.len + 1 : 0);

    loc = ngx_pnalloc(r->pool, len);
    if (loc == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = (u_char *) ngx_escape_uri(loc, pad->data, pad->len,
                                  NGX_ESCAPE_URI_COMPONENT);

    if (r->args.len) {
        *p++ = '?';
        p = ngx_cpymem(p, r->args.data, r->args.len);
    }

    len = p - loc;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Location");
    h->value.data = loc;
    h->value.len = len;
    r->headers_out.location = h;

    body = ngx_pnalloc(r->pool, sizeof("You should be redirected to "
                                       "<a href=\"\"></a>") + 2 * len * 6);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(body, "You should be redirected to <a href=\"",
                   sizeof("You should be redirected to <a href=\"") - 1);
    p = (u_char *) ngx_escape_html(p, loc, len);
    p = ngx_cpymem(p, "\">", 2);
    p = (u_char *) ngx_escape_html(p, loc, len);
    p = ngx_cpymem(p, "</a>", 4);

    return ngx_pad_export_send(r, NGX_HTTP_MOVED_TEMPORARILY,
                               &ngx_pad_export_html_type, body, p - body);
}


ngx_int_t
ngx_pad_http_export_handler(ngx_http_request_t *r)
{
    u_char                *p, *last, *slash, *body;
    size_t                 n;
    ngx_int_t              rc, upto;
    ngx_uint_t             html, etherpad;
    ngx_str_t              pad, rest;
    ngx_pad_str_t          ps;
    ngx_pool_cleanup_t    *cln;
    ngx_pad_export_ctx_t  *ctx;

    static ngx_str_t  forbidden = ngx_string("Such a padname is forbidden");

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    /* /p/<pad>[/export/txt] */

    p = r->uri.data;
    last = p + r->uri.len;

    if (r->uri.len < 4 || ngx_strncmp(p, "/p/", 3) != 0) {
        return NGX_HTTP_NOT_FOUND;
    }

    p += 3;
    slash = ngx_strlchr(p, last, '/');

    pad.data = p;
    pad.len = (slash ? slash : last) - p;
    rest.data = slash;
    rest.len = slash ? (size_t) (last - slash) : 0;

    ps.data = (const char *) pad.data;
    ps.len = pad.len;

    if (!ngx_pad_msg_padid_valid(&ps)) {
        return ngx_pad_export_send(r, NGX_HTTP_NOT_FOUND,
                                   &ngx_pad_export_text_type, forbidden.data,
                                   forbidden.len);
    }

    /* sanitizePadId: the page redirects, an export reads the new id */

    p = ngx_pnalloc(r->pool, pad.len);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    n = ngx_pad_msg_padid_sanitize(&ps, (char *) p);

    if (n != pad.len || ngx_memcmp(p, pad.data, n) != 0) {
        pad.data = p;
        pad.len = n;
        ps.data = (const char *) p;
        ps.len = n;

        if (rest.len == 0) {
            return ngx_pad_export_redirect(r, &pad);
        }
    }

    if (rest.len == 0) {
        body = ngx_pnalloc(r->pool, sizeof("<!doctype html><title></title>")
                                    + ngx_escape_html(NULL, pad.data, pad.len)
                                    + pad.len);
        if (body == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        p = ngx_cpymem(body, "<!doctype html><title>",
                       sizeof("<!doctype html><title>") - 1);
        p = (u_char *) ngx_escape_html(p, pad.data, pad.len);
        p = ngx_cpymem(p, "</title>", sizeof("</title>") - 1);

        return ngx_pad_export_send(r, NGX_HTTP_OK, &ngx_pad_export_html_type,
                                   body, p - body);
    }

    /* [/<rev>]/export/<txt|html> */

    upto = -1;
    p = rest.data + 1;
    slash = ngx_strlchr(p, last, '/');

    if (slash && slash > p && *p >= '0' && *p <= '9') {
        upto = ngx_atoi(p, slash - p);
        if (upto == NGX_ERROR) {
            return NGX_HTTP_NOT_FOUND;
        }

        rest.len -= slash - rest.data;
        rest.data = slash;
    }

    etherpad = 0;

    if (rest.len == sizeof("/export/html") - 1
        && ngx_strncmp(rest.data, "/export/html", rest.len) == 0)
    {
        html = 1;

    } else if (rest.len == sizeof("/export/etherpad") - 1
               && ngx_strncmp(rest.data, "/export/etherpad", rest.len) == 0)
    {
        html = 0;
        etherpad = 1;

    } else if (rest.len == sizeof("/export/txt") - 1
               && ngx_strncmp(rest.data, "/export/txt", rest.len) == 0)
    {
        html = 0;

    } else {
        return NGX_HTTP_NOT_FOUND;
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_pad_export_ctx_t));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln->handler = ngx_pad_export_cleanup;
    cln->data = ctx;

    ctx->r = r;
    ctx->rd.pad = pad;
    ctx->rd.upto = upto;
    ctx->rd.atext = 1;
    ctx->html = html;
    ctx->etherpad = etherpad;
    ctx->name = pad;
    ctx->rd.pool = r->pool;
    ctx->rd.log = r->connection->log;
    ctx->rd.handler = ngx_pad_export_read;
    ctx->rd.data = ctx;

    if (ngx_pad_msg_is_readonly_id(&ps)) {
        ctx->readonly_id = 1;
        ctx->sreq = ngx_pad_store_readonly_pad(&pad, ngx_pad_export_resolved,
                                               ctx);
        if (ctx->sreq == NULL) {
            return NGX_HTTP_SERVICE_UNAVAILABLE;
        }

    } else {
        rc = ngx_pad_export_access(ctx);

        if (rc != NGX_OK) {
            return rc;
        }
    }

    r->main->count++;

    return NGX_DONE;
}


/*
 * Etherpad's export route: checkAccess first (403, the same for a missing
 * and a forbidden pad), then the pad (404 when missing).  NGX_OK: the
 * answer comes later; else the status to answer now.
 */

static ngx_int_t
ngx_pad_export_access(ngx_pad_export_ctx_t *ctx)
{
    ctx->deciding = 1;
    ctx->decided = NGX_AGAIN;

    if (ngx_pad_http_access(ctx->r, &ctx->rd.pad, ctx->readonly_id,
                            ngx_pad_export_allowed, ctx, &ctx->az)
        != NGX_OK)
    {
        ctx->deciding = 0;
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    ctx->deciding = 0;

    switch (ctx->decided) {

    case NGX_AGAIN:
        return NGX_OK;

    case NGX_OK:
        return ngx_pad_export_start(ctx);

    case NGX_DECLINED:
        return ngx_pad_export_send(ctx->r, NGX_HTTP_FORBIDDEN,
                                   &ngx_pad_export_text_type,
                                   (u_char *) "403 - Can't touch this",
                                   sizeof("403 - Can't touch this") - 1);

    default:
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }
}


/* access granted: the pad read, or the .etherpad stream started */

static ngx_int_t
ngx_pad_export_start(ngx_pad_export_ctx_t *ctx)
{
    if (!ctx->etherpad) {
        return ngx_pad_http_pad_read(&ctx->rd) == NGX_OK
               ? NGX_OK : NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    if (ngx_pad_export_attachment(ctx) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_pad_http_export_etherpad(ctx->r, &ctx->rd.pad, &ctx->name);
}


static void
ngx_pad_export_allowed(void *data, ngx_int_t rc)
{
    ngx_pad_export_ctx_t  *ctx = data;

    if (ctx->deciding) {
        ctx->decided = rc;
        return;
    }

    if (rc == NGX_OK) {
        rc = ngx_pad_export_start(ctx);

        if (rc != NGX_OK) {
            ngx_pad_export_fail(ctx, rc, NULL);
        }

        return;
    }

    ngx_pad_export_fail(ctx, rc == NGX_DECLINED ? NGX_HTTP_FORBIDDEN
                                                : NGX_HTTP_SERVICE_UNAVAILABLE,
                        NULL);
}


static void
ngx_pad_export_resolved(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_export_ctx_t  *ctx = data;

    u_char  *p;

    ctx->sreq = NULL;

    if (res->status == NGX_ERROR) {
        ngx_pad_export_fail(ctx, NGX_HTTP_SERVICE_UNAVAILABLE, &res->err);
        return;
    }

    if (res->status == NGX_DECLINED) {
        /* Etherpad: checkAccess denies a read-only id of no pad */
        ngx_log_error(NGX_LOG_INFO, ctx->r->connection->log, 0,
                      "pad export: \"%V\" denied: a read-only id of no pad",
                      &ctx->r->uri);
        ngx_pad_export_fail(ctx, NGX_HTTP_FORBIDDEN, NULL);
        return;
    }

    p = ngx_pnalloc(ctx->r->pool, res->value.len);
    if (p == NULL) {
        ngx_pad_export_fail(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR, NULL);
        return;
    }

    ngx_memcpy(p, res->value.data, res->value.len);
    ctx->rd.pad.data = p;
    ctx->rd.pad.len = res->value.len;

    ctx->deciding = 0;

    if (ngx_pad_http_access(ctx->r, &ctx->rd.pad, 1, ngx_pad_export_allowed,
                            ctx, &ctx->az)
        != NGX_OK)
    {
        ngx_pad_export_fail(ctx, NGX_HTTP_SERVICE_UNAVAILABLE, NULL);
    }
}


static void
ngx_pad_export_read(ngx_pad_http_pad_t *rd)
{
    ngx_pad_export_ctx_t  *ctx = rd->data;

    ngx_int_t  rc;

    switch (rd->status) {

    case NGX_OK:
        rc = ngx_pad_export_render(ctx);
        ngx_http_finalize_request(ctx->r, rc);
        return;

    case NGX_DECLINED:
        ngx_pad_export_fail(ctx, NGX_HTTP_NOT_FOUND, NULL);
        return;

    case NGX_ERROR:
        ngx_pad_export_fail(ctx, NGX_HTTP_SERVICE_UNAVAILABLE, &rd->err);
        return;

    default:
        ngx_pad_export_fail(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR, NULL);
        return;
    }
}


static ngx_int_t
ngx_pad_export_render(ngx_pad_export_ctx_t *ctx)
{
    intptr_t              rc;
    ngx_int_t             sent;
    ngx_pad_ctx_t        *es;
    ngx_pad_str_t         out, title;
    ngx_pad_atext_t       at;
    ngx_pad_html_opts_t   opts;

    es = ngx_pad_ctx_create();
    if (es == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_pad_html_opts_init(&opts);

    at.text = ctx->rd.text;
    at.attribs = ctx->rd.attribs;
    title.data = (const char *) ctx->name.data;
    title.len = ctx->name.len;

    rc = ctx->html
         ? ngx_pad_html_document(es, &at, ctx->rd.apool, &title, &opts, &out)
         : ngx_pad_html_get_txt(es, &at, ctx->rd.apool, &opts, &out);

    if (rc != NGX_PAD_HTML_OK) {
        ngx_log_error(NGX_LOG_ERR, ctx->r->connection->log, 0,
                      "pad export: \"%V\": %s", &ctx->rd.pad,
                      ngx_pad_ctx_error(es));
        ngx_pad_ctx_destroy(es);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_pad_export_attachment(ctx) != NGX_OK) {
        ngx_pad_ctx_destroy(es);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    sent = ngx_pad_export_send(ctx->r, NGX_HTTP_OK,
                               ctx->html ? &ngx_pad_export_html_type
                                         : &ngx_pad_export_text_type,
                               (u_char *) out.data, out.len);

    ngx_pad_ctx_destroy(es);

    return sent;
}


/*
 * Content-Disposition as express's res.attachment() writes it: a quoted
 * file name when it is printable ASCII, else an ASCII fallback ('?' for
 * each other byte) and the RFC 5987 filename* of the UTF-8 name.
 */

static ngx_int_t
ngx_pad_export_attachment(ngx_pad_export_ctx_t *ctx)
{
    u_char           *p, *v, c;
    size_t            len, i;
    ngx_str_t        *name;
    const char       *ext;
    ngx_uint_t        plain;
    ngx_table_elt_t  *h;

    static u_char  hex[] = "0123456789ABCDEF";

    name = &ctx->name;
    plain = 1;
    ext = ctx->etherpad ? "etherpad" : ctx->html ? "html" : "txt";

    for (i = 0; i < name->len; i++) {
        c = name->data[i];
        if (c < 0x20 || c > 0x7e || c == '%') {
            plain = 0;
        }
    }

    /* attachment; filename="<name>.html"; filename*=UTF-8''<pct>.html */
    len = sizeof("attachment; filename=\"\"; filename*=UTF-8''") - 1
          + 2 * (name->len + 10) + 3 * name->len + 10;

    v = ngx_pnalloc(ctx->r->pool, len);
    if (v == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(v, "attachment; filename=\"",
                   sizeof("attachment; filename=\"") - 1);

    for (i = 0; i < name->len; i++) {
        c = name->data[i];

        if (c < 0x20 || c > 0x7e) {
            *p++ = '?';
            continue;
        }

        if (c == '"' || c == '\\') {
            *p++ = '\\';
        }

        *p++ = c;
    }

    p = ngx_sprintf(p, ".%s\"", ext);

    if (!plain) {
        p = ngx_cpymem(p, "; filename*=UTF-8''",
                       sizeof("; filename*=UTF-8''") - 1);

        for (i = 0; i < name->len; i++) {
            c = name->data[i];

            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9') || ngx_strchr("!#$&+-.^_`|~", c))
            {
                *p++ = c;

            } else {
                *p++ = '%';
                *p++ = hex[c >> 4];
                *p++ = hex[c & 0xf];
            }
        }

        p = ngx_sprintf(p, ".%s", ext);
    }

    h = ngx_list_push(&ctx->r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Content-Disposition");
    h->value.data = v;
    h->value.len = p - v;

    return NGX_OK;
}


static void
ngx_pad_export_fail(ngx_pad_export_ctx_t *ctx, ngx_uint_t status,
    ngx_str_t *err)
{
    u_char              *p;
    size_t               len;
    ngx_int_t            rc;
    ngx_http_request_t  *r;

    static ngx_str_t  unavailable = ngx_string("redis unavailable");

    r = ctx->r;

    if (status == NGX_HTTP_NOT_FOUND) {
        p = (u_char *) "404 - Not Found";
        len = sizeof("404 - Not Found") - 1;

    } else if (status == NGX_HTTP_FORBIDDEN) {
        p = (u_char *) "403 - Can't touch this";
        len = sizeof("403 - Can't touch this") - 1;

    } else if (status == NGX_HTTP_SERVICE_UNAVAILABLE) {
        /* the Redis client logged the outage once; this is per request */

        if (err == NULL) {
            err = &unavailable;
        }

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "pad export: \"%V\": %V", &ctx->rd.pad, err);

        len = sizeof("pad storage unavailable: ") - 1 + err->len;

        p = ngx_pnalloc(r->pool, len);
        if (p == NULL) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

        ngx_sprintf(p, "pad storage unavailable: %V", err);

    } else {
        p = (u_char *) "pad export failed";
        len = sizeof("pad export failed") - 1;
    }

    rc = ngx_pad_export_send(r, status, &ngx_pad_export_text_type, p, len);

    ngx_http_finalize_request(r, rc);
}


static void
ngx_pad_export_cleanup(void *data)
{
    ngx_pad_export_ctx_t  *ctx = data;

    if (ctx->sreq) {
        ngx_pad_store_cancel(ctx->sreq);
        ctx->sreq = NULL;
    }

    if (ctx->az) {
        ngx_pad_authz_cancel(ctx->az);
        ctx->az = NULL;
    }

    ngx_pad_http_pad_free(&ctx->rd);
}


static ngx_int_t
ngx_pad_export_send(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *type, u_char *body, size_t len)
{
    u_char       *p;
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    r->headers_out.status = status;
    r->headers_out.content_length_n = len;
    r->headers_out.content_type = *type;
    r->headers_out.content_type_len = type->len;
    r->headers_out.content_type_lowcase = NULL;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only || len == 0) {
        return rc;
    }

    /* the body may be malloc()ed by the caller: copy it into the pool */

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(p, body, len);

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = p;
    b->last = p + len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/* "pad_http": the location's handler; cmd->offset locates the store's
   settings, which learn that Redis is used */

char *
ngx_pad_http_export_set(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_pad_store_conf_t  *scf = (ngx_pad_store_conf_t *)
                                     ((u_char *) conf + cmd->offset);

    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->handler == ngx_pad_http_export_handler) {
        return "is duplicate";
    }

    clcf->handler = ngx_pad_http_export_handler;
    scf->http = 1;

    return NGX_CONF_OK;
}
