
/*
 * ngx_pad_module: authors, groups and public pads in Redis
 * (ngx_pad_store_group.h); the sessions are in ngx_pad_store_session.c,
 * the sequences of commands in ngx_pad_store_seq.c.
 *
 * The keys of a group, an author and a session live in different hash
 * slots, so an operation is a sequence of commands, one step per reply.
 * Writes go index first: an entry in a set (the groups, a group's
 * sessions) is written before the record it names and removed after it,
 * so a crash leaves at most an entry without a record, which the lists
 * leave out.  A mapper is set only to a record that exists (mapper.lua,
 * compare and set), so concurrent calls agree on one.
 */

#include <ngx_config.h>
#include <ngx_core.h>

#include "store/ngx_pad_store.h"
#include "store/ngx_pad_store_int.h"
#include "store/ngx_pad_store_seq.h"
#include "store/ngx_pad_store_group.h"


static ngx_int_t ngx_pad_store_g_author_made(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_store_g_author_map(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_store_g_group(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_store_g_group_map(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_store_g_delete(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_store_g_public_done(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_store_g_group_check(ngx_pad_store_req_t *req);
static ngx_int_t ngx_pad_store_g_group_new(ngx_pad_store_req_t *req,
    ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_store_g_delete_step(ngx_pad_store_req_t *req,
    redisReply *reply);
static ngx_int_t ngx_pad_store_g_delete_session(ngx_pad_store_req_t *req);


#define NGX_PAD_STORE_G_TRIES  3


ngx_pad_store_req_t *
ngx_pad_store_author_create(ngx_str_t *name, ngx_pad_store_handler_pt handler,
    void *data)
{
    int                 n;
    u_char              color[NGX_INT_T_LEN];
    ngx_str_t           args[8];
    ngx_pad_store_g_t  *g;

    g = ngx_pad_store_g_new(ngx_pad_store_g_author_made);
    if (g == NULL) {
        return NULL;
    }

    ngx_str_set(&args[0], "HSET");
    ngx_str_set(&args[2], "color");
    args[3].data = color;
    args[3].len = ngx_sprintf(color, "%ui",
                              (ngx_uint_t) (ngx_random() % 64))
                  - color;
    ngx_str_set(&args[4], "created");
    n = 6;

    if (name) {
        ngx_str_set(&args[6], "name");
        args[7] = *name;
        n = 8;
    }

    if (ngx_pad_store_g_id(g, &g->id, "a.") != NGX_OK
        || ngx_pad_store_g_key(g, &args[1], "author:", &g->id, "") != NGX_OK
        || ngx_pad_store_g_now(g, &args[5]) != NGX_OK)
    {
        ngx_pad_store_g_free(g);
        return NULL;
    }

    return ngx_pad_store_g_start(g, handler, data, args, n);
}


/*
 * author_for_mapper: 0 GET the mapping; none: 1 HSET a new author, 2
 * mapper.lua sets it unless another was set meanwhile (3 DEL ours);
 * 4 HSET the name.
 */

ngx_pad_store_req_t *
ngx_pad_store_author_for_mapper(ngx_str_t *mapper, ngx_str_t *name,
    ngx_pad_store_handler_pt handler, void *data)
{
    ngx_str_t           args[2];
    ngx_pad_store_g_t  *g;

    g = ngx_pad_store_g_new(ngx_pad_store_g_author_map);
    if (g == NULL) {
        return NULL;
    }

    ngx_str_set(&args[0], "GET");

    if (ngx_pad_store_g_copy(g, &g->arg, mapper) != NGX_OK
        || (name && ngx_pad_store_g_copy(g, &g->name, name) != NGX_OK)
        || ngx_pad_store_g_key(g, &args[1], "mapper2author:", mapper, "")
           != NGX_OK)
    {
        ngx_pad_store_g_free(g);
        return NULL;
    }

    return ngx_pad_store_g_start(g, handler, data, args, 2);
}


ngx_pad_store_req_t *
ngx_pad_store_author_pads(ngx_str_t *author, ngx_pad_store_handler_pt handler,
    void *data)
{
    ngx_str_t           args[2];
    ngx_pad_store_g_t  *g;

    g = ngx_pad_store_g_new(ngx_pad_store_g_list);
    if (g == NULL) {
        return NULL;
    }

    g->of = NGX_PAD_STORE_OF_AUTHOR;
    g->keep = NGX_PAD_STORE_G_KEEP_PAD;
    ngx_str_set(&args[0], "EXISTS");

    if (ngx_pad_store_g_copy(g, &g->arg, author) != NGX_OK
        || ngx_pad_store_g_key(g, &args[1], "author:", author, "") != NGX_OK)
    {
        ngx_pad_store_g_free(g);
        return NULL;
    }

    return ngx_pad_store_g_start(g, handler, data, args, 2);
}


/* group_create: 0 SADD Pgroups, 1 HSET Pgroup:{g} created */

ngx_pad_store_req_t *
ngx_pad_store_group_create(ngx_pad_store_handler_pt handler, void *data)
{
    ngx_str_t           args[3];
    ngx_pad_store_g_t  *g;

    g = ngx_pad_store_g_new(ngx_pad_store_g_group);
    if (g == NULL) {
        return NULL;
    }

    ngx_str_set(&args[0], "SADD");

    if (ngx_pad_store_g_id(g, &g->id, "g.") != NGX_OK
        || ngx_pad_store_g_key(g, &args[1], "groups", NULL, "") != NGX_OK)
    {
        ngx_pad_store_g_free(g);
        return NULL;
    }

    args[2] = g->id;

    return ngx_pad_store_g_start(g, handler, data, args, 3);
}


/*
 * group_for_mapper: 0 GET the mapping, 1 EXISTS its group; none: 2 SADD
 * a new group, 3 HSET its record, 4 mapper.lua sets it if the mapping is
 * still the one seen; another won: 5 DEL ours, 6 SREM it, and again
 * from 1 with the winner's.
 */

ngx_pad_store_req_t *
ngx_pad_store_group_for_mapper(ngx_str_t *mapper,
    ngx_pad_store_handler_pt handler, void *data)
{
    ngx_str_t           args[2];
    ngx_pad_store_g_t  *g;

    g = ngx_pad_store_g_new(ngx_pad_store_g_group_map);
    if (g == NULL) {
        return NULL;
    }

    ngx_str_set(&args[0], "GET");

    if (ngx_pad_store_g_copy(g, &g->arg, mapper) != NGX_OK
        || ngx_pad_store_g_key(g, &args[1], "mapper2group:", mapper, "")
           != NGX_OK)
    {
        ngx_pad_store_g_free(g);
        return NULL;
    }

    return ngx_pad_store_g_start(g, handler, data, args, 2);
}


ngx_pad_store_req_t *
ngx_pad_store_group_list(ngx_pad_store_handler_pt handler, void *data)
{
    u_char              mb[NGX_INT_T_LEN];
    ngx_str_t           key, max;
    ngx_pad_store_g_t  *g;

    g = ngx_pad_store_g_new(ngx_pad_store_g_list);
    if (g == NULL) {
        return NULL;
    }

    g->keep = NGX_PAD_STORE_G_KEEP_GROUP;
    g->flag = 1;    /* no owner to check: step 0 is the set */
    ngx_pad_store_list_max_arg(&max, mb);

    if (ngx_pad_store_g_key(g, &key, "groups", NULL, "") != NGX_OK) {
        ngx_pad_store_g_free(g);
        return NULL;
    }

    return ngx_pad_store_g_start_eval(g, ngx_pad_store_lua_members, &key,
                                      &max, 1, handler, data);
}


ngx_pad_store_req_t *
ngx_pad_store_group_pads(ngx_str_t *group, ngx_pad_store_handler_pt handler,
    void *data)
{
    ngx_str_t           args[2];
    ngx_pad_store_g_t  *g;

    g = ngx_pad_store_g_new(ngx_pad_store_g_list);
    if (g == NULL) {
        return NULL;
    }

    g->of = NGX_PAD_STORE_OF_GROUP;
    g->keep = NGX_PAD_STORE_G_KEEP_PAD;
    ngx_str_set(&args[0], "EXISTS");

    if (ngx_pad_store_g_copy(g, &g->arg, group) != NGX_OK
        || ngx_pad_store_g_key(g, &args[1], "group:{", group, "}") != NGX_OK)
    {
        ngx_pad_store_g_free(g);
        return NULL;
    }

    return ngx_pad_store_g_start(g, handler, data, args, 2);
}


/*
 * group_delete: 0 EXISTS, 1 HGET mapper, 2 SMEMBERS sessions, for each:
 * 3 HGET its author, 4 DEL it, 5 SREM it from the author's; then 6
 * mapper.lua deletes the mapping if still ours, 7 DEL the group's keys, 8
 * SREM it from the groups.
 */

ngx_pad_store_req_t *
ngx_pad_store_group_delete(ngx_str_t *group, ngx_pad_store_handler_pt handler,
    void *data)
{
    ngx_str_t           args[2];
    ngx_pad_store_g_t  *g;

    g = ngx_pad_store_g_new(ngx_pad_store_g_delete);
    if (g == NULL) {
        return NULL;
    }

    ngx_str_set(&args[0], "EXISTS");

    if (ngx_pad_store_g_copy(g, &g->arg, group) != NGX_OK
        || ngx_pad_store_g_key(g, &args[1], "group:{", group, "}") != NGX_OK)
    {
        ngx_pad_store_g_free(g);
        return NULL;
    }

    return ngx_pad_store_g_start(g, handler, data, args, 2);
}


ngx_pad_store_req_t *
ngx_pad_store_public(ngx_str_t *pad, ngx_str_t *set,
    ngx_pad_store_handler_pt handler, void *data)
{
    u_char                kb[NGX_PAD_STORE_KEY_MAX];
    ngx_str_t             key, arg;
    ngx_pad_store_g_t    *g;

    if (ngx_pad_store_pad_key(&key, kb, pad, "meta") != NGX_OK) {
        return NULL;
    }

    g = ngx_pad_store_g_new(ngx_pad_store_g_public_done);
    if (g == NULL) {
        return NULL;
    }

    if (set) {
        arg = *set;

    } else {
        ngx_str_set(&arg, "get");
    }

    return ngx_pad_store_g_start_eval(g, ngx_pad_store_lua_public, &key, &arg,
                                      1, handler, data);
}


static ngx_int_t
ngx_pad_store_g_author_made(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res)
{
    ngx_pad_store_g_t  *g = req->ext;

    res->value = g->id;
    res->created = 1;

    return NGX_OK;
}


static ngx_int_t
ngx_pad_store_g_author_map(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res)
{
    ngx_pad_store_g_t  *g = req->ext;

    ngx_int_t  n;
    ngx_str_t  v, args[8];

    switch (req->step) {

    case 0:
        if (reply->type == REDIS_REPLY_STRING && reply->len) {
            (void) ngx_pad_store_str(reply, &v);

            if (ngx_pad_store_g_copy(g, &g->id, &v) != NGX_OK) {
                return NGX_ERROR;
            }

            goto name;
        }

        /* no author yet: make one, then map it unless another won */

        ngx_str_set(&args[0], "HSET");
        ngx_str_set(&args[2], "color");
        ngx_str_set(&args[4], "created");

        args[3].data = ngx_pnalloc(g->pool, NGX_INT_T_LEN);
        if (args[3].data == NULL
            || ngx_pad_store_g_id(g, &g->id, "a.") != NGX_OK
            || ngx_pad_store_g_key(g, &args[1], "author:", &g->id, "")
               != NGX_OK
            || ngx_pad_store_g_now(g, &args[5]) != NGX_OK)
        {
            return NGX_ERROR;
        }

        args[3].len = ngx_sprintf(args[3].data, "%ui",
                                  (ngx_uint_t) (ngx_random() % 64))
                      - args[3].data;
        n = 6;

        if (g->name.data) {
            ngx_str_set(&args[6], "name");
            args[7] = g->name;
            n = 8;
        }

        g->flag = 1;

        if (ngx_pad_store_g_send(req, 1, args, n) != NGX_AGAIN) {
            return NGX_ERROR;
        }

        res->status = NGX_AGAIN;
        return NGX_OK;

    case 1:
        args[0] = g->id;
        ngx_str_set(&args[1], "");

        if (ngx_pad_store_g_key(g, &v, "mapper2author:", &g->arg, "")
            != NGX_OK
            || ngx_pad_store_g_eval(req, 2, ngx_pad_store_lua_mapper, &v,
                                    args, 2)
               != NGX_AGAIN)
        {
            return NGX_ERROR;
        }

        res->status = NGX_AGAIN;
        return NGX_OK;

    case 2:
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2
            || ngx_pad_store_str(reply->element[0], &v) != NGX_OK
            || ngx_pad_store_int(reply->element[1], &n) != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (n == 1) {
            res->value = g->id;
            res->created = 1;
            return NGX_OK;
        }

        /* another worker mapped one first: ours goes */

        ngx_str_set(&args[0], "DEL");

        if (ngx_pad_store_g_key(g, &args[1], "author:", &g->id, "") != NGX_OK
            || ngx_pad_store_g_copy(g, &g->id, &v) != NGX_OK)
        {
            return NGX_ERROR;
        }

        g->flag = 0;

        if (ngx_pad_store_g_send(req, 3, args, 2) != NGX_AGAIN) {
            return NGX_ERROR;
        }

        res->status = NGX_AGAIN;
        return NGX_OK;

    case 3:
        goto name;

    default:
        res->value = g->id;
        res->created = g->flag;
        return NGX_OK;
    }

name:

    if (g->name.data == NULL || g->name.len == 0) {
        res->value = g->id;
        res->created = g->flag;
        return NGX_OK;
    }

    ngx_str_set(&args[0], "HSET");
    ngx_str_set(&args[2], "name");
    args[3] = g->name;

    if (ngx_pad_store_g_key(g, &args[1], "author:", &g->id, "") != NGX_OK
        || ngx_pad_store_g_send(req, 4, args, 4) != NGX_AGAIN)
    {
        return NGX_ERROR;
    }

    res->status = NGX_AGAIN;
    return NGX_OK;
}


static ngx_int_t
ngx_pad_store_g_group(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res)
{
    ngx_pad_store_g_t  *g = req->ext;

    ngx_str_t  args[4];

    if (req->step > 0) {
        res->value = g->id;
        res->created = 1;
        return NGX_OK;
    }

    ngx_str_set(&args[0], "HSET");
    ngx_str_set(&args[2], "created");

    if (ngx_pad_store_g_key(g, &args[1], "group:{", &g->id, "}") != NGX_OK
        || ngx_pad_store_g_now(g, &args[3]) != NGX_OK
        || ngx_pad_store_g_send(req, 1, args, 4) != NGX_AGAIN)
    {
        return NGX_ERROR;
    }

    res->status = NGX_AGAIN;
    return NGX_OK;
}


static ngx_int_t
ngx_pad_store_g_group_map(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res)
{
    ngx_pad_store_g_t  *g = req->ext;

    ngx_int_t   n, rc;
    ngx_str_t   v, key, args[6];

    rc = NGX_AGAIN;

    switch (req->step) {

    case 0:
        if (reply->type != REDIS_REPLY_STRING || reply->len == 0) {
            ngx_str_set(&g->seen, "");
            rc = ngx_pad_store_g_group_new(req, res);
            break;
        }

        (void) ngx_pad_store_str(reply, &v);

        if (ngx_pad_store_g_copy(g, &g->seen, &v) != NGX_OK) {
            return NGX_ERROR;
        }

        rc = ngx_pad_store_g_group_check(req);
        break;

    case 1:
        if (ngx_pad_store_int(reply, &n) != NGX_OK) {
            return NGX_ERROR;
        }

        if (n) {
            res->value = g->seen;
            res->created = 0;
            return NGX_OK;
        }

        /* the mapping names a group that is gone: replace it */
        rc = ngx_pad_store_g_group_new(req, res);
        break;

    case 2:
        ngx_str_set(&args[0], "HSET");
        ngx_str_set(&args[2], "created");
        ngx_str_set(&args[4], "mapper");
        args[5] = g->arg;

        if (ngx_pad_store_g_key(g, &args[1], "group:{", &g->id, "}")
            != NGX_OK
            || ngx_pad_store_g_now(g, &args[3]) != NGX_OK)
        {
            return NGX_ERROR;
        }

        rc = ngx_pad_store_g_send(req, 3, args, 6);
        break;

    case 3:
        args[0] = g->id;
        args[1] = g->seen;

        if (ngx_pad_store_g_key(g, &key, "mapper2group:", &g->arg, "")
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        rc = ngx_pad_store_g_eval(req, 4, ngx_pad_store_lua_mapper, &key,
                                  args, 2);
        break;

    case 4:
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2
            || ngx_pad_store_str(reply->element[0], &v) != NGX_OK
            || ngx_pad_store_int(reply->element[1], &n) != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (n == 1) {
            res->value = g->id;
            res->created = 1;
            return NGX_OK;
        }

        /* another worker won: ours goes, record first */

        if (ngx_pad_store_g_copy(g, &g->seen, &v) != NGX_OK) {
            return NGX_ERROR;
        }

        ngx_str_set(&args[0], "DEL");

        if (ngx_pad_store_g_key(g, &args[1], "group:{", &g->id, "}")
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        rc = ngx_pad_store_g_send(req, 5, args, 2);
        break;

    case 5:
        ngx_str_set(&args[0], "SREM");
        args[2] = g->id;

        if (ngx_pad_store_g_key(g, &args[1], "groups", NULL, "") != NGX_OK) {
            return NGX_ERROR;
        }

        rc = ngx_pad_store_g_send(req, 6, args, 3);
        break;

    default:
        if (g->seen.len == 0) {
            rc = ngx_pad_store_g_group_new(req, res);
            break;
        }

        rc = ngx_pad_store_g_group_check(req);
        break;
    }

    if (rc != NGX_AGAIN) {
        return NGX_ERROR;
    }

    res->status = NGX_AGAIN;
    return NGX_OK;

}


/* the group the mapping names exists? (step 1) */

static ngx_int_t
ngx_pad_store_g_group_check(ngx_pad_store_req_t *req)
{
    ngx_pad_store_g_t  *g = req->ext;

    ngx_str_t  args[2];

    ngx_str_set(&args[0], "EXISTS");

    if (ngx_pad_store_g_key(g, &args[1], "group:{", &g->seen, "}") != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_pad_store_g_send(req, 1, args, 2);
}


/* a new group for the mapper: its entry first (step 2) */

static ngx_int_t
ngx_pad_store_g_group_new(ngx_pad_store_req_t *req,
    ngx_pad_store_result_t *res)
{
    ngx_pad_store_g_t  *g = req->ext;

    ngx_str_t  args[3];

    if (++g->tries > NGX_PAD_STORE_G_TRIES) {
        ngx_str_set(&res->err, "group mapping changed too often");
        return NGX_ERROR;
    }

    ngx_str_set(&args[0], "SADD");

    if (ngx_pad_store_g_id(g, &g->id, "g.") != NGX_OK
        || ngx_pad_store_g_key(g, &args[1], "groups", NULL, "") != NGX_OK)
    {
        return NGX_ERROR;
    }

    args[2] = g->id;

    return ngx_pad_store_g_send(req, 2, args, 3);
}


static ngx_int_t
ngx_pad_store_g_delete(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res)
{
    ngx_pad_store_g_t  *g = req->ext;

    u_char      mb[NGX_INT_T_LEN];
    ngx_int_t   n, rc;
    ngx_str_t   v, key, args[5];

    rc = NGX_AGAIN;

    switch (req->step) {

    case 0:
        if (ngx_pad_store_int(reply, &n) != NGX_OK) {
            return NGX_ERROR;
        }

        if (n == 0) {
            res->status = NGX_DECLINED;
            return NGX_OK;
        }

        ngx_str_set(&args[0], "HGET");
        ngx_str_set(&args[2], "mapper");

        if (ngx_pad_store_g_key(g, &args[1], "group:{", &g->arg, "}")
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        rc = ngx_pad_store_g_send(req, 1, args, 3);
        break;

    case 1:
        if (reply->type == REDIS_REPLY_STRING && reply->len) {
            (void) ngx_pad_store_str(reply, &v);

            if (ngx_pad_store_g_copy(g, &g->seen, &v) != NGX_OK) {
                return NGX_ERROR;
            }
        }

        ngx_pad_store_list_max_arg(&args[1], mb);

        if (ngx_pad_store_g_key(g, &args[0], "group:{", &g->arg,
                                "}:sessions")
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        rc = ngx_pad_store_g_eval(req, 2, ngx_pad_store_lua_members,
                                  &args[0], &args[1], 1);
        break;

    case 2:
        if (ngx_pad_store_g_members(req, reply) != NGX_OK) {
            return NGX_ERROR;
        }

        rc = ngx_pad_store_g_delete_session(req);
        break;

    case 3:
    case 4:
    case 5:
        rc = ngx_pad_store_g_delete_step(req, reply);
        break;

    case 6:
        ngx_str_set(&args[0], "DEL");

        if (ngx_pad_store_g_key(g, &args[1], "group:{", &g->arg, "}")
            != NGX_OK
            || ngx_pad_store_g_key(g, &args[2], "group:{", &g->arg, "}:pads")
               != NGX_OK
            || ngx_pad_store_g_key(g, &args[3], "group:{", &g->arg,
                                   "}:sessions")
               != NGX_OK)
        {
            return NGX_ERROR;
        }

        rc = ngx_pad_store_g_send(req, 7, args, 4);
        break;

    case 7:
        ngx_str_set(&args[0], "SREM");
        args[2] = g->arg;

        if (ngx_pad_store_g_key(g, &args[1], "groups", NULL, "") != NGX_OK) {
            return NGX_ERROR;
        }

        rc = ngx_pad_store_g_send(req, 8, args, 3);
        break;

    default:
        return NGX_OK;
    }

    if (rc == NGX_DONE) {
        /* the sessions are gone: the mapping, if it is still ours */

        if (g->seen.len == 0) {
            req->step = 6;
            return ngx_pad_store_g_delete(req, reply, res);
        }

        ngx_str_set(&args[0], "");
        args[1] = g->arg;

        if (ngx_pad_store_g_key(g, &key, "mapper2group:", &g->seen, "")
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        rc = ngx_pad_store_g_eval(req, 6, ngx_pad_store_lua_mapper, &key,
                                  args, 2);
    }

    if (rc != NGX_AGAIN) {
        return NGX_ERROR;
    }

    res->status = NGX_AGAIN;
    return NGX_OK;
}


/* deleteGroup's steps 3-5: a session's record, then the author's entry */

static ngx_int_t
ngx_pad_store_g_delete_step(ngx_pad_store_req_t *req, redisReply *reply)
{
    ngx_pad_store_g_t  *g = req->ext;

    ngx_str_t  v, args[3];

    switch (req->step) {

    case 3:
        /* the session's author: its record goes, then its entry */

        g->author.len = 0;

        if (reply->type == REDIS_REPLY_STRING && reply->len) {
            (void) ngx_pad_store_str(reply, &v);

            if (ngx_pad_store_g_copy(g, &g->author, &v) != NGX_OK) {
                return NGX_ERROR;
            }
        }

        ngx_str_set(&args[0], "DEL");

        if (ngx_pad_store_g_key(g, &args[1], "session:{",
                                &g->members[g->next], "}")
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        return ngx_pad_store_g_send(req, 4, args, 2);

    case 4:
        if (g->author.len) {
            ngx_str_set(&args[0], "SREM");
            args[2] = g->members[g->next];

            if (ngx_pad_store_g_key(g, &args[1], "author:", &g->author,
                                    ":sessions")
                != NGX_OK)
            {
                return NGX_ERROR;
            }

            return ngx_pad_store_g_send(req, 5, args, 3);
        }

        /* fall through */

    case 5:
        g->next++;
        return ngx_pad_store_g_delete_session(req);
    }

    return NGX_ERROR;
}


/* NGX_AGAIN: the next session's author asked; NGX_DONE: none left */

static ngx_int_t
ngx_pad_store_g_delete_session(ngx_pad_store_req_t *req)
{
    ngx_pad_store_g_t  *g = req->ext;

    ngx_str_t  args[3];

    if (g->next == g->nmembers) {
        return NGX_DONE;
    }

    ngx_str_set(&args[0], "HGET");
    ngx_str_set(&args[2], "authorID");

    if (ngx_pad_store_g_key(g, &args[1], "session:{", &g->members[g->next],
                            "}")
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_pad_store_g_send(req, 3, args, 3);
}


static ngx_int_t
ngx_pad_store_g_public_done(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res)
{
    ngx_int_t  n;

    if (ngx_pad_store_int(reply, &n) != NGX_OK) {
        return NGX_ERROR;
    }

    if (n < 0) {
        res->status = NGX_DECLINED;
    }

    res->created = (n == 1);

    return NGX_OK;
}
