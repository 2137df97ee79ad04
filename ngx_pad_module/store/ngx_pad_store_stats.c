
/*
 * ngx_pad_module: what the workers record of their sessions for the HTTP
 * API (padUsersCount, padUsers, getStats), and its reading
 * (ngx_pad_store.h):
 *
 *   P{pad}:conn         field worker -> "<n>:<expiry ms>[:<id>,<id>...]",
 *                       the authors of the first pad_users_listed sessions
 *   P{stats}:workers    field worker -> "<sessions>:<expiry ms>"
 *   P{stats}:pads       sorted set of the pads with sessions, score the
 *                       expiry (ms)
 *
 * The two stats keys share one slot (the tag "stats"); Ppads (the set of
 * all pads) is counted by a command of its own.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "store/ngx_pad_store_int.h"


static ngx_int_t ngx_pad_store_parse_left(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_store_parse_stats(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_store_parse_author_record(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_store_stats_key(ngx_str_t *key, u_char *buf,
    char *name);


static ngx_str_t  ngx_pad_store_stats_tag = ngx_string("stats");


ngx_int_t
ngx_pad_store_conn_value(ngx_str_t *value, ngx_int_t *n, int64_t *expiry,
    ngx_str_t *ids)
{
    u_char  *p, *q, *last;

    last = value->data + value->len;
    p = ngx_strlchr(value->data, last, ':');

    if (p == NULL) {
        return NGX_ERROR;
    }

    q = ngx_strlchr(p + 1, last, ':');

    *n = ngx_atoi(value->data, p - value->data);
    *expiry = ngx_atoof(p + 1, (q ? q : last) - p - 1);

    if (*n == NGX_ERROR || *expiry == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (ids) {
        ids->data = q ? q + 1 : last;
        ids->len = last - ids->data;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_pad_store_stats_key(ngx_str_t *key, u_char *buf, char *name)
{
    return ngx_pad_store_pad_key(key, buf, &ngx_pad_store_stats_tag, name);
}


ngx_pad_store_req_t *
ngx_pad_store_stats_worker(ngx_str_t *worker, ngx_uint_t sessions,
    int64_t expiry)
{
    u_char     kb[NGX_PAD_STORE_KEY_MAX], vb[2 * NGX_INT64_LEN + 2];
    ngx_str_t  args[4];

    if (ngx_pad_store_stats_key(&args[1], kb, "workers") != NGX_OK) {
        return NULL;
    }

    args[2] = *worker;

    if (sessions == 0) {
        ngx_str_set(&args[0], "HDEL");

        return ngx_pad_store_req(NGX_PAD_STORE_STATUS, NULL, NULL, NULL, args,
                                 3);
    }

    ngx_str_set(&args[0], "HSET");
    args[3].data = vb;
    args[3].len = ngx_sprintf(vb, "%ui:%L", sessions, expiry) - vb;

    return ngx_pad_store_req(NGX_PAD_STORE_STATUS, NULL, NULL, NULL, args, 4);
}


ngx_pad_store_req_t *
ngx_pad_store_stats_pad(ngx_str_t *pad, int64_t expiry)
{
    u_char     kb[NGX_PAD_STORE_KEY_MAX], nb[NGX_INT64_LEN];
    ngx_str_t  args[5];

    if (pad->len == 0 || pad->len > NGX_PAD_STORE_ID_MAX
        || ngx_pad_store_stats_key(&args[1], kb, "pads") != NGX_OK)
    {
        return NULL;
    }

    ngx_str_set(&args[0], "ZADD");
    ngx_str_set(&args[2], "GT");
    args[3].data = nb;
    args[3].len = ngx_sprintf(nb, "%L", expiry) - nb;
    args[4] = *pad;

    return ngx_pad_store_req(NGX_PAD_STORE_STATUS, NULL, NULL, NULL, args, 5);
}


/*
 * The pad has no session on this worker any more: HLEN P{pad}:conn, then,
 * when no worker has a field there, ZREM from P{stats}:pads.  A worker
 * joining in between is ZADDed again at its next refresh.
 */

ngx_pad_store_req_t *
ngx_pad_store_stats_pad_left(ngx_str_t *pad)
{
    u_char                kb[NGX_PAD_STORE_KEY_MAX];
    ngx_str_t             args[2];
    ngx_pad_store_req_t  *req;

    ngx_str_set(&args[0], "HLEN");

    if (ngx_pad_store_pad_key(&args[1], kb, pad, "conn") != NGX_OK) {
        return NULL;
    }

    req = ngx_pad_store_req(NGX_PAD_STORE_STATUS, ngx_pad_store_parse_left,
                            NULL, NULL, args, 2);
    if (req == NULL) {
        return NULL;
    }

    if (ngx_pad_store_save(&req->saved, pad) != NGX_OK) {
        ngx_pad_store_cancel(req);
        return NULL;
    }

    return req;
}


static ngx_int_t
ngx_pad_store_parse_left(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res)
{
    u_char     kb[NGX_PAD_STORE_KEY_MAX];
    ngx_str_t  args[3];

    res->status = NGX_OK;

    if (req->step == 1 || reply->type != REDIS_REPLY_INTEGER
        || reply->integer > 0)
    {
        return NGX_OK;
    }

    ngx_str_set(&args[0], "ZREM");
    args[2] = req->saved;

    if (ngx_pad_store_stats_key(&args[1], kb, "pads") != NGX_OK
        || ngx_pad_store_set_args(req, args, 3) != NGX_OK
        || ngx_pad_store_send(req) != NGX_OK)
    {
        return NGX_ERROR;
    }

    req->step = 1;
    res->status = NGX_AGAIN;

    return NGX_OK;
}


/* stats.lua, then SCARD Ppads: res->count[] pads, sessions, active pads */

ngx_pad_store_req_t *
ngx_pad_store_stats_get(int64_t now, ngx_pad_store_handler_pt handler,
    void *data)
{
    u_char                 kb[2][NGX_PAD_STORE_KEY_MAX], nb[NGX_INT64_LEN];
    ngx_str_t              keys[2], args[1];
    ngx_pad_lua_script_t  *s;

    for (s = ngx_pad_lua_scripts; s->name.len; s++) {
        if (s->name.len == 5 && ngx_strncmp(s->name.data, "stats", 5) == 0) {
            break;
        }
    }

    if (s->name.len == 0
        || ngx_pad_store_stats_key(&keys[0], kb[0], "workers") != NGX_OK
        || ngx_pad_store_stats_key(&keys[1], kb[1], "pads") != NGX_OK)
    {
        return NULL;
    }

    args[0].data = nb;
    args[0].len = ngx_sprintf(nb, "%L", now) - nb;

    return ngx_pad_store_eval(s, NGX_PAD_STORE_STATUS,
                              ngx_pad_store_parse_stats, keys, 2, args, 1,
                              handler, data);
}


static ngx_int_t
ngx_pad_store_parse_stats(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res)
{
    u_char     kb[NGX_PAD_STORE_KEY_MAX];
    ngx_int_t  sessions, pads, workers;
    ngx_str_t  args[2];

    res->status = NGX_OK;

    if (req->step == 1) {
        if (reply->type != REDIS_REPLY_INTEGER) {
            return NGX_ERROR;
        }

        res->count[0] = (ngx_int_t) reply->integer;
        res->count[1] = req->from;
        res->count[2] = (ngx_int_t) req->created;
        return NGX_OK;
    }

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3
        || ngx_pad_store_int(reply->element[0], &sessions) != NGX_OK
        || ngx_pad_store_int(reply->element[1], &pads) != NGX_OK
        || ngx_pad_store_int(reply->element[2], &workers) != NGX_OK)
    {
        return NGX_ERROR;
    }

    req->from = sessions;
    req->created = (ngx_uint_t) pads;

    /* Ppads, the set of all pads */

    ngx_str_set(&args[0], "SCARD");

    args[1].data = kb;
    args[1].len = ngx_sprintf(kb, "%Vpads",
                              &ngx_pad_store_conf_get()->prefix)
                  - kb;

    req->script = NULL;

    if (ngx_pad_store_set_args(req, args, 2) != NGX_OK
        || ngx_pad_store_send(req) != NGX_OK)
    {
        return NGX_ERROR;
    }

    req->step = 1;
    res->status = NGX_AGAIN;

    return NGX_OK;
}


/* Pauthor:<id>: name, color, created (res->ts; NGX_DECLINED: none) */

ngx_pad_store_req_t *
ngx_pad_store_author_record(ngx_str_t *id, ngx_pad_store_handler_pt handler,
    void *data)
{
    u_char     kb[NGX_PAD_STORE_KEY_MAX];
    ngx_str_t  args[5];

    ngx_str_set(&args[0], "HMGET");
    ngx_str_set(&args[2], "name");
    ngx_str_set(&args[3], "color");
    ngx_str_set(&args[4], "created");

    if (ngx_pad_store_global_key(&args[1], kb, "author", id) != NGX_OK) {
        return NULL;
    }

    return ngx_pad_store_req(NGX_PAD_STORE_STATUS,
                             ngx_pad_store_parse_author_record, handler, data,
                             args, 5);
}


static ngx_int_t
ngx_pad_store_parse_author_record(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res)
{
    ngx_str_t  s;

    res->status = NGX_OK;
    res->ts = -1;

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3) {
        return NGX_ERROR;
    }

    if (reply->element[0]->type == REDIS_REPLY_NIL
        && reply->element[1]->type == REDIS_REPLY_NIL
        && reply->element[2]->type == REDIS_REPLY_NIL)
    {
        res->status = NGX_DECLINED;
        return NGX_OK;
    }

    if (reply->element[0]->type == REDIS_REPLY_STRING) {
        (void) ngx_pad_store_str(reply->element[0], &res->name);
    }

    if (reply->element[1]->type == REDIS_REPLY_STRING) {
        (void) ngx_pad_store_str(reply->element[1], &res->color);
    }

    if (reply->element[2]->type == REDIS_REPLY_STRING
        && ngx_pad_store_str(reply->element[2], &s) == NGX_OK)
    {
        res->ts = ngx_atoof(s.data, s.len);
    }

    return NGX_OK;
}
