
/*
 * ngx_pad_module: what the pad engine asks of the store (src/store/),
 * and how the answers come back into the engine.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"
#include "store/ngx_pad_store.h"


static void ngx_pad_pstore_loaded(void *data, ngx_pad_store_result_t *res);
static void ngx_pad_pstore_created(void *data, ngx_pad_store_result_t *res);
static void ngx_pad_pstore_ro_id(void *data, ngx_pad_store_result_t *res);


static void
ngx_pad_pstore_random(u_char *p, size_t n, const char *alphabet,
    size_t alen)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        p[i] = alphabet[ngx_random() % alen];
    }
}


static const char  ngx_pad_pstore_alnum[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";


/* load: snapshot + revisions, creation of revision 0, read-only id */

ngx_int_t
ngx_pad_pstore_load(ngx_pad_pad_t *pad)
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

    if (ngx_pad_store_create(&pad->id, &cs, &h, ngx_pad_pstore_created, pad)
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

    if (pad->state != NGX_PAD_LOADING || ngx_pad_pstore_load(pad) != NGX_OK)
    {
        ngx_pad_pad_loaded(pad, NGX_ERROR);
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
        ngx_pad_pad_loaded(pad, NGX_ERROR);
        return;
    }

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

    if (ngx_pad_pstore_load(pad) != NGX_OK) {
        ngx_pad_pad_loaded(pad, NGX_ERROR);
    }
}


static void
ngx_pad_pstore_loaded(void *data, ngx_pad_store_result_t *res)
{
    int64_t          rev, time;
    json_t          *j, *snap;
    ngx_str_t        text, attribs;
    ngx_uint_t       i;
    ngx_pad_pad_t   *pad = data;
    ngx_pad_pool_t  *pool;
    u_char           cand[34];

    if (pad->state != NGX_PAD_LOADING) {
        ngx_pad_pad_loaded(pad, NGX_ERROR);
        return;
    }

    if (res->status == NGX_DECLINED) {
        if (pad->load_errors++ > 2 || ngx_pad_pstore_create(pad) != NGX_OK) {
            ngx_pad_pad_loaded(pad, NGX_ERROR);
        }

        return;
    }

    if (res->status != NGX_OK) {
        ngx_log_error(NGX_LOG_ERR, ngx_pad_engine->log, 0,
                      "pad: \"%V\": cannot load: %V", &pad->id, &res->err);
        ngx_pad_pad_loaded(pad, NGX_ERROR);
        return;
    }

    pool = ngx_pad_pool_create();
    if (pool == NULL) {
        ngx_pad_pad_loaded(pad, NGX_ERROR);
        return;
    }

    j = json_loadb((char *) res->pool.data, res->pool.len, 0, NULL);

    if (j == NULL
        || ngx_pad_msg_pool_from_json(j, pool, 1 << 24) != 0)
    {
        json_decref(j);
        ngx_pad_pool_destroy(pool);
        ngx_log_error(NGX_LOG_ERR, ngx_pad_engine->log, 0,
                      "pad: \"%V\": invalid stored pool", &pad->id);
        ngx_pad_pad_loaded(pad, NGX_ERROR);
        return;
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
            ngx_pad_pad_loaded(pad, NGX_ERROR);
            return;
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
        ngx_pad_pad_loaded(pad, NGX_ERROR);
        return;
    }

    json_decref(snap);

    pad->chat_head = res->chat_head;
    pad->create_logged = 0;

    if (ngx_pad_pad_set_hist(pad, &res->hist) != NGX_OK) {
        pad->state = NGX_PAD_LOADING;
        ngx_pad_pad_loaded(pad, NGX_ERROR);
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
            ngx_pad_pad_loaded(pad, NGX_ERROR);
            return;
        }

        json_decref(j);
    }

    if (res->head > pad->head) {
        pad->want_head = ngx_max(pad->want_head, res->head);
    }

    /* the read-only id (created on first use) */

    pad->state = NGX_PAD_LOADING;

    ngx_memcpy(cand, "r.", 2);
    ngx_pad_pstore_random(cand + 2, 32, "0123456789abcdef", 16);

    {
        ngx_str_t  c;

        c.data = cand;
        c.len = 34;

        if (ngx_pad_store_readonly_id(&pad->id, &c, ngx_pad_pstore_ro_id,
                                      pad)
            == NULL)
        {
            ngx_pad_pad_loaded(pad, NGX_ERROR);
        }
    }
}


static void
ngx_pad_pstore_ro_id(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_pad_t  *pad = data;

    if (res->status != NGX_OK || res->value.len > 64) {
        ngx_pad_pad_loaded(pad, NGX_ERROR);
        return;
    }

    ngx_memcpy(pad->ro_buf, res->value.data, res->value.len);
    pad->ro_id.data = pad->ro_buf;
    pad->ro_id.len = res->value.len;

    pad->state = NGX_PAD_READY;
    ngx_pad_pad_loaded(pad, NGX_OK);
}


/* subscription */

#define NGX_PAD_PSTORE_REV    "{\"type\":\"rev\",\"rev\":"
#define NGX_PAD_PSTORE_RESET  "{\"type\":\"reset\","


static void
ngx_pad_pstore_sub_handler(void *data, ngx_uint_t event, ngx_str_t *payload)
{
    u_char         *p, *last;
    json_t         *j;
    int64_t         rev;
    ngx_pad_pad_t  *pad = data;

    switch (event) {

    case NGX_PAD_REDIS_SUB_READY:
    case NGX_PAD_REDIS_SUB_RESUBSCRIBED:
        /* anything published before the subscription: read the head */
        ngx_pad_repair_check(pad);
        break;

    case NGX_PAD_REDIS_SUB_MESSAGE:

        /*
         * A revision this worker has (its own append, or one applied
         * from a conflict reply or a catch-up) changes nothing: skipped
         * before parsing.  Records start as append.lua writes them.
         */

        if (payload->len > sizeof(NGX_PAD_PSTORE_REV) - 1
            && ngx_strncmp(payload->data, NGX_PAD_PSTORE_REV,
                           sizeof(NGX_PAD_PSTORE_REV) - 1) == 0)
        {
            p = payload->data + sizeof(NGX_PAD_PSTORE_REV) - 1;
            last = payload->data + payload->len;
            rev = 0;

            while (p < last && *p >= '0' && *p <= '9'
                   && rev < (int64_t) 1 << 56)
            {
                rev = rev * 10 + (*p++ - '0');
            }

            if (p < last && *p == ',' && p > payload->data
                                          + sizeof(NGX_PAD_PSTORE_REV) - 1
                && rev <= pad->head)
            {
                break;
            }
        }

        if (payload->len > sizeof(NGX_PAD_PSTORE_RESET) - 1
            && ngx_strncmp(payload->data, NGX_PAD_PSTORE_RESET,
                           sizeof(NGX_PAD_PSTORE_RESET) - 1) == 0)
        {
            /* restore.lua rewrote the pad: compare this copy again */
            ngx_pad_repair_check(pad);
            break;
        }

        j = json_loadb((char *) payload->data, payload->len, 0, NULL);

        if (j == NULL) {
            ngx_log_error(NGX_LOG_ERR, ngx_pad_engine->log, 0,
                          "pad: \"%V\": invalid published message",
                          &pad->id);
            break;
        }

        pad->refs++;
        ngx_pad_pad_event(pad, j);
        json_decref(j);
        ngx_pad_pad_release(pad);
        break;

    default:
        break;
    }
}


ngx_int_t
ngx_pad_pstore_subscribe(ngx_pad_pad_t *pad)
{
    if (ngx_pad_engine->exiting) {
        return NGX_ERROR;
    }

    pad->sub = ngx_pad_store_subscribe(&pad->id, ngx_pad_pstore_sub_handler,
                                       pad);

    return pad->sub ? NGX_OK : NGX_ERROR;
}


void
ngx_pad_pstore_unsubscribe(ngx_pad_pad_t *pad)
{
    if (pad->sub && !ngx_pad_engine->exiting) {
        ngx_pad_redis_unsubscribe(pad->sub);
        pad->sub = NULL;
    }

    pad->subscribed = 0;
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
        ngx_pad_pad_caught_up(pad, NGX_ERROR);
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

    ngx_pad_pad_caught_up(pad, rc);
}


ngx_int_t
ngx_pad_pstore_catch_up(ngx_pad_pad_t *pad)
{
    int64_t  to;

    if (ngx_pad_engine->exiting) {
        return NGX_ERROR;
    }

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


/* append */

#define NGX_PAD_PSTORE_GROUP_LOCAL  8   /* commits without an allocation */


static void
ngx_pad_pstore_appended(void *data, ngx_pad_store_result_t *res)
{
    json_t            *j;
    int64_t            rev, first;
    ngx_int_t          rc;
    ngx_queue_t       *q;
    ngx_str_t          text, attribs;
    ngx_uint_t         n, i;
    ngx_pad_pad_t     *pad = data;
    ngx_pad_commit_t  *c;

    if (ngx_queue_empty(&pad->commits)) {
        ngx_pad_commit_appended(pad, NGX_ERROR);
        return;
    }

    c = ngx_queue_data(ngx_queue_head(&pad->commits), ngx_pad_commit_t,
                       queue);

    if (res->status == NGX_OK) {
        if (res->rev != c->rev) {
            ngx_log_error(NGX_LOG_ALERT, ngx_pad_engine->log, 0,
                          "pad: \"%V\": stored as %i, expected %L",
                          &pad->id, res->rev, c->rev);
            ngx_pad_commit_appended(pad, NGX_ERROR);
            return;
        }

        /* the group's commits got the same time */

        first = c->rev;
        q = &c->queue;

        for (i = 0; i < ngx_max(pad->ninflight, 1); i++) {
            c = ngx_queue_data(q, ngx_pad_commit_t, queue);
            c->time = res->ts;
            rev = c->rev;
            q = ngx_queue_next(q);
        }

        ngx_pad_commit_appended(pad, NGX_OK);

        /*
         * A key snapshot every pad_snapshot_interval revisions (after a
         * group that crossed a multiple, at the group's last revision).
         */

        n = ngx_pad_store_snapshot_interval();

        if (n && (first % n == 0 || first / n != rev / n)
            && pad->head == rev)
        {
            text.data = (u_char *) pad->atext.text.data;
            text.len = pad->atext.text.len;
            attribs.data = (u_char *) pad->atext.attribs.data;
            attribs.len = pad->atext.attribs.len;

            (void) ngx_pad_store_snapshot(&pad->id, rev, &text, &attribs,
                                          NULL, NULL);
        }

        return;
    }

    if (res->status == NGX_DECLINED) {
        /*
         * Another writer won.  The reply carries the revisions after our
         * base: apply them now, so that the commit is rebased on the
         * stored head and retried without a further round trip (a reader
         * that lost a race must not need two round trips per retry while
         * the winner needs one, or it loses every race).
         */

        pad->want_head = ngx_max(pad->want_head, res->rev);

        if (res->rev < c->rev - 1) {
            /* the stored head is below the one the commit was based on */
            ngx_pad_repair_check(pad);
        }

        for (i = 0; i < res->nitems; i++) {
            if (res->items[i].len == 0) {
                break;
            }

            j = json_loadb((char *) res->items[i].data, res->items[i].len,
                           0, NULL);
            if (j == NULL) {
                break;
            }

            rc = ngx_pad_pad_apply_record(pad, j);
            json_decref(j);

            if (rc != NGX_OK && rc != NGX_DECLINED) {
                ngx_log_error(NGX_LOG_ERR, ngx_pad_engine->log, 0,
                              "pad: \"%V\": stored revision %i does not "
                              "apply", &pad->id, res->from + (ngx_int_t) i);
                break;
            }
        }

        ngx_pad_commit_appended(pad, NGX_DECLINED);
        return;
    }

    if (res->status == NGX_ABORT) {
        /* Redis holds another history: no record of it applies here */
        ngx_pad_repair_check(pad);
        ngx_pad_commit_appended(pad, NGX_DECLINED);
        return;
    }

    ngx_log_error(NGX_LOG_WARN, ngx_pad_engine->log, 0,
                  "pad: \"%V\": append failed: %V", &pad->id, &res->err);

    ngx_pad_commit_appended(pad, NGX_ERROR);
}


/*
 * The pool entries from..to-1 as JSON ["key","value"] in out[] (malloc()ed
 * strings, freed by the caller with free()); *n counts them.  A number
 * missing from the pool: NGX_ERROR, or with holes an empty pair (restore
 * writes every number below pool_next).
 */

ngx_int_t
ngx_pad_pstore_pool_json(ngx_pad_pool_t *pool, intptr_t from, intptr_t to,
    ngx_uint_t holes, ngx_str_t *out, ngx_uint_t *n)
{
    char           *s;
    json_t         *pair;
    intptr_t        i;
    ngx_pad_str_t   key, value;

    for (i = from; i < to; i++) {
        if (ngx_pad_pool_get(pool, i, &key, &value) != 0) {
            if (!holes) {
                return NGX_ERROR;
            }

            key.data = "";
            key.len = 0;
            value = key;
        }

        pair = json_pack("[s%s%]", key.data ? key.data : "", key.len,
                         value.data ? value.data : "", value.len);
        s = pair ? json_dumps(pair, JSON_COMPACT) : NULL;
        json_decref(pair);

        if (s == NULL) {
            return NGX_ERROR;
        }

        out[*n].data = (u_char *) s;
        out[*n].len = ngx_strlen(s);
        (*n)++;
    }

    return NGX_OK;
}


ngx_int_t
ngx_pad_pstore_append(ngx_pad_pad_t *pad, ngx_pad_commit_t *c)
{
    intptr_t              n;
    ngx_str_t            *pool, *gcs, *gauthor;
    ngx_str_t             local[2 * NGX_PAD_PSTORE_GROUP_LOCAL];
    ngx_uint_t            npool, k, ng;
    ngx_queue_t          *q;
    ngx_pad_commit_t     *g;
    ngx_pad_store_req_t  *req;

    if (ngx_pad_engine->exiting) {
        return NGX_ERROR;
    }

    pool = NULL;
    npool = 0;

    if (c->pool) {
        n = ngx_pad_pool_next_num(c->pool);

        if (n > c->pool_from) {
            pool = ngx_alloc((n - c->pool_from) * sizeof(ngx_str_t),
                             ngx_pad_engine->log);
            if (pool == NULL) {
                return NGX_ERROR;
            }
        }

        if (ngx_pad_pstore_pool_json(c->pool, c->pool_from, n, 0, pool,
                                     &npool)
            != NGX_OK)
        {
            goto failed;
        }
    }

    /* the FIFO's first ninflight commits, in order (a group commit) */

    ng = ngx_max(pad->ninflight, 1);
    gcs = local;

    if (ng > NGX_PAD_PSTORE_GROUP_LOCAL) {
        gcs = ngx_alloc(2 * ng * sizeof(ngx_str_t), ngx_pad_engine->log);
        if (gcs == NULL) {
            goto failed;
        }
    }

    gauthor = gcs + ng;
    q = &c->queue;

    for (k = 0; k < ng; k++) {
        g = ngx_queue_data(q, ngx_pad_commit_t, queue);
        gcs[k] = g->rebased;
        gauthor[k].data = g->session->author;
        gauthor[k].len = g->session->author_len;
        q = ngx_queue_next(q);
    }

    req = ngx_pad_store_append(&pad->id, (ngx_int_t) (c->rev - 1),
                               &pad->hist, ng, gcs,
                               gauthor, c->pool_from, pool, npool,
                               ngx_pad_pstore_appended, pad);

    if (gcs != local) {
        ngx_free(gcs);
    }

    for (k = 0; k < npool; k++) {
        free(pool[k].data);
    }

    if (pool) {
        ngx_free(pool);
    }

    return req ? NGX_OK : NGX_ERROR;

failed:

    for (k = 0; k < npool; k++) {
        free(pool[k].data);
    }

    if (pool) {
        ngx_free(pool);
    }

    return NGX_ERROR;
}


/* revisions older than the window, for the commit at the FIFO's head */

static void
ngx_pad_pstore_commit_revs_done(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_pad_t  *pad = data;

    if (res->status != NGX_OK) {
        ngx_log_error(NGX_LOG_WARN, ngx_pad_engine->log, 0,
                      "pad: \"%V\": reading revisions for a commit failed: "
                      "%V", &pad->id, &res->err);
        ngx_pad_commit_revs_read(pad, NGX_ERROR, 0, NULL, 0);
        return;
    }

    ngx_pad_commit_revs_read(pad, NGX_OK, res->from, res->items,
                             res->nitems);
}


ngx_int_t
ngx_pad_pstore_commit_revs(ngx_pad_pad_t *pad, int64_t from, int64_t to)
{
    if (ngx_pad_engine->exiting) {
        return NGX_ERROR;
    }

    if (to - from >= NGX_PAD_STORE_RANGE_MAX) {
        to = from + NGX_PAD_STORE_RANGE_MAX - 1;
    }

    if (ngx_pad_store_revs(&pad->id, (ngx_int_t) from, (ngx_int_t) to,
                           ngx_pad_pstore_commit_revs_done, pad)
        == NULL)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* authors */

static void
ngx_pad_pstore_author_done(void *data, ngx_pad_store_result_t *res)
{
    json_t             *rec, *color, *name;
    ngx_int_t           idx;
    ngx_pad_str_t       author;
    ngx_pad_session_t  *sess = data;

    if (res->status != NGX_OK) {
        ngx_log_error(NGX_LOG_WARN, ngx_pad_engine->log, 0,
                      "pad: cannot read the author of a token: %V",
                      &res->err);
        author.data = NULL;
        author.len = 0;
        ngx_pad_session_author(sess, NGX_ERROR, &author, NULL);
        return;
    }

    color = NULL;

    if (res->color.len) {
        idx = ngx_atoi(res->color.data, res->color.len);

        if (idx != NGX_ERROR && idx < NGX_PAD_MSG_PALETTE_SIZE) {
            color = json_integer(idx);

        } else {
            color = json_stringn((char *) res->color.data, res->color.len);
        }
    }

    name = res->name.len ? json_stringn((char *) res->name.data,
                                        res->name.len)
                         : json_null();

    rec = json_pack("{s:o,s:o}", "colorId", color ? color : json_null(),
                    "name", name);

    author.data = (const char *) res->value.data;
    author.len = res->value.len;

    ngx_pad_session_author(sess, NGX_OK, &author, rec);

    json_decref(rec);
}


ngx_int_t
ngx_pad_pstore_author(ngx_pad_session_t *sess, ngx_pad_str_t *token)
{
    u_char     id[18], color[8];
    ngx_str_t  t, a, c;

    if (ngx_pad_engine->exiting) {
        return NGX_ERROR;
    }

    ngx_memcpy(id, "a.", 2);
    ngx_pad_pstore_random(id + 2, 16, ngx_pad_pstore_alnum,
                          sizeof(ngx_pad_pstore_alnum) - 1);

    a.data = id;
    a.len = 18;
    c.data = color;
    c.len = ngx_sprintf(color, "%ui",
                        (ngx_uint_t) (ngx_random() % NGX_PAD_MSG_PALETTE_SIZE))
            - color;
    t.data = (u_char *) token->data;
    t.len = token->len;

    if (ngx_pad_store_author_for_token(&t, &a, &c,
                                       ngx_pad_pstore_author_done, sess)
        == NULL)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


void
ngx_pad_pstore_author_update(ngx_pad_session_t *sess)
{
    u_char     buf[32];
    ngx_str_t  id, name, color, *np;

    if (ngx_pad_engine->exiting) {
        return;
    }

    id.data = sess->author;
    id.len = sess->author_len;
    np = NULL;

    if (json_is_string(sess->name)) {
        name.data = (u_char *) json_string_value(sess->name);
        name.len = json_string_length(sess->name);
        np = &name;
    }

    if (json_is_integer(sess->color)) {
        color.data = buf;
        color.len = ngx_sprintf(buf, "%L",
                                (int64_t) json_integer_value(sess->color))
                    - buf;

    } else if (json_is_string(sess->color)) {
        color.data = (u_char *) json_string_value(sess->color);
        color.len = json_string_length(sess->color);

    } else {
        ngx_str_null(&color);
    }

    (void) ngx_pad_store_author_set(&id, np, color.len ? &color : NULL,
                                    NULL, NULL);
}


typedef struct {
    ngx_pad_pad_t      *pad;
    ngx_pad_session_t  *waiter;
    size_t              len;
    u_char              id[NGX_PAD_AUTHOR_MAX];
} ngx_pad_pstore_aget_t;


static void
ngx_pad_pstore_author_got(void *data, ngx_pad_store_result_t *res)
{
    json_t                 *name, *color;
    ngx_int_t               idx;
    ngx_pad_str_t           author;
    ngx_pad_pstore_aget_t  *g = data;

    if (res->status == NGX_OK) {
        name = res->name.len ? json_stringn((char *) res->name.data,
                                            res->name.len)
                             : json_null();
        idx = res->color.len ? ngx_atoi(res->color.data, res->color.len)
                             : NGX_ERROR;

        if (idx != NGX_ERROR && idx < NGX_PAD_MSG_PALETTE_SIZE) {
            color = json_integer(idx);

        } else if (res->color.len) {
            color = json_stringn((char *) res->color.data, res->color.len);

        } else {
            color = json_integer(0);
        }

        author.data = (const char *) g->id;
        author.len = g->len;

        ngx_pad_pad_author_info(g->pad, &author, name, color);

        json_decref(name);
        json_decref(color);
    }

    if (g->waiter) {
        ngx_pad_session_author_record(g->waiter);
    }

    ngx_pad_pad_release(g->pad);
    ngx_free(g);
}


ngx_int_t
ngx_pad_pstore_author_get(ngx_pad_pad_t *pad, ngx_pad_str_t *author,
    ngx_pad_session_t *waiter)
{
    ngx_str_t               id;
    ngx_pad_pstore_aget_t  *g;

    if (ngx_pad_engine->exiting || author->len > NGX_PAD_AUTHOR_MAX) {
        return NGX_ERROR;
    }

    g = ngx_alloc(sizeof(ngx_pad_pstore_aget_t), ngx_pad_engine->log);
    if (g == NULL) {
        return NGX_ERROR;
    }

    g->pad = pad;
    g->waiter = waiter;
    g->len = author->len;
    ngx_memcpy(g->id, author->data, author->len);

    id.data = g->id;
    id.len = g->len;

    pad->refs++;

    if (waiter) {
        waiter->refs++;
    }

    if (ngx_pad_store_author_get(&id, ngx_pad_pstore_author_got, g) == NULL) {
        pad->refs--;

        if (waiter) {
            waiter->refs--;
        }

        ngx_free(g);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* read-only ids */

static void
ngx_pad_pstore_ro_pad(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_str_t       id;
    ngx_pad_session_t  *sess = data;

    id.data = (const char *) res->value.data;
    id.len = res->value.len;

    ngx_pad_session_padid(sess, res->status, &id);
}


ngx_int_t
ngx_pad_pstore_readonly(ngx_pad_session_t *sess, ngx_pad_str_t *ro_id)
{
    ngx_str_t  r;

    if (ngx_pad_engine->exiting) {
        return NGX_ERROR;
    }

    r.data = (u_char *) ro_id->data;
    r.len = ro_id->len;

    if (ngx_pad_store_readonly_pad(&r, ngx_pad_pstore_ro_pad, sess) == NULL)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* chat */

ngx_int_t
ngx_pad_pstore_chat_add(ngx_pad_session_t *sess, json_t *msg)
{
    ngx_str_t  text, author;

    if (ngx_pad_engine->exiting) {
        return NGX_ERROR;
    }

    text.data = (u_char *) json_string_value(msg);
    text.len = json_string_length(msg);
    author.data = sess->author;
    author.len = sess->author_len;

    if (ngx_pad_store_chat_append(&sess->pad->id, &text, &author, NULL, NULL)
        == NULL)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void
ngx_pad_pstore_chat_range(void *data, ngx_pad_store_result_t *res)
{
    json_t             *arr, *j;
    ngx_uint_t          i;
    ngx_pad_session_t  *sess = data;

    if (res->status != NGX_OK) {
        ngx_pad_session_chat(sess, NGX_ERROR, NULL);
        return;
    }

    arr = json_array();

    for (i = 0; arr && i < res->nitems; i++) {
        if (res->items[i].len == 0) {
            continue;
        }

        j = json_loadb((char *) res->items[i].data, res->items[i].len, 0,
                       NULL);

        if (j) {
            json_array_append_new(arr, j);
        }
    }

    ngx_pad_session_chat(sess, arr ? NGX_OK : NGX_ERROR, arr);

    json_decref(arr);
}


ngx_int_t
ngx_pad_pstore_chat_get(ngx_pad_session_t *sess, int64_t start, int64_t end)
{
    if (ngx_pad_engine->exiting) {
        return NGX_ERROR;
    }

    if (ngx_pad_store_chat_range(&sess->pad->id, (ngx_int_t) start,
                                 (ngx_int_t) end, ngx_pad_pstore_chat_range,
                                 sess)
        == NULL)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


ngx_int_t
ngx_pad_pstore_publish(ngx_pad_pad_t *pad, json_t *event)
{
    char       *s;
    ngx_str_t   msg;

    if (ngx_pad_engine->exiting) {
        return NGX_ERROR;
    }

    s = json_dumps(event, JSON_COMPACT);
    if (s == NULL) {
        return NGX_ERROR;
    }

    msg.data = (u_char *) s;
    msg.len = ngx_strlen(s);

    if (ngx_pad_store_publish(&pad->id, &msg, NULL, NULL) == NULL) {
        free(s);
        return NGX_ERROR;
    }

    free(s);

    return NGX_OK;
}


/* old revision records for a reconnect */

static void
ngx_pad_pstore_old_revs_done(void *data, ngx_pad_store_result_t *res)
{
    json_t             *arr, *j;
    ngx_uint_t          i;
    ngx_pad_session_t  *sess = data;

    if (res->status != NGX_OK) {
        ngx_pad_session_old_revs(sess, NGX_ERROR, NULL);
        return;
    }

    arr = json_array();

    for (i = 0; arr && i < res->nitems; i++) {
        j = res->items[i].len ? json_loadb((char *) res->items[i].data,
                                           res->items[i].len, 0, NULL)
                              : NULL;
        if (j == NULL) {
            json_decref(arr);
            arr = NULL;
            break;
        }

        json_array_append_new(arr, j);
    }

    ngx_pad_session_old_revs(sess, arr ? NGX_OK : NGX_ERROR, arr);

    json_decref(arr);
}


ngx_int_t
ngx_pad_pstore_old_revs(ngx_pad_session_t *sess, int64_t from, int64_t to)
{
    if (ngx_pad_engine->exiting || to < from) {
        return NGX_ERROR;
    }

    if (ngx_pad_store_revs(&sess->pad->id, (ngx_int_t) from, (ngx_int_t) to,
                           ngx_pad_pstore_old_revs_done, sess)
        == NULL)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}
