
/*
 * ngx_pad_module: a pad's state from the store: the load (snapshot and
 * revisions, revision 0 created for a new pad, the read-only id) and the
 * catch-up (revisions head+1.. in order), applied to the pad's copy.
 * Each ends in the handler, with the data, given to the request.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"
#include "store/ngx_pad_store.h"


static ngx_int_t ngx_pad_pstore_load_again(ngx_pad_pad_t *pad);
static void ngx_pad_pstore_loaded(void *data, ngx_pad_store_result_t *res);
static void ngx_pad_pstore_created(void *data, ngx_pad_store_result_t *res);
static void ngx_pad_pstore_ro_id(void *data, ngx_pad_store_result_t *res);


static void
ngx_pad_pstore_load_end(ngx_pad_pad_t *pad, ngx_int_t rc)
{
    pad->load_handler(pad->load_data, rc);
}


/* load: snapshot + revisions, creation of revision 0, read-only id */

ngx_int_t
ngx_pad_pstore_load(ngx_pad_pad_t *pad, ngx_pad_pstore_done_pt handler,
    void *data)
{
    pad->load_handler = handler;
    pad->load_data = data;

    return ngx_pad_pstore_load_again(pad);
}


static ngx_int_t
ngx_pad_pstore_load_again(ngx_pad_pad_t *pad)
{
    if (ngx_pad_engine->exiting) {
        return NGX_ERROR;
    }

    if (ngx_pad_store_load(&pad->id, -1, ngx_pad_pstore_loaded, pad)
        == NULL)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * Revision 0 of a pad Redis does not have.  For pad_redis_lost_grace
 * after Redis's data set was (re)initialised, create.lua refuses: a
 * worker that still holds the pad (Redis lost it) may write it back
 * first; the join waits and the load is tried again.
 */

static ngx_int_t
ngx_pad_pstore_create(ngx_pad_pad_t *pad)
{
    u_char          hist[16];
    ngx_str_t       cs, h;
    ngx_pad_str_t   nl, text, out;
    ngx_pad_ctx_t  *ctx;

    ctx = ngx_pad_engine->ctx;

    nl.data = "\n";
    nl.len = 1;
    text.data = (const char *) ngx_pad_engine->conf->default_text.data;
    text.len = ngx_pad_engine->conf->default_text.len;

    if (ngx_pad_cs_make_splice(ctx, &nl, 0, 0, &text, NULL, &out)
        != NGX_PAD_CS_OK)
    {
        ngx_log_error(NGX_LOG_ERR, ngx_pad_engine->log, 0,
                      "pad: pad_default_text: %s", ngx_pad_ctx_error(ctx));
        ngx_pad_ctx_reset(ctx);
        return NGX_ERROR;
    }

    cs.data = (u_char *) out.data;
    cs.len = out.len;
    ngx_pad_store_random_id(hist, sizeof(hist));
    h.data = hist;
    h.len = sizeof(hist);

    if (ngx_pad_store_create(&pad->id, &cs, &h, NULL, NULL,
                             ngx_pad_pstore_created, pad)
        == NULL)
    {
        ngx_pad_ctx_reset(ctx);
        return NGX_ERROR;
    }

    ngx_pad_ctx_reset(ctx);

    return NGX_OK;
}


static void
ngx_pad_pstore_create_wait(ngx_event_t *ev)
{
    ngx_pad_pad_t  *pad = ev->data;

    if (pad->state != NGX_PAD_LOADING
        || ngx_pad_pstore_load_again(pad) != NGX_OK)
    {
        ngx_pad_pstore_load_end(pad, NGX_ERROR);
    }
}


void
ngx_pad_pstore_cleanup(ngx_pad_pad_t *pad)
{
    if (pad->create_ev.timer_set) {
        ngx_del_timer(&pad->create_ev);
    }
}


static void
ngx_pad_pstore_created(void *data, ngx_pad_store_result_t *res)
{
    ngx_msec_t      delay;
    ngx_pad_pad_t  *pad = data;

    if (res->status == NGX_ERROR) {
        ngx_log_error(NGX_LOG_ERR, ngx_pad_engine->log, 0,
                      "pad: \"%V\": cannot create: %V", &pad->id, &res->err);
        ngx_pad_pstore_load_end(pad, NGX_ERROR);
        return;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_EVENT, ngx_pad_engine->log, 0,
                   "pad: \"%V\": load: create.lua answered %i", &pad->id,
                   res->status);

    if (res->status == NGX_BUSY && !ngx_pad_engine->exiting) {
        /* the load is tried again (another worker may restore it) */

        if (!pad->create_logged) {
            pad->create_logged = 1;
            ngx_log_error(NGX_LOG_NOTICE, ngx_pad_engine->log, 0,
                          "pad: \"%V\": not in Redis, whose data set is "
                          "younger than pad_redis_lost_grace: the join "
                          "waits up to %M ms for a worker that may still "
                          "hold the pad", &pad->id, res->wait);
        }

        delay = ngx_min(res->wait, 500);

        /* waiting is not failing: create.lua ends it after the grace */
        pad->load_errors = 0;

        pad->create_ev.handler = ngx_pad_pstore_create_wait;
        pad->create_ev.data = pad;
        pad->create_ev.log = ngx_pad_engine->log;
        pad->create_ev.cancelable = 1;
        ngx_add_timer(&pad->create_ev, delay);
        return;
    }

    /* created now or by another writer meanwhile: load what is there */

    if (ngx_pad_pstore_load_again(pad) != NGX_OK) {
        ngx_pad_pstore_load_end(pad, NGX_ERROR);
    }
}


/* the stored pool and snapshot (or revision 0's base) as the pad's base */

static ngx_int_t
ngx_pad_pstore_base(ngx_pad_pad_t *pad, ngx_pad_store_result_t *res)
{
    int64_t          rev, time;
    json_t          *j, *snap;
    ngx_str_t        text, attribs;
    ngx_pad_pool_t  *pool;

    pool = ngx_pad_pool_create();
    if (pool == NULL) {
        return NGX_ERROR;
    }

    j = json_loadb((char *) res->pool.data, res->pool.len, 0, NULL);

    if (j == NULL
        || ngx_pad_msg_pool_from_json(j, pool, 1 << 24) != 0)
    {
        json_decref(j);
        ngx_pad_pool_destroy(pool);
        ngx_log_error(NGX_LOG_ERR, ngx_pad_engine->log, 0,
                      "pad: \"%V\": invalid stored pool", &pad->id);
        return NGX_ERROR;
    }

    json_decref(j);

    snap = NULL;
    rev = -1;
    ngx_str_set(&text, "\n");
    ngx_str_set(&attribs, "|1+1");

    if (res->snap_rev >= 0) {
        snap = json_loadb((char *) res->snapshot.data, res->snapshot.len, 0,
                          NULL);

        if (!json_is_string(json_object_get(snap, "text"))
            || !json_is_string(json_object_get(snap, "attribs")))
        {
            json_decref(snap);
            ngx_pad_pool_destroy(pool);
            ngx_log_error(NGX_LOG_ERR, ngx_pad_engine->log, 0,
                          "pad: \"%V\": invalid snapshot %i", &pad->id,
                          res->snap_rev);
            return NGX_ERROR;
        }

        rev = res->snap_rev;
        text.data = (u_char *) json_string_value(json_object_get(snap,
                                                                 "text"));
        text.len = json_string_length(json_object_get(snap, "text"));
        attribs.data = (u_char *) json_string_value(json_object_get(snap,
                                                                 "attribs"));
        attribs.len = json_string_length(json_object_get(snap, "attribs"));
    }

    time = (int64_t) ngx_time() * 1000;

    if (ngx_pad_pad_set_base(pad, rev, time, &text, &attribs, pool)
        != NGX_OK)
    {
        json_decref(snap);
        ngx_pad_pool_destroy(pool);
        pad->state = NGX_PAD_LOADING;
        return NGX_ERROR;
    }

    json_decref(snap);

    return NGX_OK;
}


static void
ngx_pad_pstore_loaded(void *data, ngx_pad_store_result_t *res)
{
    json_t         *j;
    ngx_uint_t      i;
    ngx_pad_pad_t  *pad = data;
    u_char          cand[34];

    if (pad->state != NGX_PAD_LOADING) {
        ngx_pad_pstore_load_end(pad, NGX_ERROR);
        return;
    }

    if (res->status == NGX_DECLINED) {
        ngx_log_debug1(NGX_LOG_DEBUG_EVENT, ngx_pad_engine->log, 0,
                       "pad: \"%V\": load: not in Redis, creating",
                       &pad->id);

        if (pad->load_errors++ > 2 || ngx_pad_pstore_create(pad) != NGX_OK) {
            ngx_pad_pstore_load_end(pad, NGX_ERROR);
        }

        return;
    }

    if (res->status != NGX_OK) {
        ngx_log_error(NGX_LOG_ERR, ngx_pad_engine->log, 0,
                      "pad: \"%V\": cannot load: %V", &pad->id, &res->err);
        ngx_pad_pstore_load_end(pad, NGX_ERROR);
        return;
    }

    if (ngx_pad_pstore_base(pad, res) != NGX_OK) {
        ngx_pad_pstore_load_end(pad, NGX_ERROR);
        return;
    }

    pad->chat_head = res->chat_head;
    pad->create_logged = 0;

    if (ngx_pad_pad_set_hist(pad, &res->hist) != NGX_OK) {
        pad->state = NGX_PAD_LOADING;
        ngx_pad_pstore_load_end(pad, NGX_ERROR);
        return;
    }

    for (i = 0; i < res->nitems; i++) {
        j = json_loadb((char *) res->items[i].data, res->items[i].len, 0,
                       NULL);

        if (j == NULL || ngx_pad_pad_apply_record(pad, j) != NGX_OK) {
            json_decref(j);
            ngx_log_error(NGX_LOG_ERR, ngx_pad_engine->log, 0,
                          "pad: \"%V\": invalid stored revision %i",
                          &pad->id, res->from + (ngx_int_t) i);
            pad->state = NGX_PAD_LOADING;
            ngx_pad_pstore_load_end(pad, NGX_ERROR);
            return;
        }

        json_decref(j);
    }

    if (res->head > pad->head) {
        pad->want_head = ngx_max(pad->want_head, res->head);
    }

    /* the read-only id (created on first use) */

    ngx_log_debug3(NGX_LOG_DEBUG_EVENT, ngx_pad_engine->log, 0,
                   "pad: \"%V\": load: head %L, %ui records applied",
                   &pad->id, pad->head, res->nitems);

    pad->state = NGX_PAD_LOADING;

    ngx_memcpy(cand, "r.", 2);
    ngx_pad_random(cand + 2, 32, "0123456789abcdef", 16);

    {
        ngx_str_t  c;

        c.data = cand;
        c.len = 34;

        if (ngx_pad_store_readonly_id(&pad->id, &c, ngx_pad_pstore_ro_id,
                                      pad)
            == NULL)
        {
            ngx_pad_pstore_load_end(pad, NGX_ERROR);
        }
    }
}


static void
ngx_pad_pstore_ro_id(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_pad_t  *pad = data;

    if (res->status != NGX_OK || res->value.len > 64) {
        ngx_pad_pstore_load_end(pad, NGX_ERROR);
        return;
    }

    ngx_memcpy(pad->ro_buf, res->value.data, res->value.len);
    pad->ro_id.data = pad->ro_buf;
    pad->ro_id.len = res->value.len;

    pad->state = NGX_PAD_READY;
    ngx_pad_pstore_load_end(pad, NGX_OK);
}


/* catch-up: revisions head+1.. from the store, in order */

static void
ngx_pad_pstore_revs(void *data, ngx_pad_store_result_t *res)
{
    json_t         *j;
    ngx_int_t       rc;
    ngx_uint_t      i;
    ngx_pad_pad_t  *pad = data;

    if (res->status != NGX_OK) {
        ngx_log_error(NGX_LOG_WARN, ngx_pad_engine->log, 0,
                      "pad: \"%V\": catch-up failed: %V", &pad->id,
                      &res->err);
        pad->catch_handler(pad->catch_data, NGX_ERROR);
        return;
    }

    rc = NGX_OK;

    for (i = 0; i < res->nitems; i++) {
        if (res->items[i].len == 0) {
            break;
        }

        j = json_loadb((char *) res->items[i].data, res->items[i].len, 0,
                       NULL);

        if (j == NULL) {
            rc = NGX_ERROR;
            break;
        }

        rc = ngx_pad_pad_apply_record(pad, j);
        json_decref(j);

        if (rc == NGX_DECLINED) {
            /* already applied (published meanwhile) */
            rc = NGX_OK;
            continue;
        }

        if (rc != NGX_OK) {
            ngx_log_error(NGX_LOG_ERR, ngx_pad_engine->log, 0,
                          "pad: \"%V\": stored revision %i does not apply",
                          &pad->id, res->from + (ngx_int_t) i);
            break;
        }
    }

    if (rc == NGX_OK && res->nitems == NGX_PAD_STORE_RANGE_MAX) {
        pad->want_head = ngx_max(pad->want_head, pad->head + 1);
    }

    pad->catch_handler(pad->catch_data, rc);
}


ngx_int_t
ngx_pad_pstore_catch_up(ngx_pad_pad_t *pad, ngx_pad_pstore_done_pt handler,
    void *data)
{
    int64_t  to;

    if (ngx_pad_engine->exiting) {
        return NGX_ERROR;
    }

    pad->catch_handler = handler;
    pad->catch_data = data;

    to = ngx_max(pad->want_head, pad->head + 1);

    if (to - pad->head > NGX_PAD_STORE_RANGE_MAX) {
        to = pad->head + NGX_PAD_STORE_RANGE_MAX;
    }

    if (ngx_pad_store_revs(&pad->id, pad->head + 1, to,
                           ngx_pad_pstore_revs, pad)
        == NULL)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}
