
/*
 * ngx_pad_module: the store's requests about a pad's revisions, chat and
 * facts (ngx_pad_store.h): append, snapshot, load, ranges, chat, publish,
 * subscribe, connected sessions, saved revisions; each with its reply's
 * parser.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "store/ngx_pad_store.h"
#include "store/ngx_pad_store_int.h"


static ngx_pad_store_req_t *ngx_pad_store_range(ngx_str_t *pad,
    char *suffix, ngx_int_t from, ngx_int_t to,
    ngx_pad_store_handler_pt handler, void *data);


static void ngx_pad_store_author_pad(ngx_str_t *entry, ngx_str_t *pad);


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

    /* the pads of the authors new to the pad: the index first */

    for (i = 0; i < npool; i++) {
        ngx_pad_store_author_pad(&pool[i], pad);
    }

    req = ngx_pad_store_eval(ngx_pad_store_lua_append, NGX_PAD_STORE_APPEND,
                             ngx_pad_store_parse_append, keys, 3, args, a,
                             handler, data);

    ngx_free(args);

    if (req) {
        /* a conflict reply carries the records from base + 1 on */
        req->from = base + 1;
    }

    return req;
}


/*
 * A pool entry ["author","<id>"]: the pad goes into Pauthor:<id>:pads
 * (listPadsOfAuthor), sent before the append that brings the author in;
 * a failed append leaves an entry that a later one of the author writes
 * anyway.  No answer is awaited.
 */

static void
ngx_pad_store_author_pad(ngx_str_t *entry, ngx_str_t *pad)
{
    u_char     kb[NGX_PAD_STORE_KEY_MAX + 8];
    size_t     i;
    ngx_str_t  id, args[3];

    static const char  head[] = "[\"author\",\"";

    if (entry->len < sizeof(head) - 1 + 3
        || ngx_strncmp(entry->data, head, sizeof(head) - 1) != 0
        || entry->data[entry->len - 1] != ']'
        || entry->data[entry->len - 2] != '"')
    {
        return;
    }

    id.data = entry->data + sizeof(head) - 1;
    id.len = entry->len - (sizeof(head) - 1) - 2;

    for (i = 0; i < id.len; i++) {
        if (id.data[i] == '"' || id.data[i] == '\\') {
            return;
        }
    }

    ngx_str_set(&args[0], "SADD");
    args[2] = *pad;

    if (ngx_pad_store_global_key(&args[1], kb, "author", &id) != NGX_OK) {
        return;
    }

    args[1].len = ngx_sprintf(args[1].data + args[1].len, ":pads")
                  - args[1].data;

    (void) ngx_pad_store_req(NGX_PAD_STORE_STATUS, NULL, NULL, NULL, args, 3);
}


/* append.lua: {1, rev, ts, records} | {0, head, records} | {3, head, hist} */

ngx_int_t
ngx_pad_store_parse_append(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res)
{
    ngx_int_t  n;

    res->status = NGX_OK;

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
}


/* {"rev":N,"text":"...","attribs":"..."} in an ngx_alloc()ed buffer */

ngx_int_t
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
ngx_pad_store_snapshot(ngx_str_t *pad, ngx_int_t rev, ngx_str_t *text,
    ngx_str_t *attribs, ngx_pad_store_handler_pt handler, void *data)
{
    return ngx_pad_store_snapshot_of(pad, NULL, rev, text, attribs, handler,
                                     data);
}


ngx_pad_store_req_t *
ngx_pad_store_snapshot_of(ngx_str_t *pad, ngx_str_t *hist, ngx_int_t rev,
    ngx_str_t *text, ngx_str_t *attribs, ngx_pad_store_handler_pt handler,
    void *data)
{
    u_char                kb[3][NGX_PAD_STORE_KEY_MAX];
    u_char                nb[NGX_INT_T_LEN];
    ngx_str_t             keys[3], args[3];
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

    if (hist) {
        args[2] = *hist;
    }

    req = ngx_pad_store_eval(ngx_pad_store_lua_snapshot,
                             NGX_PAD_STORE_STATUS, NULL, keys, 3, args,
                             hist ? 3 : 2, handler, data);

    ngx_free(args[1].data);

    return req;
}


ngx_pad_store_req_t *
ngx_pad_store_load(ngx_str_t *pad, ngx_int_t upto,
    ngx_pad_store_handler_pt handler, void *data)
{
    u_char                kb[5][NGX_PAD_STORE_KEY_MAX];
    u_char                nb[2][NGX_INT_T_LEN];
    ngx_str_t             keys[5], args[2];
    ngx_pad_store_req_t  *req;

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

    req = ngx_pad_store_eval(ngx_pad_store_lua_load, NGX_PAD_STORE_LOAD,
                             ngx_pad_store_parse_load, keys, 5, args, 2,
                             handler, data);

    if (req && ngx_pad_store_save(&req->saved, pad) != NGX_OK) {
        ngx_pad_store_cancel(req);
        return NULL;
    }

    return req;
}


/* load.lua */

ngx_int_t
ngx_pad_store_parse_load(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res)
{
    res->status = NGX_OK;

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1
        || ngx_pad_store_int(reply->element[0], &res->head) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (res->head < 0) {
        res->status = NGX_DECLINED;
        return NGX_OK;
    }

    /*
     * Pads older than the index Ppads get into it when they are loaded:
     * one SADD, no answer awaited (a pad deleted meanwhile leaves a stale
     * entry, which listAllPads leaves out).
     */

    if (req->saved.len) {
        (void) ngx_pad_store_pads_add(&req->saved);
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

    req = ngx_pad_store_req(NGX_PAD_STORE_RANGE, ngx_pad_store_parse_range,
                            handler, data, args, (int) (2 + count));
    if (req) {
        req->from = from;
    }

    ngx_free(args);

    return req;
}


/* HMGET, HGETALL, HVALS: the items */

ngx_int_t
ngx_pad_store_parse_range(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res)
{
    res->status = NGX_OK;

    if (reply->type != REDIS_REPLY_ARRAY) {
        return NGX_ERROR;
    }

    res->from = req->from;

    return ngx_pad_store_items(reply->element, reply->elements, res);
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
ngx_pad_store_chat_append(ngx_str_t *pad, ngx_str_t *text,
    ngx_str_t *author, ngx_str_t *time, ngx_str_t *name,
    ngx_pad_store_handler_pt handler, void *data)
{
    u_char     kb[3][NGX_PAD_STORE_KEY_MAX];
    ngx_str_t  keys[2], args[5];

    static ngx_str_t  none = ngx_string("");

    if (ngx_pad_store_pad_key(&keys[0], kb[0], pad, "meta") != NGX_OK
        || ngx_pad_store_pad_key(&keys[1], kb[1], pad, "chat") != NGX_OK
        || ngx_pad_store_pad_key(&args[2], kb[2], pad, "ch") != NGX_OK)
    {
        return NULL;
    }

    args[0] = *text;
    args[1] = *author;
    args[3] = time ? *time : none;
    args[4] = name ? *name : none;

    return ngx_pad_store_eval(ngx_pad_store_lua_chat, NGX_PAD_STORE_CHAT,
                              ngx_pad_store_parse_chat, keys, 2, args, 5,
                              handler, data);
}


/* chat.lua: {n, ts, record} */

ngx_int_t
ngx_pad_store_parse_chat(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res)
{
    ngx_int_t  n;

    res->status = NGX_OK;

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3
        || ngx_pad_store_int(reply->element[0], &res->rev) != NGX_OK
        || ngx_pad_store_int(reply->element[1], &n) != NGX_OK
        || ngx_pad_store_str(reply->element[2], &res->record) != NGX_OK)
    {
        return NGX_ERROR;
    }

    res->ts = n;

    return NGX_OK;
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

    return ngx_pad_store_req(NGX_PAD_STORE_STATUS, NULL, handler, data, args,
                             3);
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

    return ngx_pad_store_req(op, op == NGX_PAD_STORE_RANGE
                                 ? ngx_pad_store_parse_range : NULL,
                             handler, data, args, 2 + nrest);
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
