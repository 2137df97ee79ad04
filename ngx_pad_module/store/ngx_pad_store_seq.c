
/*
 * ngx_pad_module: store requests that are sequences of commands
 * (ngx_pad_store_seq.h): the machinery, existence checks and the lists,
 * which leave out the members whose record is gone.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "store/ngx_pad_store.h"
#include "store/ngx_pad_store_int.h"
#include "store/ngx_pad_store_seq.h"
#include "store/ngx_pad_store_group.h"


static ngx_int_t ngx_pad_store_g_exists_step(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_store_g_list_next(ngx_pad_store_req_t *req,
    ngx_pad_store_result_t *res);


static const char  ngx_pad_store_g_alnum[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

char  *ngx_pad_store_g_owner[] = { "group:{", "author:", "session:{" };
char  *ngx_pad_store_g_close[] = { "}", "", "}" };


ngx_pad_store_req_t *
ngx_pad_store_exists(ngx_uint_t of, ngx_str_t *id,
    ngx_pad_store_handler_pt handler, void *data)
{
    ngx_str_t           args[2];
    ngx_pad_store_g_t  *g;

    g = ngx_pad_store_g_new(ngx_pad_store_g_exists_step);
    if (g == NULL) {
        return NULL;
    }

    ngx_str_set(&args[0], "EXISTS");

    if (ngx_pad_store_g_key(g, &args[1], ngx_pad_store_g_owner[of], id,
                            ngx_pad_store_g_close[of])
        != NGX_OK)
    {
        ngx_pad_store_g_free(g);
        return NULL;
    }

    return ngx_pad_store_g_start(g, handler, data, args, 2);
}


ngx_pad_store_g_t *
ngx_pad_store_g_new(ngx_pad_store_parse_pt step)
{
    ngx_pool_t         *pool;
    ngx_pad_store_g_t  *g;

    if (ngx_pad_store_conf_get() == NULL) {
        return NULL;
    }

    pool = ngx_create_pool(1024, ngx_cycle->log);
    if (pool == NULL) {
        return NULL;
    }

    g = ngx_pcalloc(pool, sizeof(ngx_pad_store_g_t));
    if (g == NULL
        || ngx_array_init(&g->out, pool, 8, sizeof(ngx_str_t)) != NGX_OK)
    {
        ngx_destroy_pool(pool);
        return NULL;
    }

    g->pool = pool;
    g->step = step;

    return g;
}


void
ngx_pad_store_g_free(void *ext)
{
    ngx_pad_store_g_t  *g = ext;

    ngx_destroy_pool(g->pool);
}


ngx_pad_store_req_t *
ngx_pad_store_g_start(ngx_pad_store_g_t *g, ngx_pad_store_handler_pt handler,
    void *data, ngx_str_t *args, int argc)
{
    ngx_pad_store_req_t  *req;

    req = ngx_pad_store_req(NGX_PAD_STORE_GROUP, ngx_pad_store_g_parse,
                            handler, data, args, argc);
    if (req == NULL) {
        ngx_pad_store_g_free(g);
        return NULL;
    }

    req->ext = g;
    req->ext_free = ngx_pad_store_g_free;

    return req;
}


ngx_pad_store_req_t *
ngx_pad_store_g_start_eval(ngx_pad_store_g_t *g, ngx_pad_lua_script_t *script,
    ngx_str_t *key, ngx_str_t *args, int nargs,
    ngx_pad_store_handler_pt handler, void *data)
{
    ngx_pad_store_req_t  *req;

    req = ngx_pad_store_eval(script, NGX_PAD_STORE_GROUP,
                             ngx_pad_store_g_parse, key, 1, args, nargs,
                             handler, data);
    if (req == NULL) {
        ngx_pad_store_g_free(g);
        return NULL;
    }

    req->ext = g;
    req->ext_free = ngx_pad_store_g_free;

    return req;
}


ngx_int_t
ngx_pad_store_g_send(ngx_pad_store_req_t *req, ngx_uint_t step,
    ngx_str_t *args, int argc)
{
    req->step = step;
    req->script = NULL;

    if (ngx_pad_store_set_args(req, args, argc) != NGX_OK
        || ngx_pad_store_send(req) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_AGAIN;
}


ngx_int_t
ngx_pad_store_g_eval(ngx_pad_store_req_t *req, ngx_uint_t step,
    ngx_pad_lua_script_t *script, ngx_str_t *key, ngx_str_t *args,
    int nargs)
{
    int        i;
    ngx_str_t  all[8];

    ngx_str_set(&all[0], "EVALSHA");
    all[1].data = script->sha1;
    all[1].len = 40;
    ngx_str_set(&all[2], "1");
    all[3] = *key;

    for (i = 0; i < nargs && i < 4; i++) {
        all[4 + i] = args[i];
    }

    req->step = step;
    req->script = script;
    req->retried = 0;

    if (ngx_pad_store_set_args(req, all, 4 + i) != NGX_OK
        || ngx_pad_store_send(req) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_AGAIN;
}


/* members.lua's ARGV[1]: pad_redis_list_max, into buf */

void
ngx_pad_store_list_max_arg(ngx_str_t *arg, u_char *buf)
{
    ngx_pad_store_conf_t  *scf;

    scf = ngx_pad_store_conf_get();

    arg->data = buf;
    arg->len = ngx_sprintf(buf, "%ui", scf ? scf->list_max : 1)
               - buf;
}


/* P<pre><id><post>; id NULL: P<pre><post> */

ngx_int_t
ngx_pad_store_g_key(ngx_pad_store_g_t *g, ngx_str_t *key, char *pre,
    ngx_str_t *id, char *post)
{
    size_t                 len;
    ngx_str_t              empty = ngx_null_string;
    ngx_pad_store_conf_t  *scf;

    scf = ngx_pad_store_conf_get();

    if (id == NULL) {
        id = &empty;

    } else if (id->len > NGX_PAD_STORE_ID_MAX) {
        return NGX_ERROR;
    }

    len = scf->prefix.len + ngx_strlen(pre) + id->len + ngx_strlen(post);

    key->data = ngx_pnalloc(g->pool, len);
    if (key->data == NULL) {
        return NGX_ERROR;
    }

    key->len = ngx_sprintf(key->data, "%V%s%V%s", &scf->prefix, pre, id, post)
               - key->data;

    return NGX_OK;
}


ngx_int_t
ngx_pad_store_g_copy(ngx_pad_store_g_t *g, ngx_str_t *dst, ngx_str_t *src)
{
    if (src->len > NGX_PAD_STORE_ID_MAX) {
        return NGX_ERROR;
    }

    dst->data = ngx_pnalloc(g->pool, src->len + 1);
    if (dst->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(dst->data, src->data, src->len);
    dst->data[src->len] = '\0';
    dst->len = src->len;

    return NGX_OK;
}


ngx_int_t
ngx_pad_store_g_id(ngx_pad_store_g_t *g, ngx_str_t *id, char *prefix)
{
    ngx_uint_t  i;

    id->data = ngx_pnalloc(g->pool, 18);
    if (id->data == NULL) {
        return NGX_ERROR;
    }

    id->data[0] = prefix[0];
    id->data[1] = prefix[1];

    for (i = 2; i < 18; i++) {
        id->data[i] = ngx_pad_store_g_alnum[ngx_random()
                                           % (sizeof(ngx_pad_store_g_alnum)
                                              - 1)];
    }

    id->len = 18;

    return NGX_OK;
}


ngx_int_t
ngx_pad_store_g_now(ngx_pad_store_g_t *g, ngx_str_t *s)
{
    ngx_time_t  *tp;

    s->data = ngx_pnalloc(g->pool, NGX_INT64_LEN + 4);
    if (s->data == NULL) {
        return NGX_ERROR;
    }

    tp = ngx_timeofday();
    s->len = ngx_sprintf(s->data, "%T%03M", tp->sec, tp->msec) - s->data;

    return NGX_OK;
}


ngx_int_t
ngx_pad_store_g_parse(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res)
{
    ngx_pad_store_g_t  *g = req->ext;

    if (g == NULL) {
        return NGX_ERROR;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_EVENT, ngx_cycle->log, 0,
                   "pad store: sequence step %ui", req->step);

    return g->step(req, reply, res);
}


/* a set's members copied into g->members */

ngx_int_t
ngx_pad_store_g_members(ngx_pad_store_req_t *req, redisReply *reply)
{
    ngx_pad_store_g_t  *g = req->ext;

    size_t     i;
    ngx_str_t  v;

    if (reply->type != REDIS_REPLY_ARRAY) {
        return NGX_ERROR;
    }

    g->nmembers = 0;
    g->next = 0;

    if (reply->elements == 0) {
        return NGX_OK;
    }

    g->members = ngx_palloc(g->pool, reply->elements * sizeof(ngx_str_t));
    if (g->members == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < reply->elements; i++) {
        if (ngx_pad_store_str(reply->element[i], &v) != NGX_OK) {
            return NGX_ERROR;
        }

        if (v.len == 0 || v.len > NGX_PAD_STORE_ID_MAX) {
            continue;
        }

        if (ngx_pad_store_g_copy(g, &g->members[g->nmembers], &v) != NGX_OK)
        {
            return NGX_ERROR;
        }

        g->nmembers++;
    }

    return NGX_OK;
}


/*
 * Lists: 0 EXISTS the owner (none for the groups), [sessions: 1 HGET its
 * "sessions" flag], 2 SMEMBERS, 3 one check per member: the member kept
 * when its record exists.
 */

ngx_int_t
ngx_pad_store_g_list(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res)
{
    ngx_pad_store_g_t  *g = req->ext;

    u_char      mb[NGX_INT_T_LEN];
    ngx_int_t   n;
    ngx_str_t  *s, v, args[3];

    /* by owner (group, author), then pads or sessions */
    static char  *sets[] = { "}:pads", "}:sessions", ":pads", ":sessions" };

    if (g->keep == NGX_PAD_STORE_G_KEEP_GROUP && req->step == 0) {
        req->step = 2;
    }

    switch (req->step) {

    case 0:
        if (ngx_pad_store_int(reply, &n) != NGX_OK) {
            return NGX_ERROR;
        }

        if (n == 0) {
            res->status = NGX_DECLINED;
            return NGX_OK;
        }

        if (g->keep == NGX_PAD_STORE_G_KEEP_SESSION) {
            ngx_str_set(&args[0], "HGET");
            ngx_str_set(&args[2], "sessions");

            if (ngx_pad_store_g_key(g, &args[1],
                                    ngx_pad_store_g_owner[g->of], &g->arg,
                                    ngx_pad_store_g_close[g->of])
                != NGX_OK
                || ngx_pad_store_g_send(req, 1, args, 3) != NGX_AGAIN)
            {
                return NGX_ERROR;
            }

            res->status = NGX_AGAIN;
            return NGX_OK;
        }

        /* fall through */

    case 1:
        if (req->step == 1) {
            g->flag = (reply->type == REDIS_REPLY_STRING);
        }

        ngx_pad_store_list_max_arg(&args[1], mb);

        if (ngx_pad_store_g_key(g, &args[0], ngx_pad_store_g_owner[g->of],
                                &g->arg,
                                sets[g->of * 2
                                     + (g->keep
                                        == NGX_PAD_STORE_G_KEEP_SESSION)])
            != NGX_OK
            || ngx_pad_store_g_eval(req, 2, ngx_pad_store_lua_members,
                                    &args[0], &args[1], 1)
               != NGX_AGAIN)
        {
            return NGX_ERROR;
        }

        res->status = NGX_AGAIN;
        return NGX_OK;

    case 2:
        if (ngx_pad_store_g_members(req, reply) != NGX_OK) {
            return NGX_ERROR;
        }

        return ngx_pad_store_g_list_next(req, res);

    default:
        /* the reply about g->members[g->next] */

        s = &g->members[g->next++];

        if (g->keep == NGX_PAD_STORE_G_KEEP_SESSION) {
            if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3) {
                return NGX_ERROR;
            }

            if (reply->element[0]->type == REDIS_REPLY_STRING
                && reply->element[1]->type == REDIS_REPLY_STRING
                && reply->element[2]->type == REDIS_REPLY_STRING)
            {
                if (ngx_pad_store_g_out(req, NULL) != NGX_OK) {
                    return NGX_ERROR;
                }

                /* sessionID, groupID, authorID, validUntil */

                ((ngx_str_t *) g->out.elts)[g->out.nelts - 1] = *s;

                for (n = 0; n < 3; n++) {
                    (void) ngx_pad_store_str(reply->element[n], &v);

                    if (ngx_pad_store_g_out(req, NULL) != NGX_OK
                        || ngx_pad_store_g_copy(g,
                               &((ngx_str_t *) g->out.elts)[g->out.nelts - 1],
                               &v)
                           != NGX_OK)
                    {
                        return NGX_ERROR;
                    }
                }
            }

        } else {
            if (ngx_pad_store_int(reply, &n) != NGX_OK) {
                return NGX_ERROR;
            }

            if (n) {
                if (ngx_pad_store_g_out(req, NULL) != NGX_OK) {
                    return NGX_ERROR;
                }

                ((ngx_str_t *) g->out.elts)[g->out.nelts - 1] = *s;
            }
        }

        return ngx_pad_store_g_list_next(req, res);
    }
}


/* res NULL: one more slot in g->out; else the answer from g->out */

ngx_int_t
ngx_pad_store_g_out(ngx_pad_store_req_t *req, ngx_pad_store_result_t *res)
{
    ngx_pad_store_g_t  *g = req->ext;

    ngx_str_t  *s;

    if (res == NULL) {
        s = ngx_array_push(&g->out);
        if (s == NULL) {
            return NGX_ERROR;
        }

        ngx_str_null(s);
        return NGX_OK;
    }

    res->nitems = g->out.nelts;

    if (g->out.nelts == 0) {
        return NGX_OK;
    }

    res->items = ngx_alloc(g->out.nelts * sizeof(ngx_str_t), ngx_cycle->log);
    if (res->items == NULL) {
        ngx_str_set(&res->err, "out of memory");
        return NGX_ERROR;
    }

    ngx_memcpy(res->items, g->out.elts, g->out.nelts * sizeof(ngx_str_t));

    return NGX_OK;
}


static ngx_int_t
ngx_pad_store_g_exists_step(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res)
{
    ngx_int_t  n;

    if (ngx_pad_store_int(reply, &n) != NGX_OK) {
        return NGX_ERROR;
    }

    res->status = n ? NGX_OK : NGX_DECLINED;

    return NGX_OK;
}


/* the next member's check, or the answer */

ngx_int_t
ngx_pad_store_g_list_next(ngx_pad_store_req_t *req,
    ngx_pad_store_result_t *res)
{
    ngx_pad_store_g_t  *g = req->ext;

    u_char     kb[NGX_PAD_STORE_KEY_MAX];
    ngx_str_t  *s, args[5];

    if (g->next == g->nmembers) {
        res->created = g->flag;
        return ngx_pad_store_g_out(req, res);
    }

    s = &g->members[g->next];

    switch (g->keep) {

    case NGX_PAD_STORE_G_KEEP_GROUP:
        ngx_str_set(&args[0], "EXISTS");

        if (ngx_pad_store_g_key(g, &args[1], "group:{", s, "}") != NGX_OK) {
            return NGX_ERROR;
        }

        if (ngx_pad_store_g_send(req, 3, args, 2) != NGX_AGAIN) {
            return NGX_ERROR;
        }

        break;

    case NGX_PAD_STORE_G_KEEP_PAD:
        ngx_str_set(&args[0], "HEXISTS");
        ngx_str_set(&args[2], "head");

        if (ngx_pad_store_pad_key(&args[1], kb, s, "meta") != NGX_OK
            || ngx_pad_store_g_send(req, 3, args, 3) != NGX_AGAIN)
        {
            return NGX_ERROR;
        }

        break;

    default:
        ngx_str_set(&args[0], "HMGET");
        ngx_str_set(&args[2], "groupID");
        ngx_str_set(&args[3], "authorID");
        ngx_str_set(&args[4], "validUntil");

        if (ngx_pad_store_g_key(g, &args[1], "session:{", s, "}") != NGX_OK
            || ngx_pad_store_g_send(req, 3, args, 5) != NGX_AGAIN)
        {
            return NGX_ERROR;
        }

        break;
    }

    res->status = NGX_AGAIN;
    return NGX_OK;
}
