
/*
 * ngx_pad_module: the store's requests for copying a pad (copyPad,
 * movePad, copyPadWithoutHistory of the HTTP API): bounded reads of the
 * source's records (copyread.lua, in the source's slot) and bounded
 * writes into the destination's staging keys, moved into place by one
 * last step that makes the pad exist (copy.lua, in the destination's
 * slot).  The source and the destination live in different Redis Cluster
 * slots, so no single script could do both.
 *
 * The cross-slot indexes (Ppads, Pgroup:{g}:pads, Pauthor:<a>:pads) are
 * written before the commit, on the same connection: a crash leaves at
 * most an entry without its pad, which every list leaves out.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "store/ngx_pad_store.h"
#include "store/ngx_pad_store_int.h"


static ngx_int_t ngx_pad_store_parse_copy_read(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_store_parse_copy(ngx_pad_store_req_t *req,
    redisReply *reply, ngx_pad_store_result_t *res);


static char  *ngx_pad_store_copy_suffix[] = {
    "revs", "pool", "snap", "snapidx", "chat", "saved"
};


ngx_pad_store_req_t *
ngx_pad_store_copy_read(ngx_str_t *pad, ngx_str_t *hist, ngx_uint_t kind,
    ngx_int_t from, ngx_int_t to, ngx_pad_store_handler_pt handler,
    void *data)
{
    u_char        kb[3][NGX_PAD_STORE_KEY_MAX];
    u_char        nb[3][NGX_INT_T_LEN];
    ngx_str_t     keys[3], args[5];
    const char   *how;

    switch (kind) {
    case NGX_PAD_STORE_COPY_SNAP:
        how = "snap";
        break;
    case NGX_PAD_STORE_COPY_SAVED:
        how = "scan";
        break;
    case NGX_PAD_STORE_COPY_META:
        how = "meta";
        kind = NGX_PAD_STORE_COPY_REVS;
        break;
    case NGX_PAD_STORE_COPY_REVS:
    case NGX_PAD_STORE_COPY_CHAT:
        how = "range";
        break;
    default:
        return NULL;
    }

    if (hist->len > NGX_PAD_STORE_HIST_MAX
        || ngx_pad_store_pad_key(&keys[0], kb[0], pad, "meta") != NGX_OK
        || ngx_pad_store_pad_key(&keys[1], kb[1], pad,
                                 ngx_pad_store_copy_suffix[kind])
           != NGX_OK
        || ngx_pad_store_pad_key(&keys[2], kb[2], pad, "snapidx") != NGX_OK)
    {
        return NULL;
    }

    args[0] = *hist;
    args[1].data = (u_char *) how;
    args[1].len = ngx_strlen(how);
    args[2].data = nb[0];
    args[2].len = ngx_sprintf(nb[0], "%i", from) - nb[0];
    args[3].data = nb[1];
    args[3].len = ngx_sprintf(nb[1], "%i", to) - nb[1];
    args[4].data = nb[2];
    args[4].len = ngx_sprintf(nb[2], "%uz", (size_t) NGX_PAD_STORE_COPY_BYTES)
                  - nb[2];

    return ngx_pad_store_eval(ngx_pad_store_lua_copyread, NGX_PAD_STORE_COPY,
                              ngx_pad_store_parse_copy_read, keys, 3, args, 5,
                              handler, data);
}


/* {-1} gone; {next, n1, v1, ...} */

static ngx_int_t
ngx_pad_store_parse_copy_read(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res)
{
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1
        || reply->elements % 2 != 1
        || ngx_pad_store_int(reply->element[0], &res->from) != NGX_OK)
    {
        return NGX_ERROR;
    }

    res->status = NGX_OK;

    return ngx_pad_store_items(reply->element + 1, reply->elements - 1, res);
}


ngx_pad_store_req_t *
ngx_pad_store_copy_step(ngx_str_t *dst, ngx_str_t *token, ngx_uint_t mode,
    ngx_uint_t kind, ngx_str_t *vals, ngx_uint_t nvals,
    ngx_pad_store_handler_pt handler, void *data)
{
    u_char                kb[13][NGX_PAD_STORE_KEY_MAX];
    u_char                sb[NGX_PAD_STORE_KEY_MAX], nb[NGX_INT_T_LEN];
    u_char                suffix[64];
    ngx_str_t             keys[13], *args;
    ngx_uint_t            i, nargs;
    ngx_pad_store_req_t  *req;

    static ngx_str_t  modes[] = {
        ngx_string("begin"), ngx_string("put"), ngx_string("rev"),
        ngx_string("commit"), ngx_string("abort")
    };

    if (mode > NGX_PAD_STORE_COPY_ABORT || kind > NGX_PAD_STORE_COPY_SAVED
        || token->len == 0 || token->len > 32
        || ngx_pad_store_pad_key(&keys[0], kb[0], dst, "meta") != NGX_OK)
    {
        return NULL;
    }

    for (i = 0; i < 6; i++) {
        (void) ngx_sprintf(suffix, "copy:%V:%s%Z", token,
                           ngx_pad_store_copy_suffix[i]);

        if (ngx_pad_store_pad_key(&keys[1 + i], kb[1 + i], dst,
                                  ngx_pad_store_copy_suffix[i])
            != NGX_OK
            || ngx_pad_store_pad_key(&keys[7 + i], kb[7 + i], dst,
                                     (char *) suffix)
               != NGX_OK)
        {
            return NULL;
        }
    }

    nargs = 4 + nvals;

    args = ngx_alloc(nargs * sizeof(ngx_str_t), ngx_cycle->log);
    if (args == NULL) {
        return NULL;
    }

    args[0] = modes[mode];
    args[1] = *token;

    /* P{dst}:copy: */
    args[2].data = sb;
    args[2].len = keys[7].len - (sizeof("revs") - 1) - token->len - 1;
    ngx_memcpy(sb, keys[7].data, args[2].len);

    nargs = 3;

    if (mode == NGX_PAD_STORE_COPY_PUT) {
        args[nargs].data = nb;
        args[nargs].len = ngx_sprintf(nb, "%ui", kind + 1) - nb;
        nargs++;
    }

    for (i = 0; i < nvals; i++) {
        args[nargs++] = vals[i];
    }

    req = ngx_pad_store_eval(ngx_pad_store_lua_copy, NGX_PAD_STORE_COPY,
                             ngx_pad_store_parse_copy, keys, 13, args,
                             (int) nargs, handler, data);

    ngx_free(args);

    return req;
}


static ngx_int_t
ngx_pad_store_parse_copy(ngx_pad_store_req_t *req, redisReply *reply,
    ngx_pad_store_result_t *res)
{
    ngx_int_t  n;

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1
        || ngx_pad_store_int(reply->element[0], &n) != NGX_OK)
    {
        return NGX_ERROR;
    }

    res->status = n == 1 ? NGX_OK : NGX_DECLINED;

    return NGX_OK;
}


/*
 * The destination's cross-slot entries, before its commit: Ppads, the
 * group's set (group NULL: none), the authors' sets.  No answer awaited.
 */

ngx_int_t
ngx_pad_store_copy_index(ngx_str_t *dst, ngx_str_t *group,
    ngx_str_t *authors, ngx_uint_t nauthors)
{
    u_char                 kb[NGX_PAD_STORE_KEY_MAX];
    ngx_str_t              args[3];
    ngx_uint_t             i;
    ngx_pad_store_conf_t  *scf;

    scf = ngx_pad_store_conf_get();

    if (scf == NULL || ngx_pad_store_pads_add(dst) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_str_set(&args[0], "SADD");
    args[1].data = kb;
    args[2] = *dst;

    if (group) {
        if (group->len == 0 || group->len > NGX_PAD_STORE_ID_MAX) {
            return NGX_ERROR;
        }

        args[1].len = ngx_sprintf(kb, "%Vgroup:{%V}:pads", &scf->prefix,
                                  group)
                      - kb;

        if (ngx_pad_store_req(NGX_PAD_STORE_STATUS, NULL, NULL, NULL, args,
                              3)
            == NULL)
        {
            return NGX_ERROR;
        }
    }

    for (i = 0; i < nauthors; i++) {
        if (authors[i].len == 0 || authors[i].len > NGX_PAD_STORE_ID_MAX) {
            continue;
        }

        args[1].len = ngx_sprintf(kb, "%Vauthor:%V:pads", &scf->prefix,
                                  &authors[i])
                      - kb;

        if (ngx_pad_store_req(NGX_PAD_STORE_STATUS, NULL, NULL, NULL, args,
                              3)
            == NULL)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}
