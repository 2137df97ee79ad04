
/*
 * ngx_pad_module: the store's requests behind "Redis losing data"
 * (docs/operators/redis.md): the data-set marker (epoch.lua), creation refused during the
 * grace (create.lua), what a worker compares its copy with (head.lua),
 * the write-back (restore.lua); each with its reply's parser.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "store/ngx_pad_store.h"
#include "store/ngx_pad_store_int.h"
#include "cluster/ngx_pad_cluster_slot.h"


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
                             NGX_PAD_STORE_STATUS, NULL, keys, 8, args, (int) a,
                             handler, data);

    ngx_free(args[8].data);
    ngx_free(args);

    return req;
}


/*
 * The data-set marker beside a key: Pepoch; in cluster mode one per
 * slot, Pepoch{<tag of the key's slot>} (a node that loses its data
 * loses only its slots' markers; create.lua's keys stay in one slot)
 */

static ngx_int_t
ngx_pad_store_epoch_key(ngx_str_t *key, u_char *buf, ngx_str_t *beside)
{
    unsigned               slot;
    ngx_pad_store_conf_t  *scf;

    static uint32_t       *tags;

    scf = ngx_pad_store_conf_get();
    key->data = buf;

    if (!scf->redis.cluster) {
        key->len = ngx_sprintf(buf, "%Vepoch", &scf->prefix) - buf;
        return NGX_OK;
    }

    if (tags == NULL) {
        /* once per worker, about 200,000 CRC16s of a few bytes */
        tags = ngx_alloc(NGX_PAD_CLUSTER_SLOTS * sizeof(uint32_t),
                         ngx_cycle->log);
        if (tags == NULL) {
            return NGX_ERROR;
        }

        if (ngx_pad_cluster_slot_tags(tags) != 0) {
            ngx_free(tags);
            tags = NULL;
            return NGX_ERROR;
        }
    }

    slot = ngx_pad_cluster_key_slot((char *) beside->data, beside->len);

    key->len = ngx_sprintf(buf, "%Vepoch{%uD}", &scf->prefix, tags[slot])
               - buf;

    return NGX_OK;
}


ngx_pad_store_req_t *
ngx_pad_store_create(ngx_str_t *pad, ngx_str_t *cs, ngx_str_t *hist,
    ngx_str_t *author, ngx_str_t *pool0, ngx_pad_store_handler_pt handler,
    void *data)
{
    int         nargs;
    u_char      kb[5][NGX_PAD_STORE_KEY_MAX];
    u_char      nb[NGX_INT_T_LEN], id[16];
    ngx_str_t   keys[4], args[7], e;

    ngx_str_set(&e, "epoch");

    if (ngx_pad_store_pad_key(&keys[0], kb[0], pad, "meta") != NGX_OK
        || ngx_pad_store_pad_key(&keys[1], kb[1], pad, "revs") != NGX_OK
        || ngx_pad_store_pad_key(&keys[3], kb[4], pad, "pool") != NGX_OK
        || ngx_pad_store_pad_key(&args[0], kb[3], pad, "ch") != NGX_OK)
    {
        return NULL;
    }

    /* the index first: a crash between leaves a stale entry (filtered) */

    if (ngx_pad_store_pads_add(pad) != NGX_OK) {
        return NULL;
    }

    if (ngx_pad_store_epoch_key(&keys[2], kb[2], &keys[0]) != NGX_OK) {
        return NULL;
    }

    args[1] = *cs;
    args[2] = *hist;
    args[3].data = nb;
    args[3].len = ngx_sprintf(nb, "%M", ngx_pad_store_conf_get()->lost_grace)
                  - nb;
    args[4].data = id;
    args[4].len = sizeof(id);
    ngx_pad_store_random_id(id, sizeof(id));

    nargs = 5;

    if (author && author->len) {
        args[nargs++] = *author;

        if (pool0 && pool0->len) {
            args[nargs++] = *pool0;
        }
    }

    return ngx_pad_store_eval(ngx_pad_store_lua_create, NGX_PAD_STORE_CREATE,
                              ngx_pad_store_parse_create, keys, 4, args,
                              nargs, handler, data);
}


/* create.lua */

ngx_int_t
ngx_pad_store_parse_create(ngx_pad_store_req_t *req, redisReply *reply,
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
}


ngx_pad_store_req_t *
ngx_pad_store_epoch(ngx_str_t *candidate, ngx_pad_store_handler_pt handler,
    void *data)
{
    u_char     kb[NGX_PAD_STORE_KEY_MAX];
    ngx_str_t  key;

    if (ngx_pad_store_conf_get() == NULL) {
        return NULL;
    }

    key.data = kb;
    key.len = ngx_sprintf(kb, "%Vepoch", &ngx_pad_store_conf_get()->prefix)
              - kb;

    return ngx_pad_store_eval(ngx_pad_store_lua_epoch, NGX_PAD_STORE_EPOCH,
                              ngx_pad_store_parse_epoch, &key, 1, candidate, 1,
                              handler, data);
}


/* epoch.lua */

ngx_int_t
ngx_pad_store_parse_epoch(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res)
{
    ngx_int_t  created, now;

    res->status = NGX_OK;

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3
        || ngx_pad_store_str(reply->element[0], &res->value) != NGX_OK
        || ngx_pad_store_int(reply->element[1], &created) != NGX_OK
        || ngx_pad_store_int(reply->element[2], &now) != NGX_OK)
    {
        return NGX_ERROR;
    }

    res->ts = created;
    res->now = now;

    return NGX_OK;
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
                              ngx_pad_store_parse_head, keys, 2, args, 2,
                              handler, data);
}


/* head.lua */

ngx_int_t
ngx_pad_store_parse_head(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res)
{
    ngx_int_t  n;

    res->status = NGX_OK;

    /* {head, chat_next, hist, record at mine, record at head, abs} */

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 7
        || ngx_pad_store_int(reply->element[0], &res->head) != NGX_OK
        || ngx_pad_store_int(reply->element[1], &n) != NGX_OK
        || ngx_pad_store_str(reply->element[2], &res->hist) != NGX_OK
        || ngx_pad_store_str(reply->element[3], &res->record) != NGX_OK
        || ngx_pad_store_str(reply->element[4], &res->head_record)
           != NGX_OK
        || ngx_pad_store_int(reply->element[5], &res->absorbed)
           != NGX_OK
        || ngx_pad_store_int(reply->element[6], &n) != NGX_OK)
    {
        return NGX_ERROR;
    }

    res->deleted = (n != 0);

    if (ngx_pad_store_int(reply->element[1], &n) != NGX_OK) {
        return NGX_ERROR;
    }

    res->chat_head = n - 1;

    if (res->head < 0) {
        res->status = NGX_DECLINED;
        res->head = -1;
    }

    return NGX_OK;
}

