
/*
 * ngx_pad_module: the "pad_api" location: Etherpad's HTTP API routing
 * (APIHandler.ts and the express glue around it).
 *
 * A call goes: the path -> version and function (404, code 3) -> the body
 * read (POST) -> the parameters (code 1 when repeated in the query or not
 * UTF-8) -> the key (401, code 4) -> padID/padName sanitized -> the
 * function, which answers.  The parameters are the fields of the
 * function's version list, read from the query and the body (a later one
 * wins), and "apikey", "api_key" or an "Authorization" header for the
 * key.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "codec/ngx_pad_form.h"
#include "codec/ngx_pad_utf8.h"
#include "msg/ngx_pad_msg.h"
#include "http/ngx_pad_http_api.h"


#define NGX_PAD_API_FIELDS_MAX  64


static void ngx_pad_api_body(ngx_http_request_t *r);
static void ngx_pad_api_call(ngx_pad_api_t *api);
static ngx_int_t ngx_pad_api_route(ngx_pad_api_t *api);
static ngx_int_t ngx_pad_api_fields(ngx_pad_api_t *api);
static ngx_int_t ngx_pad_api_take(ngx_pad_api_t *api,
    ngx_pad_form_field_t *f, ngx_uint_t n, ngx_uint_t query,
    ngx_str_t *key);
static ngx_int_t ngx_pad_api_key_ok(ngx_pad_api_t *api, ngx_str_t *key);
static ngx_int_t ngx_pad_api_sanitize(ngx_pad_api_t *api, const char *name);
static void ngx_pad_api_cleanup(void *data);
static u_char *ngx_pad_api_read_body(ngx_http_request_t *r, size_t *len);
static ngx_int_t ngx_pad_api_send_version(ngx_http_request_t *r);


extern ngx_module_t  ngx_pad_module;


static const char  *ngx_pad_api_versions[] = {
    "1", "1.1", "1.2", "1.2.1", "1.2.7", "1.2.8", "1.2.9", "1.2.10",
    "1.2.11", "1.2.12", "1.2.13", "1.2.14", "1.2.15", "1.3.0", NULL
};


static const ngx_pad_api_fn_t  *ngx_pad_api_tables[] = {
    ngx_pad_api_read_fns,
    ngx_pad_api_write_fns,
    ngx_pad_api_list_fns,
    ngx_pad_api_html_fns,
    ngx_pad_api_chat_fns,
    ngx_pad_api_saved_fns,
    ngx_pad_api_users_fns,
    ngx_pad_api_author_fns,
    ngx_pad_api_group_fns,
    ngx_pad_api_session_fns,
    ngx_pad_api_copy_fns,
    ngx_pad_api_restore_fns,
    ngx_pad_api_diff_fns,
    NULL
};


static ngx_pad_api_conf_t  *ngx_pad_api_conf;


void
ngx_pad_http_api_init_process(ngx_pad_api_conf_t *acf)
{
    ngx_pad_api_conf = acf;
}


ngx_int_t
ngx_pad_http_api_handler(ngx_http_request_t *r)
{
    ngx_int_t            rc;
    ngx_pad_api_t       *api;
    ngx_pool_cleanup_t  *cln;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD|NGX_HTTP_POST))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    if (ngx_pad_api_conf == NULL) {
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    api = ngx_pcalloc(r->pool, sizeof(ngx_pad_api_t));
    if (api == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln->handler = ngx_pad_api_cleanup;
    cln->data = api;

    api->r = r;
    api->log = r->connection->log;
    api->conf = ngx_pad_api_conf;
    api->rev = -1;

    ngx_http_set_ctx(r, api, ngx_pad_module);

    if (r->uri.len == 4 && ngx_strncmp(r->uri.data, "/api", 4) == 0) {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_pad_api_send_version(r);
    }

    if (r->headers_in.content_length_n > (off_t) api->conf->body_max) {
        ngx_log_error(NGX_LOG_INFO, api->log, 0,
                      "pad api: request body of %O bytes is larger than "
                      "pad_api_body_max", r->headers_in.content_length_n);
        return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
    }

    r->request_body_in_single_buf = 1;

    rc = ngx_http_read_client_request_body(r, ngx_pad_api_body);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_pad_api_body(ngx_http_request_t *r)
{
    ngx_pad_api_t  *api;

    api = ngx_http_get_module_ctx(r, ngx_pad_module);

    r->main->count++;

    ngx_pad_api_call(api);

    ngx_http_finalize_request(r, NGX_DONE);
}


static void
ngx_pad_api_call(ngx_pad_api_t *api)
{
    ngx_int_t  rc;

    rc = ngx_pad_api_route(api);
    if (rc != NGX_OK) {
        return;
    }

    if (ngx_pad_api_fields(api) != NGX_OK) {
        return;
    }

    if (ngx_pad_api_sanitize(api, "padID") != NGX_OK
        || ngx_pad_api_sanitize(api, "padName") != NGX_OK)
    {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, api->log, 0,
                   "pad api: %V version %s", &api->fn->name,
                   ngx_pad_api_versions[api->version]);

    api->fn->handler(api);
}


/* /api/<version>/<function>: Etherpad's 404s, as code 3 */

static ngx_int_t
ngx_pad_api_route(ngx_pad_api_t *api)
{
    u_char                  *p, *last, *slash;
    ngx_str_t                ver, name;
    ngx_uint_t               v, t;
    const ngx_pad_api_fn_t  *fn;

    p = api->r->uri.data;
    last = p + api->r->uri.len;

    if (api->r->uri.len < 5 || ngx_strncmp(p, "/api/", 5) != 0) {
        ngx_pad_api_fail(api, NGX_PAD_API_NO_FUNC, "no such api version");
        return NGX_ERROR;
    }

    p += 5;
    slash = ngx_strlchr(p, last, '/');

    ver.data = p;
    ver.len = (slash ? slash : last) - p;
    name.data = slash ? slash + 1 : last;
    name.len = last - name.data;

    for (v = 0; ngx_pad_api_versions[v]; v++) {
        if (ver.len == ngx_strlen(ngx_pad_api_versions[v])
            && ngx_strncmp(ver.data, ngx_pad_api_versions[v], ver.len) == 0)
        {
            break;
        }
    }

    if (ngx_pad_api_versions[v] == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_NO_FUNC, "no such api version");
        return NGX_ERROR;
    }

    api->version = v;

    for (t = 0; ngx_pad_api_tables[t]; t++) {
        for (fn = ngx_pad_api_tables[t]; fn->name.len; fn++) {
            if (fn->name.len == name.len
                && ngx_strncmp(fn->name.data, name.data, name.len) == 0
                && fn->since <= v)
            {
                api->fn = fn;
                api->names = (v >= NGX_PAD_API_V1_3_0 && fn->params_130[0])
                             ? (const char **) fn->params_130
                             : (const char **) fn->params;
                return NGX_OK;
            }
        }
    }

    ngx_pad_api_fail(api, NGX_PAD_API_NO_FUNC, "no such function");
    return NGX_ERROR;
}


static ngx_int_t
ngx_pad_api_fields(ngx_pad_api_t *api)
{
    u_char                *body, *buf;
    size_t                 len;
    ngx_str_t              key;
    ngx_uint_t             n;
    ngx_pad_str_t          b;
    ngx_http_request_t    *r;
    ngx_pad_form_field_t   f[NGX_PAD_API_FIELDS_MAX];

    r = api->r;

    ngx_str_null(&key);

    /* an "Authorization" header (Etherpad merges the headers in first) */

    if (r->headers_in.authorization) {
        key = r->headers_in.authorization->value;
    }

    /* the query */

    n = 0;

    buf = ngx_pnalloc(r->pool, r->args.len + 1);
    if (buf == NULL) {
        goto internal;
    }

    if (ngx_pad_form_urlencoded((char *) r->args.data, r->args.len,
                                (char *) buf, f, NGX_PAD_API_FIELDS_MAX, &n)
        != 0)
    {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM, "too many parameters");
        return NGX_ERROR;
    }

    if (ngx_pad_api_take(api, f, n, 1, &key) != NGX_OK) {
        return NGX_ERROR;
    }

    /* the body: urlencoded or multipart */

    body = ngx_pad_api_read_body(r, &len);

    if (len) {
        buf = ngx_pnalloc(r->pool, len + 1);

        if (body == NULL || buf == NULL) {
            goto internal;
        }

        n = 0;

        if (r->headers_in.content_type
            && ngx_pad_form_boundary(
                   (char *) r->headers_in.content_type->value.data,
                   r->headers_in.content_type->value.len, &b) == 0)
        {
            if (ngx_pad_form_multipart((char *) body, len, &b, f,
                                       NGX_PAD_API_FIELDS_MAX, &n)
                != 0)
            {
                ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                                 "malformed multipart/form-data body");
                return NGX_ERROR;
            }

        } else if (ngx_pad_form_urlencoded((char *) body, len, (char *) buf,
                                           f, NGX_PAD_API_FIELDS_MAX, &n)
                   != 0)
        {
            ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                             "too many parameters");
            return NGX_ERROR;
        }

        if (ngx_pad_api_take(api, f, n, 0, &key) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    if (api->conf->key.len == 0 && api->conf->jwt_key) {
        /* Etherpad's "sso": a bearer token (ngx_pad_http_api_jwt.c) */

        switch (ngx_pad_api_jwt_check(api)) {
        case NGX_OK:
            return NGX_OK;
        case NGX_DECLINED:
            ngx_pad_api_fail(api, NGX_PAD_API_NO_KEY, "no or wrong API Key");
            return NGX_ERROR;
        default:
            ngx_pad_api_fail(api, NGX_PAD_API_NO_KEY,
                             "no or wrong OAuth token");
            return NGX_ERROR;
        }
    }

    if (ngx_pad_api_key_ok(api, &key) != NGX_OK) {
        ngx_pad_api_fail(api, NGX_PAD_API_NO_KEY, "no or wrong API Key");
        return NGX_ERROR;
    }

    return NGX_OK;

internal:

    ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    return NGX_ERROR;
}


/*
 * The fields of one source: the function's parameters and the key.  In
 * the query a repeated name is an array in Etherpad (and so "not a
 * string"); in a body the first value counts (formidable's fields).
 */

static ngx_int_t
ngx_pad_api_take(ngx_pad_api_t *api, ngx_pad_form_field_t *f, ngx_uint_t n,
    ngx_uint_t query, ngx_str_t *key)
{
    u_char      *msg;
    ngx_str_t    seen[NGX_PAD_API_PARAMS_MAX + 3];
    ngx_uint_t   i, k, np;

    static const char  *keys[] = { "apikey", "api_key", "authorization" };

    for (np = 0; api->names[np]; np++) { /* void */ }

    ngx_memzero(seen, sizeof(seen));

    for (i = 0; i < n; i++) {
        for (k = 0; k < np + 3; k++) {
            const char  *name = (k < np) ? api->names[k] : keys[k - np];

            if (f[i].name.len != ngx_strlen(name)
                || ngx_strncmp(f[i].name.data, name, f[i].name.len) != 0)
            {
                continue;
            }

            if (seen[k].data) {
                if (!query) {
                    break;
                }

                msg = ngx_pnalloc(api->r->pool, ngx_strlen(name)
                                  + sizeof(" is not a string"));
                if (msg == NULL) {
                    ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL,
                                     "internal error");
                    return NGX_ERROR;
                }

                ngx_sprintf(msg, "%s is not a string%Z", name);
                ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM, (char *) msg);
                return NGX_ERROR;
            }

            seen[k].data = (u_char *) f[i].value.data;
            seen[k].len = f[i].value.len;

            if (!ngx_pad_utf8_valid((const unsigned char *) f[i].value.data,
                                    f[i].value.len))
            {
                msg = ngx_pnalloc(api->r->pool, ngx_strlen(name)
                                  + sizeof(" is not valid UTF-8"));
                if (msg == NULL) {
                    ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL,
                                     "internal error");
                    return NGX_ERROR;
                }

                ngx_sprintf(msg, "%s is not valid UTF-8%Z", name);
                ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM, (char *) msg);
                return NGX_ERROR;
            }

            break;
        }
    }

    for (k = 0; k < np; k++) {
        if (seen[k].data) {
            api->args[k] = seen[k];
        }
    }

    /* fields.apikey || fields.api_key || fields.authorization */

    for (k = np; k < np + 3; k++) {
        if (seen[k].data && seen[k].len) {
            *key = seen[k];
            break;
        }
    }

    return NGX_OK;
}


/* compared in constant time; a wrong key is logged at most once a second */

static ngx_int_t
ngx_pad_api_key_ok(ngx_pad_api_t *api, ngx_str_t *key)
{
    u_char      diff;
    size_t      i;
    ngx_str_t  *want;

    static time_t  logged;

    want = &api->conf->key;

    diff = (key->len != want->len || want->len == 0);

    for (i = 0; i < want->len; i++) {
        diff |= want->data[i] ^ (i < key->len ? key->data[i] : 0);
    }

    if (diff == 0) {
        return NGX_OK;
    }

    if (logged != ngx_time()) {
        logged = ngx_time();
        ngx_log_error(NGX_LOG_WARN, api->log, 0,
                      "pad api: %V: %s API key", &api->fn->name,
                      want->len == 0 ? "no pad_api_key_file, no"
                                     : (key->len ? "wrong" : "no"));
    }

    return NGX_ERROR;
}


/* sanitizePadId: runs of white space, then of ':', become one '_' */

static ngx_int_t
ngx_pad_api_sanitize(ngx_pad_api_t *api, const char *name)
{
    u_char         *p;
    ngx_str_t      *v;
    ngx_pad_str_t   ps;

    v = ngx_pad_api_arg(api, name);
    if (v == NULL) {
        return NGX_OK;
    }

    p = ngx_pnalloc(api->r->pool, v->len + 1);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ps.data = (const char *) v->data;
    ps.len = v->len;

    v->len = ngx_pad_msg_padid_sanitize(&ps, (char *) p);
    v->data = p;

    return NGX_OK;
}


static void
ngx_pad_api_cleanup(void *data)
{
    ngx_pad_api_t  *api = data;

    ngx_pad_api_write_done(api);

    if (api->cleanup) {
        api->cleanup(api);
    }

    if (api->sreq) {
        ngx_pad_store_cancel(api->sreq);
        api->sreq = NULL;
    }

    ngx_pad_http_pad_free(&api->rd);
}


/* the body in one buffer (in memory, or read from its temporary file) */

static u_char *
ngx_pad_api_read_body(ngx_http_request_t *r, size_t *len)
{
    u_char       *body, *p;
    ssize_t       n;
    ngx_chain_t  *cl;

    *len = 0;

    if (r->request_body == NULL || r->request_body->bufs == NULL) {
        return NULL;
    }

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        *len += ngx_buf_size(cl->buf);
    }

    cl = r->request_body->bufs;

    if (cl->next == NULL && !cl->buf->in_file) {
        return cl->buf->pos;
    }

    body = ngx_pnalloc(r->pool, *len);
    if (body == NULL) {
        return NULL;
    }

    for (p = body; cl; cl = cl->next) {
        if (!cl->buf->in_file) {
            p = ngx_cpymem(p, cl->buf->pos, cl->buf->last - cl->buf->pos);
            continue;
        }

        n = ngx_read_file(cl->buf->file, p,
                          (size_t) (cl->buf->file_last - cl->buf->file_pos),
                          cl->buf->file_pos);
        if (n != cl->buf->file_last - cl->buf->file_pos) {
            return NULL;
        }

        p += n;
    }

    return body;
}


/* GET /api */

static ngx_int_t
ngx_pad_api_send_version(ngx_http_request_t *r)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    static u_char  current[] = "{\"currentVersion\":\"1.3.0\"}";

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = sizeof(current) - 1;
    ngx_str_set(&r->headers_out.content_type,
                "application/json; charset=utf-8");
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = current;
    b->last = current + sizeof(current) - 1;
    b->memory = 1;
    b->last_buf = 1;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}
