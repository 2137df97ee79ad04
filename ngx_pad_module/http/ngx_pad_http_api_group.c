
/*
 * ngx_pad_module: the HTTP API's group functions (GroupManager.ts and
 * API.ts): createGroup, createGroupIfNotExistsFor, listAllGroups,
 * listPads, deleteGroup, setPublicStatus, getPublicStatus.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "msg/ngx_pad_msg.h"
#include "http/ngx_pad_http_api.h"
#include "store/ngx_pad_store_group.h"


static void ngx_pad_api_create_group(ngx_pad_api_t *api);
static void ngx_pad_api_group_for_mapper(ngx_pad_api_t *api);
static void ngx_pad_api_group_made(void *data, ngx_pad_store_result_t *res);
static void ngx_pad_api_list_groups(ngx_pad_api_t *api);
static void ngx_pad_api_list_pads(ngx_pad_api_t *api);
static void ngx_pad_api_ids_done(void *data, ngx_pad_store_result_t *res);
static void ngx_pad_api_delete_group(ngx_pad_api_t *api);
static void ngx_pad_api_delete_group_done(void *data,
    ngx_pad_store_result_t *res);
static void ngx_pad_api_set_public(ngx_pad_api_t *api);
static void ngx_pad_api_get_public(ngx_pad_api_t *api);
static void ngx_pad_api_public(ngx_pad_api_t *api, ngx_str_t *set);
static void ngx_pad_api_public_done(void *data, ngx_pad_store_result_t *res);
static ngx_str_t *ngx_pad_api_group_id(ngx_pad_api_t *api);


const ngx_pad_api_fn_t  ngx_pad_api_group_fns[] = {

    { ngx_string("createGroup"), NGX_PAD_API_V1,
      { NULL }, { NULL }, ngx_pad_api_create_group },

    { ngx_string("createGroupIfNotExistsFor"), NGX_PAD_API_V1,
      { "groupMapper", NULL }, { NULL }, ngx_pad_api_group_for_mapper },

    { ngx_string("deleteGroup"), NGX_PAD_API_V1,
      { "groupID", NULL }, { NULL }, ngx_pad_api_delete_group },

    { ngx_string("listPads"), NGX_PAD_API_V1,
      { "groupID", NULL }, { NULL }, ngx_pad_api_list_pads },

    { ngx_string("setPublicStatus"), NGX_PAD_API_V1,
      { "padID", "publicStatus", NULL }, { NULL }, ngx_pad_api_set_public },

    { ngx_string("getPublicStatus"), NGX_PAD_API_V1,
      { "padID", NULL }, { NULL }, ngx_pad_api_get_public },

    { ngx_string("listAllGroups"), NGX_PAD_API_V1_1,
      { NULL }, { NULL }, ngx_pad_api_list_groups },

    { ngx_null_string, 0, { NULL }, { NULL }, NULL }
};


/*
 * The groupID parameter if it can name a group (absent, empty or with
 * a key's "{}" it cannot): NULL after answering "groupID does not exist".
 */

static ngx_str_t *
ngx_pad_api_group_id(ngx_pad_api_t *api)
{
    size_t      i;
    ngx_str_t  *id;

    id = ngx_pad_api_arg(api, "groupID");

    if (id && id->len) {
        for (i = 0; i < id->len; i++) {
            if (id->data[i] == '{' || id->data[i] == '}') {
                break;
            }
        }

        if (i == id->len) {
            return id;
        }
    }

    ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM, "groupID does not exist");

    return NULL;
}


static void
ngx_pad_api_create_group(ngx_pad_api_t *api)
{
    api->sreq = ngx_pad_store_group_create(ngx_pad_api_group_made, api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


/* createGroupIfNotExistsFor(groupMapper): one group per mapper */

static void
ngx_pad_api_group_for_mapper(ngx_pad_api_t *api)
{
    ngx_str_t  *mapper;

    mapper = ngx_pad_api_arg(api, "groupMapper");
    if (mapper == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "groupMapper is not a string");
        return;
    }

    api->sreq = ngx_pad_store_group_for_mapper(mapper, ngx_pad_api_group_made,
                                               api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


static void
ngx_pad_api_group_made(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    api->sreq = NULL;

    if (res->status != NGX_OK) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    ngx_pad_api_ok(api, json_pack("{s:s%}", "groupID",
                                  (char *) res->value.data,
                                  (size_t) res->value.len));
}


static void
ngx_pad_api_list_groups(ngx_pad_api_t *api)
{
    api->data = "groupIDs";

    api->sreq = ngx_pad_store_group_list(ngx_pad_api_ids_done, api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


static void
ngx_pad_api_list_pads(ngx_pad_api_t *api)
{
    ngx_str_t  *id;

    id = ngx_pad_api_group_id(api);
    if (id == NULL) {
        return;
    }

    api->data = "padIDs";

    api->sreq = ngx_pad_store_group_pads(id, ngx_pad_api_ids_done, api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


/* {"<api->data>":[ids]}; NGX_DECLINED: no such group */

static void
ngx_pad_api_ids_done(void *data, ngx_pad_store_result_t *res)
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
                         "groupID does not exist");
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

    ngx_pad_api_ok(api, json_pack("{s:o}", (char *) api->data, ids));
}


/*
 * deleteGroup(groupID), as GroupManager.deleteGroup: its pads (each
 * deleted as deletePad deletes a pad: its sessions kicked on every
 * worker), then its sessions, its mapping and the group itself.
 */

typedef struct {
    ngx_str_t                  group;
    ngx_str_t                 *pads;
    ngx_uint_t                 npads;
    ngx_uint_t                 next;
} ngx_pad_api_group_del_t;


static void ngx_pad_api_delete_group_pads(void *data,
    ngx_pad_store_result_t *res);
static void ngx_pad_api_delete_group_next(void *data,
    ngx_pad_store_result_t *res);


static void
ngx_pad_api_delete_group(ngx_pad_api_t *api)
{
    ngx_str_t                *id;
    ngx_pad_api_group_del_t  *d;

    id = ngx_pad_api_group_id(api);
    if (id == NULL) {
        return;
    }

    d = ngx_pcalloc(api->r->pool, sizeof(ngx_pad_api_group_del_t));
    if (d == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    d->group = *id;
    api->data = d;

    api->sreq = ngx_pad_store_group_pads(id, ngx_pad_api_delete_group_pads,
                                         api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


static void
ngx_pad_api_delete_group_pads(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    ngx_uint_t                i;
    ngx_pad_api_group_del_t  *d = api->data;

    api->sreq = NULL;

    if (res->status == NGX_ERROR) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    if (res->status != NGX_OK) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "groupID does not exist");
        return;
    }

    d->pads = ngx_pcalloc(api->r->pool,
                          (res->nitems + 1) * sizeof(ngx_str_t));
    if (d->pads == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    for (i = 0; i < res->nitems; i++) {
        if (res->items[i].len == 0) {
            continue;
        }

        d->pads[d->npads].len = res->items[i].len;
        d->pads[d->npads].data = ngx_pstrdup(api->r->pool, &res->items[i]);

        if (d->pads[d->npads].data == NULL) {
            ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
            return;
        }

        d->npads++;
    }

    ngx_pad_api_delete_group_next(api, NULL);
}


/* one pad after the other (a pad already gone is fine), then the group */

static void
ngx_pad_api_delete_group_next(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    ngx_pad_api_group_del_t  *d = api->data;

    api->sreq = NULL;

    if (res && res->status == NGX_ERROR) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    if (d->next < d->npads) {
        api->sreq = ngx_pad_store_pad_delete(&d->pads[d->next++], &d->group,
                                             ngx_pad_api_delete_group_next,
                                             api);
    } else {
        api->sreq = ngx_pad_store_group_delete(&d->group,
                                               ngx_pad_api_delete_group_done,
                                               api);
    }

    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


static void
ngx_pad_api_delete_group_done(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    api->sreq = NULL;

    if (res->status == NGX_ERROR) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    if (res->status != NGX_OK) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "groupID does not exist");
        return;
    }

    ngx_pad_api_ok(api, NULL);
}


/*
 * setPublicStatus(padID, publicStatus) and getPublicStatus(padID): group
 * pads only (checkGroupPad), then getPadSafe(padID, true); "true" in any
 * case is public, anything else is not.
 */

static void
ngx_pad_api_set_public(ngx_pad_api_t *api)
{
    ngx_str_t  *v, set;

    v = ngx_pad_api_arg(api, "publicStatus");

    if (v && v->len == 4 && ngx_strncasecmp(v->data, (u_char *) "true", 4)
                            == 0)
    {
        ngx_str_set(&set, "1");

    } else {
        ngx_str_set(&set, "0");
    }

    ngx_pad_api_public(api, &set);
}


static void
ngx_pad_api_get_public(ngx_pad_api_t *api)
{
    ngx_pad_api_public(api, NULL);
}


static void
ngx_pad_api_public(ngx_pad_api_t *api, ngx_str_t *set)
{
    ngx_str_t  *pad;

    pad = ngx_pad_api_arg(api, "padID");

    if (pad && pad->len && ngx_strlchr(pad->data, pad->data + pad->len, '$')
                           == NULL)
    {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "You can only get/set the publicStatus of pads that "
                         "belong to a group");
        return;
    }

    if (ngx_pad_api_pad_arg(api, &pad) != NGX_OK) {
        return;
    }

    api->data = set ? (void *) 1 : NULL;

    api->sreq = ngx_pad_store_public(pad, set, ngx_pad_api_public_done, api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


static void
ngx_pad_api_public_done(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    api->sreq = NULL;

    if (res->status == NGX_ERROR) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    if (res->status != NGX_OK) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM, "padID does not exist");
        return;
    }

    if (api->data) {
        ngx_pad_api_ok(api, NULL);
        return;
    }

    ngx_pad_api_ok(api, json_pack("{s:b}", "publicStatus",
                                  (int) res->created));
}
