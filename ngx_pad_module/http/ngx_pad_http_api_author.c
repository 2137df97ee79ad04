
/*
 * ngx_pad_module: the HTTP API's author functions (AuthorManager.ts):
 * createAuthor, createAuthorIfNotExistsFor, getAuthorName,
 * listPadsOfAuthor.  The authors are the pad engine's (Pauthor:<a.X>,
 * colour a palette index), so a session of one writes as it.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "http/ngx_pad_http_api.h"
#include "store/ngx_pad_store_group.h"


static void ngx_pad_api_create_author(ngx_pad_api_t *api);
static void ngx_pad_api_author_for_mapper(ngx_pad_api_t *api);
static void ngx_pad_api_author_made(void *data, ngx_pad_store_result_t *res);
static void ngx_pad_api_author_name(ngx_pad_api_t *api);
static void ngx_pad_api_author_name_done(void *data,
    ngx_pad_store_result_t *res);
static void ngx_pad_api_author_pads(ngx_pad_api_t *api);
static void ngx_pad_api_author_pads_done(void *data,
    ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_api_author_id(ngx_str_t *id);


const ngx_pad_api_fn_t  ngx_pad_api_author_fns[] = {

    { ngx_string("createAuthor"), NGX_PAD_API_V1,
      { "name", NULL }, { NULL }, ngx_pad_api_create_author },

    { ngx_string("createAuthorIfNotExistsFor"), NGX_PAD_API_V1,
      { "authorMapper", "name", NULL }, { NULL },
      ngx_pad_api_author_for_mapper },

    { ngx_string("listPadsOfAuthor"), NGX_PAD_API_V1,
      { "authorID", NULL }, { NULL }, ngx_pad_api_author_pads },

    { ngx_string("getAuthorName"), NGX_PAD_API_V1_1,
      { "authorID", NULL }, { NULL }, ngx_pad_api_author_name },

    { ngx_null_string, 0, { NULL }, { NULL }, NULL }
};


/* an id that can name a record: not empty, none of the keys' "{}:" */

static ngx_int_t
ngx_pad_api_author_id(ngx_str_t *id)
{
    size_t  i;

    if (id == NULL || id->len == 0) {
        return NGX_DECLINED;
    }

    for (i = 0; i < id->len; i++) {
        if (id->data[i] == '{' || id->data[i] == '}' || id->data[i] == ':') {
            return NGX_DECLINED;
        }
    }

    return NGX_OK;
}


/* createAuthor(name): name absent, none (Etherpad's undefined) */

static void
ngx_pad_api_create_author(ngx_pad_api_t *api)
{
    api->sreq = ngx_pad_store_author_create(ngx_pad_api_arg(api, "name"),
                                            ngx_pad_api_author_made, api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


/*
 * createAuthorIfNotExistsFor(authorMapper, name): one author per mapper;
 * a non-empty name is set every time.  An absent mapper is the string
 * "undefined", as in Etherpad's key.
 */

static void
ngx_pad_api_author_for_mapper(ngx_pad_api_t *api)
{
    ngx_str_t  *mapper, *name;

    static ngx_str_t  undefined = ngx_string("undefined");

    mapper = ngx_pad_api_arg(api, "authorMapper");
    name = ngx_pad_api_arg(api, "name");

    if (name && name->len == 0) {
        name = NULL;
    }

    api->sreq = ngx_pad_store_author_for_mapper(mapper ? mapper : &undefined,
                                                name, ngx_pad_api_author_made,
                                                api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


static void
ngx_pad_api_author_made(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    api->sreq = NULL;

    if (res->status != NGX_OK) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    ngx_pad_api_ok(api, json_pack("{s:s%}", "authorID",
                                  (char *) res->value.data,
                                  (size_t) res->value.len));
}


/* getAuthorName(authorID): the name, or null (no author, no name, "") */

static void
ngx_pad_api_author_name(ngx_pad_api_t *api)
{
    ngx_str_t  *id;

    id = ngx_pad_api_arg(api, "authorID");

    if (ngx_pad_api_author_id(id) != NGX_OK) {
        ngx_pad_api_ok(api, NULL);
        return;
    }

    api->sreq = ngx_pad_store_author_get(id, ngx_pad_api_author_name_done,
                                         api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


static void
ngx_pad_api_author_name_done(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    api->sreq = NULL;

    if (res->status == NGX_ERROR) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    if (res->status != NGX_OK || res->name.len == 0) {
        ngx_pad_api_ok(api, NULL);
        return;
    }

    ngx_pad_api_ok(api, ngx_pad_api_string(&res->name));
}


/* listPadsOfAuthor(authorID): the pads whose revisions it wrote */

static void
ngx_pad_api_author_pads(ngx_pad_api_t *api)
{
    ngx_str_t  *id;

    id = ngx_pad_api_arg(api, "authorID");

    if (ngx_pad_api_author_id(id) != NGX_OK) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "authorID does not exist");
        return;
    }

    api->sreq = ngx_pad_store_author_pads(id, ngx_pad_api_author_pads_done,
                                          api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


static void
ngx_pad_api_author_pads_done(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    json_t      *ids;
    ngx_uint_t   i;

    api->sreq = NULL;

    if (res->status == NGX_ERROR) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    if (res->status != NGX_OK) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "authorID does not exist");
        return;
    }

    ids = json_array();
    if (ids == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    for (i = 0; i < res->nitems; i++) {
        if (json_array_append_new(ids, ngx_pad_api_string(&res->items[i]))
            != 0)
        {
            json_decref(ids);
            ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
            return;
        }
    }

    ngx_pad_api_ok(api, json_pack("{s:o}", "padIDs", ids));
}
