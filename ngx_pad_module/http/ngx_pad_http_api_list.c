
/*
 * ngx_pad_module: the HTTP API's listAllPads (PadManager.listAllPads)
 * from the index of every pad (Ppads): each entry checked against the
 * pad's head, NGX_PAD_API_LIST_BATCH reads in flight at most.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "easysync/ngx_pad_cs.h"
#include "easysync/ngx_pad_cs_str.h"
#include "http/ngx_pad_http_api.h"


#define NGX_PAD_API_LIST_BATCH    100


typedef struct ngx_pad_api_list_s  ngx_pad_api_list_t;

/* one entry of Ppads being checked */
typedef struct {
    ngx_pad_api_t             *api;
    ngx_str_t                  id;
    ngx_uint_t                 exists;
    ngx_pad_store_req_t       *req;
} ngx_pad_api_entry_t;


struct ngx_pad_api_list_s {
    ngx_pad_api_entry_t       *ids;
    ngx_uint_t                 nids;
    ngx_uint_t                 next;
    ngx_uint_t                 pending;
    ngx_uint_t                 failed;
};


static void ngx_pad_api_list_pads(ngx_pad_api_t *api);
static void ngx_pad_api_list_cleanup(ngx_pad_api_t *api);
static void ngx_pad_api_list_members(void *data,
    ngx_pad_store_result_t *res);
static void ngx_pad_api_list_next(ngx_pad_api_t *api);
static void ngx_pad_api_list_head(void *data, ngx_pad_store_result_t *res);
static void ngx_pad_api_list_answer(ngx_pad_api_t *api);


const ngx_pad_api_fn_t  ngx_pad_api_list_fns[] = {

    { ngx_string("listAllPads"), NGX_PAD_API_V1_2_1,
      { NULL }, { NULL }, ngx_pad_api_list_pads },

    { ngx_null_string, 0, { NULL }, { NULL }, NULL }
};


static void
ngx_pad_api_list_cleanup(ngx_pad_api_t *api)
{
    ngx_uint_t           i;
    ngx_pad_api_list_t  *w = api->data;

    for (i = 0; w->ids && i < w->nids; i++) {
        if (w->ids[i].req) {
            ngx_pad_store_cancel(w->ids[i].req);
            w->ids[i].req = NULL;
        }
    }
}


/*
 * listAllPads: Ppads, each entry checked (a stale one, left by a crash
 * between the index and the pad, is left out), sorted as JavaScript
 * sorts strings.
 */

static void
ngx_pad_api_list_pads(ngx_pad_api_t *api)
{
    ngx_pad_api_list_t  *w;

    w = ngx_pcalloc(api->r->pool, sizeof(ngx_pad_api_list_t));
    if (w == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    api->data = w;
    api->cleanup = ngx_pad_api_list_cleanup;

    api->sreq = ngx_pad_store_pads(ngx_pad_api_list_members, api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


static void
ngx_pad_api_list_members(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    ngx_uint_t            i;
    ngx_pad_api_list_t      *w = api->data;
    ngx_pad_api_entry_t  *e;

    api->sreq = NULL;

    if (res->status != NGX_OK) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    w->nids = 0;
    w->ids = ngx_pcalloc(api->r->pool,
                         (res->nitems + 1) * sizeof(ngx_pad_api_entry_t));
    if (w->ids == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    for (i = 0; i < res->nitems; i++) {
        if (res->items[i].data == NULL || res->items[i].len == 0) {
            continue;
        }

        e = &w->ids[w->nids];
        e->api = api;
        e->id.len = res->items[i].len;
        e->id.data = ngx_pstrdup(api->r->pool, &res->items[i]);

        if (e->id.data == NULL) {
            ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
            return;
        }

        w->nids++;
    }

    ngx_pad_api_list_next(api);
}


/* at most NGX_PAD_API_LIST_BATCH head reads in flight */

static void
ngx_pad_api_list_next(ngx_pad_api_t *api)
{
    ngx_pad_api_list_t      *w = api->data;
    ngx_pad_api_entry_t  *e;

    static ngx_str_t  none = ngx_string("");

    while (w->next < w->nids && w->pending < NGX_PAD_API_LIST_BATCH) {
        e = &w->ids[w->next++];
        e->req = ngx_pad_store_head(&e->id, -1, &none,
                                    ngx_pad_api_list_head, e);
        if (e->req == NULL) {
            w->failed = 1;
            break;
        }

        w->pending++;
    }

    if (w->pending == 0) {
        if (w->failed) {
            ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
            return;
        }

        ngx_pad_api_list_answer(api);
    }
}


static void
ngx_pad_api_list_head(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_entry_t  *e = data;

    ngx_pad_api_t    *api = e->api;
    ngx_pad_api_list_t  *w = api->data;

    e->req = NULL;
    e->exists = (res->status == NGX_OK);
    w->pending--;

    if (res->status == NGX_ERROR && !w->failed) {
        w->failed = 1;
        ngx_log_error(NGX_LOG_INFO, api->log, 0, "pad api: %V: %V",
                      &api->fn->name, &res->err);
    }

    if (w->failed) {
        if (w->pending == 0) {
            ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        }

        return;
    }

    ngx_pad_api_list_next(api);
}


static int ngx_libc_cdecl
ngx_pad_api_list_cmp(const void *one, const void *two)
{
    const ngx_pad_api_entry_t  *a = one, *b = two;
    ngx_pad_str_t               sa, sb;

    sa.data = (const char *) a->id.data;
    sa.len = a->id.len;
    sb.data = (const char *) b->id.data;
    sb.len = b->id.len;

    return ngx_pad_str_cmp16(&sa, &sb);
}


static void
ngx_pad_api_list_answer(ngx_pad_api_t *api)
{
    json_t           *ids;
    ngx_uint_t        i, n;
    ngx_pad_api_list_t  *w = api->data;

    n = 0;

    for (i = 0; i < w->nids; i++) {
        if (w->ids[i].exists) {
            w->ids[n++] = w->ids[i];
        }
    }

    ngx_qsort(w->ids, n, sizeof(ngx_pad_api_entry_t), ngx_pad_api_list_cmp);

    ids = json_array();
    if (ids == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    for (i = 0; i < n; i++) {
        json_array_append_new(ids, ngx_pad_api_string(&w->ids[i].id));
    }

    ngx_pad_api_ok(api, json_pack("{s:o}", "padIDs", ids));
}
