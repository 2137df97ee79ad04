
/*
 * ngx_pad_module: the HTTP API's functions on a pad's saved revisions
 * (API.ts): getSavedRevisionsCount, listSavedRevisions, saveRevision.
 * The records are Etherpad's, in P{pad}:saved (docs/operators/redis.md).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "msg/ngx_pad_msg.h"
#include "http/ngx_pad_http_api.h"


static void ngx_pad_api_saved_count(ngx_pad_api_t *api);
static void ngx_pad_api_saved_list(ngx_pad_api_t *api);
static void ngx_pad_api_saved_read(ngx_pad_api_t *api);
static void ngx_pad_api_saved_done(void *data, ngx_pad_store_result_t *res);
static void ngx_pad_api_save_revision(ngx_pad_api_t *api);
static void ngx_pad_api_save_revision_pad(ngx_pad_api_t *api);
static void ngx_pad_api_save_revision_done(void *data,
    ngx_pad_store_result_t *res);


const ngx_pad_api_fn_t  ngx_pad_api_saved_fns[] = {

    { ngx_string("getSavedRevisionsCount"), NGX_PAD_API_V1_2_11,
      { "padID", NULL }, { NULL }, ngx_pad_api_saved_count },

    { ngx_string("listSavedRevisions"), NGX_PAD_API_V1_2_11,
      { "padID", NULL }, { NULL }, ngx_pad_api_saved_list },

    { ngx_string("saveRevision"), NGX_PAD_API_V1_2_11,
      { "padID", "rev", NULL }, { NULL }, ngx_pad_api_save_revision },

    { ngx_null_string, 0, { NULL }, { NULL }, NULL }
};


/* getSavedRevisionsCount, listSavedRevisions: P{pad}:saved */

static void
ngx_pad_api_saved_count(ngx_pad_api_t *api)
{
    (void) ngx_pad_api_pad_head(api, ngx_pad_api_saved_read);
}


static void
ngx_pad_api_saved_list(ngx_pad_api_t *api)
{
    (void) ngx_pad_api_pad_head(api, ngx_pad_api_saved_read);
}


static void
ngx_pad_api_saved_read(ngx_pad_api_t *api)
{
    api->sreq = ngx_pad_store_saved_get(ngx_pad_api_arg(api, "padID"),
                                        ngx_pad_api_saved_done, api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


static int
ngx_pad_api_saved_cmp(const void *one, const void *two)
{
    json_int_t  a = *(json_int_t *) one;
    json_int_t  b = *(json_int_t *) two;

    return (a > b) - (a < b);
}


static void
ngx_pad_api_saved_done(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    json_t      *rec, *rev, *list;
    json_int_t  *revs;
    ngx_uint_t   i, n;

    api->sreq = NULL;

    if (res->status != NGX_OK) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    revs = ngx_palloc(api->r->pool, (res->nitems + 1) * sizeof(json_int_t));
    if (revs == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    n = 0;

    for (i = 0; i < res->nitems; i++) {
        rec = json_loadb((char *) res->items[i].data, res->items[i].len, 0,
                         NULL);
        rev = json_object_get(rec, "revNum");

        if (json_is_integer(rev)) {
            revs[n++] = json_integer_value(rev);

        } else {
            ngx_log_error(NGX_LOG_ERR, api->log, 0,
                          "pad api: %V: a bad saved revision record",
                          &api->fn->name);
        }

        json_decref(rec);
    }

    if (api->fn->handler == ngx_pad_api_saved_count) {
        ngx_pad_api_ok(api, json_pack("{s:I}", "savedRevisions",
                                      (json_int_t) n));
        return;
    }

    /* getSavedRevisionsList(): sorted by number */

    ngx_qsort(revs, n, sizeof(json_int_t), ngx_pad_api_saved_cmp);

    list = json_array();

    for (i = 0; list && i < n; i++) {
        if (json_array_append_new(list, json_integer(revs[i])) != 0) {
            json_decref(list);
            list = NULL;
        }
    }

    if (list == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    ngx_pad_api_ok(api, json_pack("{s:o}", "savedRevisions", list));
}


/*
 * saveRevision(padID, [rev]): a new author "API" (createAuthor('API')),
 * then the record {revNum, savedById, label, timestamp, id} unless the
 * revision is saved already (addSavedRevision returns silently then).
 */

static void
ngx_pad_api_save_revision(ngx_pad_api_t *api)
{
    if (ngx_pad_api_rev(api, "rev") != NGX_OK) {
        return;
    }

    (void) ngx_pad_api_pad_head(api, ngx_pad_api_save_revision_pad);
}


static void
ngx_pad_api_save_revision_pad(ngx_pad_api_t *api)
{
    u_char               aid[18], color[NGX_INT_T_LEN], sid[10];
    char                *s;
    json_t              *rec;
    ngx_str_t            a, c, name, str;
    ngx_uint_t           i;
    ngx_time_t          *tp;

    static const char  alnum[] =
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    if (api->rev > api->head) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "rev is higher than the head revision of the pad");
        return;
    }

    if (api->rev < 0) {
        api->rev = api->head;
    }

    aid[0] = 'a';
    aid[1] = '.';

    for (i = 2; i < sizeof(aid); i++) {
        aid[i] = alnum[ngx_random() % (sizeof(alnum) - 1)];
    }

    for (i = 0; i < sizeof(sid); i++) {
        sid[i] = alnum[ngx_random() % (sizeof(alnum) - 1)];
    }

    a.data = aid;
    a.len = sizeof(aid);
    c.data = color;
    c.len = ngx_sprintf(color, "%ui",
                        (ngx_uint_t) ngx_random() % NGX_PAD_MSG_PALETTE_SIZE)
            - color;
    ngx_str_set(&name, "API");

    if (ngx_pad_store_author_set(&a, &name, &c, NULL, NULL) == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    tp = ngx_timeofday();

    rec = json_pack("{s:I,s:s%,s:s,s:I,s:s%}",
                    "revNum", (json_int_t) api->rev,
                    "savedById", (char *) aid, sizeof(aid),
                    "label", "Saved through API call",
                    "timestamp", (json_int_t) tp->sec * 1000 + tp->msec,
                    "id", (char *) sid, sizeof(sid));

    s = rec ? json_dumps(rec, JSON_COMPACT|JSON_PRESERVE_ORDER) : NULL;
    json_decref(rec);

    if (s == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    str.data = (u_char *) s;
    str.len = ngx_strlen(s);

    api->sreq = ngx_pad_store_saved_add(ngx_pad_api_arg(api, "padID"),
                                        api->rev, &str,
                                        ngx_pad_api_save_revision_done, api);
    free(s);

    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


static void
ngx_pad_api_save_revision_done(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    api->sreq = NULL;

    if (res->status != NGX_OK) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    ngx_pad_api_ok(api, NULL);
}
