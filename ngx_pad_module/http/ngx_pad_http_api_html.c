
/*
 * ngx_pad_module: the HTTP API's setHTML(padID, html, [authorId])
 * (API.ts, ImportHtml.setPadHTML): the pad's text replaced by the HTML's
 * content, with the attributes of src/html/'s import, as one revision
 * appended on the head just read (Etherpad appends two: setText("\n"),
 * then the import).  When the head moved the pad is read again and the
 * revision rebuilt, NGX_PAD_API_HTML_TRIES times at most; the revision
 * reaches every client through the pad's channel, as every append does.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "easysync/ngx_pad_cs.h"
#include "easysync/ngx_pad_cs_str.h"
#include "html/ngx_pad_html.h"
#include "http/ngx_pad_http_api.h"




typedef struct {
    ngx_pad_ctx_t             *es;
    ngx_str_t                  author;
} ngx_pad_api_html_t;


static void ngx_pad_api_set_html(ngx_pad_api_t *api);
static void ngx_pad_api_html_cleanup(ngx_pad_api_t *api);
static void ngx_pad_api_html_read(ngx_pad_api_t *api);
static ngx_int_t ngx_pad_api_html_entries(ngx_pad_api_t *api,
    intptr_t first, ngx_str_t **entries, ngx_uint_t *n);
static void ngx_pad_api_html_appended(void *data,
    ngx_pad_store_result_t *res);


const ngx_pad_api_fn_t  ngx_pad_api_html_fns[] = {

    { ngx_string("setHTML"), NGX_PAD_API_V1,
      { "padID", "html", NULL }, { "padID", "html", "authorId", NULL },
      ngx_pad_api_set_html },

    { ngx_null_string, 0, { NULL }, { NULL }, NULL }
};


static void
ngx_pad_api_set_html(ngx_pad_api_t *api)
{
    ngx_str_t           *a;
    ngx_pad_api_html_t  *h;

    if (ngx_pad_api_arg(api, "html") == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM, "html is not a string");
        return;
    }

    h = ngx_pcalloc(api->r->pool, sizeof(ngx_pad_api_html_t));
    if (h == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    a = ngx_pad_api_arg(api, "authorId");

    if (a) {
        /* it goes into the pad's records: no U+0000 */
        if (ngx_strlchr(a->data, a->data + a->len, '\0')) {
            ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                             "authorId is not a string");
            return;
        }

        h->author = *a;
    }

    api->data = h;
    api->cleanup = ngx_pad_api_html_cleanup;

    (void) ngx_pad_api_write_pad(api, ngx_pad_api_html_read);
}


static void
ngx_pad_api_html_cleanup(ngx_pad_api_t *api)
{
    ngx_pad_api_html_t  *h = api->data;

    if (h && h->es) {
        ngx_pad_ctx_destroy(h->es);
        h->es = NULL;
    }
}


static void
ngx_pad_api_html_read(ngx_pad_api_t *api)
{
    intptr_t                rc, len16, first;
    ngx_str_t               cs, *entries, *hist;
    ngx_uint_t              n;
    ngx_pad_str_t           html, nl, empty, clear, out;
    ngx_pad_atext_t         before, after;
    ngx_pad_html_opts_t     opts;
    ngx_pad_api_html_t     *h = api->data;
    ngx_pad_html_import_t   im;

    static ngx_str_t  key = ngx_string("author");

    if (h->es == NULL) {
        h->es = ngx_pad_ctx_create();
        if (h->es == NULL) {
            goto failed;
        }
    }

    ngx_pad_ctx_reset(h->es);

    first = ngx_pad_pool_next_num(api->rd.apool);

    html.data = (const char *) ngx_pad_api_arg(api, "html")->data;
    html.len = ngx_pad_api_arg(api, "html")->len;

    ngx_pad_html_opts_init(&opts);
    opts.max_input = api->conf->body_max;

    rc = ngx_pad_html_import(h->es, &html, api->rd.apool, &opts, &im);

    if (rc == NGX_PAD_HTML_MALFORMED || rc == NGX_PAD_HTML_LIMIT) {
        ngx_log_error(NGX_LOG_INFO, api->log, 0,
                      "pad api: setHTML of \"%V\": %s", &api->rd.pad,
                      ngx_pad_ctx_error(h->es));
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM, "HTML is malformed");
        return;
    }

    if (rc != NGX_PAD_HTML_OK
        || ngx_pad_utf16_len(h->es, &api->rd.text, &len16) != NGX_PAD_CS_OK)
    {
        goto failed;
    }

    /* setText("\n"): everything replaced by one newline, then the import */

    nl.data = "\n";
    nl.len = 1;
    empty.data = "";
    empty.len = 0;

    if (ngx_pad_cs_make_splice(h->es, &api->rd.text, 0, len16, &nl, NULL,
                               &clear)
        != NGX_PAD_CS_OK
        || ngx_pad_cs_compose(h->es, &clear, &im.cs, api->rd.apool, &out)
           != NGX_PAD_CS_OK)
    {
        goto failed;
    }

    before.text = api->rd.text;
    before.attribs = api->rd.attribs;

    if (ngx_pad_cs_apply_to_atext(h->es, &out, &before, api->rd.apool,
                                  &after)
        != NGX_PAD_CS_OK)
    {
        goto failed;
    }

    if (ngx_pad_str_eq(&after.text, &before.text)
        && ngx_pad_str_eq(&after.attribs, &before.attribs))
    {
        ngx_pad_api_ok(api, NULL);
        return;
    }

    /* appendRevision puts the author into the pool after the import's */

    if (h->author.len) {
        html.data = (const char *) h->author.data;
        html.len = h->author.len;
        empty.data = (const char *) key.data;
        empty.len = key.len;

        if (ngx_pad_pool_put_attrib(api->rd.apool, &empty, &html, 0) < 0) {
            goto failed;
        }
    }

    if (ngx_pad_api_html_entries(api, first, &entries, &n) != NGX_OK) {
        goto failed;
    }

    cs.data = (u_char *) out.data;
    cs.len = out.len;
    hist = api->rd.hist.len ? &api->rd.hist : NULL;

    api->sreq = ngx_pad_store_append(&api->rd.pad, api->rd.head, hist, 1, &cs,
                                     &h->author, first, entries, n,
                                     ngx_pad_api_html_appended, api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }

    return;

failed:

    ngx_log_error(NGX_LOG_ERR, api->log, 0, "pad api: setHTML of \"%V\": %s",
                  &api->rd.pad,
                  h->es ? ngx_pad_ctx_error(h->es) : "out of memory");

    ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
}


/* the pool entries numbered first.. as ["key","value"] for append.lua */

static ngx_int_t
ngx_pad_api_html_entries(ngx_pad_api_t *api, intptr_t first,
    ngx_str_t **entries, ngx_uint_t *n)
{
    char           *s;
    json_t         *j;
    intptr_t        num, next;
    ngx_str_t      *e;
    ngx_pad_str_t   k, v;

    next = ngx_pad_pool_next_num(api->rd.apool);

    *n = (ngx_uint_t) (next - first);
    *entries = NULL;

    if (*n == 0) {
        return NGX_OK;
    }

    e = ngx_pcalloc(api->r->pool, *n * sizeof(ngx_str_t));
    if (e == NULL) {
        return NGX_ERROR;
    }

    for (num = first; num < next; num++) {
        if (ngx_pad_pool_get(api->rd.apool, num, &k, &v) != 0) {
            return NGX_ERROR;
        }

        j = json_pack("[s%,s%]", k.data, k.len, v.data, v.len);
        s = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);

        if (s == NULL) {
            return NGX_ERROR;
        }

        e[num - first].len = ngx_strlen(s);
        e[num - first].data = ngx_pnalloc(api->r->pool,
                                          e[num - first].len);
        if (e[num - first].data == NULL) {
            free(s);
            return NGX_ERROR;
        }

        ngx_memcpy(e[num - first].data, s, e[num - first].len);
        free(s);
    }

    *entries = e;

    return NGX_OK;
}


static void
ngx_pad_api_html_appended(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    api->sreq = NULL;

    ngx_pad_api_write_appended(api, res, ngx_pad_api_html_read);
}
