
/*
 * ngx_pad_module: a pad read from Redis for the HTTP side: load.lua's
 * snapshot, pool and first revisions, then the rest with revs, each
 * applied to the text (or the AText) in turn.  The text is copied out of
 * the Easysync context after each revision, so the context's arena stays
 * the size of one step.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include <jansson.h>

#include "msg/ngx_pad_msg.h"
#include "http/ngx_pad_http_pad.h"


static ngx_int_t ngx_pad_http_pad_start(ngx_pad_http_pad_t *rd);
static void ngx_pad_http_pad_resolved(void *data,
    ngx_pad_store_result_t *res);
static void ngx_pad_http_pad_loaded(void *data, ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_http_pad_first(ngx_pad_http_pad_t *rd,
    ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_http_pad_snapshot(ngx_pad_http_pad_t *rd,
    ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_http_pad_apply(ngx_pad_http_pad_t *rd,
    ngx_str_t *record);
static void ngx_pad_http_pad_key_snapshot(ngx_pad_http_pad_t *rd);
static ngx_int_t ngx_pad_http_pad_set(ngx_pad_str_t *dst, const char *data,
    size_t len, ngx_log_t *log);
static void ngx_pad_http_pad_done(ngx_pad_http_pad_t *rd, ngx_int_t status,
    ngx_str_t *err);
static ngx_int_t ngx_pad_http_pad_copy(ngx_pad_http_pad_t *rd,
    ngx_str_t *dst, ngx_str_t *src);


ngx_int_t
ngx_pad_http_pad_read(ngx_pad_http_pad_t *rd)
{
    ngx_pad_str_t  ps;

    ps.data = (const char *) rd->pad.data;
    ps.len = rd->pad.len;

    if (rd->resolve && ngx_pad_msg_is_readonly_id(&ps)) {
        rd->sreq = ngx_pad_store_readonly_pad(&rd->pad,
                                              ngx_pad_http_pad_resolved, rd);
        return rd->sreq ? NGX_OK : NGX_ERROR;
    }

    return ngx_pad_http_pad_start(rd);
}


void
ngx_pad_http_pad_free(ngx_pad_http_pad_t *rd)
{
    if (rd->sreq) {
        ngx_pad_store_cancel(rd->sreq);
        rd->sreq = NULL;
    }

    if (rd->es) {
        ngx_pad_ctx_destroy(rd->es);
        rd->es = NULL;
    }

    if (rd->apool) {
        ngx_pad_pool_destroy(rd->apool);
        rd->apool = NULL;
    }

    ngx_free((void *) rd->text.data);
    ngx_free((void *) rd->attribs.data);
    rd->text.data = NULL;
    rd->attribs.data = NULL;
}


ngx_int_t
ngx_pad_http_pad_pool(ngx_pad_http_pad_t *rd)
{
    json_t        *j;
    json_error_t   err;

    if (rd->apool) {
        return NGX_OK;
    }

    j = json_loadb((char *) rd->pool_json.data, rd->pool_json.len, 0, &err);
    if (j == NULL) {
        ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                      "pad \"%V\": bad pool: %s", &rd->pad, err.text);
        return NGX_ERROR;
    }

    rd->apool = ngx_pad_pool_create();

    if (rd->apool == NULL
        || ngx_pad_msg_pool_from_json(j, rd->apool, NGX_PAD_CS_NUM_MAX) != 0)
    {
        if (rd->apool) {
            ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                          "pad \"%V\": bad pool", &rd->pad);
        }

        json_decref(j);
        return NGX_ERROR;
    }

    json_decref(j);

    return NGX_OK;
}


static ngx_int_t
ngx_pad_http_pad_start(ngx_pad_http_pad_t *rd)
{
    rd->sreq = ngx_pad_store_load(&rd->pad, rd->upto,
                                  ngx_pad_http_pad_loaded, rd);

    return rd->sreq ? NGX_OK : NGX_ERROR;
}


static void
ngx_pad_http_pad_resolved(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_http_pad_t  *rd = data;

    rd->sreq = NULL;

    if (res->status != NGX_OK) {
        ngx_pad_http_pad_done(rd, res->status, &res->err);
        return;
    }

    if (ngx_pad_http_pad_copy(rd, &rd->pad, &res->value) != NGX_OK
        || ngx_pad_http_pad_start(rd) != NGX_OK)
    {
        ngx_pad_http_pad_done(rd, NGX_ERROR, NULL);
    }
}


static void
ngx_pad_http_pad_loaded(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_http_pad_t  *rd = data;

    ngx_int_t   to;
    ngx_uint_t  i;

    rd->sreq = NULL;

    if (res->status != NGX_OK) {
        ngx_pad_http_pad_done(rd, res->status, &res->err);
        return;
    }

    if (!rd->loaded) {
        if (ngx_pad_http_pad_first(rd, res) != NGX_OK) {
            ngx_pad_http_pad_done(rd, NGX_ABORT, NULL);
            return;
        }
    }

    if (res->from != rd->next) {
        ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                      "pad \"%V\": got revisions from %i, expected %i",
                      &rd->pad, res->from, rd->next);
        ngx_pad_http_pad_done(rd, NGX_ABORT, NULL);
        return;
    }

    for (i = 0; i < res->nitems && rd->next <= rd->head; i++) {
        if (ngx_pad_http_pad_apply(rd, &res->items[i]) != NGX_OK) {
            ngx_pad_http_pad_done(rd, NGX_ABORT, NULL);
            return;
        }
    }

    if (rd->next <= rd->head) {
        /* more than one reply's worth of revisions after the snapshot */

        to = rd->head;
        if (to - rd->next + 1 > NGX_PAD_STORE_RANGE_MAX) {
            to = rd->next + NGX_PAD_STORE_RANGE_MAX - 1;
        }

        rd->sreq = ngx_pad_store_revs(&rd->pad, rd->next, to,
                                      ngx_pad_http_pad_loaded, rd);
        if (rd->sreq == NULL) {
            ngx_pad_http_pad_done(rd, NGX_ERROR, NULL);
        }

        return;
    }

    ngx_pad_http_pad_done(rd, NGX_OK, NULL);
}


static ngx_int_t
ngx_pad_http_pad_first(ngx_pad_http_pad_t *rd, ngx_pad_store_result_t *res)
{
    rd->loaded = 1;
    rd->stored_head = res->head;
    rd->head = res->head;
    rd->chat_head = res->chat_head;

    if (rd->upto >= 0 && rd->upto < rd->head) {
        rd->head = rd->upto;
    }

    if (ngx_pad_http_pad_copy(rd, &rd->hist, &res->hist) != NGX_OK
        || ngx_pad_http_pad_copy(rd, &rd->pool_json, &res->pool) != NGX_OK)
    {
        return NGX_ERROR;
    }

    rd->es = ngx_pad_ctx_create();
    if (rd->es == NULL) {
        return NGX_ERROR;
    }

    if (rd->atext && ngx_pad_http_pad_pool(rd) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_pad_http_pad_snapshot(rd, res);
}


static ngx_int_t
ngx_pad_http_pad_snapshot(ngx_pad_http_pad_t *rd, ngx_pad_store_result_t *res)
{
    json_t         *snap;
    ngx_int_t       rc;
    json_error_t    err;
    ngx_pad_str_t   text, attribs;

    rd->next = res->snap_rev + 1;

    if (res->snap_rev < 0) {
        /* revision 0 applies to the text of a new pad */
        if (ngx_pad_http_pad_set(&rd->text, "\n", 1, rd->log) != NGX_OK) {
            return NGX_ERROR;
        }

        return rd->atext ? ngx_pad_http_pad_set(&rd->attribs, "|1+1", 4,
                                                rd->log)
                         : NGX_OK;
    }

    snap = json_loadb((char *) res->snapshot.data, res->snapshot.len, 0,
                      &err);
    if (snap == NULL) {
        ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                      "pad \"%V\": bad snapshot %i: %s",
                      &rd->pad, res->snap_rev, err.text);
        return NGX_ERROR;
    }

    if (ngx_pad_msg_get_str(snap, "text", &text) != 0
        || (rd->atext && ngx_pad_msg_get_str(snap, "attribs", &attribs) != 0))
    {
        ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                      "pad \"%V\": snapshot %i has no text or attributes",
                      &rd->pad, res->snap_rev);
        json_decref(snap);
        return NGX_ERROR;
    }

    rc = ngx_pad_http_pad_set(&rd->text, text.data, text.len, rd->log);

    if (rc == NGX_OK && rd->atext) {
        rc = ngx_pad_http_pad_set(&rd->attribs, attribs.data, attribs.len,
                                  rd->log);
    }

    json_decref(snap);

    return rc;
}


static ngx_int_t
ngx_pad_http_pad_apply(ngx_pad_http_pad_t *rd, ngx_str_t *record)
{
    json_t           *rec;
    int64_t           rev;
    intptr_t          rc;
    json_error_t      err;
    ngx_pad_str_t     cs, out;
    ngx_pad_atext_t   at, aout;

    if (record->len == 0) {
        ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                      "pad \"%V\": revision %i is missing",
                      &rd->pad, rd->next);
        return NGX_ERROR;
    }

    rec = json_loadb((char *) record->data, record->len, 0, &err);
    if (rec == NULL) {
        ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                      "pad \"%V\": bad revision %i: %s",
                      &rd->pad, rd->next, err.text);
        return NGX_ERROR;
    }

    if (ngx_pad_msg_get_str(rec, "cs", &cs) != 0
        || ngx_pad_msg_get_int(rec, "rev", &rev) != 0
        || rev != rd->next)
    {
        ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                      "pad \"%V\": bad revision record %i",
                      &rd->pad, rd->next);
        json_decref(rec);
        return NGX_ERROR;
    }

    if (rd->atext) {
        at.text = rd->text;
        at.attribs = rd->attribs;
        rc = ngx_pad_cs_apply_to_atext(rd->es, &cs, &at, rd->apool, &aout);

    } else {
        rc = ngx_pad_cs_apply_to_text(rd->es, &cs, &rd->text, &out);
        aout.text = out;
    }

    if (rc != NGX_PAD_CS_OK) {
        ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                      "pad \"%V\": revision %i does not apply: %s",
                      &rd->pad, rd->next, ngx_pad_ctx_error(rd->es));
        json_decref(rec);
        return NGX_ERROR;
    }

    json_decref(rec);

    if (ngx_pad_http_pad_set(&rd->text, aout.text.data, aout.text.len,
                             rd->log)
        != NGX_OK
        || (rd->atext
            && ngx_pad_http_pad_set(&rd->attribs, aout.attribs.data,
                                    aout.attribs.len, rd->log)
               != NGX_OK))
    {
        return NGX_ERROR;
    }

    /* the result was copied: keep the context's arena small */
    ngx_pad_ctx_reset(rd->es);

    ngx_pad_http_pad_key_snapshot(rd);

    rd->next++;

    return NGX_OK;
}


/*
 * A key snapshot that its writer did not store (a write through the HTTP
 * API, which keeps no AText): the revision just applied is one
 * (rev % pad_snapshot_interval == 0) and the read started from an older
 * one, so it is missing.  Stored now (idempotent, only onto the history
 * read), so that later reads and loads start from it instead of applying
 * ever more revisions.
 */

static void
ngx_pad_http_pad_key_snapshot(ngx_pad_http_pad_t *rd)
{
    ngx_str_t   text, attribs;
    ngx_uint_t  n;

    n = ngx_pad_store_snapshot_interval();

    if (!rd->atext || n == 0 || rd->next % n != 0) {
        return;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, rd->log, 0,
                   "pad \"%V\": storing the missing key snapshot %i",
                   &rd->pad, rd->next);

    text.data = (u_char *) rd->text.data;
    text.len = rd->text.len;
    attribs.data = (u_char *) rd->attribs.data;
    attribs.len = rd->attribs.len;

    (void) ngx_pad_store_snapshot_of(&rd->pad, &rd->hist, rd->next, &text,
                                     &attribs, NULL, NULL);
}


static ngx_int_t
ngx_pad_http_pad_set(ngx_pad_str_t *dst, const char *data, size_t len,
    ngx_log_t *log)
{
    u_char  *p;

    p = ngx_alloc(len + 1, log);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(p, data, len);
    p[len] = '\0';

    ngx_free((void *) dst->data);

    dst->data = (const char *) p;
    dst->len = len;

    return NGX_OK;
}


static ngx_int_t
ngx_pad_http_pad_copy(ngx_pad_http_pad_t *rd, ngx_str_t *dst, ngx_str_t *src)
{
    u_char  *p;

    p = ngx_pnalloc(rd->pool, src->len + 1);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(p, src->data, src->len);
    p[src->len] = '\0';

    dst->data = p;
    dst->len = src->len;

    return NGX_OK;
}


static void
ngx_pad_http_pad_done(ngx_pad_http_pad_t *rd, ngx_int_t status,
    ngx_str_t *err)
{
    static ngx_str_t  unavailable = ngx_string("redis unavailable");

    if (rd->es) {
        ngx_pad_ctx_destroy(rd->es);
        rd->es = NULL;
    }

    rd->status = status;

    if (status == NGX_ERROR) {
        if (err == NULL || err->len == 0
            || ngx_pad_http_pad_copy(rd, &rd->err, err) != NGX_OK)
        {
            rd->err = unavailable;
        }
    }

    rd->handler(rd);
}
