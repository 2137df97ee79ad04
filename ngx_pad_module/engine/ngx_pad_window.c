
/*
 * ngx_pad_module: a pad's copy and its window of recent revisions.
 *
 * A loaded pad only advances one revision at a time through
 * ngx_pad_pad_advance() (invariant 4): local commits confirmed by Redis,
 * revisions published by other writers, and catch-up reads all go
 * through it.  Each advance builds the revision's wire form once: the
 * NEW_CHANGES packet as a shared refcounted payload and the item JSON
 * for batches, and posts the pad's flush (pad->flush_ev, whose handler,
 * the fan-out, the engine set).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"


static void ngx_pad_rev_clear(ngx_pad_rev_t *r);


ngx_int_t
ngx_pad_pad_set_hist(ngx_pad_pad_t *pad, ngx_str_t *hist)
{
    if (hist->len > NGX_PAD_HIST_MAX) {
        ngx_log_error(NGX_LOG_ERR, ngx_pad_engine->log, 0,
                      "pad: \"%V\": history id of %uz bytes", &pad->id,
                      hist->len);
        return NGX_ERROR;
    }

    ngx_memcpy(pad->hist_buf, hist->data, hist->len);
    pad->hist.data = pad->hist_buf;
    pad->hist.len = hist->len;

    return NGX_OK;
}


/* 1: the stored record "rec" is this revision, 0: another one */

ngx_int_t
ngx_pad_pad_rev_same(ngx_pad_rev_t *rev, ngx_str_t *rec)
{
    json_t         *j;
    ngx_int_t       same;
    ngx_pad_str_t   cs, author;

    j = json_loadb((char *) rec->data, rec->len, 0, NULL);

    same = j != NULL
           && ngx_pad_msg_get_str(j, "cs", &cs) == 0
           && ngx_pad_msg_get_str(j, "author", &author) == 0
           && json_is_integer(json_object_get(j, "ts"))
           && json_integer_value(json_object_get(j, "ts")) == rev->time
           && cs.len == rev->changeset.len
           && ngx_memcmp(cs.data, rev->changeset.data, cs.len) == 0
           && author.len == rev->author.len
           && ngx_memcmp(author.data, rev->author.data, author.len) == 0;

    json_decref(j);

    return same;
}


static void
ngx_pad_rev_clear(ngx_pad_rev_t *r)
{
    if (r->payload) {
        ngx_pad_payload_unref(r->payload);
    }

    ngx_free(r->changeset.data);
    ngx_free(r->author.data);

    if (r->item) {
        free(r->item);
    }

    ngx_memzero(r, sizeof(ngx_pad_rev_t));
    r->rev = -1;
}


ngx_pad_rev_t *
ngx_pad_pad_rev(ngx_pad_pad_t *pad, int64_t rev)
{
    ngx_pad_rev_t  *r;

    if (rev < pad->first_rev || rev > pad->head || pad->first_rev < 0) {
        return NULL;
    }

    r = &pad->window[rev % pad->window_cap];

    return (r->rev == rev && r->payload) ? r : NULL;
}


/*
 * The state the store's load gave: the atext after revision "rev" (-1:
 * before revision 0, i.e. "\n") and the whole pool (taken over).  The
 * revisions after it are then applied with ngx_pad_pad_apply_record().
 */

ngx_int_t
ngx_pad_pad_set_base(ngx_pad_pad_t *pad, int64_t rev, int64_t time,
    ngx_str_t *text, ngx_str_t *attribs, ngx_pad_pool_t *pool)
{
    u_char         *t, *a;
    ngx_pad_str_t   s;

    s.data = (const char *) text->data;
    s.len = text->len;

    if (ngx_pad_utf16_len(ngx_pad_engine->ctx, &s, &pad->text_len16)
        != NGX_PAD_CS_OK)
    {
        ngx_pad_ctx_reset(ngx_pad_engine->ctx);
        return NGX_ERROR;
    }

    ngx_pad_ctx_reset(ngx_pad_engine->ctx);

    t = ngx_alloc(text->len + 1, ngx_pad_engine->log);
    a = ngx_alloc(attribs->len + 1, ngx_pad_engine->log);

    if (t == NULL || a == NULL) {
        if (t) {
            ngx_free(t);
        }

        if (a) {
            ngx_free(a);
        }

        return NGX_ERROR;
    }

    ngx_memcpy(t, text->data, text->len);
    ngx_memcpy(a, attribs->data, attribs->len);

    ngx_free((void *) pad->atext.text.data);
    ngx_free((void *) pad->atext.attribs.data);

    pad->atext.text.data = (const char *) t;
    pad->atext.text.len = text->len;
    pad->atext.attribs.data = (const char *) a;
    pad->atext.attribs.len = attribs->len;

    if (pad->pool) {
        ngx_pad_pool_destroy(pad->pool);
    }

    pad->pool = pool;
    pad->head = rev;
    pad->head_time = time;
    pad->first_rev = rev + 1;
    pad->state = NGX_PAD_READY;

    return NGX_OK;
}


/*
 * A revision record of the store {"rev","cs","author","ts","pool"}: its
 * pool entries are added and, if it is head + 1, the pad advances.
 * NGX_DECLINED: not the next revision (nothing done).
 */

ngx_int_t
ngx_pad_pad_apply_record(ngx_pad_pad_t *pad, json_t *ev)
{
    size_t          i, n;
    u_char          buf[32];
    json_t         *pool, *pair;
    int64_t         rev, ts, num;
    ngx_int_t       first;
    const char     *key;
    ngx_pad_str_t   cs, author, k, v;

    if (!json_is_integer(json_object_get(ev, "rev"))) {
        return NGX_ERROR;
    }

    rev = json_integer_value(json_object_get(ev, "rev"));

    if (rev != pad->head + 1 || pad->repair != NGX_PAD_REPAIR_NONE) {
        /*
         * (While the copy is compared with Redis or written back, a
         * record may be of another history: none is applied; the repair
         * reads on when it is done.)
         */
        return NGX_DECLINED;
    }

    if (ngx_pad_msg_get_str(ev, "cs", &cs) != 0
        || ngx_pad_msg_get_str(ev, "author", &author) != 0
        || !json_is_integer(json_object_get(ev, "ts")))
    {
        return NGX_ERROR;
    }

    ts = json_integer_value(json_object_get(ev, "ts"));

    /* new pool entries, in number order from the pool's nextNum */

    pool = json_object_get(ev, "pool");
    n = json_is_object(pool) ? json_object_size(pool) : 0;
    num = -1;

    json_object_foreach(pool, key, pair) {
        first = ngx_atoi((u_char *) key, ngx_strlen(key));

        if (first == NGX_ERROR) {
            return NGX_ERROR;
        }

        if (num < 0 || first < num) {
            num = first;
        }
    }

    for (i = 0; i < n; i++, num++) {
        ngx_sprintf(buf, "%L%Z", num);
        pair = json_object_get(pool, (char *) buf);

        if (!json_is_array(pair)
            || !json_is_string(json_array_get(pair, 0))
            || !json_is_string(json_array_get(pair, 1)))
        {
            return NGX_ERROR;
        }

        k.data = json_string_value(json_array_get(pair, 0));
        k.len = json_string_length(json_array_get(pair, 0));
        v.data = json_string_value(json_array_get(pair, 1));
        v.len = json_string_length(json_array_get(pair, 1));

        if (ngx_pad_pad_add_pool_entry(pad, num, &k, &v) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    return ngx_pad_pad_advance(pad, rev, &cs, &author, ts, 0, NULL);
}


ngx_int_t
ngx_pad_pad_add_pool_entry(ngx_pad_pad_t *pad, intptr_t num,
    ngx_pad_str_t *key, ngx_pad_str_t *value)
{
    intptr_t       next;
    ngx_pad_str_t  k, v;

    next = ngx_pad_pool_next_num(pad->pool);

    if (num < next) {
        if (ngx_pad_pool_get(pad->pool, num, &k, &v) == 0
            && k.len == key->len && v.len == value->len
            && ngx_memcmp(k.data, key->data, k.len) == 0
            && ngx_memcmp(v.data, value->data, v.len) == 0)
        {
            return NGX_OK;
        }

        ngx_log_error(NGX_LOG_ERR, ngx_pad_engine->log, 0,
                      "pad: \"%V\": pool entry %i differs from the store",
                      &pad->id, (ngx_int_t) num);
        return NGX_ERROR;
    }

    if (num > next) {
        ngx_log_error(NGX_LOG_ERR, ngx_pad_engine->log, 0,
                      "pad: \"%V\": pool entries %i..%i are missing",
                      &pad->id, (ngx_int_t) next, (ngx_int_t) num - 1);
        return NGX_ERROR;
    }

    if (ngx_pad_pool_set(pad->pool, num, key, value) != 0
        || ngx_pad_pool_set_next_num(pad->pool, num + 1) != 0)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* doubles the ring (up to pad_revisions_window), keeping its revisions */

static ngx_int_t
ngx_pad_pad_grow_window(ngx_pad_pad_t *pad)
{
    int64_t         r;
    ngx_uint_t      cap, i;
    ngx_pad_rev_t  *w, *old;

    cap = ngx_min(pad->window_cap * 2, pad->window_size);

    w = ngx_calloc(cap * sizeof(ngx_pad_rev_t), ngx_pad_engine->log);
    if (w == NULL) {
        return NGX_ERROR;
    }

    for (r = pad->first_rev; r <= pad->head; r++) {
        old = &pad->window[r % pad->window_cap];

        if (old->rev == r) {
            w[r % cap] = *old;
            ngx_memzero(old, sizeof(ngx_pad_rev_t));
        }
    }

    for (i = 0; i < pad->window_cap; i++) {
        ngx_pad_rev_clear(&pad->window[i]);    /* anything not moved */
    }

    ngx_free(pad->window);
    pad->window = w;
    pad->window_cap = cap;

    return NGX_OK;
}


/* the atext after cs, in ngx_alloc()ed buffers */

static ngx_int_t
ngx_pad_pad_apply_atext(ngx_pad_pad_t *pad, int64_t rev, ngx_pad_str_t *cs,
    ngx_pad_atext_t *at)
{
    ngx_pad_ctx_t    *ctx;
    ngx_pad_atext_t   cur;

    ctx = ngx_pad_engine->ctx;

    cur.text.data = (const char *) pad->atext.text.data;
    cur.text.len = pad->atext.text.len;
    cur.attribs.data = (const char *) pad->atext.attribs.data;
    cur.attribs.len = pad->atext.attribs.len;

    if (ngx_pad_cs_apply_to_atext(ctx, cs, &cur, pad->pool, at)
        != NGX_PAD_CS_OK)
    {
        ngx_log_error(NGX_LOG_ERR, ngx_pad_engine->log, 0,
                      "pad: \"%V\": revision %L does not apply: %s",
                      &pad->id, rev, ngx_pad_ctx_error(ctx));
        return NGX_ERROR;
    }

    /* the context's result, into buffers of the pad's own */
    return ngx_pad_atext_dup(at, at);
}


/* the wire form, once for every socket: the batch item, NEW_CHANGES */

static ngx_int_t
ngx_pad_pad_wire(ngx_pad_pad_t *pad, int64_t rev, ngx_pad_str_t *cs,
    ngx_pad_str_t *author, int64_t time, char **item,
    ngx_pad_payload_t **payload)
{
    char               *it;
    size_t              n;
    ngx_pad_ctx_t      *ctx;
    ngx_pad_str_t       wire;
    ngx_pad_pool_t     *wpool;
    ngx_pad_payload_t  *p;

    ctx = ngx_pad_engine->ctx;

    wpool = ngx_pad_pool_create();
    if (wpool == NULL) {
        return NGX_ERROR;
    }

    if (ngx_pad_cs_prepare_for_wire(ctx, cs, pad->pool, wpool, &wire)
        != NGX_PAD_CS_OK)
    {
        ngx_log_error(NGX_LOG_ERR, ngx_pad_engine->log, 0,
                      "pad: \"%V\": prepareForWire of %L failed: %s",
                      &pad->id, rev, ngx_pad_ctx_error(ctx));
        ngx_pad_pool_destroy(wpool);
        return NGX_ERROR;
    }

    it = ngx_pad_msg_rev_item(rev, &wire, wpool, author, time,
                              time - pad->head_time, pad->head >= 0);

    ngx_pad_pool_destroy(wpool);

    if (it == NULL) {
        return NGX_ERROR;
    }

    n = ngx_pad_msg_new_changes_packet(NULL, it, ngx_strlen(it));

    p = ngx_pad_payload_alloc(n, ngx_pad_engine->log);
    if (p == NULL) {
        free(it);
        return NGX_ERROR;
    }

    (void) ngx_pad_msg_new_changes_packet(p->data, it, ngx_strlen(it));

    *item = it;
    *payload = p;

    return NGX_OK;
}


/* revision rev in the window's ring (item and p taken over on NGX_OK) */

static ngx_int_t
ngx_pad_pad_keep(ngx_pad_pad_t *pad, int64_t rev, ngx_pad_str_t *cs,
    ngx_pad_str_t *author, int64_t time, uint64_t origin, char *item,
    ngx_pad_payload_t *p)
{
    ngx_pad_rev_t  *r;

    if (pad->first_rev >= 0
        && rev - pad->first_rev >= (int64_t) pad->window_cap
        && pad->window_cap < pad->window_size
        && ngx_pad_pad_grow_window(pad) != NGX_OK)
    {
        return NGX_ERROR;
    }

    r = &pad->window[rev % pad->window_cap];
    ngx_pad_rev_clear(r);

    r->changeset.data = ngx_alloc(cs->len + 1, ngx_pad_engine->log);
    r->author.data = ngx_alloc(author->len + 1, ngx_pad_engine->log);

    if (r->changeset.data == NULL || r->author.data == NULL) {
        ngx_pad_rev_clear(r);
        return NGX_ERROR;
    }

    ngx_memcpy(r->changeset.data, cs->data, cs->len);
    r->changeset.len = cs->len;
    ngx_memcpy(r->author.data, author->data, author->len);
    r->author.len = author->len;
    r->rev = rev;
    r->time = time;
    r->origin = origin;
    r->item = item;
    r->item_len = ngx_strlen(item);
    r->payload = p;
    r->applied_us = ngx_pad_metrics_now_us();

    return NGX_OK;
}


/*
 * The only way a pad's head moves: rev must be head + 1.  new_atext, if
 * given, is the atext after rev in ngx_alloc()ed buffers (taken over);
 * otherwise cs is applied here.  The pool must already hold every
 * attribute cs uses.
 */

ngx_int_t
ngx_pad_pad_advance(ngx_pad_pad_t *pad, int64_t rev, ngx_pad_str_t *cs,
    ngx_pad_str_t *author, int64_t time, uint64_t origin,
    ngx_pad_atext_t *new_atext)
{
    char               *item;
    ngx_pad_cs_t        u;
    ngx_pad_ctx_t      *ctx;
    ngx_pad_atext_t     at;
    ngx_pad_payload_t  *p;

    ctx = ngx_pad_engine->ctx;

    if (rev != pad->head + 1 || pad->state != NGX_PAD_READY) {
        ngx_log_error(NGX_LOG_ALERT, ngx_pad_engine->log, 0,
                      "pad: \"%V\": revision %L is not head + 1 (%L)",
                      &pad->id, rev, pad->head + 1);
        goto failed;
    }

    if (ngx_pad_cs_unpack(ctx, cs, &u) != NGX_PAD_CS_OK
        || u.old_len != pad->text_len16)
    {
        ngx_log_error(NGX_LOG_ERR, ngx_pad_engine->log, 0,
                      "pad: \"%V\": revision %L does not apply: %s",
                      &pad->id, rev, ngx_pad_ctx_error(ctx));
        goto failed;
    }

    if (new_atext == NULL) {
        if (ngx_pad_pad_apply_atext(pad, rev, cs, &at) != NGX_OK) {
            goto failed;
        }

    } else {
        at = *new_atext;
    }

    if (ngx_pad_pad_wire(pad, rev, cs, author, time, &item, &p) != NGX_OK) {
        goto failed_atext;
    }

    if (ngx_pad_pad_keep(pad, rev, cs, author, time, origin, item, p)
        != NGX_OK)
    {
        ngx_pad_payload_unref(p);
        free(item);
        goto failed_atext;
    }

    ngx_free((void *) pad->atext.text.data);
    ngx_free((void *) pad->atext.attribs.data);
    pad->atext = at;
    pad->text_len16 = u.new_len;

    pad->head = rev;
    pad->head_time = time;

    if (pad->first_rev < 0 || pad->head - pad->first_rev
                              >= (int64_t) pad->window_cap)
    {
        pad->first_rev = pad->head - pad->window_cap + 1;
    }

    if (pad->first_rev < 0) {
        pad->first_rev = 0;
    }

    ngx_pad_ctx_reset(ctx);

    ngx_log_debug3(NGX_LOG_DEBUG_EVENT, ngx_pad_engine->log, 0,
                   "pad: \"%V\": head %L (window from %L)", &pad->id,
                   pad->head, pad->first_rev);

    ngx_pad_pad_post_flush(pad);

    return NGX_OK;

failed_atext:

    if (new_atext == NULL) {
        ngx_free((void *) at.text.data);
        ngx_free((void *) at.attribs.data);
    }

failed:

    if (new_atext) {
        ngx_free((void *) new_atext->text.data);
        ngx_free((void *) new_atext->attribs.data);
    }

    ngx_pad_ctx_reset(ctx);

    /*
     * A revision that does not apply to this copy: the copy and Redis
     * may hold different histories (Redis lost data).  Commits wait until
     * the copy is compared; otherwise a commit would meet the same
     * revisions again at every retry.
     */
    ngx_pad_engine->pad_check(pad);

    return NGX_ERROR;
}


void
ngx_pad_pad_post_flush(ngx_pad_pad_t *pad)
{
    if (!pad->flush_ev.posted) {
        ngx_post_event(&pad->flush_ev, &ngx_posted_events);
    }
}


void
ngx_pad_pad_window_free(ngx_pad_pad_t *pad)
{
    ngx_uint_t  i;

    for (i = 0; i < pad->window_cap; i++) {
        ngx_pad_rev_clear(&pad->window[i]);
    }

    ngx_free(pad->window);
    pad->window = NULL;
}
