
/*
 * ngx_pad_module: revisions to and from the store: the append of a
 * commit group (with its new pool entries and the key snapshots), the
 * reads of revisions older than the window for a commit or a reconnect.
 * Each answer goes to the handler, with the data, given to the request.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"
#include "store/ngx_pad_store.h"


#define NGX_PAD_PSTORE_GROUP_LOCAL  8   /* commits without an allocation */


/*
 * 1: the error is an outage (Redis unreachable, restarting, stalled or
 * failing over: the command was not sent, its connection was lost or it
 * timed out, or Redis answered LOADING, READONLY, MASTERDOWN, TRYAGAIN,
 * CLUSTERDOWN, BUSY); the commit waits and retries.  0: a fault of the
 * request (a script error, a refused argument).
 */

ngx_uint_t
ngx_pad_pstore_outage(ngx_str_t *err)
{
    ngx_uint_t  i;

    static ngx_str_t  outages[] = {
        ngx_string("redis unavailable"),
        ngx_string("redis command timed out"),
        ngx_string("cannot send redis command"),
        ngx_string("LOADING"),
        ngx_string("READONLY"),
        ngx_string("MASTERDOWN"),
        ngx_string("TRYAGAIN"),
        ngx_string("CLUSTERDOWN"),
        ngx_string("BUSY"),
        ngx_string("NOREPLICAS")
    };

    for (i = 0; i < sizeof(outages) / sizeof(ngx_str_t); i++) {
        if (err->len >= outages[i].len
            && ngx_strncmp(err->data, outages[i].data, outages[i].len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


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
        pad->append_handler(pad->append_data, NGX_ERROR);
        return;
    }

    c = ngx_queue_data(ngx_queue_head(&pad->commits), ngx_pad_commit_t,
                       queue);

    if (res->status == NGX_OK) {
        if (res->rev != c->rev) {
            ngx_log_error(NGX_LOG_ALERT, ngx_pad_engine->log, 0,
                          "pad: \"%V\": stored as %i, expected %L",
                          &pad->id, res->rev, c->rev);
            pad->append_handler(pad->append_data, NGX_ERROR);
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

        pad->append_handler(pad->append_data, NGX_OK);

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
            ngx_pad_engine->pad_check(pad);
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

        pad->append_handler(pad->append_data, NGX_DECLINED);
        return;
    }

    if (res->status == NGX_ABORT) {
        /* Redis holds another history: no record of it applies here */
        ngx_pad_engine->pad_check(pad);
        pad->append_handler(pad->append_data, NGX_DECLINED);
        return;
    }

    if (ngx_pad_pstore_outage(&res->err)) {
        /* logged once per outage by the commit's wait */
        ngx_log_debug2(NGX_LOG_DEBUG_EVENT, ngx_pad_engine->log, 0,
                       "pad: \"%V\": append failed: %V", &pad->id,
                       &res->err);
        pad->append_handler(pad->append_data, NGX_AGAIN);
        return;
    }

    ngx_log_error(NGX_LOG_WARN, ngx_pad_engine->log, 0,
                  "pad: \"%V\": append failed: %V", &pad->id, &res->err);

    pad->append_handler(pad->append_data, NGX_ERROR);
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
ngx_pad_pstore_append(ngx_pad_pad_t *pad, ngx_pad_commit_t *c,
    ngx_pad_pstore_done_pt handler, void *data)
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

    pad->append_handler = handler;
    pad->append_data = data;

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
        if (ngx_pad_pstore_outage(&res->err)) {
            pad->revs_handler(pad->revs_data, NGX_AGAIN, 0, NULL, 0);
            return;
        }

        ngx_log_error(NGX_LOG_WARN, ngx_pad_engine->log, 0,
                      "pad: \"%V\": reading revisions for a commit failed: "
                      "%V", &pad->id, &res->err);
        pad->revs_handler(pad->revs_data, NGX_ERROR, 0, NULL, 0);
        return;
    }

    pad->revs_handler(pad->revs_data, NGX_OK, res->from, res->items,
                             res->nitems);
}


ngx_int_t
ngx_pad_pstore_commit_revs(ngx_pad_pad_t *pad, int64_t from, int64_t to,
    ngx_pad_pstore_items_pt handler, void *data)
{
    if (ngx_pad_engine->exiting) {
        return NGX_ERROR;
    }

    pad->revs_handler = handler;
    pad->revs_data = data;

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


/* old revision records for a reconnect */

static void
ngx_pad_pstore_old_revs_done(void *data, ngx_pad_store_result_t *res)
{
    json_t             *arr, *j;
    ngx_uint_t          i;
    ngx_pad_session_t  *sess = data;

    if (res->status != NGX_OK) {
        sess->old_revs_handler(sess->old_revs_data, NGX_ERROR, NULL);
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

    sess->old_revs_handler(sess->old_revs_data, arr ? NGX_OK : NGX_ERROR, arr);

    json_decref(arr);
}


ngx_int_t
ngx_pad_pstore_old_revs(ngx_pad_session_t *sess, int64_t from, int64_t to,
    ngx_pad_pstore_json_pt handler, void *data)
{
    if (ngx_pad_engine->exiting || to < from) {
        return NGX_ERROR;
    }

    sess->old_revs_handler = handler;
    sess->old_revs_data = data;

    if (ngx_pad_store_revs(&sess->pad->id, (ngx_int_t) from, (ngx_int_t) to,
                           ngx_pad_pstore_old_revs_done, sess)
        == NULL)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}
