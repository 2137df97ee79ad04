
/*
 * ngx_pad_module: the API's createDiffHTML(padID, startRev, endRev), as
 * API.ts and padDiff.ts answer it: the pad read at startRev (its AText and
 * the pool at the head), the revisions startRev+1 .. endRev streamed from
 * the store at most NGX_PAD_STORE_RANGE_MAX at a time into src/html's diff,
 * then the authors' colours (Pad.getAllAuthorColors) and the HTML.
 * At most pad_api_diff_max revisions; memory stays about three copies of
 * the pad plus one reply of revisions.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "msg/ngx_pad_msg.h"
#include "html/ngx_pad_html_diff.h"
#include "http/ngx_pad_http_api.h"


typedef struct {
    ngx_int_t               start;      /* -1: undefined */
    ngx_int_t               end;        /* -1: undefined */
    ngx_int_t               next;       /* the next revision to read */
    ngx_int_t               to;
    ngx_pad_ctx_t          *es;
    ngx_pad_html_diff_t    *d;
    ngx_pad_atext_t         atext;
    ngx_pad_html_color_t   *colors;
    ngx_uint_t              ncolors;
    ngx_int_t               num;        /* the pool entry whose colour */
    ngx_int_t               nnum;       /* is read */
} ngx_pad_api_diff_t;


static void ngx_pad_api_diff(ngx_pad_api_t *api);
static void ngx_pad_api_diff_read(ngx_pad_api_t *api);
static void ngx_pad_api_diff_more(ngx_pad_api_t *api);
static void ngx_pad_api_diff_revs(void *data, ngx_pad_store_result_t *res);
static ngx_int_t ngx_pad_api_diff_add(ngx_pad_api_t *api, ngx_str_t *rec);
static void ngx_pad_api_diff_colors(ngx_pad_api_t *api);
static void ngx_pad_api_diff_color(void *data, ngx_pad_store_result_t *res);
static void ngx_pad_api_diff_answer(ngx_pad_api_t *api);
static void ngx_pad_api_diff_cleanup(ngx_pad_api_t *api);


const ngx_pad_api_fn_t  ngx_pad_api_diff_fns[] = {

    { ngx_string("createDiffHTML"), NGX_PAD_API_V1_2_7,
      { "padID", "startRev", "endRev", NULL }, { NULL }, ngx_pad_api_diff },

    { ngx_null_string, 0, { NULL }, { NULL }, NULL }
};


static void
ngx_pad_api_diff(ngx_pad_api_t *api)
{
    ngx_pad_api_diff_t  *df;

    df = ngx_pcalloc(api->r->pool, sizeof(ngx_pad_api_diff_t));
    if (df == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    api->data = df;
    api->cleanup = ngx_pad_api_diff_cleanup;

    /* checkValidRev() of each when given, then getPadSafe(padID, true) */

    if (ngx_pad_api_rev(api, "startRev") != NGX_OK) {
        return;
    }

    df->start = api->rev;

    if (ngx_pad_api_rev(api, "endRev") != NGX_OK) {
        return;
    }

    df->end = api->rev;

    (void) ngx_pad_api_read_pad(api, df->start >= 0 ? df->start : 0, 1,
                                ngx_pad_api_diff_read);
}


/* the pad at startRev: getValidRevisionRange(), then the revisions */

static void
ngx_pad_api_diff_read(ngx_pad_api_t *api)
{
    u_char               msg[128], s[NGX_INT_T_LEN + 1], e[NGX_INT_T_LEN + 1];
    ngx_int_t            head, to;
    ngx_pad_atext_t      at;
    ngx_pad_api_diff_t  *df = api->data;

    head = api->rd.stored_head;

    if (df->start > head) {
        df->start = head;
    }

    if (df->end > head) {
        df->end = head;
    }

    to = (df->end > 0) ? df->end : head;

    if (df->start < 0 || to < df->start) {
        if (df->start >= 0) {
            *ngx_sprintf(s, "%i", df->start) = '\0';
        } else {
            ngx_cpystrn(s, (u_char *) "undefined", sizeof(s));
        }

        if (df->end >= 0) {
            *ngx_sprintf(e, "%i", df->end) = '\0';
        } else {
            ngx_cpystrn(e, (u_char *) "undefined", sizeof(e));
        }

        *ngx_snprintf(msg, sizeof(msg) - 1,
                      "Invalid revision range. startRev: %s endRev: %s",
                      s, e) = '\0';
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM, (char *) msg);
        return;
    }

    if ((ngx_uint_t) (to - df->start) > api->conf->diff_max) {
        ngx_log_error(NGX_LOG_INFO, api->log, 0,
                      "pad api: createDiffHTML of \"%V\": %i revisions, "
                      "pad_api_diff_max is %ui", &api->rd.pad,
                      to - df->start, api->conf->diff_max);
        ngx_pad_api_fail(api, NGX_PAD_API_BAD_PARAM,
                         "the revision range is larger than "
                         "pad_api_diff_max");
        return;
    }

    df->es = ngx_pad_ctx_create();

    at.text = api->rd.text;
    at.attribs = api->rd.attribs;

    df->d = df->es ? ngx_pad_html_diff_create(&at, api->rd.apool) : NULL;

    if (df->d == NULL) {
        ngx_log_error(NGX_LOG_ERR, api->log, 0,
                      "pad api: createDiffHTML of \"%V\": no diff of "
                      "revision %i", &api->rd.pad, df->start);
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    df->next = df->start + 1;
    df->to = to;

    ngx_pad_api_diff_more(api);
}


static void
ngx_pad_api_diff_more(ngx_pad_api_t *api)
{
    ngx_int_t            to;
    ngx_pad_api_diff_t  *df = api->data;

    if (df->next > df->to) {
        ngx_pad_api_diff_colors(api);
        return;
    }

    to = df->to;

    if (to - df->next + 1 > NGX_PAD_STORE_RANGE_MAX) {
        to = df->next + NGX_PAD_STORE_RANGE_MAX - 1;
    }

    api->sreq = ngx_pad_store_revs(&api->rd.pad, df->next, to,
                                   ngx_pad_api_diff_revs, api);
    if (api->sreq == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
    }
}


static void
ngx_pad_api_diff_revs(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    ngx_uint_t           i;
    ngx_pad_api_diff_t  *df = api->data;

    api->sreq = NULL;

    if (res->status != NGX_OK) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    if (res->from != df->next || res->nitems == 0) {
        ngx_log_error(NGX_LOG_ERR, api->log, 0,
                      "pad api: createDiffHTML of \"%V\": got revisions "
                      "from %i, expected %i", &api->rd.pad, res->from,
                      df->next);
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    for (i = 0; i < res->nitems && df->next <= df->to; i++) {
        if (ngx_pad_api_diff_add(api, &res->items[i]) != NGX_OK) {
            ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
            return;
        }

        df->next++;
    }

    ngx_pad_api_diff_more(api);
}


/* one revision record {"rev", "cs", "author", ...} into the diff */

static ngx_int_t
ngx_pad_api_diff_add(ngx_pad_api_t *api, ngx_str_t *rec)
{
    json_t              *j, *a;
    int64_t              rev;
    intptr_t             rc;
    json_error_t         err;
    ngx_pad_str_t        cs, author;
    ngx_pad_api_diff_t  *df = api->data;

    j = rec->len ? json_loadb((char *) rec->data, rec->len, 0, &err) : NULL;

    if (j == NULL
        || ngx_pad_msg_get_str(j, "cs", &cs) != 0
        || ngx_pad_msg_get_int(j, "rev", &rev) != 0
        || rev != df->next)
    {
        ngx_log_error(NGX_LOG_ERR, api->log, 0,
                      "pad api: createDiffHTML of \"%V\": bad revision "
                      "record %i", &api->rd.pad, df->next);
        json_decref(j);
        return NGX_ERROR;
    }

    /* meta.author: undefined when the record has none */

    a = json_object_get(j, "author");
    author.data = json_string_value(a);
    author.len = json_string_length(a);

    rc = ngx_pad_html_diff_add(df->d, &cs, author.data ? &author : NULL);

    if (rc != NGX_PAD_HTML_OK) {
        ngx_log_error(NGX_LOG_ERR, api->log, 0,
                      "pad api: createDiffHTML of \"%V\": revision %i: %s",
                      &api->rd.pad, df->next,
                      ngx_pad_html_diff_error(df->d));
    }

    json_decref(j);

    return rc == NGX_PAD_HTML_OK ? NGX_OK : NGX_ERROR;
}


/*
 * Pad.getAllAuthorColors(): the colour of every author of the pool (the
 * diff's additions included), colorPalette[colorId] || colorId
 */

static void
ngx_pad_api_diff_colors(ngx_pad_api_t *api)
{
    ngx_str_t            id;
    ngx_pad_str_t        k, v;
    ngx_pad_api_diff_t  *df = api->data;

    if (df->colors == NULL) {
        if (ngx_pad_html_diff_atext(df->d, df->es, &df->atext)
            != NGX_PAD_HTML_OK)
        {
            ngx_log_error(NGX_LOG_ERR, api->log, 0,
                          "pad api: createDiffHTML of \"%V\": %s",
                          &api->rd.pad, ngx_pad_html_diff_error(df->d));
            ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
            return;
        }

        df->nnum = ngx_pad_pool_next_num(api->rd.apool);
        df->colors = ngx_pcalloc(api->r->pool, (df->nnum + 1)
                                               * sizeof(ngx_pad_html_color_t));
        if (df->colors == NULL) {
            ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
            return;
        }
    }

    for ( /* void */ ; df->num < df->nnum; df->num++) {
        if (ngx_pad_pool_get(api->rd.apool, df->num, &k, &v) != 0
            || k.len != 6 || ngx_strncmp(k.data, "author", 6) != 0
            || v.len == 0)
        {
            continue;
        }

        id.data = (u_char *) v.data;
        id.len = v.len;

        api->sreq = ngx_pad_store_author_record(&id, ngx_pad_api_diff_color,
                                                api);
        if (api->sreq) {
            return;
        }

        /* an id the store refuses has no record: "undefined" */
    }

    ngx_pad_api_diff_answer(api);
}


static void
ngx_pad_api_diff_color(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_api_t  *api = data;

    u_char                *p;
    ngx_int_t              idx;
    ngx_pad_str_t          k, v;
    ngx_pad_html_color_t  *c;
    ngx_pad_api_diff_t    *df = api->data;

    api->sreq = NULL;

    if (res->status == NGX_ERROR) {
        ngx_pad_api_store_fail(api, &res->err);
        return;
    }

    if (res->status == NGX_OK && res->color.len
        && ngx_pad_pool_get(api->rd.apool, df->num, &k, &v) == 0)
    {
        c = &df->colors[df->ncolors];
        c->author = v;

        idx = ngx_atoi(res->color.data, res->color.len);

        if (idx != NGX_ERROR && idx < NGX_PAD_MSG_PALETTE_SIZE) {
            c->color.data = ngx_pad_msg_palette[idx];
            c->color.len = ngx_strlen(c->color.data);

        } else {
            p = ngx_pnalloc(api->r->pool, res->color.len);
            if (p == NULL) {
                ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
                return;
            }

            ngx_memcpy(p, res->color.data, res->color.len);
            c->color.data = (const char *) p;
            c->color.len = res->color.len;
        }

        df->ncolors++;
    }

    df->num++;

    ngx_pad_api_diff_colors(api);
}


static void
ngx_pad_api_diff_answer(ngx_pad_api_t *api)
{
    size_t                i, n;
    json_t               *authors, *a;
    intptr_t              rc;
    ngx_str_t             s;
    ngx_pad_str_t         html;
    ngx_pad_html_opts_t   opts;
    const ngx_pad_str_t  *au;
    ngx_pad_api_diff_t   *df = api->data;

    ngx_pad_html_opts_init(&opts);

    rc = ngx_pad_html_diff_html(df->es, &df->atext, api->rd.apool,
                                df->colors, df->ncolors, &opts, &html);
    if (rc != NGX_PAD_HTML_OK) {
        ngx_log_error(NGX_LOG_ERR, api->log, 0,
                      "pad api: createDiffHTML of \"%V\": no HTML: %s",
                      &api->rd.pad, ngx_pad_ctx_error(df->es));
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    authors = json_array();
    n = ngx_pad_html_diff_nauthors(df->d);

    for (i = 0; authors && i < n; i++) {
        au = ngx_pad_html_diff_author(df->d, i);

        if (au) {
            s.data = (u_char *) au->data;
            s.len = au->len;
            a = ngx_pad_api_string(&s);

        } else {
            a = json_null();
        }

        if (a == NULL || json_array_append_new(authors, a) != 0) {
            json_decref(authors);
            authors = NULL;
        }
    }

    if (authors == NULL) {
        ngx_pad_api_fail(api, NGX_PAD_API_INTERNAL, "internal error");
        return;
    }

    ngx_pad_api_ok(api, json_pack("{s:s%,s:o}", "html", html.data, html.len,
                                  "authors", authors));
}


static void
ngx_pad_api_diff_cleanup(ngx_pad_api_t *api)
{
    ngx_pad_api_diff_t  *df = api->data;

    if (df == NULL) {
        return;
    }

    ngx_pad_html_diff_destroy(df->d);
    df->d = NULL;

    if (df->es) {
        ngx_pad_ctx_destroy(df->es);
        df->es = NULL;
    }
}
