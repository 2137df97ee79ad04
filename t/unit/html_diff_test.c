/*
 * Unit test of createDiffHTML's pure part (src/html/ngx_pad_html_diff.c)
 * on vectors that Etherpad's own padDiff.js and ExportHtml.js made
 * (util/diffhtml-oracle.js; t/unit/html_diff_vectors.jsonl holds the
 * committed ones).  For each vector: the diff AText, the authors, the
 * pool after the diff and the HTML, byte for byte.
 *
 *   build/unit/html_diff_test [vectors.jsonl]
 *
 * The oracle is ep_etherpad-lite@1.8.14's padDiff.js; where Etherpad
 * 2.x's padDiff.ts differs, the module does as 2.x: compose() instead of
 * composeWithDeletions() (2.x's compose keeps the attributes of deletions
 * as composeWithDeletions did, the same result), a stricter checkRep() of
 * the deletion changeset (valid on every vector), _isClearAuthorship
 * looking at the one op's attributes instead of every attribute number of
 * the changeset (the same on changesets of one op).  Plugins: none (the
 * oracle runs without ep_headings2 or ep_align; opts.flags is 0).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "easysync/ngx_pad_cs.h"
#include "easysync/ngx_pad_pool_json.h"
#include "html/ngx_pad_html_diff.h"
#include "tap.h"


static ngx_pad_str_t
str_of(json_t *j)
{
    ngx_pad_str_t  s;

    s.data = json_string_value(j);
    s.len = json_string_length(j);

    if (s.data == NULL) {
        s.data = "";
        s.len = 0;
    }

    return s;
}


static int
same(const ngx_pad_str_t *got, json_t *want, const char *what,
    const char *name)
{
    ngx_pad_str_t  w;

    w = str_of(want);

    if (got->len == w.len && memcmp(got->data, w.data, w.len) == 0) {
        return 1;
    }

    tap_diag("%s: %s", name, what);
    tap_diag("  got: %.*s", (int) got->len, got->data);
    tap_diag(" want: %.*s", (int) w.len, w.data);

    return 0;
}


static int
run_vector(json_t *v)
{
    int                    ok;
    char                   err[256];
    size_t                 i, n;
    json_t                *revs, *rev, *a, *want, *got_pool, *colors, *val;
    const char            *name, *key;
    ngx_pad_ctx_t         *ctx;
    ngx_pad_str_t          cs, author, html;
    ngx_pad_pool_t        *pool;
    ngx_pad_atext_t        start, atext;
    ngx_pad_html_diff_t   *d;
    ngx_pad_html_opts_t    opts;
    ngx_pad_html_color_t   col[16];
    const ngx_pad_str_t   *au;

    name = json_string_value(json_object_get(v, "name"));
    ok = 1;

    pool = ngx_pad_pool_create();
    ctx = ngx_pad_ctx_create();

    if (pool == NULL || ctx == NULL
        || ngx_pad_pool_from_json(pool, json_object_get(v, "pool"), err,
                                  sizeof(err))
           != 0)
    {
        tap_diag("%s: bad pool", name);
        exit(2);
    }

    start.text = str_of(json_object_get(json_object_get(v, "start"), "text"));
    start.attribs = str_of(json_object_get(json_object_get(v, "start"),
                                           "attribs"));

    d = ngx_pad_html_diff_create(&start, pool);
    if (d == NULL) {
        tap_diag("%s: create failed", name);
        ok = 0;
        goto done;
    }

    revs = json_object_get(v, "revs");

    json_array_foreach(revs, i, rev) {
        cs = str_of(json_object_get(rev, "cs"));
        a = json_object_get(rev, "author");
        author = str_of(a);

        if (ngx_pad_html_diff_add(d, &cs, a ? &author : NULL)
            != NGX_PAD_HTML_OK)
        {
            tap_diag("%s: revision %zu: %s", name, i,
                     ngx_pad_html_diff_error(d));
            ok = 0;
            goto done;
        }
    }

    if (ngx_pad_html_diff_atext(d, ctx, &atext) != NGX_PAD_HTML_OK) {
        tap_diag("%s: atext: %s", name, ngx_pad_html_diff_error(d));
        ok = 0;
        goto done;
    }

    want = json_object_get(v, "atext");
    ok &= same(&atext.text, json_object_get(want, "text"), "text", name);
    ok &= same(&atext.attribs, json_object_get(want, "attribs"), "attribs",
               name);

    /* the authors, undefined as null */

    want = json_object_get(v, "authors");
    n = ngx_pad_html_diff_nauthors(d);

    if (n != json_array_size(want)) {
        tap_diag("%s: %zu authors, want %zu", name, n, json_array_size(want));
        ok = 0;

    } else {
        for (i = 0; i < n; i++) {
            au = ngx_pad_html_diff_author(d, i);
            a = json_array_get(want, i);

            if (au == NULL ? !json_is_null(a)
                           : !json_is_string(a)
                             || !same(au, a, "author", name))
            {
                tap_diag("%s: author %zu differs", name, i);
                ok = 0;
            }
        }
    }

    /* the colours of Pad.getAllAuthorColors() */

    colors = json_object_get(v, "colors");
    n = 0;

    json_object_foreach(colors, key, val) {
        if (n < sizeof(col) / sizeof(col[0])) {
            col[n].author.data = key;
            col[n].author.len = strlen(key);
            col[n].color = str_of(val);
            n++;
        }
    }

    ngx_pad_html_opts_init(&opts);
    opts.flags = 0;

    if (ngx_pad_html_diff_html(ctx, &atext, pool, col, n, &opts, &html)
        != NGX_PAD_HTML_OK)
    {
        tap_diag("%s: html: %s", name, ngx_pad_ctx_error(ctx));
        ok = 0;

    } else {
        ok &= same(&html, json_object_get(v, "html"), "html", name);
    }

    got_pool = ngx_pad_pool_to_json(pool);

    if (got_pool == NULL
        || !json_equal(json_object_get(got_pool, "numToAttrib"),
                       json_object_get(json_object_get(v, "pool_after"),
                                       "numToAttrib")))
    {
        tap_diag("%s: the pool after the diff differs", name);
        ok = 0;
    }

    json_decref(got_pool);

done:

    ngx_pad_html_diff_destroy(d);
    ngx_pad_ctx_destroy(ctx);
    ngx_pad_pool_destroy(pool);

    return ok;
}


/* the diff of a changeset that does not apply is an error, not a crash */

static void
test_errors(void)
{
    ngx_pad_str_t         cs, au;
    ngx_pad_pool_t       *pool;
    ngx_pad_atext_t       start, atext;
    ngx_pad_ctx_t        *ctx;
    ngx_pad_html_diff_t  *d;

    pool = ngx_pad_pool_create();
    ctx = ngx_pad_ctx_create();

    start.text.data = "ab\n";
    start.text.len = 3;
    start.attribs.data = "|1+3";
    start.attribs.len = 4;

    d = ngx_pad_html_diff_create(&start, pool);
    tap_ok(d != NULL, "create on a valid AText");

    au.data = "a.x";
    au.len = 3;
    cs.data = "Z:3>1=1+1$x";
    cs.len = 11;
    tap_ok(ngx_pad_html_diff_add(d, &cs, &au) == NGX_PAD_HTML_OK,
           "a revision that applies");

    cs.data = "Z:9>1=8+1$x";
    cs.len = 11;
    tap_ok(ngx_pad_html_diff_add(d, &cs, &au) == NGX_PAD_HTML_ERROR,
           "a revision of another length is an error");

    cs.data = "Z:4>0=1?1$";
    cs.len = 10;
    tap_ok(ngx_pad_html_diff_add(d, &cs, &au) == NGX_PAD_HTML_ERROR,
           "a changeset with a bad op is an error");

    tap_ok(ngx_pad_html_diff_atext(d, ctx, &atext) == NGX_PAD_HTML_OK
           && atext.text.len == 4 && memcmp(atext.text.data, "axb\n", 4) == 0,
           "the diff of what applied");

    ngx_pad_html_diff_destroy(d);

    start.attribs.data = "|1+2";
    tap_ok(ngx_pad_html_diff_create(&start, pool) == NULL,
           "an invalid start AText is refused");

    ngx_pad_ctx_destroy(ctx);
    ngx_pad_pool_destroy(pool);
}


int
main(int argc, char **argv)
{
    char          *line;
    size_t         cap;
    ssize_t        len;
    FILE          *f;
    json_t        *v;
    const char    *path;
    json_error_t   jerr;

    path = argc > 1 ? argv[1] : "t/unit/html_diff_vectors.jsonl";

    f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        return 2;
    }

    line = NULL;
    cap = 0;

    while ((len = getline(&line, &cap, f)) > 0) {
        v = json_loadb(line, (size_t) len, 0, &jerr);
        if (v == NULL) {
            fprintf(stderr, "%s: bad line: %s\n", path, jerr.text);
            return 2;
        }

        tap_ok(run_vector(v), json_string_value(json_object_get(v, "name")));
        json_decref(v);
    }

    free(line);
    fclose(f);

    test_errors();

    tap_plan(tap_state.tests);

    return tap_state.failed ? 1 : 0;
}
