
/*
 * ngx_pad_module: the store's requests about ids (ngx_pad_store.h):
 * read-only ids and authors.  Getting or creating one takes two steps
 * (getset.lua, then the reverse mapping or the author's record), driven
 * by ngx_pad_store_next() as the reply's parser.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "store/ngx_pad_store.h"
#include "store/ngx_pad_store_int.h"


ngx_pad_store_req_t *
ngx_pad_store_readonly_id(ngx_str_t *pad, ngx_str_t *candidate,
    ngx_pad_store_handler_pt handler, void *data)
{
    u_char                kb[NGX_PAD_STORE_KEY_MAX];
    ngx_str_t             key;
    ngx_pad_store_req_t  *req;

    if (ngx_pad_store_pad_key(&key, kb, pad, "ro") != NGX_OK
        || candidate->len == 0 || candidate->len > NGX_PAD_STORE_ID_MAX)
    {
        return NULL;
    }

    req = ngx_pad_store_eval(ngx_pad_store_lua_getset, NGX_PAD_STORE_RO_ID,
                             ngx_pad_store_next, &key, 1, candidate, 1, handler,
                             data);
    if (req == NULL) {
        return NULL;
    }

    if (ngx_pad_store_save(&req->saved2, pad) != NGX_OK) {
        ngx_pad_store_cancel(req);
        return NULL;
    }

    return req;
}


ngx_pad_store_req_t *
ngx_pad_store_readonly_pad(ngx_str_t *rid, ngx_pad_store_handler_pt handler,
    void *data)
{
    u_char     kb[NGX_PAD_STORE_KEY_MAX];
    ngx_str_t  args[2];

    ngx_str_set(&args[0], "GET");

    if (ngx_pad_store_global_key(&args[1], kb, "ro", rid) != NGX_OK) {
        return NULL;
    }

    return ngx_pad_store_req(NGX_PAD_STORE_RO_PAD, ngx_pad_store_parse_ro_pad,
                             handler, data, args, 2);
}


/* GET of a read-only id */

ngx_int_t
ngx_pad_store_parse_ro_pad(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res)
{
    res->status = NGX_OK;

    if (reply->type == REDIS_REPLY_NIL) {
        res->status = NGX_DECLINED;
        return NGX_OK;
    }

    return ngx_pad_store_str(reply, &res->value);
}


ngx_pad_store_req_t *
ngx_pad_store_author_for_token(ngx_str_t *token, ngx_str_t *new_id,
    ngx_str_t *color, ngx_pad_store_handler_pt handler, void *data)
{
    u_char                kb[NGX_PAD_STORE_KEY_MAX];
    ngx_str_t             key;
    ngx_pad_store_req_t  *req;

    if (ngx_pad_store_global_key(&key, kb, "token", token) != NGX_OK
        || new_id->len == 0 || new_id->len > NGX_PAD_STORE_ID_MAX)
    {
        return NULL;
    }

    req = ngx_pad_store_eval(ngx_pad_store_lua_getset, NGX_PAD_STORE_AUTHOR,
                             ngx_pad_store_next, &key, 1, new_id, 1, handler,
                             data);
    if (req == NULL) {
        return NULL;
    }

    if (ngx_pad_store_save(&req->saved2, color) != NGX_OK) {
        ngx_pad_store_cancel(req);
        return NULL;
    }

    return req;
}


ngx_pad_store_req_t *
ngx_pad_store_author_get(ngx_str_t *id, ngx_pad_store_handler_pt handler,
    void *data)
{
    u_char                kb[NGX_PAD_STORE_KEY_MAX];
    ngx_str_t             args[4];
    ngx_pad_store_req_t  *req;

    ngx_str_set(&args[0], "HMGET");
    ngx_str_set(&args[2], "name");
    ngx_str_set(&args[3], "color");

    if (ngx_pad_store_global_key(&args[1], kb, "author", id) != NGX_OK) {
        return NULL;
    }

    req = ngx_pad_store_req(NGX_PAD_STORE_AUTHOR_GET, ngx_pad_store_next,
                            handler, data, args, 4);
    if (req == NULL) {
        return NULL;
    }

    if (ngx_pad_store_save(&req->saved, id) != NGX_OK) {
        ngx_pad_store_cancel(req);
        return NULL;
    }

    return req;
}


ngx_pad_store_req_t *
ngx_pad_store_author_set(ngx_str_t *id, ngx_str_t *name, ngx_str_t *color,
    ngx_pad_store_handler_pt handler, void *data)
{
    int        n;
    u_char     kb[NGX_PAD_STORE_KEY_MAX];
    ngx_str_t  args[6];

    ngx_str_set(&args[0], "HSET");

    if (ngx_pad_store_global_key(&args[1], kb, "author", id) != NGX_OK) {
        return NULL;
    }

    n = 2;

    if (name) {
        ngx_str_set(&args[n], "name");
        args[n + 1] = *name;
        n += 2;
    }

    if (color) {
        ngx_str_set(&args[n], "color");
        args[n + 1] = *color;
        n += 2;
    }

    if (n == 2) {
        return NULL;
    }

    return ngx_pad_store_req(NGX_PAD_STORE_STATUS, NULL, handler, data, args,
                             n);
}


ngx_int_t
ngx_pad_store_next(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res)
{
    u_char      kb[NGX_PAD_STORE_KEY_MAX];
    u_char      nb[NGX_INT64_LEN];
    ngx_int_t   created;
    ngx_str_t   value, args[7];

    if (req->step == 0 && req->op != NGX_PAD_STORE_AUTHOR_GET) {

        /* the reply of getset.lua: {value, created} */

        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2
            || ngx_pad_store_str(reply->element[0], &value) != NGX_OK
            || ngx_pad_store_int(reply->element[1], &created) != NGX_OK
            || ngx_pad_store_save(&req->saved, &value) != NGX_OK)
        {
            return NGX_ERROR;
        }

        req->created = created;
        req->step = 1;
        req->script = NULL;

        if (req->op == NGX_PAD_STORE_RO_ID) {
            /* the reverse mapping; set every time, it may be missing */

            ngx_str_set(&args[0], "SET");
            args[2] = req->saved2;

            if (ngx_pad_store_global_key(&args[1], kb, "ro", &value)
                != NGX_OK
                || ngx_pad_store_set_args(req, args, 3) != NGX_OK
                || ngx_pad_store_send(req) != NGX_OK)
            {
                return NGX_ERROR;
            }

            res->status = NGX_AGAIN;
            return NGX_OK;
        }

        /* author */

        if (ngx_pad_store_global_key(&args[1], kb, "author", &value)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (created) {
            ngx_str_set(&args[0], "HSET");
            ngx_str_set(&args[2], "color");
            args[3] = req->saved2;
            ngx_str_set(&args[4], "created");
            args[5].data = nb;
            args[5].len = ngx_sprintf(nb, "%T%03M", ngx_time(),
                                      ngx_timeofday()->msec)
                          - nb;

            if (ngx_pad_store_set_args(req, args, 6) != NGX_OK) {
                return NGX_ERROR;
            }

        } else {
            ngx_str_set(&args[0], "HMGET");
            ngx_str_set(&args[2], "name");
            ngx_str_set(&args[3], "color");

            if (ngx_pad_store_set_args(req, args, 4) != NGX_OK) {
                return NGX_ERROR;
            }
        }

        if (ngx_pad_store_send(req) != NGX_OK) {
            return NGX_ERROR;
        }

        res->status = NGX_AGAIN;
        return NGX_OK;
    }

    /* the last step */

    res->value = req->saved;
    res->created = req->created;

    if (req->op == NGX_PAD_STORE_RO_ID) {
        return NGX_OK;
    }

    if (req->op == NGX_PAD_STORE_AUTHOR && req->created) {
        res->color = req->saved2;
        return NGX_OK;
    }

    /* HMGET name color */

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
        return NGX_ERROR;
    }

    if (reply->element[0]->type == REDIS_REPLY_STRING) {
        (void) ngx_pad_store_str(reply->element[0], &res->name);
    }

    if (reply->element[1]->type == REDIS_REPLY_STRING) {
        (void) ngx_pad_store_str(reply->element[1], &res->color);
    }

    if (req->op == NGX_PAD_STORE_AUTHOR_GET
        && reply->element[0]->type == REDIS_REPLY_NIL
        && reply->element[1]->type == REDIS_REPLY_NIL)
    {
        res->status = NGX_DECLINED;
    }

    return NGX_OK;
}
