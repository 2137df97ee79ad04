
/*
 * ngx_pad_module: the HTTP API's restoreRevision (API.ts), and the
 * pieces of a revision made from another AText that the copies use too
 * (ngx_pad_http_api_copy.c): authorId's check, the changeset replacing
 * a text by an AText, appendRevision's author entry.
 *
 * restoreRevision is one revision appended on the head just read, as
 * setText (ngx_pad_http_api_write.c): it replaces the whole AText by the
 * AText of revision "rev", so that the pad's text and attributes equal
 * that revision's; append.lua publishes it to every worker holding the
 * pad.  When the head moved (NGX_DECLINED) or the pad is of another
 * history (NGX_ABORT), both are read again, NGX_PAD_API_RESTORE_TRIES
 * times at most.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "easysync/ngx_pad_cs.h"
#include "easysync/ngx_pad_cs_str.h"
#include "http/ngx_pad_http_api.h"




typedef struct {
    ngx_str_t                  author;
    ngx_pad_http_pad_t         cur;        /* the pad at its head */
    ngx_pad_ctx_t             *es;
} ngx_pad_api_restore_t;


static u_char *ngx_pad_api_b36(u_char *p, uintptr_t n);
static void ngx_pad_api_restore(ngx_pad_api_t *api);
static void ngx_pad_api_restore_cleanup(ngx_pad_api_t *api);
static void ngx_pad_api_restore_head(ngx_pad_api_t *api);
static void ngx_pad_api_restore_old(ngx_pad_api_t *api);
static void ngx_pad_api_restore_appended(void *data,
    ngx_pad_store_result_t *res);


const ngx_pad_api_fn_t  ngx_pad_api_restore_fns[] = {

    { ngx_string("restoreRevision"), NGX_PAD_API_V1_2_11,
      { "padID", "rev", NULL }, { "padID", "rev", "authorId", NULL },
      ngx_pad_api_restore },

    { ngx_null_string, 0, { NULL }, { NULL }, NULL }
};


/* authorId: it goes into the pad's records, UTF-8 without U+0000 */

ngx_int_t
ngx_pad_api_author_arg(ngx_pad_api_t *api, ngx_str_t *author)
{
    intptr_t        len16, nl;
    ngx_str_t      *a;
    ngx_pad_str_t   s;

    ngx_str_null(author);

    a = ngx_pad_api_arg(api, "authorId");
    if (a == NULL) {
        return NGX_OK;
    }

    s.data = (const char *) a->data;
    s.len = a->len;

    if (ngx_pad_utf8_check(&s, &len16, &nl) != 0
        || ngx_strlchr(a->data, a->data + a->len, '\0'))
    {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "authorId is not a string");
        return NGX_ERROR;
    }

    *author = *a;

    return NGX_OK;
}


/* n in base 36, as Number.toString(36) */

static u_char *
ngx_pad_api_b36(u_char *p, uintptr_t n)
{
    u_char   tmp[NGX_INT_T_LEN], *t;

    t = tmp + sizeof(tmp);

    do {
        *--t = "0123456789abcdefghijklmnopqrstuvwxyz"[n % 36];
        n /= 36;
    } while (n);

    return ngx_cpymem(p, t, tmp + sizeof(tmp) - t);
}


/*
 * The changeset that takes the text "old" to the AText "to": the whole
 * text deleted, the new one inserted with its attributes (the form of
 * setHTML's revisions).  Lengths in UTF-16 units, base 36.
 */

ngx_int_t
ngx_pad_api_replace_cs(ngx_pad_ctx_t *es, const ngx_pad_str_t *old,
    const ngx_pad_atext_t *to, ngx_pad_str_t *out)
{
    u_char        *p, *ops;
    size_t         i, nl;
    intptr_t       old16, new16;
    ngx_pad_str_t  o;

    if (ngx_pad_utf16_len(es, old, &old16) != NGX_PAD_CS_OK
        || ngx_pad_utf16_len(es, &to->text, &new16) != NGX_PAD_CS_OK
        || old16 < 1 || old->data[old->len - 1] != '\n')
    {
        return NGX_ERROR;
    }

    nl = 0;

    for (i = 0; i < old->len; i++) {
        nl += (old->data[i] == '\n');
    }

    ops = ngx_alloc(2 * NGX_INT_T_LEN + 4 + to->attribs.len, ngx_cycle->log);
    if (ops == NULL) {
        return NGX_ERROR;
    }

    p = ops;
    *p++ = '|';
    p = ngx_pad_api_b36(p, (uintptr_t) nl);
    *p++ = '-';
    p = ngx_pad_api_b36(p, (uintptr_t) old16);
    p = ngx_cpymem(p, to->attribs.data, to->attribs.len);

    o.data = (const char *) ops;
    o.len = p - ops;

    if (ngx_pad_cs_pack(es, old16, new16, &o, &to->text, out)
        != NGX_PAD_CS_OK
        || ngx_pad_cs_check_rep(es, out) != NGX_PAD_CS_OK)
    {
        ngx_free(ops);
        return NGX_ERROR;
    }

    ngx_free(ops);

    return NGX_OK;
}


/*
 * appendRevision's putAttrib(["author", authorId]): entry->len 0 when the
 * pool has it (or there is no author), else the new entry's JSON (in the
 * request's pool), numbered the pool's nextNum.
 */

ngx_int_t
ngx_pad_api_author_entry(ngx_pad_api_t *api, ngx_pad_pool_t *pool,
    ngx_str_t *author, ngx_str_t *entry)
{
    char           *s;
    json_t         *j;
    ngx_pad_str_t   k, v;

    ngx_str_null(entry);

    if (author->len == 0) {
        return NGX_OK;
    }

    k.data = "author";
    k.len = 6;
    v.data = (const char *) author->data;
    v.len = author->len;

    if (ngx_pad_pool_put_attrib(pool, &k, &v, 1) >= 0) {
        return NGX_OK;
    }

    j = json_pack("[s,s%]", "author", (char *) author->data,
                  (size_t) author->len);
    s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);

    if (s == NULL) {
        return NGX_ERROR;
    }

    entry->len = ngx_strlen(s);
    entry->data = ngx_pnalloc(api->r->pool, entry->len);

    if (entry->data == NULL) {
        free(s);
        return NGX_ERROR;
    }

    ngx_memcpy(entry->data, s, entry->len);
    free(s);

    return NGX_OK;
}


/* restoreRevision(padID, rev, [authorId]) */

static void
ngx_pad_api_restore(ngx_pad_api_t *api)
{
    ngx_pad_api_restore_t  *st;

    if (ngx_pad_api_arg(api, "rev") == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM, "rev is not defined");
        return;
    }

    if (ngx_pad_api_rev(api, "rev") != NGX_OK) {
        return;
    }

    st = ngx_pcalloc(api->r->pool, sizeof(ngx_pad_api_restore_t));
    if (st == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    if (ngx_pad_api_author_arg(api, &st->author) != NGX_OK) {
        return;
    }

    api->data = st;
    api->cleanup = ngx_pad_api_restore_cleanup;

    (void) ngx_pad_api_write_pad(api, ngx_pad_api_restore_head);
}


static void
ngx_pad_api_restore_cleanup(ngx_pad_api_t *api)
{
    ngx_pad_api_restore_t  *st = api->data;

    if (st == NULL) {
        return;
    }

    ngx_pad_http_pad_free(&st->cur);

    if (st->es) {
        ngx_pad_ctx_destroy(st->es);
        st->es = NULL;
    }
}


/* the head read: then revision rev, into api->rd */

static void
ngx_pad_api_restore_head(ngx_pad_api_t *api)
{
    ngx_pad_api_restore_t  *st = api->data;

    if (api->rev > api->rd.head) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "rev is higher than the head revision of the pad");
        return;
    }

    ngx_pad_http_pad_free(&st->cur);
    st->cur = api->rd;
    ngx_memzero(&api->rd, sizeof(ngx_pad_http_pad_t));

    (void) ngx_pad_api_read_pad(api, api->rev, 1, ngx_pad_api_restore_old);
}


static void
ngx_pad_api_restore_old(ngx_pad_api_t *api)
{
    ngx_str_t               cs, entry, *hist;
    ngx_pad_str_t           out;
    ngx_pad_atext_t         to, before, after;
    ngx_pad_api_restore_t  *st = api->data;

    if (st->es == NULL) {
        st->es = ngx_pad_ctx_create();
        if (st->es == NULL) {
            goto failed;
        }
    }

    ngx_pad_ctx_reset(st->es);

    to.text = api->rd.text;
    to.attribs = api->rd.attribs;
    before.text = st->cur.text;
    before.attribs = st->cur.attribs;

    if (ngx_pad_api_replace_cs(st->es, &st->cur.text, &to, &out) != NGX_OK
        || ngx_pad_cs_apply_to_atext(st->es, &out, &before, st->cur.apool,
                                     &after)
           != NGX_PAD_CS_OK)
    {
        goto failed;
    }

    /* appendRevision: no revision when the AText stays the same */

    if (ngx_pad_str_eq(&after.text, &before.text)
        && ngx_pad_str_eq(&after.attribs, &before.attribs))
    {
        ngx_pad_api_ok(api, NULL);
        return;
    }

    if (ngx_pad_api_author_entry(api, st->cur.apool, &st->author, &entry)
        != NGX_OK)
    {
        goto failed;
    }

    cs.data = (u_char *) out.data;
    cs.len = out.len;
    hist = st->cur.hist.len ? &st->cur.hist : NULL;

    api->sreq = ngx_pad_store_append(&st->cur.pad, st->cur.head, hist, 1,
                                     &cs, &st->author,
                                     ngx_pad_pool_next_num(st->cur.apool),
                                     &entry, entry.len ? 1 : 0,
                                     ngx_pad_api_restore_appended, api);
    ngx_pad_ctx_reset(st->es);

    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }

    return;

failed:

    ngx_log_error(NGX_LOG_ERR, api->log, 0,
                  "pad api: restoreRevision of \"%V\": %s", &api->rd.pad,
                  st->es ? ngx_pad_ctx_error(st->es) : "out of memory");

    ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
}


static void
ngx_pad_api_restore_appended(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    api->sreq = NULL;

    ngx_pad_api_write_appended(api, res, ngx_pad_api_restore_head);
}
