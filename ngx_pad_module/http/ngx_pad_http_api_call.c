
/*
 * ngx_pad_module: one HTTP API call as the functions see it: their
 * parameters, their answer, and the checks that Etherpad's API.ts
 * shares between functions (checkValidRev, getPadSafe).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "msg/ngx_pad_msg.h"
#include "http/ngx_pad_http_api.h"


static void ngx_pad_api_answer(ngx_pad_api_t *api, ngx_uint_t code,
    const char *message, json_t *data);
static void ngx_pad_api_pad_head_done(void *data,
    ngx_pad_store_result_t *res);
static void ngx_pad_api_pad_read(ngx_pad_http_pad_t *rd);


static ngx_str_t  ngx_pad_api_json_type =
    ngx_string("application/json; charset=utf-8");


ngx_str_t *
ngx_pad_api_arg(ngx_pad_api_t *api, const char *name)
{
    ngx_uint_t  i;

    for (i = 0; api->names[i]; i++) {
        if (ngx_strcmp(api->names[i], name) == 0) {
            return api->args[i].data ? &api->args[i] : NULL;
        }
    }

    return NULL;
}


void
ngx_pad_api_ok(ngx_pad_api_t *api, json_t *data)
{
    ngx_pad_api_answer(api, NGX_PAD_API_OK, "ok", data);
}


void
ngx_pad_api_fail(ngx_pad_api_t *api, ngx_uint_t code, const char *message)
{
    ngx_pad_api_answer(api, code, message, NULL);
}


void
ngx_pad_api_store_fail(ngx_pad_api_t *api, ngx_str_t *err)
{
    /* the Redis client logged the outage once; this is per request */

    ngx_log_error(NGX_LOG_INFO, api->log, 0, "pad api: %V: %V",
                  &api->fn->name, err);

    ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
}


json_t *
ngx_pad_api_string(ngx_str_t *s)
{
    return json_stringn((const char *) s->data, s->len);
}


/*
 * checkValidRev: parseInt(rev, 10) (leading white space, a sign, digits,
 * anything after them ignored), not NaN, not negative; a float cannot
 * come out of parseInt, so "1.5" is 1, as in Etherpad.
 */

ngx_int_t
ngx_pad_api_rev(ngx_pad_api_t *api, const char *name)
{
    u_char     *p, *last;
    ngx_int_t   neg, rev, digits;
    ngx_str_t  *v;

    api->rev = -1;

    v = ngx_pad_api_arg(api, name);
    if (v == NULL) {
        return NGX_OK;
    }

    p = v->data;
    last = p + v->len;

    while (p < last && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'
                        || *p == '\f' || *p == '\v'))
    {
        p++;
    }

    neg = 0;

    if (p < last && (*p == '-' || *p == '+')) {
        neg = (*p == '-');
        p++;
    }

    rev = 0;
    digits = 0;

    while (p < last && *p >= '0' && *p <= '9') {
        if (rev > (NGX_MAX_INT_T_VALUE - 9) / 10) {
            ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                             "rev is higher than the head revision of "
                             "the pad");
            return NGX_ERROR;
        }

        rev = rev * 10 + (*p++ - '0');
        digits++;
    }

    if (digits == 0) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM, "rev is not a number");
        return NGX_ERROR;
    }

    if (neg && rev > 0) {
        /* Etherpad's message, sic */
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "rev is not a negative number");
        return NGX_ERROR;
    }

    api->rev = rev;

    return NGX_OK;
}


/* getPadSafe's checks of padID, answered here when it fails them */

ngx_int_t
ngx_pad_api_pad_arg(ngx_pad_api_t *api, ngx_str_t **pad)
{
    ngx_pad_str_t  ps;

    *pad = ngx_pad_api_arg(api, "padID");
    if (*pad == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "padID is not a string");
        return NGX_ERROR;
    }

    ps.data = (const char *) (*pad)->data;
    ps.len = (*pad)->len;

    if (!ngx_pad_msg_padid_valid(&ps)) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "padID did not match requirements");
        return NGX_ERROR;
    }

    return NGX_OK;
}


ngx_int_t
ngx_pad_api_pad_head(ngx_pad_api_t *api, ngx_pad_api_handler_pt done)
{
    ngx_str_t  *pad;

    static ngx_str_t  none = ngx_string("");

    if (ngx_pad_api_pad_arg(api, &pad) != NGX_OK) {
        return NGX_ERROR;
    }

    api->next = done;

    api->sreq = ngx_pad_store_head(pad, -1, &none, ngx_pad_api_pad_head_done,
                                   api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void
ngx_pad_api_pad_head_done(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    api->sreq = NULL;

    if (res->status == NGX_ERROR) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    if (res->status != NGX_OK || res->head < 0) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM, "padID does not exist");
        return;
    }

    api->head = res->head;
    api->chat_head = res->chat_head;

    api->next(api);
}


ngx_int_t
ngx_pad_api_read_pad(ngx_pad_api_t *api, ngx_int_t upto, ngx_uint_t atext,
    ngx_pad_api_handler_pt done)
{
    ngx_str_t  *pad;

    if (ngx_pad_api_pad_arg(api, &pad) != NGX_OK) {
        return NGX_ERROR;
    }

    api->rd.pad = *pad;
    api->rd.upto = upto;
    api->rd.atext = atext;
    api->rd.pool = api->r->pool;
    api->rd.log = api->log;
    api->rd.handler = ngx_pad_api_pad_read;
    api->rd.data = done;

    if (ngx_pad_http_pad_read(&api->rd) != NGX_OK) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void
ngx_pad_api_pad_read(ngx_pad_http_pad_t *rd)
{
    ngx_pad_api_t  *api;

    ngx_pad_api_handler_pt  done;

    api = (ngx_pad_api_t *) ((u_char *) rd - offsetof(ngx_pad_api_t, rd));
    done = (ngx_pad_api_handler_pt) rd->data;

    switch (rd->status) {

    case NGX_OK:
        done(api);
        return;

    case NGX_DECLINED:
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM, "padID does not exist");
        return;

    case NGX_ERROR:
        ngx_pad_api_store_fail(api, &rd->err);
        return;

    default:
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }
}


static void
ngx_pad_api_answer(ngx_pad_api_t *api, ngx_uint_t code, const char *message,
    json_t *data)
{
    char                *body;
    size_t               len;
    json_t              *j;
    ngx_int_t            rc;
    ngx_buf_t           *b;
    ngx_uint_t           status;
    ngx_chain_t          out;
    ngx_http_request_t  *r;

    r = api->r;

    if (api->answered) {
        ngx_log_error(NGX_LOG_ALERT, api->log, 0,
                      "pad api: %V answered twice", &api->fn->name);
        json_decref(data);
        return;
    }

    api->answered = 1;

    if (api->lock_done) {
        /* ngx_pad_http_api_lock.c: the pad's next write may go */
        api->lock_done(api);
    }

    j = json_pack("{s:I, s:s, s:o}", "code", (json_int_t) code,
                  "message", message, "data", data ? data : json_null());
    body = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);

    if (body == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    switch (code) {
    case NGX_PAD_API_INTERNAL:
        status = NGX_HTTP_INTERNAL_SERVER_ERROR;
        break;
    case NGX_PAD_API_NO_FUNC:
        status = NGX_HTTP_NOT_FOUND;
        break;
    case NGX_PAD_API_NO_KEY:
        status = NGX_HTTP_UNAUTHORIZED;
        break;
    default:
        /* code 1 is 200 in Etherpad too ("to keep old behavior") */
        status = NGX_HTTP_OK;
    }

    len = ngx_strlen(body);

    b = ngx_create_temp_buf(r->pool, len);
    if (b == NULL) {
        free(body);
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    b->last = ngx_cpymem(b->pos, body, len);
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;
    free(body);

    r->headers_out.status = status;
    r->headers_out.content_length_n = len;
    r->headers_out.content_type = ngx_pad_api_json_type;
    r->headers_out.content_type_len = ngx_pad_api_json_type.len;
    r->headers_out.content_type_lowcase = NULL;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        ngx_http_finalize_request(r, rc);
        return;
    }

    out.buf = b;
    out.next = NULL;

    ngx_http_finalize_request(r, ngx_http_output_filter(r, &out));
}
