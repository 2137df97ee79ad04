
/*
 * ngx_pad_module: pad storage in Redis (see ngx_pad_store.h): the
 * store's life in a worker and the request machinery its files share
 * (ngx_pad_store_int.h); the requests are in ngx_pad_store_pad.c (a pad's
 * revisions and facts), ngx_pad_store_ids.c (read-only ids, authors) and
 * ngx_pad_store_lost.c (Redis losing data).
 *
 * A request copies its command arguments into one allocation, so that a
 * script can be sent again with EVAL when EVALSHA answers NOSCRIPT (after
 * a Redis restart or SCRIPT FLUSH), and so that multi-step operations
 * (author, read-only id) keep what they need.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_sha1.h>

#include "store/ngx_pad_store.h"
#include "store/ngx_pad_store_int.h"
#include "cluster/ngx_pad_cluster_slot.h"


static void ngx_pad_store_reply(void *data, redisReply *reply,
    ngx_str_t *err);
static void ngx_pad_store_free(ngx_pad_store_req_t *req);


static ngx_pad_store_conf_t  *ngx_pad_store_conf;
ngx_pad_lua_script_t  *ngx_pad_store_lua_append;
ngx_pad_lua_script_t  *ngx_pad_store_lua_snapshot;
ngx_pad_lua_script_t  *ngx_pad_store_lua_restore;
ngx_pad_lua_script_t  *ngx_pad_store_lua_load;
ngx_pad_lua_script_t  *ngx_pad_store_lua_chat;
ngx_pad_lua_script_t  *ngx_pad_store_lua_getset;
ngx_pad_lua_script_t  *ngx_pad_store_lua_create;
ngx_pad_lua_script_t  *ngx_pad_store_lua_epoch;
ngx_pad_lua_script_t  *ngx_pad_store_lua_head;
ngx_pad_lua_script_t  *ngx_pad_store_lua_delete;
ngx_pad_lua_script_t  *ngx_pad_store_lua_mapper;
ngx_pad_lua_script_t  *ngx_pad_store_lua_mark;
ngx_pad_lua_script_t  *ngx_pad_store_lua_public;
ngx_pad_lua_script_t  *ngx_pad_store_lua_members;
ngx_pad_lua_script_t  *ngx_pad_store_lua_copy;
ngx_pad_lua_script_t  *ngx_pad_store_lua_copyread;


ngx_int_t
ngx_pad_store_init_process(ngx_cycle_t *cycle, ngx_pad_store_conf_t *scf,
    ngx_uint_t used)
{
    u_char                 hash[20];
    ngx_sha1_t             sha1;
    ngx_pad_lua_script_t  *s;

    if (!used || ngx_process == NGX_PROCESS_HELPER) {
        return NGX_OK;
    }

    for (s = ngx_pad_lua_scripts; s->name.len; s++) {
        ngx_sha1_init(&sha1);
        ngx_sha1_update(&sha1, s->body.data, s->body.len);
        ngx_sha1_final(hash, &sha1);
        ngx_hex_dump(s->sha1, hash, 20);

        if (ngx_strcmp(s->name.data, "append") == 0) {
            ngx_pad_store_lua_append = s;

        } else if (ngx_strcmp(s->name.data, "snapshot") == 0) {
            ngx_pad_store_lua_snapshot = s;

        } else if (ngx_strcmp(s->name.data, "load") == 0) {
            ngx_pad_store_lua_load = s;

        } else if (ngx_strcmp(s->name.data, "chat") == 0) {
            ngx_pad_store_lua_chat = s;

        } else if (ngx_strcmp(s->name.data, "getset") == 0) {
            ngx_pad_store_lua_getset = s;

        } else if (ngx_strcmp(s->name.data, "restore") == 0) {
            ngx_pad_store_lua_restore = s;

        } else if (ngx_strcmp(s->name.data, "create") == 0) {
            ngx_pad_store_lua_create = s;

        } else if (ngx_strcmp(s->name.data, "epoch") == 0) {
            ngx_pad_store_lua_epoch = s;

        } else if (ngx_strcmp(s->name.data, "head") == 0) {
            ngx_pad_store_lua_head = s;

        } else if (ngx_strcmp(s->name.data, "delete") == 0) {
            ngx_pad_store_lua_delete = s;
        } else if (ngx_strcmp(s->name.data, "mapper") == 0) {
            ngx_pad_store_lua_mapper = s;

        } else if (ngx_strcmp(s->name.data, "mark") == 0) {
            ngx_pad_store_lua_mark = s;

        } else if (ngx_strcmp(s->name.data, "public") == 0) {
            ngx_pad_store_lua_public = s;

        } else if (ngx_strcmp(s->name.data, "members") == 0) {
            ngx_pad_store_lua_members = s;

        } else if (ngx_strcmp(s->name.data, "copy") == 0) {
            ngx_pad_store_lua_copy = s;

        } else if (ngx_strcmp(s->name.data, "copyread") == 0) {
            ngx_pad_store_lua_copyread = s;
        }
    }

    if (ngx_pad_store_lua_append == NULL
        || ngx_pad_store_lua_snapshot == NULL
        || ngx_pad_store_lua_load == NULL || ngx_pad_store_lua_chat == NULL
        || ngx_pad_store_lua_getset == NULL
        || ngx_pad_store_lua_restore == NULL
        || ngx_pad_store_lua_create == NULL
        || ngx_pad_store_lua_epoch == NULL || ngx_pad_store_lua_head == NULL
        || ngx_pad_store_lua_delete == NULL
        || ngx_pad_store_lua_mapper == NULL || ngx_pad_store_lua_mark == NULL
        || ngx_pad_store_lua_public == NULL
        || ngx_pad_store_lua_members == NULL
        || ngx_pad_store_lua_copy == NULL
        || ngx_pad_store_lua_copyread == NULL)
    {
        ngx_log_error(NGX_LOG_ALERT, cycle->log, 0,
                      "pad store: a Lua script is missing");
        return NGX_ERROR;
    }

    ngx_pad_store_conf = scf;

    ngx_pad_redis = ngx_pad_redis_create(cycle, &scf->redis);
    if (ngx_pad_redis == NULL) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


void
ngx_pad_store_exit_process(ngx_cycle_t *cycle)
{
    if (ngx_pad_redis) {
        ngx_pad_redis_destroy(ngx_pad_redis);
    }
}


ngx_uint_t
ngx_pad_store_available(void)
{
    return ngx_pad_redis_ready(ngx_pad_redis);
}


ngx_pad_store_conf_t *
ngx_pad_store_conf_get(void)
{
    return ngx_pad_store_conf;
}


ngx_uint_t
ngx_pad_store_snapshot_interval(void)
{
    return ngx_pad_store_conf ? ngx_pad_store_conf->snapshot_interval : 100;
}


void
ngx_pad_store_cancel(ngx_pad_store_req_t *req)
{
    if (req == NULL) {
        return;
    }

    ngx_pad_redis_cancel(req->rreq);
    ngx_pad_store_free(req);
}


void
ngx_pad_store_random_id(u_char *p, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        p[i] = "0123456789abcdef"[ngx_random() & 15];
    }
}


/* requests */


ngx_pad_store_req_t *
ngx_pad_store_req(ngx_uint_t op, ngx_pad_store_parse_pt parse,
    ngx_pad_store_handler_pt handler, void *data, ngx_str_t *args, int argc)
{
    ngx_pad_store_req_t  *req;

    if (ngx_pad_redis == NULL) {
        return NULL;
    }

    req = ngx_calloc(sizeof(ngx_pad_store_req_t), ngx_cycle->log);
    if (req == NULL) {
        return NULL;
    }

    req->op = op;
    req->parse = parse;
    req->handler = handler;
    req->data = data;

    if (ngx_pad_store_set_args(req, args, argc) != NGX_OK
        || ngx_pad_store_send(req) != NGX_OK)
    {
        ngx_pad_store_free(req);
        return NULL;
    }

    return req;
}


ngx_pad_store_req_t *
ngx_pad_store_eval(ngx_pad_lua_script_t *script, ngx_uint_t op,
    ngx_pad_store_parse_pt parse, ngx_str_t *keys, int nkeys,
    ngx_str_t *args, int nargs, ngx_pad_store_handler_pt handler, void *data)
{
    int                   i, argc;
    u_char                nb[NGX_INT_T_LEN];
    ngx_str_t            *all;
    ngx_pad_store_req_t  *req;

    if (ngx_pad_redis == NULL || script == NULL) {
        return NULL;
    }

    argc = 3 + nkeys + nargs;

    all = ngx_alloc(argc * sizeof(ngx_str_t), ngx_cycle->log);
    if (all == NULL) {
        return NULL;
    }

    ngx_str_set(&all[0], "EVALSHA");
    all[1].data = script->sha1;
    all[1].len = 40;
    all[2].data = nb;
    all[2].len = ngx_sprintf(nb, "%d", nkeys) - nb;

    for (i = 0; i < nkeys; i++) {
        all[3 + i] = keys[i];
    }

    for (i = 0; i < nargs; i++) {
        all[3 + nkeys + i] = args[i];
    }

    req = ngx_calloc(sizeof(ngx_pad_store_req_t), ngx_cycle->log);
    if (req == NULL) {
        ngx_free(all);
        return NULL;
    }

    req->op = op;
    req->parse = parse;
    req->handler = handler;
    req->data = data;
    req->script = script;

    if (ngx_pad_store_set_args(req, all, argc) != NGX_OK
        || ngx_pad_store_send(req) != NGX_OK)
    {
        ngx_free(all);
        ngx_pad_store_free(req);
        return NULL;
    }

    ngx_free(all);

    return req;
}


ngx_int_t
ngx_pad_store_set_args(ngx_pad_store_req_t *req, ngx_str_t *args, int argc)
{
    int      i;
    size_t   size;
    u_char  *p;

    size = argc * (sizeof(char *) + sizeof(size_t));

    for (i = 0; i < argc; i++) {
        size += args[i].len;
    }

    p = ngx_alloc(size, ngx_cycle->log);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_free(req->args);

    req->args = p;
    req->argc = argc;
    req->argv = (const char **) p;
    req->argvlen = (size_t *) (p + argc * sizeof(char *));

    p += argc * (sizeof(char *) + sizeof(size_t));

    for (i = 0; i < argc; i++) {
        req->argv[i] = (const char *) p;
        req->argvlen[i] = args[i].len;
        p = ngx_cpymem(p, args[i].data, args[i].len);
    }

    return NGX_OK;
}


ngx_int_t
ngx_pad_store_send(ngx_pad_store_req_t *req)
{
    if (req->op == NGX_PAD_STORE_APPEND) {
        /* acknowledged only once on the replicas (pad_redis_wait_replicas) */
        req->rreq = ngx_pad_redis_command_wait_argv(ngx_pad_redis,
                                                    ngx_pad_store_reply, req,
                                                    req->argc, req->argv,
                                                    req->argvlen);
        return req->rreq ? NGX_OK : NGX_ERROR;
    }

    req->rreq = ngx_pad_redis_command_argv(ngx_pad_redis,
                                           ngx_pad_store_reply, req,
                                           req->argc, req->argv,
                                           req->argvlen);

    return req->rreq ? NGX_OK : NGX_ERROR;
}


static void
ngx_pad_store_free(ngx_pad_store_req_t *req)
{
    if (req->ext_free) {
        req->ext_free(req->ext);
    }

    ngx_free(req->args);
    ngx_free(req->saved.data);
    ngx_free(req->saved2.data);
    ngx_free(req);
}


static void
ngx_pad_store_reply(void *data, redisReply *reply, ngx_str_t *err)
{
    ngx_pad_store_req_t  *req = data;

    void                      *hdata;
    ngx_pad_store_result_t     res;
    ngx_pad_store_handler_pt   handler;

    req->rreq = NULL;

    ngx_memzero(&res, sizeof(ngx_pad_store_result_t));
    res.snap_rev = -1;
    res.chat_head = -1;

    if (reply == NULL) {
        res.status = NGX_ERROR;
        res.err = *err;
        goto done;
    }

    if (reply->type == REDIS_REPLY_ERROR) {

        if (req->script && !req->retried && reply->len >= 8
            && ngx_strncmp(reply->str, "NOSCRIPT", 8) == 0)
        {
            /* Redis restarted or SCRIPT FLUSH: send the body, it caches */

            req->retried = 1;
            req->argv[0] = "EVAL";
            req->argvlen[0] = 4;
            req->argv[1] = (const char *) req->script->body.data;
            req->argvlen[1] = req->script->body.len;

            ngx_log_debug1(NGX_LOG_DEBUG_EVENT, ngx_cycle->log, 0,
                           "pad store: NOSCRIPT, sending script \"%V\"",
                           &req->script->name);

            if (ngx_pad_store_send(req) == NGX_OK) {
                return;
            }

            res.status = NGX_ERROR;
            ngx_str_set(&res.err, "cannot send redis command");
            goto done;
        }

        res.status = NGX_ERROR;
        res.err.data = (u_char *) reply->str;
        res.err.len = reply->len;
        goto done;
    }

    res.status = NGX_OK;

    if (req->parse && req->parse(req, reply, &res) != NGX_OK) {
        res.status = NGX_ERROR;

        if (res.err.len == 0) {
            ngx_str_set(&res.err, "unexpected redis reply");
        }

        goto done;
    }

    if (res.status == NGX_AGAIN) {
        /* a further step was sent */
        return;
    }

done:

    handler = req->handler;
    hdata = req->data;

    if (handler) {
        handler(hdata, &res);
    }

    ngx_free(res.items);
    ngx_pad_store_free(req);
}


/* reply helpers */


ngx_int_t
ngx_pad_store_items(redisReply **elts, size_t n, ngx_pad_store_result_t *res)
{
    size_t  i;

    res->nitems = n;

    if (n == 0) {
        return NGX_OK;
    }

    res->items = ngx_alloc(n * sizeof(ngx_str_t), ngx_cycle->log);
    if (res->items == NULL) {
        ngx_str_set(&res->err, "out of memory");
        return NGX_ERROR;
    }

    for (i = 0; i < n; i++) {
        if (elts[i]->type == REDIS_REPLY_STRING) {
            res->items[i].data = (u_char *) elts[i]->str;
            res->items[i].len = elts[i]->len;

        } else {
            res->items[i].data = NULL;
            res->items[i].len = 0;
        }
    }

    return NGX_OK;
}


ngx_int_t
ngx_pad_store_int(redisReply *r, ngx_int_t *n)
{
    ngx_int_t  sign;

    if (r->type == REDIS_REPLY_INTEGER) {
        *n = (ngx_int_t) r->integer;
        return NGX_OK;
    }

    if (r->type != REDIS_REPLY_STRING || r->len == 0) {
        return NGX_ERROR;
    }

    sign = 1;

    if (r->str[0] == '-') {
        if (r->len == 1) {
            return NGX_ERROR;
        }

        *n = ngx_atoi((u_char *) r->str + 1, r->len - 1);
        sign = -1;

    } else {
        *n = ngx_atoi((u_char *) r->str, r->len);
    }

    if (*n == NGX_ERROR) {
        return NGX_ERROR;
    }

    *n *= sign;

    return NGX_OK;
}


ngx_int_t
ngx_pad_store_str(redisReply *r, ngx_str_t *s)
{
    if (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_STATUS) {
        return NGX_ERROR;
    }

    s->data = (u_char *) r->str;
    s->len = r->len;

    return NGX_OK;
}


/* P{pad}:suffix */

ngx_int_t
ngx_pad_store_pad_key(ngx_str_t *key, u_char *buf, ngx_str_t *pad,
    char *suffix)
{
    if (ngx_pad_store_conf == NULL || pad->len == 0
        || pad->len > NGX_PAD_STORE_ID_MAX)
    {
        return NGX_ERROR;
    }

    key->data = buf;

    if (ngx_pad_store_conf->redis.cluster && pad->data[0] == '}') {
        /* P{$<id without '}'>}<id>:suffix: one slot (src/cluster/) */
        key->len = ngx_pad_cluster_pad_key((char *) buf,
                                           NGX_PAD_STORE_KEY_MAX,
                                           (char *)
                                           ngx_pad_store_conf->prefix.data,
                                           ngx_pad_store_conf->prefix.len,
                                           (char *) pad->data, pad->len,
                                           suffix);
        return key->len ? NGX_OK : NGX_ERROR;
    }

    key->len = ngx_sprintf(buf, "%V{%V}:%s", &ngx_pad_store_conf->prefix,
                           pad, suffix)
               - buf;

    return NGX_OK;
}


/* P<kind>:<id> */

ngx_int_t
ngx_pad_store_global_key(ngx_str_t *key, u_char *buf, char *kind,
    ngx_str_t *id)
{
    if (ngx_pad_store_conf == NULL || id->len == 0
        || id->len > NGX_PAD_STORE_ID_MAX)
    {
        return NGX_ERROR;
    }

    key->data = buf;
    key->len = ngx_sprintf(buf, "%V%s:%V", &ngx_pad_store_conf->prefix, kind,
                           id)
               - buf;

    return NGX_OK;
}


ngx_int_t
ngx_pad_store_save(ngx_str_t *dst, ngx_str_t *src)
{
    ngx_free(dst->data);

    dst->data = ngx_alloc(src->len + 1, ngx_cycle->log);
    if (dst->data == NULL) {
        dst->len = 0;
        return NGX_ERROR;
    }

    ngx_memcpy(dst->data, src->data, src->len);
    dst->len = src->len;

    return NGX_OK;
}


