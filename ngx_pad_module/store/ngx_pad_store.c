
/*
 * ngx_pad_module: pad storage in Redis (see ngx_pad_store.h).
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
#include "store/ngx_pad_store_scripts.h"


#define NGX_PAD_STORE_ID_MAX      512
#define NGX_PAD_STORE_KEY_MAX     (64 + NGX_PAD_STORE_ID_MAX + 160)
#define NGX_PAD_STORE_KEYS        6
#define NGX_PAD_STORE_HIST_MAX    64


#define NGX_PAD_STORE_APPEND      1
#define NGX_PAD_STORE_SNAPSHOT    2
#define NGX_PAD_STORE_LOAD        3
#define NGX_PAD_STORE_RANGE       4
#define NGX_PAD_STORE_HEAD        5
#define NGX_PAD_STORE_CHAT        6
#define NGX_PAD_STORE_RO_ID       7
#define NGX_PAD_STORE_RO_PAD      8
#define NGX_PAD_STORE_AUTHOR      9
#define NGX_PAD_STORE_AUTHOR_GET  10
#define NGX_PAD_STORE_STATUS      11   /* any reply but an error is OK */
#define NGX_PAD_STORE_CREATE      12
#define NGX_PAD_STORE_EPOCH       13


struct ngx_pad_store_req_s {
    ngx_uint_t                 op;
    ngx_uint_t                 step;
    ngx_pad_store_handler_pt   handler;
    void                      *data;
    ngx_pad_redis_req_t       *rreq;
    ngx_pad_lua_script_t      *script;
    ngx_uint_t                 retried;
    ngx_int_t                  from;
    int                        argc;
    const char               **argv;
    size_t                    *argvlen;
    u_char                    *args;       /* the allocation behind argv */
    ngx_str_t                  saved;      /* multi-step: a value */
    ngx_str_t                  saved2;     /* multi-step: another one */
    ngx_uint_t                 created;
};


static ngx_pad_store_req_t *ngx_pad_store_range(ngx_str_t *pad,
    char *suffix, ngx_int_t from, ngx_int_t to,
    ngx_pad_store_handler_pt handler, void *data);
static ngx_pad_store_req_t *ngx_pad_store_req(ngx_uint_t op,
    ngx_pad_store_handler_pt handler, void *data, ngx_str_t *args,
    int argc);
static ngx_pad_store_req_t *ngx_pad_store_eval(ngx_pad_lua_script_t *script,
    ngx_uint_t op, ngx_str_t *keys, int nkeys, ngx_str_t *args, int nargs,
    ngx_pad_store_handler_pt handler, void *data);
static ngx_int_t ngx_pad_store_set_args(ngx_pad_store_req_t *req,
    ngx_str_t *args, int argc);
static ngx_int_t ngx_pad_store_send(ngx_pad_store_req_t *req);
static void ngx_pad_store_reply(void *data, redisReply *reply,
    ngx_str_t *err);
static ngx_int_t ngx_pad_store_next(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res);
static void ngx_pad_store_free(ngx_pad_store_req_t *req);
static ngx_int_t ngx_pad_store_parse(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_store_items(redisReply **elts, size_t n,
    ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_store_int(redisReply *r, ngx_int_t *n);
static ngx_int_t ngx_pad_store_str(redisReply *r, ngx_str_t *s);
static ngx_int_t ngx_pad_store_pad_key(ngx_str_t *key, u_char *buf,
    ngx_str_t *pad, char *suffix);
static ngx_int_t ngx_pad_store_global_key(ngx_str_t *key, u_char *buf,
    char *kind, ngx_str_t *id);
static ngx_int_t ngx_pad_store_save(ngx_str_t *dst, ngx_str_t *src);


static ngx_pad_store_conf_t  *ngx_pad_store_conf;
static ngx_pad_lua_script_t  *ngx_pad_store_lua_append;
static ngx_pad_lua_script_t  *ngx_pad_store_lua_snapshot;
static ngx_pad_lua_script_t  *ngx_pad_store_lua_restore;
static ngx_pad_lua_script_t  *ngx_pad_store_lua_load;
static ngx_pad_lua_script_t  *ngx_pad_store_lua_chat;
static ngx_pad_lua_script_t  *ngx_pad_store_lua_getset;
static ngx_pad_lua_script_t  *ngx_pad_store_lua_create;
static ngx_pad_lua_script_t  *ngx_pad_store_lua_epoch;
static ngx_pad_lua_script_t  *ngx_pad_store_lua_head;


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
        }
    }

    if (ngx_pad_store_lua_append == NULL
        || ngx_pad_store_lua_snapshot == NULL
        || ngx_pad_store_lua_load == NULL || ngx_pad_store_lua_chat == NULL
        || ngx_pad_store_lua_getset == NULL
        || ngx_pad_store_lua_restore == NULL
        || ngx_pad_store_lua_create == NULL
        || ngx_pad_store_lua_epoch == NULL || ngx_pad_store_lua_head == NULL)
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


/* operations */


ngx_pad_store_req_t *
ngx_pad_store_append(ngx_str_t *pad, ngx_int_t base, ngx_str_t *hist,
    ngx_uint_t n, ngx_str_t *cs, ngx_str_t *author, ngx_int_t pool_first,
    ngx_str_t *pool, ngx_uint_t npool, ngx_pad_store_handler_pt handler,
    void *data)
{
    u_char                kb[4][NGX_PAD_STORE_KEY_MAX];
    u_char                nb[3][NGX_INT_T_LEN + NGX_PAD_STORE_HIST_MAX];
    ngx_str_t             keys[3], *args;
    ngx_uint_t            i, a;
    ngx_pad_store_req_t  *req;

    if (n == 0 || (hist && hist->len > NGX_PAD_STORE_HIST_MAX - 2)
        || ngx_pad_store_pad_key(&keys[0], kb[0], pad, "meta") != NGX_OK
        || ngx_pad_store_pad_key(&keys[1], kb[1], pad, "revs") != NGX_OK
        || ngx_pad_store_pad_key(&keys[2], kb[2], pad, "pool") != NGX_OK)
    {
        return NULL;
    }

    args = ngx_alloc((4 + npool + 2 * n) * sizeof(ngx_str_t),
                     ngx_cycle->log);
    if (args == NULL) {
        return NULL;
    }

    args[0].data = nb[0];
    args[0].len = (hist ? ngx_sprintf(nb[0], "%i:%V", base, hist)
                        : ngx_sprintf(nb[0], "%i", base))
                  - nb[0];
    (void) ngx_pad_store_pad_key(&args[1], kb[3], pad, "ch");
    args[2].data = nb[1];
    args[2].len = ngx_sprintf(nb[1], "%i", pool_first) - nb[1];
    args[3].data = nb[2];
    args[3].len = ngx_sprintf(nb[2], "%ui", npool) - nb[2];

    a = 4;

    for (i = 0; i < npool; i++) {
        args[a++] = pool[i];
    }

    for (i = 0; i < n; i++) {
        args[a++] = cs[i];
        args[a++] = author[i];
    }

    req = ngx_pad_store_eval(ngx_pad_store_lua_append, NGX_PAD_STORE_APPEND,
                             keys, 3, args, a, handler, data);

    ngx_free(args);

    if (req) {
        /* a conflict reply carries the records from base + 1 on */
        req->from = base + 1;
    }

    return req;
}


/* {"rev":N,"text":"...","attribs":"..."} in an ngx_alloc()ed buffer */

static ngx_int_t
ngx_pad_store_snapshot_json(ngx_str_t *out, ngx_int_t rev, ngx_str_t *text,
    ngx_str_t *attribs)
{
    u_char  *p;
    size_t   len;

    len = sizeof("{\"rev\":,\"text\":\"\",\"attribs\":\"\"}") + NGX_INT_T_LEN
          + ngx_escape_json(NULL, text->data, text->len) + text->len
          + ngx_escape_json(NULL, attribs->data, attribs->len)
          + attribs->len;

    p = ngx_alloc(len, ngx_cycle->log);
    if (p == NULL) {
        return NGX_ERROR;
    }

    out->data = p;
    p = ngx_sprintf(p, "{\"rev\":%i,\"text\":\"", rev);
    p = (u_char *) ngx_escape_json(p, text->data, text->len);
    p = ngx_cpymem(p, "\",\"attribs\":\"", sizeof("\",\"attribs\":\"") - 1);
    p = (u_char *) ngx_escape_json(p, attribs->data, attribs->len);
    p = ngx_cpymem(p, "\"}", 2);
    out->len = p - out->data;

    return NGX_OK;
}


ngx_pad_store_req_t *
ngx_pad_store_restore(ngx_str_t *pad, ngx_pad_store_restore_t *r,
    ngx_pad_store_handler_pt handler, void *data)
{
    u_char                kb[9][NGX_PAD_STORE_KEY_MAX];
    u_char                nb[5][NGX_INT_T_LEN];
    u_char                sfx[3][NGX_PAD_STORE_HIST_MAX + 64];
    ngx_str_t             keys[8], *args;
    ngx_uint_t            i, n, a;
    ngx_pad_store_req_t  *req;

    static char  *lost[3] = { "revs", "snap", "snapidx" };

    if (r->seen_hist.len > NGX_PAD_STORE_HIST_MAX || r->nabsorbed > 2) {
        return NULL;
    }

    for (i = 0; i < 3; i++) {
        *ngx_sprintf(sfx[i], "lost:%V.%i:%s", &r->seen_hist, r->seen,
                     lost[i]) = '\0';
    }

    if (ngx_pad_store_pad_key(&keys[0], kb[0], pad, "meta") != NGX_OK
        || ngx_pad_store_pad_key(&keys[1], kb[1], pad, "revs") != NGX_OK
        || ngx_pad_store_pad_key(&keys[2], kb[2], pad, "pool") != NGX_OK
        || ngx_pad_store_pad_key(&keys[3], kb[3], pad, "snap") != NGX_OK
        || ngx_pad_store_pad_key(&keys[4], kb[4], pad, "snapidx") != NGX_OK
        || ngx_pad_store_pad_key(&keys[5], kb[5], pad, (char *) sfx[0])
           != NGX_OK
        || ngx_pad_store_pad_key(&keys[6], kb[6], pad, (char *) sfx[1])
           != NGX_OK
        || ngx_pad_store_pad_key(&keys[7], kb[7], pad, (char *) sfx[2])
           != NGX_OK)
    {
        return NULL;
    }

    n = 13 + 2 * r->nabsorbed + r->npool + r->nrecs;

    args = ngx_alloc(n * sizeof(ngx_str_t), ngx_cycle->log);
    if (args == NULL) {
        return NULL;
    }

    args[0].data = nb[0];
    args[0].len = ngx_sprintf(nb[0], "%i", r->seen) - nb[0];
    args[1] = r->seen_hist;
    args[2] = r->seen_rev[0];
    args[3] = r->seen_rev[1];
    args[4] = r->seen_rev[2];

    if (r->replace) {
        ngx_str_set(&args[5], "replace");

    } else {
        ngx_str_set(&args[5], "tail");
    }

    args[6] = r->hist;
    args[7].data = nb[1];
    args[7].len = ngx_sprintf(nb[1], "%i", r->head) - nb[1];

    if (ngx_pad_store_snapshot_json(&args[8], r->head, &r->text,
                                    &r->attribs)
        != NGX_OK)
    {
        ngx_free(args);
        return NULL;
    }

    args[9].data = nb[2];
    args[9].len = ngx_sprintf(nb[2], "%i", r->pool_next) - nb[2];
    (void) ngx_pad_store_pad_key(&args[10], kb[8], pad, "ch");
    args[11].data = nb[3];
    args[11].len = ngx_sprintf(nb[3], "%ui", r->nabsorbed) - nb[3];

    a = 12;

    for (i = 0; i < 2 * r->nabsorbed; i++) {
        args[a++] = r->absorbed[i];
    }

    args[a].data = nb[4];
    args[a].len = ngx_sprintf(nb[4], "%ui", r->npool) - nb[4];
    a++;

    for (i = 0; i < r->npool; i++) {
        args[a++] = r->pool[i];
    }

    for (i = 0; i < r->nrecs; i++) {
        args[a++] = r->recs[i];
    }

    req = ngx_pad_store_eval(ngx_pad_store_lua_restore,
                             NGX_PAD_STORE_STATUS, keys, 8, args, (int) a,
                             handler, data);

    ngx_free(args[8].data);
    ngx_free(args);

    return req;
}


ngx_pad_store_req_t *
ngx_pad_store_create(ngx_str_t *pad, ngx_str_t *cs, ngx_str_t *hist,
    ngx_pad_store_handler_pt handler, void *data)
{
    u_char      kb[4][NGX_PAD_STORE_KEY_MAX];
    u_char      nb[NGX_INT_T_LEN], id[16];
    ngx_str_t   keys[3], args[5], e;

    ngx_str_set(&e, "epoch");

    if (ngx_pad_store_pad_key(&keys[0], kb[0], pad, "meta") != NGX_OK
        || ngx_pad_store_pad_key(&keys[1], kb[1], pad, "revs") != NGX_OK
        || ngx_pad_store_pad_key(&args[0], kb[3], pad, "ch") != NGX_OK)
    {
        return NULL;
    }

    keys[2].data = kb[2];
    keys[2].len = ngx_sprintf(kb[2], "%Vepoch", &ngx_pad_store_conf->prefix)
                  - kb[2];

    args[1] = *cs;
    args[2] = *hist;
    args[3].data = nb;
    args[3].len = ngx_sprintf(nb, "%M", ngx_pad_store_conf->lost_grace)
                  - nb;
    args[4].data = id;
    args[4].len = sizeof(id);
    ngx_pad_store_random_id(id, sizeof(id));

    return ngx_pad_store_eval(ngx_pad_store_lua_create, NGX_PAD_STORE_CREATE,
                              keys, 3, args, 5, handler, data);
}


ngx_pad_store_req_t *
ngx_pad_store_epoch(ngx_str_t *candidate, ngx_pad_store_handler_pt handler,
    void *data)
{
    u_char     kb[NGX_PAD_STORE_KEY_MAX];
    ngx_str_t  key;

    if (ngx_pad_store_conf == NULL) {
        return NULL;
    }

    key.data = kb;
    key.len = ngx_sprintf(kb, "%Vepoch", &ngx_pad_store_conf->prefix) - kb;

    return ngx_pad_store_eval(ngx_pad_store_lua_epoch, NGX_PAD_STORE_EPOCH,
                              &key, 1, candidate, 1, handler, data);
}


void
ngx_pad_store_random_id(u_char *p, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        p[i] = "0123456789abcdef"[ngx_random() & 15];
    }
}


ngx_pad_store_req_t *
ngx_pad_store_snapshot(ngx_str_t *pad, ngx_int_t rev, ngx_str_t *text,
    ngx_str_t *attribs, ngx_pad_store_handler_pt handler, void *data)
{
    u_char                kb[3][NGX_PAD_STORE_KEY_MAX];
    u_char                nb[NGX_INT_T_LEN];
    ngx_str_t             keys[3], args[2];
    ngx_pad_store_req_t  *req;

    if (ngx_pad_store_pad_key(&keys[0], kb[0], pad, "meta") != NGX_OK
        || ngx_pad_store_pad_key(&keys[1], kb[1], pad, "snap") != NGX_OK
        || ngx_pad_store_pad_key(&keys[2], kb[2], pad, "snapidx") != NGX_OK)
    {
        return NULL;
    }

    args[0].data = nb;
    args[0].len = ngx_sprintf(nb, "%i", rev) - nb;

    if (ngx_pad_store_snapshot_json(&args[1], rev, text, attribs)
        != NGX_OK)
    {
        return NULL;
    }

    req = ngx_pad_store_eval(ngx_pad_store_lua_snapshot,
                             NGX_PAD_STORE_STATUS, keys, 3, args, 2,
                             handler, data);

    ngx_free(args[1].data);

    return req;
}


ngx_pad_store_req_t *
ngx_pad_store_load(ngx_str_t *pad, ngx_int_t upto,
    ngx_pad_store_handler_pt handler, void *data)
{
    u_char       kb[5][NGX_PAD_STORE_KEY_MAX];
    u_char       nb[2][NGX_INT_T_LEN];
    ngx_str_t    keys[5], args[2];

    if (ngx_pad_store_pad_key(&keys[0], kb[0], pad, "meta") != NGX_OK
        || ngx_pad_store_pad_key(&keys[1], kb[1], pad, "revs") != NGX_OK
        || ngx_pad_store_pad_key(&keys[2], kb[2], pad, "pool") != NGX_OK
        || ngx_pad_store_pad_key(&keys[3], kb[3], pad, "snap") != NGX_OK
        || ngx_pad_store_pad_key(&keys[4], kb[4], pad, "snapidx") != NGX_OK)
    {
        return NULL;
    }

    args[0].data = nb[0];
    args[0].len = ngx_sprintf(nb[0], "%i", upto) - nb[0];
    args[1].data = nb[1];
    args[1].len = ngx_sprintf(nb[1], "%i", (ngx_int_t) NGX_PAD_STORE_RANGE_MAX)
                  - nb[1];

    return ngx_pad_store_eval(ngx_pad_store_lua_load, NGX_PAD_STORE_LOAD,
                              keys, 5, args, 2, handler, data);
}


static ngx_pad_store_req_t *
ngx_pad_store_range(ngx_str_t *pad, char *suffix, ngx_int_t from,
    ngx_int_t to, ngx_pad_store_handler_pt handler, void *data)
{
    u_char               *nb, *p;
    u_char                kb[NGX_PAD_STORE_KEY_MAX];
    ngx_int_t             n, count;
    ngx_str_t            *args;
    ngx_pad_store_req_t  *req;

    if (from < 0 || to < from) {
        return NULL;
    }

    count = to - from + 1;
    if (count > NGX_PAD_STORE_RANGE_MAX) {
        count = NGX_PAD_STORE_RANGE_MAX;
    }

    args = ngx_alloc((2 + count) * sizeof(ngx_str_t)
                     + count * NGX_INT_T_LEN, ngx_cycle->log);
    if (args == NULL) {
        return NULL;
    }

    nb = (u_char *) (args + 2 + count);

    ngx_str_set(&args[0], "HMGET");

    if (ngx_pad_store_pad_key(&args[1], kb, pad, suffix) != NGX_OK) {
        ngx_free(args);
        return NULL;
    }

    for (n = 0; n < count; n++) {
        p = ngx_sprintf(nb, "%i", from + n);
        args[2 + n].data = nb;
        args[2 + n].len = p - nb;
        nb = p;
    }

    req = ngx_pad_store_req(NGX_PAD_STORE_RANGE, handler, data, args,
                            (int) (2 + count));
    if (req) {
        req->from = from;
    }

    ngx_free(args);

    return req;
}


ngx_pad_store_req_t *
ngx_pad_store_revs(ngx_str_t *pad, ngx_int_t from, ngx_int_t to,
    ngx_pad_store_handler_pt handler, void *data)
{
    return ngx_pad_store_range(pad, "revs", from, to, handler, data);
}


ngx_pad_store_req_t *
ngx_pad_store_chat_range(ngx_str_t *pad, ngx_int_t from, ngx_int_t to,
    ngx_pad_store_handler_pt handler, void *data)
{
    return ngx_pad_store_range(pad, "chat", from, to, handler, data);
}


ngx_pad_store_req_t *
ngx_pad_store_head(ngx_str_t *pad, ngx_int_t mine, ngx_str_t *hist,
    ngx_pad_store_handler_pt handler, void *data)
{
    u_char      kb[2][NGX_PAD_STORE_KEY_MAX];
    u_char      nb[NGX_INT_T_LEN];
    ngx_str_t   keys[2], args[2];

    if (ngx_pad_store_pad_key(&keys[0], kb[0], pad, "meta") != NGX_OK
        || ngx_pad_store_pad_key(&keys[1], kb[1], pad, "revs") != NGX_OK)
    {
        return NULL;
    }

    args[0].data = nb;
    args[0].len = ngx_sprintf(nb, "%i", mine) - nb;
    args[1] = *hist;

    return ngx_pad_store_eval(ngx_pad_store_lua_head, NGX_PAD_STORE_HEAD,
                              keys, 2, args, 2, handler, data);
}



ngx_pad_store_req_t *
ngx_pad_store_chat_append(ngx_str_t *pad, ngx_str_t *text,
    ngx_str_t *author, ngx_pad_store_handler_pt handler, void *data)
{
    u_char     kb[3][NGX_PAD_STORE_KEY_MAX];
    ngx_str_t  keys[2], args[3];

    if (ngx_pad_store_pad_key(&keys[0], kb[0], pad, "meta") != NGX_OK
        || ngx_pad_store_pad_key(&keys[1], kb[1], pad, "chat") != NGX_OK
        || ngx_pad_store_pad_key(&args[2], kb[2], pad, "ch") != NGX_OK)
    {
        return NULL;
    }

    args[0] = *text;
    args[1] = *author;

    return ngx_pad_store_eval(ngx_pad_store_lua_chat, NGX_PAD_STORE_CHAT,
                              keys, 2, args, 3, handler, data);
}


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
                             &key, 1, candidate, 1, handler, data);
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

    return ngx_pad_store_req(NGX_PAD_STORE_RO_PAD, handler, data, args, 2);
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
                             &key, 1, new_id, 1, handler, data);
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

    req = ngx_pad_store_req(NGX_PAD_STORE_AUTHOR_GET, handler, data, args,
                            4);
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

    return ngx_pad_store_req(NGX_PAD_STORE_STATUS, handler, data, args, n);
}


ngx_pad_store_req_t *
ngx_pad_store_publish(ngx_str_t *pad, ngx_str_t *msg,
    ngx_pad_store_handler_pt handler, void *data)
{
    u_char     kb[NGX_PAD_STORE_KEY_MAX];
    ngx_str_t  args[3];

    ngx_str_set(&args[0], "PUBLISH");

    if (ngx_pad_store_pad_key(&args[1], kb, pad, "ch") != NGX_OK) {
        return NULL;
    }

    args[2] = *msg;

    return ngx_pad_store_req(NGX_PAD_STORE_STATUS, handler, data, args, 3);
}


ngx_pad_redis_sub_t *
ngx_pad_store_subscribe(ngx_str_t *pad, ngx_pad_redis_sub_handler_pt handler,
    void *data)
{
    u_char     kb[NGX_PAD_STORE_KEY_MAX];
    ngx_str_t  channel;

    if (ngx_pad_redis == NULL
        || ngx_pad_store_pad_key(&channel, kb, pad, "ch") != NGX_OK)
    {
        return NULL;
    }

    return ngx_pad_redis_subscribe(ngx_pad_redis, &channel, handler, data);
}


/* requests */


static ngx_pad_store_req_t *
ngx_pad_store_req(ngx_uint_t op, ngx_pad_store_handler_pt handler,
    void *data, ngx_str_t *args, int argc)
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


static ngx_pad_store_req_t *
ngx_pad_store_eval(ngx_pad_lua_script_t *script, ngx_uint_t op,
    ngx_str_t *keys, int nkeys, ngx_str_t *args, int nargs,
    ngx_pad_store_handler_pt handler, void *data)
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


static ngx_int_t
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


static ngx_int_t
ngx_pad_store_send(ngx_pad_store_req_t *req)
{
    req->rreq = ngx_pad_redis_command_argv(ngx_pad_redis,
                                           ngx_pad_store_reply, req,
                                           req->argc, req->argv,
                                           req->argvlen);

    return req->rreq ? NGX_OK : NGX_ERROR;
}


static void
ngx_pad_store_free(ngx_pad_store_req_t *req)
{
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

    if (ngx_pad_store_parse(req, reply, &res) != NGX_OK) {
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


static ngx_int_t
ngx_pad_store_parse(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res)
{
    ngx_int_t  n;

    res->status = NGX_OK;

    switch (req->op) {

    case NGX_PAD_STORE_APPEND:

        if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 2
            || ngx_pad_store_int(reply->element[0], &n) != NGX_OK
            || ngx_pad_store_int(reply->element[1], &res->rev) != NGX_OK)
        {
            return NGX_ERROR;
        }

        res->from = req->from;

        if (n == 3) {
            res->status = NGX_ABORT;
            res->head = res->rev;

            return (reply->elements == 3)
                   ? ngx_pad_store_str(reply->element[2], &res->hist)
                   : NGX_ERROR;
        }

        if (n == 0) {
            res->status = NGX_DECLINED;
            res->head = res->rev;

            return ngx_pad_store_items(reply->element + 2,
                                       reply->elements - 2, res);
        }

        if (reply->elements < 4
            || ngx_pad_store_int(reply->element[2], &n) != NGX_OK)
        {
            return NGX_ERROR;
        }

        res->ts = n;
        res->head = res->rev + (reply->elements - 3) - 1;

        return ngx_pad_store_items(reply->element + 3, reply->elements - 3,
                                   res);

    case NGX_PAD_STORE_LOAD:

        if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1
            || ngx_pad_store_int(reply->element[0], &res->head) != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (res->head < 0) {
            res->status = NGX_DECLINED;
            return NGX_OK;
        }

        if (reply->elements < 7
            || ngx_pad_store_int(reply->element[1], &res->chat_head)
               != NGX_OK
            || ngx_pad_store_int(reply->element[2], &res->snap_rev) != NGX_OK
            || ngx_pad_store_str(reply->element[3], &res->snapshot) != NGX_OK
            || ngx_pad_store_str(reply->element[4], &res->pool) != NGX_OK
            || ngx_pad_store_int(reply->element[5], &res->from) != NGX_OK
            || ngx_pad_store_str(reply->element[6], &res->hist) != NGX_OK)
        {
            return NGX_ERROR;
        }

        return ngx_pad_store_items(reply->element + 7, reply->elements - 7,
                                   res);

    case NGX_PAD_STORE_RANGE:

        if (reply->type != REDIS_REPLY_ARRAY) {
            return NGX_ERROR;
        }

        res->from = req->from;

        return ngx_pad_store_items(reply->element, reply->elements, res);

    case NGX_PAD_STORE_HEAD:

        /* {head, chat_next, hist, record at mine, record at head, abs} */

        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 6
            || ngx_pad_store_int(reply->element[0], &res->head) != NGX_OK
            || ngx_pad_store_int(reply->element[1], &n) != NGX_OK
            || ngx_pad_store_str(reply->element[2], &res->hist) != NGX_OK
            || ngx_pad_store_str(reply->element[3], &res->record) != NGX_OK
            || ngx_pad_store_str(reply->element[4], &res->head_record)
               != NGX_OK
            || ngx_pad_store_int(reply->element[5], &res->absorbed)
               != NGX_OK)
        {
            return NGX_ERROR;
        }

        res->chat_head = n - 1;

        if (res->head < 0) {
            res->status = NGX_DECLINED;
            res->head = -1;
        }

        return NGX_OK;

    case NGX_PAD_STORE_CREATE:

        if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 2
            || ngx_pad_store_int(reply->element[0], &n) != NGX_OK
            || ngx_pad_store_int(reply->element[1], &res->rev) != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (n == 0) {
            res->status = NGX_DECLINED;
            res->head = res->rev;
            return NGX_OK;
        }

        if (n == 2) {
            res->status = NGX_BUSY;
            res->wait = (ngx_msec_t) ngx_max(res->rev, 1);
            return NGX_OK;
        }

        if (reply->elements != 4
            || ngx_pad_store_int(reply->element[2], &n) != NGX_OK
            || ngx_pad_store_str(reply->element[3], &res->record) != NGX_OK)
        {
            return NGX_ERROR;
        }

        res->ts = n;
        res->head = 0;

        return NGX_OK;

    case NGX_PAD_STORE_EPOCH:

        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3
            || ngx_pad_store_str(reply->element[0], &res->value) != NGX_OK
            || ngx_pad_store_int(reply->element[1], &n) != NGX_OK
            || ngx_pad_store_int(reply->element[2], &res->rev) != NGX_OK)
        {
            return NGX_ERROR;
        }

        res->ts = n;
        res->now = res->rev;
        res->rev = 0;

        return NGX_OK;

    case NGX_PAD_STORE_CHAT:

        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3
            || ngx_pad_store_int(reply->element[0], &res->rev) != NGX_OK
            || ngx_pad_store_int(reply->element[1], &n) != NGX_OK
            || ngx_pad_store_str(reply->element[2], &res->record) != NGX_OK)
        {
            return NGX_ERROR;
        }

        res->ts = n;

        return NGX_OK;

    case NGX_PAD_STORE_RO_PAD:

        if (reply->type == REDIS_REPLY_NIL) {
            res->status = NGX_DECLINED;
            return NGX_OK;
        }

        return ngx_pad_store_str(reply, &res->value);

    case NGX_PAD_STORE_RO_ID:
    case NGX_PAD_STORE_AUTHOR:
    case NGX_PAD_STORE_AUTHOR_GET:
        return ngx_pad_store_next(req, reply, res);

    default: /* NGX_PAD_STORE_STATUS */
        return NGX_OK;
    }
}


/* multi-step operations */


static ngx_int_t
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


/* reply helpers */


static ngx_int_t
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


static ngx_int_t
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


static ngx_int_t
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

static ngx_int_t
ngx_pad_store_pad_key(ngx_str_t *key, u_char *buf, ngx_str_t *pad,
    char *suffix)
{
    if (ngx_pad_store_conf == NULL || pad->len == 0
        || pad->len > NGX_PAD_STORE_ID_MAX)
    {
        return NGX_ERROR;
    }

    key->data = buf;
    key->len = ngx_sprintf(buf, "%V{%V}:%s", &ngx_pad_store_conf->prefix,
                           pad, suffix)
               - buf;

    return NGX_OK;
}


/* P<kind>:<id> */

static ngx_int_t
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


static ngx_int_t
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


/* pad facts beside the revisions: connected sessions, saved revisions */

static ngx_pad_store_req_t *
ngx_pad_store_pad_cmd(ngx_uint_t op, const char *cmd, ngx_str_t *pad,
    char *suffix, ngx_str_t *rest, int nrest,
    ngx_pad_store_handler_pt handler, void *data)
{
    int        i;
    u_char     kb[NGX_PAD_STORE_KEY_MAX];
    ngx_str_t  args[6];

    if (nrest > 4) {
        return NULL;
    }

    args[0].data = (u_char *) cmd;
    args[0].len = ngx_strlen(cmd);

    if (ngx_pad_store_pad_key(&args[1], kb, pad, suffix) != NGX_OK) {
        return NULL;
    }

    for (i = 0; i < nrest; i++) {
        args[2 + i] = rest[i];
    }

    return ngx_pad_store_req(op, handler, data, args, 2 + nrest);
}


ngx_pad_store_req_t *
ngx_pad_store_conn_set(ngx_str_t *pad, ngx_str_t *worker, ngx_str_t *value,
    ngx_msec_t ttl)
{
    u_char     nb[NGX_INT_T_LEN];
    ngx_str_t  rest[2];

    if (value == NULL) {
        return ngx_pad_store_pad_cmd(NGX_PAD_STORE_STATUS, "HDEL", pad,
                                     "conn", worker, 1, NULL, NULL);
    }

    rest[0] = *worker;
    rest[1] = *value;

    if (ngx_pad_store_pad_cmd(NGX_PAD_STORE_STATUS, "HSET", pad, "conn",
                              rest, 2, NULL, NULL)
        == NULL)
    {
        return NULL;
    }

    /* the hash goes when no worker refreshes it any more */

    rest[0].data = nb;
    rest[0].len = ngx_sprintf(nb, "%M", ttl) - nb;

    return ngx_pad_store_pad_cmd(NGX_PAD_STORE_STATUS, "PEXPIRE", pad, "conn",
                                 rest, 1, NULL, NULL);
}


ngx_pad_store_req_t *
ngx_pad_store_conn_get(ngx_str_t *pad, ngx_pad_store_handler_pt handler,
    void *data)
{
    return ngx_pad_store_pad_cmd(NGX_PAD_STORE_RANGE, "HGETALL", pad, "conn",
                                 NULL, 0, handler, data);
}


ngx_pad_store_req_t *
ngx_pad_store_saved_add(ngx_str_t *pad, ngx_int_t rev, ngx_str_t *record,
    ngx_pad_store_handler_pt handler, void *data)
{
    u_char     nb[NGX_INT_T_LEN];
    ngx_str_t  rest[2];

    rest[0].data = nb;
    rest[0].len = ngx_sprintf(nb, "%i", rev) - nb;
    rest[1] = *record;

    return ngx_pad_store_pad_cmd(NGX_PAD_STORE_STATUS, "HSETNX", pad, "saved",
                                 rest, 2, handler, data);
}


ngx_pad_store_req_t *
ngx_pad_store_saved_get(ngx_str_t *pad, ngx_pad_store_handler_pt handler,
    void *data)
{
    return ngx_pad_store_pad_cmd(NGX_PAD_STORE_RANGE, "HVALS", pad, "saved",
                                 NULL, 0, handler, data);
}
