
/*
 * ngx_pad_module: the HTTP API's functions on who is connected, over
 * every worker of every instance (PadMessageHandler.ts, API.ts):
 * padUsersCount, padUsers, getStats, from what the workers record in
 * Redis (ngx_pad_store_stats.c): each worker's sessions of a pad and
 * their authors in P{pad}:conn, its sessions and pads in the stats keys.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "http/ngx_pad_http_api.h"


typedef struct {
    json_t                    *users;      /* padUsers: the answer */
    json_t                    *ids;        /* the authors to read */
    size_t                     next;
} ngx_pad_api_users_t;


static void ngx_pad_api_users_count(ngx_pad_api_t *api);
static void ngx_pad_api_users(ngx_pad_api_t *api);
static void ngx_pad_api_users_conn(void *data, ngx_pad_store_result_t *res);
static void ngx_pad_api_users_next(ngx_pad_api_t *api);
static void ngx_pad_api_users_author(void *data,
    ngx_pad_store_result_t *res);
static void ngx_pad_api_users_cleanup(ngx_pad_api_t *api);
static void ngx_pad_api_stats(ngx_pad_api_t *api);
static void ngx_pad_api_stats_done(void *data, ngx_pad_store_result_t *res);


const ngx_pad_api_fn_t  ngx_pad_api_users_fns[] = {

    { ngx_string("padUsersCount"), NGX_PAD_API_V1,
      { "padID", NULL }, { NULL }, ngx_pad_api_users_count },

    { ngx_string("padUsers"), NGX_PAD_API_V1_1,
      { "padID", NULL }, { NULL }, ngx_pad_api_users },

    { ngx_string("getStats"), NGX_PAD_API_V1_2_14,
      { NULL }, { NULL }, ngx_pad_api_stats },

    { ngx_null_string, 0, { NULL }, { NULL }, NULL }
};


/*
 * padUsersCount(padID), padUsers(padID): the sockets in the pad's room,
 * no check of the id (Etherpad's: none; a missing or unknown pad has no
 * one).
 */

static void
ngx_pad_api_users_count(ngx_pad_api_t *api)
{
    ngx_pad_api_users(api);
}


static void
ngx_pad_api_users(ngx_pad_api_t *api)
{
    ngx_str_t  *pad;

    pad = ngx_pad_api_arg(api, "padID");

    if (pad != NULL && pad->len > 0) {
        api->sreq = ngx_pad_store_conn_get(pad, ngx_pad_api_users_conn, api);

        if (api->sreq) {
            return;
        }
    }

    /* no pad, or one the store takes for none (longer than 512) */

    if (api->fn->handler == ngx_pad_api_users_count) {
        ngx_pad_api_ok(api, json_pack("{s:i}", "padUsersCount", 0));

    } else {
        ngx_pad_api_ok(api, json_pack("{s:[]}", "padUsers"));
    }
}


static void
ngx_pad_api_users_conn(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    u_char               *p, *q, *last;
    int64_t               now, expiry;
    ngx_time_t           *tp;
    json_t               *id;
    ngx_int_t             n, total;
    ngx_str_t             ids;
    ngx_uint_t            i;
    ngx_pad_api_users_t  *u;

    api->sreq = NULL;

    if (res->status != NGX_OK) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    u = ngx_pcalloc(api->r->pool, sizeof(ngx_pad_api_users_t));
    if (u == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    api->data = u;
    api->cleanup = ngx_pad_api_users_cleanup;

    u->ids = json_array();
    u->users = json_array();

    if (u->ids == NULL || u->users == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    tp = ngx_timeofday();
    now = (int64_t) tp->sec * 1000 + tp->msec;
    total = 0;

    for (i = 0; i + 1 < res->nitems; i += 2) {
        if (ngx_pad_store_conn_value(&res->items[i + 1], &n, &expiry, &ids)
            != NGX_OK
            || n <= 0 || expiry <= now)
        {
            continue;
        }

        total += n;

        /* the listed authors, one per session */

        p = ids.data;
        last = ids.data + ids.len;

        while (p < last) {
            q = ngx_strlchr(p, last, ',');
            if (q == NULL) {
                q = last;
            }

            if (q > p) {
                id = json_stringn((char *) p, q - p);

                if (id == NULL || json_array_append_new(u->ids, id) != 0) {
                    ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL,
                                     "internal error");
                    return;
                }
            }

            p = q + 1;
        }
    }

    if (api->fn->handler == ngx_pad_api_users_count) {
        ngx_pad_api_ok(api, json_pack("{s:I}", "padUsersCount",
                                      (json_int_t) total));
        return;
    }

    ngx_pad_api_users_next(api);
}


/* authorManager.getAuthor() of each, in turn */

static void
ngx_pad_api_users_next(ngx_pad_api_t *api)
{
    json_t               *id;
    ngx_str_t             s;
    ngx_pad_api_users_t  *u = api->data;

    while (u->next < json_array_size(u->ids)) {
        id = json_array_get(u->ids, u->next);

        s.data = (u_char *) json_string_value(id);
        s.len = json_string_length(id);

        api->sreq = ngx_pad_store_author_record(&s, ngx_pad_api_users_author,
                                                api);
        if (api->sreq) {
            return;
        }

        u->next++;   /* an id the store refuses is no author */
    }

    ngx_pad_api_ok(api, json_pack("{s:O}", "padUsers", u->users));
}


static void
ngx_pad_api_users_author(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    json_t               *user, *color;
    ngx_int_t             idx;
    ngx_pad_api_users_t  *u = api->data;

    api->sreq = NULL;

    if (res->status == NGX_ERROR) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    if (res->status == NGX_OK) {

        /* the record {colorId, name, timestamp} and "id" */

        idx = res->color.len ? ngx_atoi(res->color.data, res->color.len)
                             : NGX_ERROR;

        color = (idx != NGX_ERROR) ? json_integer(idx)
                : res->color.len ? ngx_pad_api_string(&res->color)
                : json_null();

        user = json_pack("{s:o?,s:o?,s:o?,s:O}",
                         "colorId", color,
                         "name", res->name.len
                                 ? ngx_pad_api_string(&res->name)
                                 : json_null(),
                         "timestamp", res->ts >= 0
                                      ? json_integer(res->ts) : json_null(),
                         "id", json_array_get(u->ids, u->next));

        if (user == NULL || json_array_append_new(u->users, user) != 0) {
            ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
            return;
        }
    }

    u->next++;

    ngx_pad_api_users_next(api);
}


static void
ngx_pad_api_users_cleanup(ngx_pad_api_t *api)
{
    ngx_pad_api_users_t  *u = api->data;

    json_decref(u->ids);
    json_decref(u->users);
    u->ids = NULL;
    u->users = NULL;
}


/* getStats(): totalPads, totalSessions, totalActivePads */

static void
ngx_pad_api_stats(ngx_pad_api_t *api)
{
    int64_t      now;
    ngx_time_t  *tp;

    tp = ngx_timeofday();
    now = (int64_t) tp->sec * 1000 + tp->msec;

    api->sreq = ngx_pad_store_stats_get(now, ngx_pad_api_stats_done, api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


static void
ngx_pad_api_stats_done(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    api->sreq = NULL;

    if (res->status != NGX_OK) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    ngx_pad_api_ok(api, json_pack("{s:I,s:I,s:I}",
                                  "totalPads", (json_int_t) res->count[0],
                                  "totalSessions", (json_int_t) res->count[1],
                                  "totalActivePads",
                                  (json_int_t) res->count[2]));
}
