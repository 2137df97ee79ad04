
/*
 * ngx_pad_module: the merge of two histories of a pad (see
 * ngx_pad_repair.c for when).  This worker's copy wins: it is written
 * back, and the edits of Redis's history since the fork (revision 0 for
 * a pad created anew after Redis lost it) are rebased onto it as one new
 * revision (ngx_pad_cs_merge_history), so that no acknowledged edit of
 * either history is lost.
 *
 * Steps (pad->repair READING, then WRITING):
 *   FORK   same history id: Redis's records of this worker's window are
 *          read to find the last revision both have (else revision 0);
 *   BASE   load.lua up to the fork: Redis's pool, and its AText there;
 *   REVS   Redis's revisions after the fork, 1000 per read, at most
 *          pad_max_rebase;
 *   then the rebase, and restore.lua "replace" with a new history id.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"
#include "store/ngx_pad_store.h"


#define NGX_PAD_MERGE_HIST_LEN  16


typedef enum {
    NGX_PAD_MERGE_FORK = 0,
    NGX_PAD_MERGE_BASE,
    NGX_PAD_MERGE_REVS
} ngx_pad_merge_step_e;


struct ngx_pad_merge_s {
    ngx_pad_merge_step_e   step;
    ngx_int_t              seen;          /* Redis's head */
    u_char                 seen_hist[64];
    size_t                 seen_hist_len;
    int64_t                fork;          /* last revision both have */
    ngx_pad_pool_t        *b_pool;        /* Redis's pool */
    ngx_str_t             *b_revs;        /* [0]: "\n" -> the fork's text */
    ngx_uint_t             nb;
    ngx_uint_t             b_cap;
    ngx_pad_pool_t        *pool;          /* this pad's, with B's added */
    ngx_str_t              record;        /* the merged revision, or "" */
    ngx_str_t              cs;            /* its changeset */
    ngx_str_t              text;          /* the AText after it */
    ngx_str_t              attribs;
    int64_t                ts;
    u_char                 hist[NGX_PAD_MERGE_HIST_LEN];
    ngx_pad_merge_done_pt  done;          /* the repair's: the outcome */
};


static ngx_int_t ngx_pad_merge_read(ngx_pad_pad_t *pad);
static void ngx_pad_merge_revs(void *data, ngx_pad_store_result_t *res);
static void ngx_pad_merge_base(void *data, ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_merge_rebase(ngx_pad_pad_t *pad, const char **why);
static ngx_int_t ngx_pad_merge_add(ngx_pad_merge_t *m, const char *data,
    size_t len);
static ngx_int_t ngx_pad_merge_dup(ngx_str_t *dst, const char *data,
    size_t len);
static void ngx_pad_merge_fail(ngx_pad_pad_t *pad, const char *why);


ngx_int_t
ngx_pad_merge_start(ngx_pad_pad_t *pad, ngx_pad_store_result_t *res,
    ngx_pad_merge_done_pt done)
{
    ngx_pad_merge_t  *m;

    if (res->hist.len > sizeof(m->seen_hist)) {
        return NGX_ERROR;
    }

    ngx_pad_merge_free(pad);

    m = ngx_calloc(sizeof(ngx_pad_merge_t), ngx_pad_engine->log);
    if (m == NULL) {
        return NGX_ERROR;
    }

    m->seen = res->head;
    ngx_memcpy(m->seen_hist, res->hist.data, res->hist.len);
    m->seen_hist_len = res->hist.len;
    m->fork = 0;
    m->done = done;

    pad->merge = m;

    if (res->hist.len == pad->hist.len
        && ngx_strncmp(res->hist.data, pad->hist.data, res->hist.len) == 0
        && pad->first_rev > 0 && pad->first_rev <= pad->head
        && pad->first_rev <= res->head)
    {
        /* a fork of this history: where? */
        m->step = NGX_PAD_MERGE_FORK;

    } else {
        m->step = NGX_PAD_MERGE_BASE;
    }

    if (ngx_pad_merge_read(pad) != NGX_OK) {
        ngx_pad_merge_free(pad);
        return NGX_ERROR;
    }

    return NGX_OK;
}


void
ngx_pad_merge_free(ngx_pad_pad_t *pad)
{
    ngx_uint_t        i;
    ngx_pad_merge_t  *m;

    m = pad->merge;

    if (m == NULL) {
        return;
    }

    for (i = 0; i < m->nb; i++) {
        ngx_free(m->b_revs[i].data);
    }

    ngx_free(m->b_revs);

    if (m->b_pool) {
        ngx_pad_pool_destroy(m->b_pool);
    }

    if (m->pool) {
        ngx_pad_pool_destroy(m->pool);
    }

    ngx_free(m->record.data);
    ngx_free(m->cs.data);
    ngx_free(m->text.data);
    ngx_free(m->attribs.data);
    ngx_free(m);

    pad->merge = NULL;
}


ngx_pad_pool_t *
ngx_pad_merge_pool(ngx_pad_pad_t *pad)
{
    return pad->merge ? pad->merge->pool : NULL;
}


ngx_str_t *
ngx_pad_merge_record(ngx_pad_pad_t *pad)
{
    return (pad->merge && pad->merge->record.len) ? &pad->merge->record
                                                  : NULL;
}


static ngx_int_t
ngx_pad_merge_read(ngx_pad_pad_t *pad)
{
    int64_t           from, to;
    ngx_pad_merge_t  *m = pad->merge;

    ngx_log_debug3(NGX_LOG_DEBUG_EVENT, ngx_pad_engine->log, 0,
                   "pad: \"%V\": merge step %d, fork %L", &pad->id,
                   (int) m->step, m->fork);

    pad->refs++;

    switch (m->step) {

    case NGX_PAD_MERGE_FORK:
        from = pad->first_rev;
        to = ngx_min(pad->head, m->seen);
        from = ngx_max(from, to - NGX_PAD_STORE_RANGE_MAX + 1);

        if (ngx_pad_store_revs(&pad->id, (ngx_int_t) from, (ngx_int_t) to,
                               ngx_pad_merge_revs, pad)
            != NULL)
        {
            return NGX_OK;
        }

        break;

    case NGX_PAD_MERGE_BASE:
        if (ngx_pad_store_load(&pad->id, (ngx_int_t) m->fork,
                               ngx_pad_merge_base, pad)
            != NULL)
        {
            return NGX_OK;
        }

        break;

    default: /* NGX_PAD_MERGE_REVS */
        from = m->fork + m->nb;
        to = ngx_min((int64_t) m->seen, from + NGX_PAD_STORE_RANGE_MAX - 1);

        if (ngx_pad_store_revs(&pad->id, (ngx_int_t) from, (ngx_int_t) to,
                               ngx_pad_merge_revs, pad)
            != NULL)
        {
            return NGX_OK;
        }

        break;
    }

    pad->refs--;

    return NGX_ERROR;
}


static void
ngx_pad_merge_fail(ngx_pad_pad_t *pad, const char *why)
{
    ngx_str_t  s;

    if (pad->merge == NULL) {
        return;
    }

    s.data = (u_char *) why;
    s.len = ngx_strlen(why);

    /* logged once by the repair's back-off */
    (void) pad->merge->done(pad, NULL, &s);
}


/* FORK and REVS: revision records */

static void
ngx_pad_merge_revs(void *data, ngx_pad_store_result_t *res)
{
    json_t           *j;
    int64_t           r;
    ngx_uint_t        i;
    const char       *why;
    ngx_pad_pad_t    *pad = data;
    ngx_pad_rev_t    *rev;
    ngx_pad_str_t     cs;
    ngx_pad_merge_t  *m;

    m = pad->merge;

    if (m == NULL || pad->state != NGX_PAD_READY || pad->detached) {
        ngx_pad_pad_release(pad);
        return;
    }

    if (res->status != NGX_OK) {
        (void) m->done(pad, NULL, &res->err);
        ngx_pad_pad_release(pad);
        return;
    }

    if (m->step == NGX_PAD_MERGE_FORK) {
        /* the last revision whose stored record is this worker's */

        for (i = res->nitems; i > 0; i--) {
            r = res->from + (int64_t) i - 1;
            rev = ngx_pad_pad_rev(pad, r);

            if (rev && res->items[i - 1].len
                && ngx_pad_pad_rev_same(rev, &res->items[i - 1]) == 1)
            {
                m->fork = r;
                break;
            }
        }

        m->step = NGX_PAD_MERGE_BASE;
        goto next;
    }

    for (i = 0; i < res->nitems; i++) {
        j = json_loadb((char *) res->items[i].data, res->items[i].len, 0,
                       NULL);

        if (j == NULL || ngx_pad_msg_get_str(j, "cs", &cs) != 0
            || ngx_pad_merge_add(m, cs.data, cs.len) != NGX_OK)
        {
            json_decref(j);
            ngx_pad_merge_fail(pad, "a stored revision is missing or "
                                    "invalid");
            ngx_pad_pad_release(pad);
            return;
        }

        json_decref(j);
    }

    if (res->nitems == 0) {
        ngx_pad_merge_fail(pad, "the stored revisions ended early");
        ngx_pad_pad_release(pad);
        return;
    }

    if (m->fork + (int64_t) m->nb <= m->seen) {
        goto next;
    }

    /* every revision of the other history is here: rebase and write */

    why = NULL;

    if (ngx_pad_merge_rebase(pad, &why) != NGX_OK) {
        ngx_pad_merge_fail(pad, why ? why : "out of memory");
    }

    ngx_pad_pad_release(pad);
    return;

next:

    if (ngx_pad_merge_read(pad) != NGX_OK) {
        ngx_pad_merge_fail(pad, "cannot read from Redis");
    }

    ngx_pad_pad_release(pad);
}


/* BASE: Redis's pool and its AText at the fork */

static void
ngx_pad_merge_base(void *data, ngx_pad_store_result_t *res)
{
    json_t           *j, *snap;
    ngx_uint_t        i;
    const char       *why;
    ngx_pad_pad_t    *pad = data;
    ngx_pad_ctx_t    *ctx;
    ngx_pad_str_t     cs, del, empty;
    ngx_pad_merge_t  *m;
    ngx_pad_atext_t   at, next;
    intptr_t          len;

    m = pad->merge;
    ctx = ngx_pad_engine->ctx;
    why = NULL;
    snap = NULL;

    if (m == NULL || pad->state != NGX_PAD_READY || pad->detached) {
        ngx_pad_pad_release(pad);
        return;
    }

    if (res->status != NGX_OK) {
        ngx_pad_merge_fail(pad, "cannot load Redis's pad");
        ngx_pad_pad_release(pad);
        return;
    }

    m->b_pool = ngx_pad_pool_create();
    j = json_loadb((char *) res->pool.data, res->pool.len, 0, NULL);

    if (m->b_pool == NULL || j == NULL
        || ngx_pad_msg_pool_from_json(j, m->b_pool, 1 << 24) != 0)
    {
        json_decref(j);
        why = "invalid stored pool";
        goto failed;
    }

    json_decref(j);

    at.text.data = "\n";
    at.text.len = 1;
    at.attribs.data = "|1+1";
    at.attribs.len = 4;

    if (res->snap_rev >= 0) {
        snap = json_loadb((char *) res->snapshot.data, res->snapshot.len, 0,
                          NULL);

        if (ngx_pad_msg_get_str(snap, "text", &at.text) != 0
            || ngx_pad_msg_get_str(snap, "attribs", &at.attribs) != 0)
        {
            why = "invalid stored snapshot";
            goto failed;
        }
    }

    /* the revisions after the snapshot, up to the fork */

    for (i = 0; i < res->nitems
                && res->from + (ngx_int_t) i <= (ngx_int_t) m->fork; i++)
    {
        j = json_loadb((char *) res->items[i].data, res->items[i].len, 0,
                       NULL);

        if (j == NULL || ngx_pad_msg_get_str(j, "cs", &cs) != 0
            || ngx_pad_cs_apply_to_atext(ctx, &cs, &at, m->b_pool, &next)
               != NGX_PAD_CS_OK)
        {
            json_decref(j);
            why = "a stored revision does not apply";
            goto failed;
        }

        json_decref(j);
        at = next;
    }

    if (res->snap_rev + (ngx_int_t) i < (ngx_int_t) m->fork) {
        why = "the fork is too far from a stored snapshot";
        goto failed;
    }

    /* b_revs[0]: "\n" -> the fork's AText (the inverse of deleting it) */

    if (ngx_pad_utf16_len(ctx, &at.text, &len) != NGX_PAD_CS_OK) {
        why = "invalid stored text";
        goto failed;
    }

    empty.data = "";
    empty.len = 0;

    if (ngx_pad_cs_make_splice(ctx, &at.text, 0, len - 1, &empty, NULL,
                               &del)
        != NGX_PAD_CS_OK
        || ngx_pad_cs_inverse(ctx, &del, &at, m->b_pool, &cs)
           != NGX_PAD_CS_OK
        || ngx_pad_merge_add(m, cs.data, cs.len) != NGX_OK)
    {
        why = "cannot rebuild the fork's text";
        goto failed;
    }

    json_decref(snap);
    ngx_pad_ctx_reset(ctx);

    m->step = NGX_PAD_MERGE_REVS;

    if (m->seen - m->fork > (ngx_int_t) ngx_pad_engine->conf->max_rebase) {
        ngx_pad_merge_fail(pad, "the other history is more than "
                                "pad_max_rebase revisions long");

    } else if (m->seen == m->fork) {
        if (ngx_pad_merge_rebase(pad, &why) != NGX_OK) {
            ngx_pad_merge_fail(pad, why ? why : "out of memory");
        }

    } else if (ngx_pad_merge_read(pad) != NGX_OK) {
        ngx_pad_merge_fail(pad, "cannot read from Redis");
    }

    ngx_pad_pad_release(pad);
    return;

failed:

    json_decref(snap);
    ngx_pad_ctx_reset(ctx);
    ngx_pad_merge_fail(pad, why);
    ngx_pad_pad_release(pad);
}


/* the rebase, then restore.lua "replace" */

static ngx_int_t
ngx_pad_merge_rebase(ngx_pad_pad_t *pad, const char **why)
{
    char                     *s;
    json_t                   *j, *pool;
    u_char                    num[NGX_INT64_LEN], own[NGX_INT64_LEN];
    intptr_t                  from, n, i, identity;
    ngx_uint_t                k;
    ngx_pad_ctx_t            *ctx;
    ngx_pad_str_t            *revs, out, key, value;
    ngx_pad_merge_t          *m;
    ngx_pad_atext_t           at, after;
    ngx_pad_store_restore_t   r;

    m = pad->merge;
    ctx = ngx_pad_engine->ctx;

    m->pool = ngx_pad_pool_clone(pad->pool);
    revs = ngx_alloc(m->nb * sizeof(ngx_pad_str_t), ngx_pad_engine->log);

    if (m->pool == NULL || revs == NULL) {
        ngx_free(revs);
        return NGX_ERROR;
    }

    for (k = 0; k < m->nb; k++) {
        revs[k].data = (const char *) m->b_revs[k].data;
        revs[k].len = m->b_revs[k].len;
    }

    at.text.data = (const char *) pad->atext.text.data;
    at.text.len = pad->atext.text.len;
    at.attribs.data = (const char *) pad->atext.attribs.data;
    at.attribs.len = pad->atext.attribs.len;

    from = ngx_pad_pool_next_num(m->pool);

    if (ngx_pad_cs_merge_history(ctx, &at, m->pool, revs, m->nb, m->b_pool,
                                 &out, &after)
        != NGX_PAD_CS_OK)
    {
        ngx_log_error(NGX_LOG_ERR, ngx_pad_engine->log, 0,
                      "pad: \"%V\": cannot rebase the other history: %s",
                      &pad->id, ngx_pad_ctx_error(ctx));
        ngx_free(revs);
        ngx_pad_ctx_reset(ctx);
        *why = "the other history does not rebase";
        return NGX_ERROR;
    }

    ngx_free(revs);

    identity = ngx_pad_cs_is_identity(ctx, &out);

    ngx_memzero(&r, sizeof(ngx_pad_store_restore_t));

    m->ts = ngx_pad_now_ms();
    ngx_pad_store_random_id(m->hist, sizeof(m->hist));

    if (identity != 1) {
        /* the merged revision, with the pool entries it introduces */

        pool = json_object();
        n = ngx_pad_pool_next_num(m->pool);

        for (i = from; pool && i < n; i++) {
            if (ngx_pad_pool_get(m->pool, i, &key, &value) != 0) {
                continue;
            }

            *ngx_sprintf(num, "%L", (int64_t) i) = '\0';
            (void) json_object_set_new(pool, (char *) num,
                                       json_pack("[s%s%]", key.data, key.len,
                                                 value.data, value.len));
        }

        j = pool ? json_pack("{s:s,s:I,s:s%,s:s,s:I,s:o}", "type", "rev",
                             "rev", (json_int_t) (pad->head + 1),
                             "cs", out.data, out.len, "author", "",
                             "ts", (json_int_t) m->ts, "pool", pool)
                 : NULL;
        s = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);

        if (s == NULL
            || ngx_pad_merge_dup(&m->record, s, ngx_strlen(s)) != NGX_OK
            || ngx_pad_merge_dup(&m->cs, out.data, out.len) != NGX_OK
            || ngx_pad_merge_dup(&m->text, after.text.data, after.text.len)
               != NGX_OK
            || ngx_pad_merge_dup(&m->attribs, after.attribs.data,
                                 after.attribs.len)
               != NGX_OK)
        {
            free(s);
            ngx_pad_ctx_reset(ctx);
            return NGX_ERROR;
        }

        free(s);

        r.head = (ngx_int_t) pad->head + 1;
        r.text = m->text;
        r.attribs = m->attribs;
    }

    ngx_pad_ctx_reset(ctx);

    r.replace = 1;
    r.seen = m->seen;
    r.seen_hist.data = m->seen_hist;
    r.seen_hist.len = m->seen_hist_len;
    r.hist.data = m->hist;
    r.hist.len = sizeof(m->hist);

    /*
     * Both histories are in this one now: Redis's up to its head, and
     * this worker's (its old id) up to its head.
     */

    r.absorbed[0] = r.seen_hist;
    r.absorbed[1].data = num;
    r.absorbed[1].len = ngx_sprintf(num, "%i", m->seen) - num;
    r.absorbed[2] = pad->hist;
    r.absorbed[3].data = own;
    r.absorbed[3].len = ngx_sprintf(own, "%L", pad->head) - own;
    r.nabsorbed = 2;

    ngx_log_debug3(NGX_LOG_DEBUG_EVENT, ngx_pad_engine->log, 0,
                   "pad: \"%V\": merge: writing, the other history's "
                   "revisions %L..%i", &pad->id, m->fork + 1, m->seen);

    return m->done(pad, &r, NULL);
}


/* restore.lua stored the merge: this copy takes it */

ngx_int_t
ngx_pad_merge_apply(ngx_pad_pad_t *pad)
{
    ngx_str_t         h;
    ngx_int_t         rc;
    ngx_pad_str_t     cs, author;
    ngx_pad_merge_t  *m;

    m = pad->merge;

    ngx_pad_pool_destroy(pad->pool);
    pad->pool = m->pool;
    m->pool = NULL;

    h.data = m->hist;
    h.len = sizeof(m->hist);
    rc = ngx_pad_pad_set_hist(pad, &h);

    if (rc == NGX_OK && m->cs.len) {
        cs.data = (const char *) m->cs.data;
        cs.len = m->cs.len;
        author.data = "";
        author.len = 0;

        rc = ngx_pad_pad_advance(pad, pad->head + 1, &cs, &author, m->ts, 0,
                                 NULL);
    }

    ngx_pad_merge_free(pad);

    return rc;
}


static ngx_int_t
ngx_pad_merge_add(ngx_pad_merge_t *m, const char *data, size_t len)
{
    ngx_str_t  *p;

    if (m->nb == m->b_cap) {
        p = ngx_alloc((m->b_cap ? 2 * m->b_cap : 64) * sizeof(ngx_str_t),
                      ngx_pad_engine->log);
        if (p == NULL) {
            return NGX_ERROR;
        }

        if (m->nb) {
            ngx_memcpy(p, m->b_revs, m->nb * sizeof(ngx_str_t));
        }

        ngx_free(m->b_revs);
        m->b_revs = p;
        m->b_cap = m->b_cap ? 2 * m->b_cap : 64;
    }

    if (ngx_pad_merge_dup(&m->b_revs[m->nb], data, len) != NGX_OK) {
        return NGX_ERROR;
    }

    m->nb++;

    return NGX_OK;
}


static ngx_int_t
ngx_pad_merge_dup(ngx_str_t *dst, const char *data, size_t len)
{
    dst->data = ngx_alloc(len + 1, ngx_pad_engine->log);
    if (dst->data == NULL) {
        dst->len = 0;
        return NGX_ERROR;
    }

    ngx_memcpy(dst->data, data, len);
    dst->data[len] = '\0';
    dst->len = len;

    return NGX_OK;
}
