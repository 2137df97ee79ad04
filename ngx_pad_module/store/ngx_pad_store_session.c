
/*
 * ngx_pad_module: sessions in Redis (ngx_pad_store_group.h): a session's
 * record Psession:{s.X} and its entries in the group's and the author's
 * sets, written entries first and removed record first, so that a crash
 * leaves at most an entry without a record, which the lists leave out.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "store/ngx_pad_store.h"
#include "store/ngx_pad_store_int.h"
#include "store/ngx_pad_store_seq.h"
#include "store/ngx_pad_store_group.h"


static ngx_int_t ngx_pad_store_g_session(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_store_g_session_got(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_store_g_session_del(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res);


/*
 * session_create: 0 mark.lua on the group (exists: "sessions" 1), 1 on
 * the author, 2 SADD the group's sessions, 3 SADD the author's, 4 HSET
 * the session.
 */

ngx_pad_store_req_t *
ngx_pad_store_session_create(ngx_str_t *group, ngx_str_t *author,
    ngx_str_t *valid_until, ngx_pad_store_handler_pt handler, void *data)
{
    ngx_str_t            key, args[2];
    ngx_pad_store_g_t   *g;

    g = ngx_pad_store_g_new(ngx_pad_store_g_session);
    if (g == NULL) {
        return NULL;
    }

    ngx_str_set(&args[0], "sessions");
    ngx_str_set(&args[1], "1");

    if (ngx_pad_store_g_id(g, &g->id, "s.") != NGX_OK
        || ngx_pad_store_g_copy(g, &g->group, group) != NGX_OK
        || ngx_pad_store_g_copy(g, &g->author, author) != NGX_OK
        || ngx_pad_store_g_copy(g, &g->valid, valid_until) != NGX_OK
        || ngx_pad_store_g_key(g, &key, "group:{", group, "}") != NGX_OK)
    {
        ngx_pad_store_g_free(g);
        return NULL;
    }

    return ngx_pad_store_g_start_eval(g, ngx_pad_store_lua_mark, &key, args,
                                      2, handler, data);
}


ngx_pad_store_req_t *
ngx_pad_store_session_get(ngx_str_t *session,
    ngx_pad_store_handler_pt handler, void *data)
{
    ngx_str_t           args[5];
    ngx_pad_store_g_t  *g;

    g = ngx_pad_store_g_new(ngx_pad_store_g_session_got);
    if (g == NULL) {
        return NULL;
    }

    ngx_str_set(&args[0], "HMGET");
    ngx_str_set(&args[2], "groupID");
    ngx_str_set(&args[3], "authorID");
    ngx_str_set(&args[4], "validUntil");

    if (ngx_pad_store_g_key(g, &args[1], "session:{", session, "}")
        != NGX_OK)
    {
        ngx_pad_store_g_free(g);
        return NULL;
    }

    return ngx_pad_store_g_start(g, handler, data, args, 5);
}


/* session_delete: 0 HMGET, 1 DEL, 2 SREM group's, 3 SREM author's */

ngx_pad_store_req_t *
ngx_pad_store_session_delete(ngx_str_t *session,
    ngx_pad_store_handler_pt handler, void *data)
{
    ngx_str_t           args[4];
    ngx_pad_store_g_t  *g;

    g = ngx_pad_store_g_new(ngx_pad_store_g_session_del);
    if (g == NULL) {
        return NULL;
    }

    ngx_str_set(&args[0], "HMGET");
    ngx_str_set(&args[2], "groupID");
    ngx_str_set(&args[3], "authorID");

    if (ngx_pad_store_g_copy(g, &g->id, session) != NGX_OK
        || ngx_pad_store_g_key(g, &args[1], "session:{", session, "}")
           != NGX_OK)
    {
        ngx_pad_store_g_free(g);
        return NULL;
    }

    return ngx_pad_store_g_start(g, handler, data, args, 4);
}


ngx_pad_store_req_t *
ngx_pad_store_sessions_of(ngx_uint_t of, ngx_str_t *id,
    ngx_pad_store_handler_pt handler, void *data)
{
    ngx_str_t           args[3];
    ngx_pad_store_g_t  *g;

    g = ngx_pad_store_g_new(ngx_pad_store_g_list);
    if (g == NULL) {
        return NULL;
    }

    g->of = of;
    g->keep = NGX_PAD_STORE_G_KEEP_SESSION;

    /* the owner exists and its "sessions" flag, in one HMGET */
    ngx_str_set(&args[0], "HMGET");
    ngx_str_set(&args[2], "sessions");

    if (ngx_pad_store_g_copy(g, &g->arg, id) != NGX_OK
        || ngx_pad_store_g_key(g, &args[1], ngx_pad_store_g_owner[of], id,
                               ngx_pad_store_g_close[of])
           != NGX_OK)
    {
        ngx_pad_store_g_free(g);
        return NULL;
    }

    /* EXISTS first (step 0), then HMGET sessions (step 1) */
    ngx_str_set(&args[0], "EXISTS");

    return ngx_pad_store_g_start(g, handler, data, args, 2);
}


static ngx_int_t
ngx_pad_store_g_session(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res)
{
    ngx_pad_store_g_t  *g = req->ext;

    ngx_int_t   n, rc;
    ngx_str_t   key, args[8];

    switch (req->step) {

    case 0:
    case 1:
        if (ngx_pad_store_int(reply, &n) != NGX_OK) {
            return NGX_ERROR;
        }

        if (n == 0) {
            /* the group or the author went meanwhile */
            res->status = NGX_DECLINED;
            return NGX_OK;
        }

        if (req->step == 1) {
            ngx_str_set(&args[0], "SADD");
            args[2] = g->id;

            if (ngx_pad_store_g_key(g, &args[1], "group:{", &g->group,
                                    "}:sessions")
                != NGX_OK)
            {
                return NGX_ERROR;
            }

            rc = ngx_pad_store_g_send(req, 2, args, 3);
            break;
        }

        ngx_str_set(&args[0], "sessions");
        ngx_str_set(&args[1], "1");

        if (ngx_pad_store_g_key(g, &key, "author:", &g->author, "")
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        rc = ngx_pad_store_g_eval(req, 1, ngx_pad_store_lua_mark, &key, args,
                                  2);
        break;

    case 2:
        ngx_str_set(&args[0], "SADD");
        args[2] = g->id;

        if (ngx_pad_store_g_key(g, &args[1], "author:", &g->author,
                                ":sessions")
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        rc = ngx_pad_store_g_send(req, 3, args, 3);
        break;

    case 3:
        ngx_str_set(&args[0], "HSET");
        ngx_str_set(&args[2], "groupID");
        args[3] = g->group;
        ngx_str_set(&args[4], "authorID");
        args[5] = g->author;
        ngx_str_set(&args[6], "validUntil");
        args[7] = g->valid;

        if (ngx_pad_store_g_key(g, &args[1], "session:{", &g->id, "}")
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        rc = ngx_pad_store_g_send(req, 4, args, 8);
        break;

    default:
        res->value = g->id;
        res->created = 1;
        return NGX_OK;
    }

    if (rc != NGX_AGAIN) {
        return NGX_ERROR;
    }

    res->status = NGX_AGAIN;
    return NGX_OK;
}


static ngx_int_t
ngx_pad_store_g_session_got(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res)
{
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3) {
        return NGX_ERROR;
    }

    if (reply->element[0]->type != REDIS_REPLY_STRING
        || reply->element[1]->type != REDIS_REPLY_STRING
        || reply->element[2]->type != REDIS_REPLY_STRING)
    {
        res->status = NGX_DECLINED;
        return NGX_OK;
    }

    return ngx_pad_store_items(reply->element, 3, res);
}


static ngx_int_t
ngx_pad_store_g_session_del(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res)
{
    ngx_pad_store_g_t  *g = req->ext;

    ngx_int_t   rc;
    ngx_str_t   v, args[3];

    switch (req->step) {

    case 0:
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
            return NGX_ERROR;
        }

        if (reply->element[0]->type != REDIS_REPLY_STRING
            || reply->element[1]->type != REDIS_REPLY_STRING)
        {
            res->status = NGX_DECLINED;
            return NGX_OK;
        }

        (void) ngx_pad_store_str(reply->element[0], &v);

        if (ngx_pad_store_g_copy(g, &g->group, &v) != NGX_OK) {
            return NGX_ERROR;
        }

        (void) ngx_pad_store_str(reply->element[1], &v);

        if (ngx_pad_store_g_copy(g, &g->author, &v) != NGX_OK) {
            return NGX_ERROR;
        }

        /* the record first, then the entries (stale ones are skipped) */

        ngx_str_set(&args[0], "DEL");

        if (ngx_pad_store_g_key(g, &args[1], "session:{", &g->id, "}")
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        rc = ngx_pad_store_g_send(req, 1, args, 2);
        break;

    case 1:
        ngx_str_set(&args[0], "SREM");
        args[2] = g->id;

        if (g->group.len == 0
            || ngx_pad_store_g_key(g, &args[1], "group:{", &g->group,
                                   "}:sessions")
               != NGX_OK)
        {
            goto author;
        }

        rc = ngx_pad_store_g_send(req, 2, args, 3);
        break;

    case 2:
        goto author;

    default:
        return NGX_OK;
    }

    if (rc != NGX_AGAIN) {
        return NGX_ERROR;
    }

    res->status = NGX_AGAIN;
    return NGX_OK;

author:

    ngx_str_set(&args[0], "SREM");
    args[2] = g->id;

    if (g->author.len == 0
        || ngx_pad_store_g_key(g, &args[1], "author:", &g->author,
                               ":sessions")
           != NGX_OK)
    {
        return NGX_OK;
    }

    if (ngx_pad_store_g_send(req, 3, args, 3) != NGX_AGAIN) {
        return NGX_ERROR;
    }

    res->status = NGX_AGAIN;
    return NGX_OK;
}
