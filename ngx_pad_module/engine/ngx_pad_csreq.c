
/*
 * ngx_pad_module: CHANGESET_REQ (the timeslider), as Etherpad's
 * getChangesetInfo(): up to 100 composite changesets of "granularity"
 * revisions each from "start", with their backward changesets (inverse
 * against the text before each composite), time deltas in seconds and
 * one wire pool.
 *
 * The revisions come from the store: the key snapshot at or below
 * start - 1 plus the revisions after it (load), then further ranges
 * (revs), all applied in order in a context of the request's own.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"
#include "store/ngx_pad_store.h"


#define NGX_PAD_CSREQ_MAX_REVS  2000


typedef struct {
    ngx_pad_session_t     *sess;
    ngx_str_t              pad;
    u_char                 pad_buf[NGX_PAD_ID_MAX];
    json_t                *request_id;

    int64_t                start;
    int64_t                gran;
    int64_t                end;          /* actualEndNum */
    int64_t                next;         /* next revision to read */

    ngx_pad_ctx_t         *ctx;
    ngx_pad_pool_t        *pool;         /* the pad's pool (whole) */
    ngx_pad_pool_t        *wire;

    ngx_pad_atext_t        atext;        /* after revision "cur" */
    int64_t                cur;
    ngx_pad_atext_t        comp_base;    /* before the composite */
    ngx_str_t              comp;         /* the composite so far */
    int64_t                comp_start;
    int64_t                date_before;  /* of comp_start - 1, seconds */

    json_t                *forwards;
    json_t                *backwards;
    json_t                *deltas;
} ngx_pad_csreq_t;


static void ngx_pad_csreq_loaded(void *data, ngx_pad_store_result_t *res);
static void ngx_pad_csreq_revs(void *data, ngx_pad_store_result_t *res);
static void ngx_pad_csreq_finish(ngx_pad_csreq_t *q, const char *err);


static void
ngx_pad_csreq_free_atext(ngx_pad_atext_t *a)
{
    ngx_free((void *) a->text.data);
    ngx_free((void *) a->attribs.data);
    a->text.data = NULL;
    a->attribs.data = NULL;
}


static ngx_int_t
ngx_pad_csreq_set_atext(ngx_pad_atext_t *dst, const ngx_pad_atext_t *src)
{
    ngx_pad_atext_t  copy;

    if (ngx_pad_atext_dup(&copy, src) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_pad_csreq_free_atext(dst);
    *dst = copy;

    return NGX_OK;
}


ngx_int_t
ngx_pad_csreq_start(ngx_pad_session_t *sess, ngx_pad_msg_t *m)
{
    int64_t           end;
    ngx_pad_pad_t    *pad;
    ngx_pad_csreq_t  *q;

    pad = sess->pad;

    if (m->start > pad->head || sess->csreqs >= 2) {
        return NGX_DECLINED;
    }

    end = m->start + 100 * m->granularity;

    if (end > pad->head + 1) {
        end = pad->head + 1;
    }

    end = end / m->granularity * m->granularity;

    if (end - m->start > NGX_PAD_CSREQ_MAX_REVS) {
        end = m->start + NGX_PAD_CSREQ_MAX_REVS / m->granularity
                         * m->granularity;
    }

    q = ngx_calloc(sizeof(ngx_pad_csreq_t), ngx_pad_engine->log);
    if (q == NULL) {
        return NGX_ERROR;
    }

    q->sess = sess;
    q->pad.data = q->pad_buf;
    q->pad.len = pad->id.len;
    ngx_memcpy(q->pad_buf, pad->id.data, pad->id.len);
    q->request_id = m->request_id ? json_incref(m->request_id) : json_null();
    q->start = m->start;
    q->gran = m->granularity;
    q->end = end;
    q->comp_start = m->start;
    q->cur = -1;
    q->date_before = -1;

    q->ctx = ngx_pad_ctx_create();
    q->wire = ngx_pad_pool_create();
    q->forwards = json_array();
    q->backwards = json_array();
    q->deltas = json_array();

    sess->refs++;
    sess->csreqs++;

    if (q->ctx == NULL || q->wire == NULL || q->forwards == NULL
        || q->backwards == NULL || q->deltas == NULL)
    {
        ngx_pad_csreq_finish(q, "out of memory");
        return NGX_OK;
    }

    if (q->end <= q->start || ngx_pad_engine->exiting) {
        /* nothing to compose: an empty answer */
        ngx_pad_csreq_finish(q, NULL);
        return NGX_OK;
    }

    if (ngx_pad_store_load(&q->pad, q->start > 1 ? q->start - 2 : 0,
                           ngx_pad_csreq_loaded, q)
        == NULL)
    {
        ngx_pad_csreq_finish(q, "storage unavailable");
    }

    return NGX_OK;
}


/* one revision record, in order */

static ngx_int_t
ngx_pad_csreq_record(ngx_pad_csreq_t *q, json_t *rec, const char **err)
{
    int64_t           rev, ts, date;
    ngx_str_t         copy;
    ngx_pad_str_t     cs, out, inv, f2, b2;
    ngx_pad_atext_t   at;

    if (!json_is_integer(json_object_get(rec, "rev"))
        || ngx_pad_msg_get_str(rec, "cs", &cs) != 0
        || !json_is_integer(json_object_get(rec, "ts")))
    {
        *err = "invalid stored revision";
        return NGX_ERROR;
    }

    rev = json_integer_value(json_object_get(rec, "rev"));
    ts = json_integer_value(json_object_get(rec, "ts"));
    date = ts / 1000;

    if (rev != q->cur + 1) {
        *err = "stored revisions are not contiguous";
        return NGX_ERROR;
    }

    /* the pool read at load time has every entry up to the head then */

    if (rev == q->start - 1 || (rev == 0 && q->start == 0)
        || (rev == q->comp_start && q->date_before < 0))
    {
        /* Etherpad: t1 is the date of compositeStart - 1 (0 for 0) */
        q->date_before = date;
    }

    if (ngx_pad_cs_apply_to_atext(q->ctx, &cs, &q->atext, q->pool, &at)
        != NGX_PAD_CS_OK)
    {
        *err = ngx_pad_ctx_error(q->ctx);
        return NGX_ERROR;
    }

    q->cur = rev;

    if (rev >= q->start) {
        /* part of a composite */

        if (q->comp.data == NULL) {
            out = cs;

        } else {
            ngx_pad_str_t  c;

            c.data = (const char *) q->comp.data;
            c.len = q->comp.len;

            if (ngx_pad_cs_compose(q->ctx, &c, &cs, q->pool, &out)
                != NGX_PAD_CS_OK)
            {
                *err = ngx_pad_ctx_error(q->ctx);
                return NGX_ERROR;
            }
        }

        copy.data = ngx_alloc(out.len + 1, ngx_pad_engine->log);
        if (copy.data == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(copy.data, out.data, out.len);
        copy.len = out.len;
        ngx_free(q->comp.data);
        q->comp = copy;

        if (rev == q->comp_start + q->gran - 1) {
            /* the composite is complete */

            if (ngx_pad_cs_inverse(q->ctx, &out, &q->comp_base, q->pool,
                                   &inv)
                != NGX_PAD_CS_OK
                || ngx_pad_cs_move_ops_to_new_pool(q->ctx, &out, q->pool,
                                                   q->wire, &f2)
                   != NGX_PAD_CS_OK
                || ngx_pad_cs_move_ops_to_new_pool(q->ctx, &inv, q->pool,
                                                   q->wire, &b2)
                   != NGX_PAD_CS_OK)
            {
                *err = ngx_pad_ctx_error(q->ctx);
                return NGX_ERROR;
            }

            if (json_array_append_new(q->forwards, ngx_pad_msg_string(&f2))
                || json_array_append_new(q->backwards,
                                         ngx_pad_msg_string(&b2))
                || json_array_append_new(q->deltas,
                                         json_integer(date - q->date_before)))
            {
                return NGX_ERROR;
            }

            ngx_free(q->comp.data);
            q->comp.data = NULL;
            q->comp_start = rev + 1;
            q->date_before = date;

            if (ngx_pad_csreq_set_atext(&q->comp_base, &at) != NGX_OK) {
                return NGX_ERROR;
            }
        }
    }

    if (ngx_pad_csreq_set_atext(&q->atext, &at) != NGX_OK) {
        return NGX_ERROR;
    }

    if (rev == q->start - 1) {
        if (ngx_pad_csreq_set_atext(&q->comp_base, &at) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    ngx_pad_ctx_reset(q->ctx);

    return NGX_OK;
}


static void
ngx_pad_csreq_items(ngx_pad_csreq_t *q, ngx_pad_store_result_t *res)
{
    json_t      *j;
    ngx_uint_t   i;
    const char  *err;

    err = NULL;

    for (i = 0; i < res->nitems && q->cur + 1 < q->end; i++) {
        if (res->items[i].len == 0) {
            ngx_pad_csreq_finish(q, "a stored revision is missing");
            return;
        }

        j = json_loadb((char *) res->items[i].data, res->items[i].len, 0,
                       NULL);

        if (j == NULL) {
            ngx_pad_csreq_finish(q, "invalid stored revision");
            return;
        }

        if (ngx_pad_csreq_record(q, j, &err) != NGX_OK) {
            json_decref(j);
            ngx_pad_ctx_reset(q->ctx);
            ngx_pad_csreq_finish(q, err ? err : "out of memory");
            return;
        }

        json_decref(j);
    }

    if (q->cur + 1 >= q->end) {
        ngx_pad_csreq_finish(q, NULL);
        return;
    }

    if (ngx_pad_engine->exiting) {
        ngx_pad_csreq_finish(q, "worker exiting");
        return;
    }

    if (ngx_pad_store_revs(&q->pad, q->cur + 1,
                           ngx_min(q->end - 1,
                                   q->cur + NGX_PAD_STORE_RANGE_MAX),
                           ngx_pad_csreq_revs, q)
        == NULL)
    {
        ngx_pad_csreq_finish(q, "storage unavailable");
    }
}


static void
ngx_pad_csreq_loaded(void *data, ngx_pad_store_result_t *res)
{
    json_t           *j, *snap;
    ngx_pad_str_t     t, a;
    ngx_pad_atext_t   at;
    ngx_pad_csreq_t  *q = data;

    if (res->status != NGX_OK) {
        ngx_pad_csreq_finish(q, "storage unavailable");
        return;
    }

    q->pool = ngx_pad_pool_create();
    j = json_loadb((char *) res->pool.data, res->pool.len, 0, NULL);

    if (q->pool == NULL || j == NULL
        || ngx_pad_msg_pool_from_json(j, q->pool, 1 << 24) != 0)
    {
        json_decref(j);
        ngx_pad_csreq_finish(q, "invalid stored pool");
        return;
    }

    json_decref(j);

    snap = NULL;
    t.data = "\n";
    t.len = 1;
    a.data = "|1+1";
    a.len = 4;
    q->cur = -1;

    if (res->snap_rev >= 0 && res->snap_rev < q->start) {
        snap = json_loadb((char *) res->snapshot.data, res->snapshot.len, 0,
                          NULL);

        if (ngx_pad_msg_get_str(snap, "text", &t) != 0
            || ngx_pad_msg_get_str(snap, "attribs", &a) != 0)
        {
            json_decref(snap);
            ngx_pad_csreq_finish(q, "invalid snapshot");
            return;
        }

        q->cur = res->snap_rev;
    }

    at.text = t;
    at.attribs = a;

    if (ngx_pad_csreq_set_atext(&q->atext, &at) != NGX_OK
        || ngx_pad_csreq_set_atext(&q->comp_base, &at) != NGX_OK)
    {
        json_decref(snap);
        ngx_pad_csreq_finish(q, "out of memory");
        return;
    }

    json_decref(snap);

    if (res->snap_rev >= q->start) {
        /* the snapshot is past the start: read everything from 0 */

        if (ngx_pad_engine->exiting) {
            ngx_pad_csreq_finish(q, "worker exiting");
            return;
        }

        if (ngx_pad_store_revs(&q->pad, 0,
                               ngx_min(q->end - 1,
                                       NGX_PAD_STORE_RANGE_MAX - 1),
                               ngx_pad_csreq_revs, q)
            == NULL)
        {
            ngx_pad_csreq_finish(q, "storage unavailable");
        }

        return;
    }

    ngx_pad_csreq_items(q, res);
}


static void
ngx_pad_csreq_revs(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_csreq_t  *q = data;

    if (res->status != NGX_OK) {
        ngx_pad_csreq_finish(q, "storage unavailable");
        return;
    }

    ngx_pad_csreq_items(q, res);
}


static void
ngx_pad_csreq_finish(ngx_pad_csreq_t *q, const char *err)
{
    json_t             *j;
    ngx_pad_session_t  *sess;

    sess = q->sess;

    if (err) {
        ngx_log_error(NGX_LOG_INFO, ngx_pad_engine->log, 0,
                      "pad: \"%V\": CHANGESET_REQ failed: %s", &q->pad, err);

    } else if (sess->socket && sess->state == NGX_PAD_SESSION_JOINED) {
        j = json_pack("{s:s,s:{s:O,s:O,s:o,s:I,s:O,s:I,s:I,s:O}}",
                      "type", "CHANGESET_REQ", "data",
                      "forwardsChangesets", q->forwards,
                      "backwardsChangesets", q->backwards,
                      "apool", ngx_pad_msg_pool_to_json(q->wire),
                      "actualEndNum", (json_int_t) q->end,
                      "timeDeltas", q->deltas,
                      "start", (json_int_t) q->start,
                      "granularity", (json_int_t) q->gran,
                      "requestID", q->request_id);
        ngx_pad_session_emit(sess, j);
        json_decref(j);
    }

    json_decref(q->forwards);
    json_decref(q->backwards);
    json_decref(q->deltas);
    json_decref(q->request_id);
    ngx_free(q->comp.data);
    ngx_pad_csreq_free_atext(&q->atext);
    ngx_pad_csreq_free_atext(&q->comp_base);

    if (q->pool) {
        ngx_pad_pool_destroy(q->pool);
    }

    if (q->wire) {
        ngx_pad_pool_destroy(q->wire);
    }

    if (q->ctx) {
        ngx_pad_ctx_destroy(q->ctx);
    }

    ngx_free(q);

    sess->csreqs--;
    ngx_pad_session_unref(sess);
}
