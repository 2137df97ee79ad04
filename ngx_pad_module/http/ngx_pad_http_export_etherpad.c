
/*
 * ngx_pad_module: the ".etherpad" export, streamed.
 *
 * As Etherpad's ExportEtherpad.getPadRaw: every record of the pad, its
 * revisions 0..head, chat messages 0..chatHead and the authors of its
 * pool, as one JSON object (application/json).  A revision in the URL
 * does not cut the history (Etherpad's ExportHandler ignores it for this
 * type).  The states, in order:
 *
 *   LOAD     the head, chat head and pool (load.lua);
 *   PUBLIC   the public status;
 *   SAVED    the saved revisions (those up to the head, by number);
 *   REVS     revision records in batches of NGX_PAD_HTTP_EXPORT_EP_BATCH,
 *            applied to the AText in turn (key revisions carry it), each
 *            batch sent before the next is read;
 *   CHAT     chat records, in batches the same way;
 *   AUTHORS  globalAuthor records, one author at a time;
 *   PAD      the pad record (the AText at the head) and the end.
 *
 * Memory is one batch, the pad's AText and its pool, whatever the number
 * of revisions.  A failure after the headers were sent (Redis lost, a
 * corrupt revision) is logged and the connection closed, so the client
 * sees a truncated body, never a complete-looking wrong file.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <jansson.h>

#include "msg/ngx_pad_msg.h"
#include "store/ngx_pad_store.h"
#include "store/ngx_pad_store_group.h"
#include "etherpad/ngx_pad_etherpad.h"
#include "http/ngx_pad_http_export_etherpad.h"


extern ngx_module_t  ngx_pad_module;


typedef enum {
    NGX_PAD_EP_LOAD = 0,
    NGX_PAD_EP_PUBLIC,
    NGX_PAD_EP_SAVED,
    NGX_PAD_EP_REVS,
    NGX_PAD_EP_CHAT,
    NGX_PAD_EP_AUTHORS,
    NGX_PAD_EP_PAD,
    NGX_PAD_EP_DONE
} ngx_pad_ep_state_e;


typedef struct {
    ngx_http_request_t        *r;
    ngx_str_t                  pad;
    ngx_str_t                  name;
    ngx_pad_ep_state_e         state;
    ngx_pad_store_req_t       *sreq;

    ngx_int_t                  head;
    ngx_int_t                  chat_head;
    ngx_int_t                  next;         /* revision or chat to read */
    ngx_uint_t                 is_public;
    ngx_str_t                  pool_json;    /* in r->pool */
    ngx_str_t                  saved;        /* JSON array, in r->pool */
    ngx_array_t                authors;      /* ngx_str_t, in r->pool */
    ngx_uint_t                 author;       /* the next one */

    ngx_pad_pool_t            *apool;
    ngx_pad_ctx_t             *es;
    ngx_pad_str_t              text;         /* ngx_alloc()ed */
    ngx_pad_str_t              attribs;      /* ngx_alloc()ed */
    ngx_pad_str_t              pending;      /* composed, not applied */

    ngx_pad_etherpad_w_t       w;
    ngx_buf_t                  buf;
    ngx_chain_t                out;
    ngx_uint_t                 sending;      /* w's bytes in the output */
} ngx_pad_ep_ctx_t;


static void ngx_pad_ep_step(ngx_pad_ep_ctx_t *ctx);
static void ngx_pad_ep_loaded(void *data, ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_ep_pool(ngx_pad_ep_ctx_t *ctx,
    ngx_pad_store_result_t *res);
static void ngx_pad_ep_public(void *data, ngx_pad_store_result_t *res);
static void ngx_pad_ep_saved(void *data, ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_ep_header(ngx_pad_ep_ctx_t *ctx);
static void ngx_pad_ep_revs(void *data, ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_ep_rev(ngx_pad_ep_ctx_t *ctx, ngx_str_t *record);
static void ngx_pad_ep_chat(void *data, ngx_pad_store_result_t *res);
static void ngx_pad_ep_author(void *data, ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_ep_set(ngx_pad_str_t *dst, const char *data,
    size_t len, ngx_log_t *log);
static void ngx_pad_ep_flush(ngx_pad_ep_ctx_t *ctx, ngx_uint_t last);
static void ngx_pad_ep_writer(ngx_http_request_t *r);
static void ngx_pad_ep_fail(ngx_pad_ep_ctx_t *ctx, ngx_uint_t status,
    const char *why);
static void ngx_pad_ep_cleanup(void *data);
static void ngx_pad_ep_finalize(ngx_http_request_t *r, ngx_int_t rc);


static ngx_str_t  ngx_pad_ep_type = ngx_string("application/json; "
                                               "charset=utf-8");


ngx_int_t
ngx_pad_http_export_etherpad(ngx_http_request_t *r, ngx_str_t *pad,
    ngx_str_t *name)
{
    ngx_pad_str_t        id;
    ngx_pool_cleanup_t  *cln;
    ngx_pad_ep_ctx_t    *ctx;

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_pad_ep_ctx_t));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_array_init(&ctx->authors, r->pool, 4, sizeof(ngx_str_t))
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->r = r;
    ctx->pad = *pad;
    ctx->name = *name;

    id.data = (const char *) name->data;
    id.len = name->len;
    ngx_pad_etherpad_init(&ctx->w, &id);

    cln->handler = ngx_pad_ep_cleanup;
    cln->data = ctx;

    ngx_http_set_ctx(r, ctx, ngx_pad_module);

    ctx->state = NGX_PAD_EP_LOAD;
    ctx->sreq = ngx_pad_store_load(&ctx->pad, -1, ngx_pad_ep_loaded, ctx);

    return ctx->sreq ? NGX_OK : NGX_HTTP_SERVICE_UNAVAILABLE;
}


/* the next read, or the end, once the previous bytes went out */

static void
ngx_pad_ep_step(ngx_pad_ep_ctx_t *ctx)
{
    ngx_int_t             to;
    ngx_str_t            *a;
    ngx_pad_atext_t       at;
    ngx_pad_store_req_t  *sreq;

    sreq = NULL;

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, ctx->r->connection->log, 0,
                   "pad export etherpad: \"%V\" state %d next %i",
                   &ctx->pad, (int) ctx->state, ctx->next);

    switch (ctx->state) {

    case NGX_PAD_EP_REVS:
        if (ctx->next <= ctx->head) {
            to = ngx_min(ctx->head,
                         ctx->next + NGX_PAD_HTTP_EXPORT_EP_BATCH - 1);
            sreq = ngx_pad_store_revs(&ctx->pad, ctx->next, to,
                                      ngx_pad_ep_revs, ctx);
            break;
        }

        ctx->state = NGX_PAD_EP_CHAT;
        ctx->next = 0;

        /* fall through */

    case NGX_PAD_EP_CHAT:
        if (ctx->next <= ctx->chat_head) {
            to = ngx_min(ctx->chat_head,
                         ctx->next + NGX_PAD_HTTP_EXPORT_EP_BATCH - 1);
            sreq = ngx_pad_store_chat_range(&ctx->pad, ctx->next, to,
                                            ngx_pad_ep_chat, ctx);
            break;
        }

        ctx->state = NGX_PAD_EP_AUTHORS;

        /* fall through */

    case NGX_PAD_EP_AUTHORS:
        if (ctx->author < ctx->authors.nelts) {
            a = ctx->authors.elts;
            sreq = ngx_pad_store_author_record(&a[ctx->author],
                                               ngx_pad_ep_author, ctx);
            break;
        }

        ctx->state = NGX_PAD_EP_PAD;

        /* fall through */

    case NGX_PAD_EP_PAD:
        at.text = ctx->text;
        at.attribs = ctx->attribs;

        {
            ngx_pad_str_t  pool, saved;

            pool.data = (const char *) ctx->pool_json.data;
            pool.len = ctx->pool_json.len;
            saved.data = (const char *) ctx->saved.data;
            saved.len = ctx->saved.len;

            if (ngx_pad_etherpad_pad(&ctx->w, &at, &pool, ctx->head,
                                     ctx->chat_head, ctx->is_public, &saved)
                != 0
                || ngx_pad_etherpad_end(&ctx->w) != 0)
            {
                ngx_pad_ep_fail(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                "out of memory");
                return;
            }
        }

        ctx->state = NGX_PAD_EP_DONE;
        ngx_pad_ep_flush(ctx, 1);
        return;

    case NGX_PAD_EP_DONE:
        ngx_pad_ep_finalize(ctx->r, NGX_OK);
        return;

    default:
        return;
    }

    if (sreq == NULL) {
        ngx_pad_ep_fail(ctx, NGX_HTTP_SERVICE_UNAVAILABLE, NULL);
        return;
    }

    ctx->sreq = sreq;
}


static void
ngx_pad_ep_loaded(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_ep_ctx_t  *ctx = data;

    ctx->sreq = NULL;

    if (res->status == NGX_DECLINED) {
        ngx_pad_ep_fail(ctx, NGX_HTTP_NOT_FOUND, NULL);
        return;
    }

    if (res->status != NGX_OK) {
        ngx_pad_ep_fail(ctx, NGX_HTTP_SERVICE_UNAVAILABLE, NULL);
        return;
    }

    ctx->head = res->head;
    ctx->chat_head = res->chat_head;

    if (ngx_pad_ep_pool(ctx, res) != NGX_OK) {
        ngx_pad_ep_fail(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR, "bad pool");
        return;
    }

    ctx->es = ngx_pad_ctx_create();

    if (ctx->es == NULL
        || ngx_pad_ep_set(&ctx->text, "\n", 1, ctx->r->connection->log)
           != NGX_OK
        || ngx_pad_ep_set(&ctx->attribs, "|1+1", 4, ctx->r->connection->log)
           != NGX_OK)
    {
        ngx_pad_ep_fail(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR, "no memory");
        return;
    }

    ctx->state = NGX_PAD_EP_PUBLIC;
    ctx->sreq = ngx_pad_store_public(&ctx->pad, NULL, ngx_pad_ep_public, ctx);

    if (ctx->sreq == NULL) {
        ngx_pad_ep_fail(ctx, NGX_HTTP_SERVICE_UNAVAILABLE, NULL);
    }
}


/* the pool (its JSON kept for the records) and the authors in it */

static ngx_int_t
ngx_pad_ep_pool(ngx_pad_ep_ctx_t *ctx, ngx_pad_store_result_t *res)
{
    u_char        *p;
    json_t        *j, *n2a, *e, *k, *v;
    ngx_str_t     *a;
    const char    *num;
    json_error_t   err;

    p = ngx_pnalloc(ctx->r->pool, res->pool.len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(p, res->pool.data, res->pool.len);
    ctx->pool_json.data = p;
    ctx->pool_json.len = res->pool.len;

    j = json_loadb((char *) p, res->pool.len, 0, &err);
    if (j == NULL) {
        return NGX_ERROR;
    }

    ctx->apool = ngx_pad_pool_create();

    if (ctx->apool == NULL
        || ngx_pad_msg_pool_from_json(j, ctx->apool, NGX_PAD_CS_NUM_MAX) != 0)
    {
        json_decref(j);
        return NGX_ERROR;
    }

    n2a = json_object_get(j, "numToAttrib");

    json_object_foreach(n2a, num, e) {
        k = json_array_get(e, 0);
        v = json_array_get(e, 1);

        if (!json_is_string(k) || !json_is_string(v)
            || ngx_strcmp(json_string_value(k), "author") != 0
            || json_string_length(v) == 0)
        {
            continue;
        }

        a = ngx_array_push(&ctx->authors);
        if (a == NULL) {
            json_decref(j);
            return NGX_ERROR;
        }

        a->len = json_string_length(v);
        a->data = ngx_pnalloc(ctx->r->pool, a->len);
        if (a->data == NULL) {
            json_decref(j);
            return NGX_ERROR;
        }

        ngx_memcpy(a->data, json_string_value(v), a->len);
    }

    json_decref(j);

    return NGX_OK;
}


static void
ngx_pad_ep_public(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_ep_ctx_t  *ctx = data;

    ctx->sreq = NULL;

    if (res->status == NGX_DECLINED) {
        ngx_pad_ep_fail(ctx, NGX_HTTP_NOT_FOUND, NULL);
        return;
    }

    if (res->status != NGX_OK) {
        ngx_pad_ep_fail(ctx, NGX_HTTP_SERVICE_UNAVAILABLE, NULL);
        return;
    }

    ctx->is_public = res->created ? 1 : 0;
    ctx->state = NGX_PAD_EP_SAVED;
    ctx->sreq = ngx_pad_store_saved_get(&ctx->pad, ngx_pad_ep_saved, ctx);

    if (ctx->sreq == NULL) {
        ngx_pad_ep_fail(ctx, NGX_HTTP_SERVICE_UNAVAILABLE, NULL);
    }
}


/*
 * Pad.savedRevisions: the records in the order they were saved, which
 * is the order of their revisions (check() wants them increasing); only
 * those up to the head read.
 */

static void
ngx_pad_ep_saved(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_ep_ctx_t  *ctx = data;

    u_char        *p;
    size_t         len;
    int64_t        rev, *revs;
    json_t        *j;
    ngx_str_t      s;
    ngx_uint_t     i, k, n, *order, o;
    json_error_t   err;

    ctx->sreq = NULL;

    if (res->status != NGX_OK) {
        ngx_pad_ep_fail(ctx, NGX_HTTP_SERVICE_UNAVAILABLE, NULL);
        return;
    }

    len = 2;
    for (i = 0; i < res->nitems; i++) {
        len += res->items[i].len + 1;
    }

    p = ngx_pnalloc(ctx->r->pool, len);
    revs = ngx_palloc(ctx->r->pool, (res->nitems + 1) * sizeof(int64_t));
    order = ngx_palloc(ctx->r->pool, (res->nitems + 1) * sizeof(ngx_uint_t));

    if (p == NULL || revs == NULL || order == NULL) {
        ngx_pad_ep_fail(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR, "no memory");
        return;
    }

    n = 0;

    for (i = 0; i < res->nitems; i++) {
        j = json_loadb((char *) res->items[i].data, res->items[i].len, 0,
                       &err);

        if (j == NULL || ngx_pad_msg_get_int(j, "revNum", &rev) != 0
            || rev < 0 || rev > ctx->head)
        {
            json_decref(j);
            continue;
        }

        json_decref(j);

        /* insertion by revision: a few saved revisions per pad */

        for (k = n; k > 0 && revs[k - 1] > rev; k--) {
            revs[k] = revs[k - 1];
            order[k] = order[k - 1];
        }

        revs[k] = rev;
        order[k] = i;
        n++;
    }

    ctx->saved.data = p;
    *p++ = '[';

    for (k = 0; k < n; k++) {
        o = order[k];
        s = res->items[o];

        if (k) {
            *p++ = ',';
        }

        p = ngx_cpymem(p, s.data, s.len);
    }

    *p++ = ']';
    ctx->saved.len = p - ctx->saved.data;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, ctx->r->connection->log, 0,
                   "pad export etherpad: \"%V\" %ui saved revisions",
                   &ctx->pad, n);

    if (ngx_pad_ep_header(ctx) != NGX_OK) {
        return;
    }

    ctx->state = NGX_PAD_EP_REVS;
    ctx->next = 0;

    if (ngx_pad_etherpad_begin(&ctx->w) != 0) {
        ngx_pad_ep_fail(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR, "no memory");
        return;
    }

    ngx_pad_ep_step(ctx);
}


static ngx_int_t
ngx_pad_ep_header(ngx_pad_ep_ctx_t *ctx)
{
    ngx_int_t            rc;
    ngx_http_request_t  *r;

    r = ctx->r;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = -1;
    r->headers_out.content_type = ngx_pad_ep_type;
    r->headers_out.content_type_len = ngx_pad_ep_type.len;
    r->headers_out.content_type_lowcase = NULL;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        ctx->state = NGX_PAD_EP_DONE;
        ngx_pad_ep_finalize(r, rc);
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void
ngx_pad_ep_revs(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_ep_ctx_t  *ctx = data;

    ngx_uint_t  i;

    ctx->sreq = NULL;

    if (res->status != NGX_OK) {
        ngx_pad_ep_fail(ctx, NGX_HTTP_SERVICE_UNAVAILABLE, NULL);
        return;
    }

    if (res->from != ctx->next || res->nitems == 0) {
        ngx_pad_ep_fail(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR,
                        "revisions missing");
        return;
    }

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, ctx->r->connection->log, 0,
                   "pad export etherpad: \"%V\" batch of %ui revisions "
                   "from %i", &ctx->pad, res->nitems, res->from);

    for (i = 0; i < res->nitems && ctx->next <= ctx->head; i++) {
        if (ngx_pad_ep_rev(ctx, &res->items[i]) != NGX_OK) {
            ngx_pad_ep_fail(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR,
                            "corrupt revision");
            return;
        }
    }

    ngx_pad_ep_flush(ctx, 0);
}


/* one revision: applied to the AText, then written */

static ngx_int_t
ngx_pad_ep_rev(ngx_pad_ep_ctx_t *ctx, ngx_str_t *record)
{
    int               rc;
    json_t           *rec;
    int64_t           rev, ts;
    intptr_t          arc;
    ngx_log_t        *log;
    json_error_t      err;
    ngx_pad_str_t     cs, author;
    ngx_pad_atext_t   at, aout;

    log = ctx->r->connection->log;

    if (record->len == 0) {
        return NGX_ERROR;
    }

    rec = json_loadb((char *) record->data, record->len, 0, &err);
    if (rec == NULL) {
        return NGX_ERROR;
    }

    if (ngx_pad_msg_get_str(rec, "cs", &cs) != 0
        || ngx_pad_msg_get_int(rec, "rev", &rev) != 0
        || rev != ctx->next)
    {
        json_decref(rec);
        return NGX_ERROR;
    }

    if (ngx_pad_msg_get_str(rec, "author", &author) != 0) {
        author.data = "";
        author.len = 0;
    }

    if (ngx_pad_msg_get_int(rec, "ts", &ts) != 0 || ts <= 0) {
        ts = 1;     /* check(): a timestamp > 0 */
    }

    /*
     * The AText is needed at key revisions and at the head only: the
     * revisions between are composed (a few bytes each) and applied to
     * the text once, not once each (the text may be megabytes).
     */

    if (ctx->pending.data == NULL) {
        arc = ngx_pad_ep_set(&ctx->pending, cs.data, cs.len, log) == NGX_OK
              ? NGX_PAD_CS_OK : -1;

    } else {
        arc = ngx_pad_cs_compose(ctx->es, &ctx->pending, &cs, ctx->apool,
                                 &aout.text);
        if (arc == NGX_PAD_CS_OK
            && ngx_pad_ep_set(&ctx->pending, aout.text.data, aout.text.len,
                              log)
               != NGX_OK)
        {
            arc = -1;
        }

        ngx_pad_ctx_reset(ctx->es);
    }

    if (arc == NGX_PAD_CS_OK
        && (rev % NGX_PAD_ETHERPAD_KEY_REVS == 0 || rev == ctx->head))
    {
        at.text = ctx->text;
        at.attribs = ctx->attribs;

        arc = ngx_pad_cs_apply_to_atext(ctx->es, &ctx->pending, &at,
                                        ctx->apool, &aout);

        if (arc == NGX_PAD_CS_OK
            && (ngx_pad_ep_set(&ctx->text, aout.text.data, aout.text.len,
                               log)
                != NGX_OK
                || ngx_pad_ep_set(&ctx->attribs, aout.attribs.data,
                                  aout.attribs.len, log)
                   != NGX_OK))
        {
            arc = -1;
        }

        ngx_pad_ctx_reset(ctx->es);
        ngx_free((void *) ctx->pending.data);
        ctx->pending.data = NULL;
        ctx->pending.len = 0;
    }

    if (arc != NGX_PAD_CS_OK) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "pad export etherpad: \"%V\": revision %L does not "
                      "apply: %s", &ctx->pad, rev, ngx_pad_ctx_error(ctx->es));
        json_decref(rec);
        return NGX_ERROR;
    }

    at.text = ctx->text;
    at.attribs = ctx->attribs;

    {
        ngx_pad_str_t  pool;

        pool.data = (const char *) ctx->pool_json.data;
        pool.len = ctx->pool_json.len;

        rc = ngx_pad_etherpad_rev(&ctx->w, rev, &cs, &author, ts,
                                  rev % NGX_PAD_ETHERPAD_KEY_REVS ? NULL
                                                                  : &at,
                                  &pool);
    }

    json_decref(rec);

    if (rc != 0) {
        return NGX_ERROR;
    }

    ctx->next++;

    return NGX_OK;
}


static void
ngx_pad_ep_chat(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_ep_ctx_t  *ctx = data;

    json_t         *rec, *t;
    int64_t         time;
    ngx_uint_t      i;
    json_error_t    err;
    ngx_pad_str_t   text, author;

    ctx->sreq = NULL;

    if (res->status != NGX_OK) {
        ngx_pad_ep_fail(ctx, NGX_HTTP_SERVICE_UNAVAILABLE, NULL);
        return;
    }

    for (i = 0; i < res->nitems && ctx->next <= ctx->chat_head; i++) {
        rec = res->items[i].len
              ? json_loadb((char *) res->items[i].data, res->items[i].len,
                           0, &err)
              : NULL;

        if (rec == NULL) {
            /* check(): every message up to chatHead: a lost one empty */
            text.data = "";
            text.len = 0;
            author = text;
            time = 1;

        } else {
            if (ngx_pad_msg_get_str(rec, "text", &text) != 0) {
                text.data = "";
                text.len = 0;
            }

            if (ngx_pad_msg_get_str(rec, "authorId", &author) != 0) {
                author.data = "";
                author.len = 0;
            }

            /* the HTTP API keeps its time as given: a number for Etherpad */
            t = json_object_get(rec, "time");
            time = json_is_integer(t) ? json_integer_value(t)
                   : json_is_real(t) ? (int64_t) json_real_value(t)
                   : json_is_string(t) ? strtoll(json_string_value(t), NULL,
                                                 10)
                   : 0;
        }

        if (ngx_pad_etherpad_chat(&ctx->w, ctx->next, &text, &author, time)
            != 0)
        {
            json_decref(rec);
            ngx_pad_ep_fail(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR, "no memory");
            return;
        }

        json_decref(rec);
        ctx->next++;
    }

    if (i == 0) {
        ngx_pad_ep_fail(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR,
                        "chat messages missing");
        return;
    }

    ngx_pad_ep_flush(ctx, 0);
}


static void
ngx_pad_ep_author(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_ep_ctx_t  *ctx = data;

    ngx_str_t      *a;
    ngx_pad_str_t   id, name, color;

    ctx->sreq = NULL;

    if (res->status == NGX_ERROR) {
        ngx_pad_ep_fail(ctx, NGX_HTTP_SERVICE_UNAVAILABLE, NULL);
        return;
    }

    a = ctx->authors.elts;
    a = &a[ctx->author++];

    /* ExportEtherpad: an author without a record is left out */

    if (res->status == NGX_OK) {
        id.data = (const char *) a->data;
        id.len = a->len;
        name.data = (const char *) res->name.data;
        name.len = res->name.len;
        color.data = (const char *) res->color.data;
        color.len = res->color.len;

        if (color.len == 0) {
            color.data = "0";
            color.len = 1;
        }

        if (ngx_pad_etherpad_author(&ctx->w, &id, &name, &color, res->ts)
            != 0)
        {
            ngx_pad_ep_fail(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR, "no memory");
            return;
        }
    }

    if (ctx->w.len >= 4096 || ctx->author == ctx->authors.nelts) {
        ngx_pad_ep_flush(ctx, 0);
        return;
    }

    ngx_pad_ep_step(ctx);
}


static ngx_int_t
ngx_pad_ep_set(ngx_pad_str_t *dst, const char *data, size_t len,
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


/*
 * The writer's bytes into the output; the next step once they are all
 * out of the buffer (the write filter holds the buffer until then).
 */

static void
ngx_pad_ep_flush(ngx_pad_ep_ctx_t *ctx, ngx_uint_t last)
{
    ngx_int_t            rc;
    ngx_http_request_t  *r;

    r = ctx->r;

    ngx_memzero(&ctx->buf, sizeof(ngx_buf_t));

    ctx->buf.pos = (u_char *) ctx->w.data;
    ctx->buf.last = (u_char *) ctx->w.data + ctx->w.len;
    ctx->buf.memory = ctx->w.len ? 1 : 0;
    ctx->buf.flush = 1;
    ctx->buf.last_buf = last && r == r->main;
    ctx->buf.last_in_chain = last;

    ctx->out.buf = &ctx->buf;
    ctx->out.next = NULL;

    ctx->sending = 1;

    rc = ngx_http_output_filter(r, &ctx->out);

    if (rc == NGX_ERROR) {
        ctx->state = NGX_PAD_EP_DONE;
        ngx_pad_ep_finalize(r, NGX_ERROR);
        return;
    }

    r->write_event_handler = ngx_pad_ep_writer;

    ngx_pad_ep_writer(r);
}


static void
ngx_pad_ep_writer(ngx_http_request_t *r)
{
    ngx_int_t                  rc;
    ngx_event_t               *wev;
    ngx_pad_ep_ctx_t          *ctx;
    ngx_http_core_loc_conf_t  *clcf;

    ctx = ngx_http_get_module_ctx(r, ngx_pad_module);
    if (ctx == NULL || !ctx->sending) {
        return;
    }

    wev = r->connection->write;

    if (wev->timedout) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, NGX_ETIMEDOUT,
                      "pad export etherpad: client timed out");
        r->connection->timedout = 1;
        ctx->sending = 0;
        ctx->state = NGX_PAD_EP_DONE;
        ngx_pad_ep_finalize(r, NGX_HTTP_REQUEST_TIME_OUT);
        return;
    }

    if (ctx->buf.pos != ctx->buf.last || r->out || r->connection->buffered)
    {
        rc = ngx_http_output_filter(r, NULL);

        if (rc == NGX_ERROR) {
            ctx->sending = 0;
            ctx->state = NGX_PAD_EP_DONE;
            ngx_pad_ep_finalize(r, NGX_ERROR);
            return;
        }

        if (ctx->buf.pos != ctx->buf.last || r->out
            || r->connection->buffered)
        {
            clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

            if (!wev->delayed) {
                ngx_add_timer(wev, clcf->send_timeout);
            }

            if (ngx_handle_write_event(wev, clcf->send_lowat) != NGX_OK) {
                ctx->sending = 0;
                ctx->state = NGX_PAD_EP_DONE;
                ngx_pad_ep_finalize(r, NGX_ERROR);
            }

            return;
        }
    }

    if (wev->timer_set) {
        ngx_del_timer(wev);
    }

    ctx->sending = 0;
    ngx_pad_etherpad_sent(&ctx->w);

    ngx_pad_ep_step(ctx);
}


/*
 * Before the headers: the status (404 text as the other exports, 503 or
 * 500); after them: the connection closed (a truncated body).
 */

static void
ngx_pad_ep_fail(ngx_pad_ep_ctx_t *ctx, ngx_uint_t status, const char *why)
{
    size_t               len;
    ngx_int_t            rc;
    ngx_buf_t           *b;
    ngx_uint_t           i, level;
    ngx_list_part_t     *part;
    ngx_chain_t          out;
    ngx_table_elt_t     *h;
    ngx_http_request_t  *r;

    r = ctx->r;
    ctx->state = NGX_PAD_EP_DONE;

    if (status == NGX_HTTP_SERVICE_UNAVAILABLE && why == NULL) {
        why = "redis unavailable";
    }

    if (why) {
        level = (status == NGX_HTTP_SERVICE_UNAVAILABLE) ? NGX_LOG_INFO
                                                         : NGX_LOG_ERR;
        ngx_log_error(level, r->connection->log, 0,
                      "pad export etherpad: \"%V\": %s%s", &ctx->pad, why,
                      r->header_sent ? ", export cut short" : "");
    }

    if (r->header_sent) {
        r->connection->error = 1;
        ngx_pad_ep_finalize(r, NGX_ERROR);
        return;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        ngx_pad_ep_finalize(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    b->pos = (u_char *) (status == NGX_HTTP_NOT_FOUND ? "404 - Not Found"
                         : status == NGX_HTTP_SERVICE_UNAVAILABLE
                           ? "pad storage unavailable"
                           : "pad export failed");
    len = ngx_strlen(b->pos);
    b->last = b->pos + len;
    b->memory = 1;
    b->last_buf = 1;

    /* not an attachment any more: the caller's Content-Disposition off */

    for (part = &r->headers_out.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (h[i].key.len == sizeof("Content-Disposition") - 1
                && ngx_strncasecmp(h[i].key.data,
                                   (u_char *) "Content-Disposition",
                                   h[i].key.len) == 0)
            {
                h[i].hash = 0;
            }
        }
    }

    r->headers_out.status = status;
    r->headers_out.content_length_n = len;
    ngx_str_set(&r->headers_out.content_type, "text/plain; charset=utf-8");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        ngx_pad_ep_finalize(r, rc);
        return;
    }

    out.buf = b;
    out.next = NULL;

    ngx_pad_ep_finalize(r, ngx_http_output_filter(r, &out));
}


static void
ngx_pad_ep_cleanup(void *data)
{
    ngx_pad_ep_ctx_t  *ctx = data;

    if (ctx->sreq) {
        ngx_pad_store_cancel(ctx->sreq);
        ctx->sreq = NULL;
    }

    if (ctx->es) {
        ngx_pad_ctx_destroy(ctx->es);
        ctx->es = NULL;
    }

    if (ctx->apool) {
        ngx_pad_pool_destroy(ctx->apool);
        ctx->apool = NULL;
    }

    ngx_free((void *) ctx->text.data);
    ngx_free((void *) ctx->attribs.data);
    ngx_free((void *) ctx->pending.data);
    ctx->text.data = NULL;
    ctx->attribs.data = NULL;
    ctx->pending.data = NULL;

    ngx_pad_etherpad_free(&ctx->w);
}


/*
 * Finalizing from a Redis answer is outside the request's event handler:
 * a request terminated (NGX_ERROR) is only posted, so the posted
 * requests run here, or the connection would wait for a client event
 * that a client only reading never sends.
 */

static void
ngx_pad_ep_finalize(ngx_http_request_t *r, ngx_int_t rc)
{
    ngx_connection_t  *c;

    c = r->connection;

    ngx_http_finalize_request(r, rc);
    ngx_http_run_posted_requests(c);
}
