
/*
 * ngx_pad_module: the HTTP API's session functions (SessionManager.ts):
 * createSession, deleteSession, getSessionInfo, listSessionsOfGroup,
 * listSessionsOfAuthor.  The sessions are what "sessionID" cookies name
 * at CLIENT_READY (Psession:{s.X}).
 *
 * createSession checks as Etherpad does, in its order: the group exists,
 * the author exists, then validUntil (parseInt: a number, not negative,
 * not in the past).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "http/ngx_pad_http_api.h"
#include "store/ngx_pad_store_group.h"


/* a session's state while createSession checks */
typedef enum {
    NGX_PAD_API_SESSION_GROUP = 0,
    NGX_PAD_API_SESSION_AUTHOR,
    NGX_PAD_API_SESSION_WRITE
} ngx_pad_api_session_e;


static void ngx_pad_api_create_session(ngx_pad_api_t *api);
static void ngx_pad_api_create_session_next(void *data,
    ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_api_valid_until(ngx_pad_api_t *api, int64_t *v);
static void ngx_pad_api_delete_session(ngx_pad_api_t *api);
static void ngx_pad_api_delete_session_done(void *data,
    ngx_pad_store_result_t *res);
static void ngx_pad_api_session_info(ngx_pad_api_t *api);
static void ngx_pad_api_session_info_done(void *data,
    ngx_pad_store_result_t *res);
static void ngx_pad_api_sessions_of_group(ngx_pad_api_t *api);
static void ngx_pad_api_sessions_of_author(ngx_pad_api_t *api);
static void ngx_pad_api_sessions_done(void *data,
    ngx_pad_store_result_t *res);
static json_t *ngx_pad_api_session_json(ngx_str_t *items);
static ngx_str_t *ngx_pad_api_session_arg(ngx_pad_api_t *api,
    const char *name);


const ngx_pad_api_fn_t  ngx_pad_api_session_fns[] = {

    { ngx_string("createSession"), NGX_PAD_API_V1,
      { "groupID", "authorID", "validUntil", NULL }, { NULL },
      ngx_pad_api_create_session },

    { ngx_string("deleteSession"), NGX_PAD_API_V1,
      { "sessionID", NULL }, { NULL }, ngx_pad_api_delete_session },

    { ngx_string("getSessionInfo"), NGX_PAD_API_V1,
      { "sessionID", NULL }, { NULL }, ngx_pad_api_session_info },

    { ngx_string("listSessionsOfGroup"), NGX_PAD_API_V1,
      { "groupID", NULL }, { NULL }, ngx_pad_api_sessions_of_group },

    { ngx_string("listSessionsOfAuthor"), NGX_PAD_API_V1,
      { "authorID", NULL }, { NULL }, ngx_pad_api_sessions_of_author },

    { ngx_null_string, 0, { NULL }, { NULL }, NULL }
};


/* an id parameter that can name a record (none of the keys' "{}:") */

static ngx_str_t *
ngx_pad_api_session_arg(ngx_pad_api_t *api, const char *name)
{
    size_t      i;
    ngx_str_t  *id;

    id = ngx_pad_api_arg(api, name);

    if (id == NULL || id->len == 0) {
        return NULL;
    }

    for (i = 0; i < id->len; i++) {
        if (id->data[i] == '{' || id->data[i] == '}' || id->data[i] == ':') {
            return NULL;
        }
    }

    return id;
}


static void
ngx_pad_api_create_session(ngx_pad_api_t *api)
{
    ngx_str_t  *group;

    group = ngx_pad_api_session_arg(api, "groupID");
    if (group == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "groupID does not exist");
        return;
    }

    api->data = (void *) NGX_PAD_API_SESSION_GROUP;

    api->sreq = ngx_pad_store_exists(NGX_PAD_STORE_OF_GROUP, group,
                                     ngx_pad_api_create_session_next, api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


static void
ngx_pad_api_create_session_next(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    u_char                 buf[NGX_INT64_LEN];
    int64_t                until;
    ngx_str_t             *author, v;
    ngx_pad_api_session_e  state;

    api->sreq = NULL;
    state = (ngx_pad_api_session_e) (uintptr_t) api->data;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, api->log, 0,
                   "pad api: createSession state %d", (int) state);

    if (res->status == NGX_ERROR) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    switch (state) {

    case NGX_PAD_API_SESSION_GROUP:
        if (res->status != NGX_OK) {
            ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                             "groupID does not exist");
            return;
        }

        author = ngx_pad_api_session_arg(api, "authorID");
        if (author == NULL) {
            ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                             "authorID does not exist");
            return;
        }

        api->data = (void *) NGX_PAD_API_SESSION_AUTHOR;

        api->sreq = ngx_pad_store_exists(NGX_PAD_STORE_OF_AUTHOR, author,
                                         ngx_pad_api_create_session_next,
                                         api);
        break;

    case NGX_PAD_API_SESSION_AUTHOR:
        if (res->status != NGX_OK) {
            ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                             "authorID does not exist");
            return;
        }

        if (ngx_pad_api_valid_until(api, &until) != NGX_OK) {
            return;
        }

        v.data = buf;
        v.len = ngx_sprintf(buf, "%L", until) - buf;

        api->data = (void *) NGX_PAD_API_SESSION_WRITE;

        api->sreq = ngx_pad_store_session_create(
                        ngx_pad_api_arg(api, "groupID"),
                        ngx_pad_api_arg(api, "authorID"), &v,
                        ngx_pad_api_create_session_next, api);
        break;

    default:
        if (res->status != NGX_OK) {
            /* the group or the author was deleted meanwhile */
            ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                             "groupID does not exist");
            return;
        }

        ngx_pad_api_ok(api, json_pack("{s:s%}", "sessionID",
                                      (char *) res->value.data,
                                      (size_t) res->value.len));
        return;
    }

    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


/*
 * validUntil as parseInt() reads it: white space, a sign, "0x" and hex
 * digits or decimal digits, the rest ignored.  A parsed integer is never
 * a float, so Etherpad's "validUntil is a float value" cannot happen
 * through HTTP; values beyond 64 bits are "not a number" here.
 */

static ngx_int_t
ngx_pad_api_valid_until(ngx_pad_api_t *api, int64_t *v)
{
    u_char     *p, *last;
    int64_t     n, d;
    ngx_int_t   neg, base, digits;
    ngx_str_t  *s;

    s = ngx_pad_api_arg(api, "validUntil");

    p = s ? s->data : NULL;
    last = s ? s->data + s->len : NULL;

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

    base = 10;

    if (last - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }

    n = 0;
    digits = 0;

    for ( /* void */ ; p < last; p++) {
        if (*p >= '0' && *p <= '9') {
            d = *p - '0';

        } else if (base == 16 && (*p | 0x20) >= 'a' && (*p | 0x20) <= 'f') {
            d = (*p | 0x20) - 'a' + 10;

        } else {
            break;
        }

        if (n > (INT64_MAX - d) / base) {
            digits = 0;
            break;
        }

        n = n * base + d;
        digits++;
    }

    if (digits == 0) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "validUntil is not a number");
        return NGX_ERROR;
    }

    if (neg && n > 0) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "validUntil is a negative number");
        return NGX_ERROR;
    }

    if (neg || n < (int64_t) ngx_time()) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "validUntil is in the past");
        return NGX_ERROR;
    }

    *v = n;

    return NGX_OK;
}


static void
ngx_pad_api_delete_session(ngx_pad_api_t *api)
{
    ngx_str_t  *id;

    id = ngx_pad_api_session_arg(api, "sessionID");
    if (id == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "sessionID does not exist");
        return;
    }

    api->sreq = ngx_pad_store_session_delete(id,
                                             ngx_pad_api_delete_session_done,
                                             api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


static void
ngx_pad_api_delete_session_done(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    api->sreq = NULL;

    if (res->status == NGX_ERROR) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    if (res->status != NGX_OK) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "sessionID does not exist");
        return;
    }

    ngx_pad_api_ok(api, NULL);
}


static void
ngx_pad_api_session_info(ngx_pad_api_t *api)
{
    ngx_str_t  *id;

    id = ngx_pad_api_session_arg(api, "sessionID");
    if (id == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "sessionID does not exist");
        return;
    }

    api->sreq = ngx_pad_store_session_get(id, ngx_pad_api_session_info_done,
                                          api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


static void
ngx_pad_api_session_info_done(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    json_t  *j;

    api->sreq = NULL;

    if (res->status == NGX_ERROR) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    if (res->status != NGX_OK || res->nitems != 3) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "sessionID does not exist");
        return;
    }

    j = ngx_pad_api_session_json(res->items);
    if (j == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    ngx_pad_api_ok(api, j);
}


/* {"groupID","authorID","validUntil"} of items[0..2] */

static json_t *
ngx_pad_api_session_json(ngx_str_t *items)
{
    int64_t    until;
    ngx_int_t  n;

    n = ngx_atoi(items[2].data, items[2].len);
    until = (n == NGX_ERROR) ? 0 : (int64_t) n;

    return json_pack("{s:s%, s:s%, s:I}",
                     "groupID", (char *) items[0].data, (size_t) items[0].len,
                     "authorID", (char *) items[1].data,
                     (size_t) items[1].len,
                     "validUntil", (json_int_t) until);
}


static void
ngx_pad_api_sessions_of_group(ngx_pad_api_t *api)
{
    ngx_str_t  *id;

    id = ngx_pad_api_session_arg(api, "groupID");
    if (id == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "groupID does not exist");
        return;
    }

    api->data = "groupID does not exist";

    api->sreq = ngx_pad_store_sessions_of(NGX_PAD_STORE_OF_GROUP, id,
                                          ngx_pad_api_sessions_done, api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


static void
ngx_pad_api_sessions_of_author(ngx_pad_api_t *api)
{
    ngx_str_t  *id;

    id = ngx_pad_api_session_arg(api, "authorID");
    if (id == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "authorID does not exist");
        return;
    }

    api->data = "authorID does not exist";

    api->sreq = ngx_pad_store_sessions_of(NGX_PAD_STORE_OF_AUTHOR, id,
                                          ngx_pad_api_sessions_done, api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


/*
 * {"s.X":{session},...}; null when it never had a session (Etherpad has
 * no group2sessions record then), {} when they were all deleted.
 */

static void
ngx_pad_api_sessions_done(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    char        *sid;
    json_t      *all, *one;
    ngx_uint_t   i;

    api->sreq = NULL;

    if (res->status == NGX_ERROR) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    if (res->status != NGX_OK) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM, (char *) api->data);
        return;
    }

    if (!res->created && res->nitems == 0) {
        ngx_pad_api_ok(api, NULL);
        return;
    }

    all = json_object();
    if (all == NULL) {
        goto failed;
    }

    for (i = 0; i + 4 <= res->nitems; i += 4) {
        sid = ngx_pnalloc(api->r->pool, res->items[i].len + 1);
        one = ngx_pad_api_session_json(&res->items[i + 1]);

        if (sid == NULL || one == NULL) {
            json_decref(one);
            json_decref(all);
            goto failed;
        }

        ngx_memcpy(sid, res->items[i].data, res->items[i].len);
        sid[res->items[i].len] = '\0';

        if (json_object_set_new(all, sid, one) != 0) {
            json_decref(all);
            goto failed;
        }
    }

    ngx_pad_api_ok(api, all);
    return;

failed:

    ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
}
