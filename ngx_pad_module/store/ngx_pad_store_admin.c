
/*
 * ngx_pad_module: the store's requests about pads as a whole, for the
 * HTTP API (ngx_pad_store.h): the index of all pads (Ppads), deleting a
 * pad (delete.lua, then its cross-slot entries).
 *
 * Ppads spans every slot, so it is written by its own commands, ordered
 * so that a crash leaves at most a stale entry, which readers filter out:
 * SADD before create.lua (on the same connection, so before it runs),
 * SREM after delete.lua.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "store/ngx_pad_store.h"
#include "store/ngx_pad_store_int.h"
#include "store/ngx_pad_store_seq.h"


static ngx_int_t ngx_pad_store_parse_members(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_store_parse_group_pad(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_store_parse_delete(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res);


static ngx_int_t
ngx_pad_store_pads_key(ngx_str_t *key, u_char *buf)
{
    ngx_pad_store_conf_t  *scf;

    scf = ngx_pad_store_conf_get();
    if (scf == NULL) {
        return NGX_ERROR;
    }

    key->data = buf;
    key->len = ngx_sprintf(buf, "%Vpads", &scf->prefix) - buf;

    return NGX_OK;
}


ngx_int_t
ngx_pad_store_pads_add(ngx_str_t *pad)
{
    u_char     kb[NGX_PAD_STORE_KEY_MAX];
    ngx_str_t  args[3];

    ngx_str_set(&args[0], "SADD");
    args[2] = *pad;

    if (pad->len == 0 || pad->len > NGX_PAD_STORE_ID_MAX
        || ngx_pad_store_pads_key(&args[1], kb) != NGX_OK
        || ngx_pad_store_req(NGX_PAD_STORE_STATUS, NULL, NULL, NULL, args, 3)
           == NULL)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


ngx_pad_store_req_t *
ngx_pad_store_pads(ngx_pad_store_handler_pt handler, void *data)
{
    u_char     kb[NGX_PAD_STORE_KEY_MAX], mb[NGX_INT_T_LEN];
    ngx_str_t  key, max;

    if (ngx_pad_store_pads_key(&key, kb) != NGX_OK) {
        return NULL;
    }

    ngx_pad_store_list_max_arg(&max, mb);

    return ngx_pad_store_eval(ngx_pad_store_lua_members,
                              NGX_PAD_STORE_MEMBERS,
                              ngx_pad_store_parse_members, &key, 1, &max, 1,
                              handler, data);
}


static ngx_int_t
ngx_pad_store_parse_members(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res)
{
    if (reply->type != REDIS_REPLY_ARRAY) {
        return NGX_ERROR;
    }

    return ngx_pad_store_items(reply->element, reply->elements, res);
}


ngx_pad_store_req_t *
ngx_pad_store_pad_delete(ngx_str_t *pad, ngx_str_t *group,
    ngx_pad_store_handler_pt handler, void *data)
{
    u_char                kb[10][NGX_PAD_STORE_KEY_MAX];
    ngx_str_t             keys[9], args[1];
    ngx_uint_t            i;
    ngx_pad_store_req_t  *req;

    static char  *suffix[] = {
        "meta", "revs", "pool", "snap", "snapidx", "chat", "ro", "conn",
        "saved"
    };

    for (i = 0; i < 9; i++) {
        if (ngx_pad_store_pad_key(&keys[i], kb[i], pad, suffix[i]) != NGX_OK)
        {
            return NULL;
        }
    }

    if (ngx_pad_store_pad_key(&args[0], kb[9], pad, "ch") != NGX_OK
        || (group && (group->len == 0 || group->len > NGX_PAD_STORE_ID_MAX)))
    {
        return NULL;
    }

    req = ngx_pad_store_eval(ngx_pad_store_lua_delete, NGX_PAD_STORE_DELETE,
                             ngx_pad_store_parse_delete, keys, 9, args, 1,
                             handler, data);
    if (req == NULL) {
        return NULL;
    }

    if (ngx_pad_store_save(&req->saved, pad) != NGX_OK
        || (group && ngx_pad_store_save(&req->saved2, group) != NGX_OK))
    {
        ngx_pad_store_cancel(req);
        return NULL;
    }

    return req;
}


/*
 * delete.lua's reply {0} (no pad) or {1, read-only id, author, ...}; then
 * the read-only mapping, the group's entry and the authors' entries go
 * (no answer awaited), and SREM Ppads is the last step: its reply comes
 * after theirs.
 */

static ngx_int_t
ngx_pad_store_parse_delete(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res)
{
    u_char                 kb[NGX_PAD_STORE_KEY_MAX];
    size_t                 i;
    ngx_int_t              n;
    ngx_str_t              ro, author, args[3];
    ngx_pad_store_conf_t  *scf;

    if (req->step == 1) {
        return NGX_OK;
    }

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1
        || ngx_pad_store_int(reply->element[0], &n) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (n == 0) {
        res->status = NGX_DECLINED;
        return NGX_OK;
    }

    if (reply->elements < 2
        || ngx_pad_store_str(reply->element[1], &ro) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ro.len) {
        ngx_str_set(&args[0], "DEL");

        if (ngx_pad_store_global_key(&args[1], kb, "ro", &ro) == NGX_OK) {
            (void) ngx_pad_store_req(NGX_PAD_STORE_STATUS, NULL, NULL, NULL,
                                     args, 2);
        }
    }

    scf = ngx_pad_store_conf_get();

    if (req->saved2.len) {
        ngx_str_set(&args[0], "SREM");
        args[1].data = kb;
        args[1].len = ngx_sprintf(kb, "%Vgroup:{%V}:pads", &scf->prefix,
                                  &req->saved2)
                      - kb;
        args[2] = req->saved;

        (void) ngx_pad_store_req(NGX_PAD_STORE_STATUS, NULL, NULL, NULL,
                                 args, 3);
    }

    ngx_str_set(&args[0], "SREM");
    args[2] = req->saved;

    for (i = 2; i < reply->elements; i++) {
        if (ngx_pad_store_str(reply->element[i], &author) != NGX_OK
            || ngx_pad_store_global_key(&args[1], kb, "author", &author)
               != NGX_OK
            || args[1].len + sizeof(":pads") > NGX_PAD_STORE_KEY_MAX)
        {
            continue;
        }

        args[1].len = ngx_sprintf(args[1].data + args[1].len, ":pads")
                      - args[1].data;

        (void) ngx_pad_store_req(NGX_PAD_STORE_STATUS, NULL, NULL, NULL,
                                 args, 3);
    }

    req->step = 1;
    req->script = NULL;

    if (ngx_pad_store_pads_key(&args[1], kb) != NGX_OK
        || ngx_pad_store_set_args(req, args, 3) != NGX_OK
        || ngx_pad_store_send(req) != NGX_OK)
    {
        return NGX_ERROR;
    }

    res->status = NGX_AGAIN;

    return NGX_OK;
}


/* Pgroup:{group} exists: then the pad goes into Pgroup:{group}:pads */

ngx_pad_store_req_t *
ngx_pad_store_group_pad(ngx_str_t *group, ngx_str_t *pad,
    ngx_pad_store_handler_pt handler, void *data)
{
    u_char                 kb[NGX_PAD_STORE_KEY_MAX];
    ngx_str_t              args[2];
    ngx_pad_store_req_t   *req;
    ngx_pad_store_conf_t  *scf;

    scf = ngx_pad_store_conf_get();

    if (scf == NULL || group->len == 0 || group->len > NGX_PAD_STORE_ID_MAX
        || pad->len == 0 || pad->len > NGX_PAD_STORE_ID_MAX)
    {
        return NULL;
    }

    ngx_str_set(&args[0], "EXISTS");
    args[1].data = kb;
    args[1].len = ngx_sprintf(kb, "%Vgroup:{%V}", &scf->prefix, group) - kb;

    req = ngx_pad_store_req(NGX_PAD_STORE_STATUS,
                            ngx_pad_store_parse_group_pad, handler, data,
                            args, 2);
    if (req == NULL) {
        return NULL;
    }

    if (ngx_pad_store_save(&req->saved, pad) != NGX_OK
        || ngx_pad_store_save(&req->saved2, group) != NGX_OK)
    {
        ngx_pad_store_cancel(req);
        return NULL;
    }

    return req;
}


static ngx_int_t
ngx_pad_store_parse_group_pad(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res)
{
    u_char                 kb[NGX_PAD_STORE_KEY_MAX];
    ngx_int_t              n;
    ngx_str_t              args[3];
    ngx_pad_store_conf_t  *scf;

    if (req->step == 1) {
        return NGX_OK;
    }

    if (ngx_pad_store_int(reply, &n) != NGX_OK) {
        return NGX_ERROR;
    }

    if (n == 0) {
        res->status = NGX_DECLINED;
        return NGX_OK;
    }

    scf = ngx_pad_store_conf_get();

    ngx_str_set(&args[0], "SADD");
    args[1].data = kb;
    args[1].len = ngx_sprintf(kb, "%Vgroup:{%V}:pads", &scf->prefix,
                              &req->saved2)
                  - kb;
    args[2] = req->saved;

    req->step = 1;

    if (ngx_pad_store_set_args(req, args, 3) != NGX_OK
        || ngx_pad_store_send(req) != NGX_OK)
    {
        return NGX_ERROR;
    }

    res->status = NGX_AGAIN;

    return NGX_OK;
}
