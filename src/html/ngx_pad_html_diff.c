/*
 * padDiff.ts: the AText of createDiffHTML.  The start AText with its
 * authorship cleared; each revision's changeset, unless it only clears
 * authorship, extended with its author (deletions marked
 * ["author", a]["removed", "true"], attribute changes ["author", a]) and
 * composed into one changeset; that applied, then the "deletion
 * changeset" that puts the deleted text back with the attributes of
 * its deletion, and the old attributes of changed text before it.
 *
 * The deletion changeset is in ngx_pad_html_diff_del.c.
 */

#include <stdlib.h>
#include <string.h>

#include "easysync/ngx_pad_cs_arena.h"
#include "easysync/ngx_pad_cs_num.h"
#include "easysync/ngx_pad_cs_ops.h"
#include "easysync/ngx_pad_cs_str.h"
#include "ngx_pad_html_diff.h"
#include "ngx_pad_html_line.h"


typedef struct {
    ngx_pad_str_t   s;
    int             undef;
} ngx_pad_html_author_t;


struct ngx_pad_html_diff_s {
    ngx_pad_ctx_t          *ctx;
    ngx_pad_pool_t         *pool;
    ngx_pad_buf_t           text;       /* the cleared start AText */
    ngx_pad_buf_t           attribs;
    ngx_pad_buf_t           super;      /* the composed changeset */
    unsigned                have_super:1;
    ngx_pad_html_author_t  *authors;
    size_t                  nauthors;
    size_t                  cap;
};


static intptr_t ngx_pad_html_diff_clear(ngx_pad_html_diff_t *d,
    const ngx_pad_atext_t *start);
static intptr_t ngx_pad_html_diff_keep_copy(ngx_pad_html_diff_t *d,
    ngx_pad_buf_t *b, const ngx_pad_str_t *s);
static int ngx_pad_html_diff_is_clear(ngx_pad_html_diff_t *d,
    const ngx_pad_cs_t *u, intptr_t *rc);
static intptr_t ngx_pad_html_diff_extend(ngx_pad_html_diff_t *d,
    const ngx_pad_cs_t *u, const ngx_pad_str_t *author, ngx_pad_str_t *out);
static intptr_t ngx_pad_html_diff_add_author(ngx_pad_html_diff_t *d,
    const ngx_pad_str_t *author);
static ngx_pad_str_t  ngx_pad_html_k_author = { 6, "author" };
static ngx_pad_str_t  ngx_pad_html_k_removed = { 7, "removed" };
static ngx_pad_str_t  ngx_pad_html_v_true = { 4, "true" };
static ngx_pad_str_t  ngx_pad_html_v_empty = { 0, "" };


ngx_pad_html_diff_t *
ngx_pad_html_diff_create(const ngx_pad_atext_t *start, ngx_pad_pool_t *pool)
{
    ngx_pad_html_diff_t  *d;

    d = calloc(1, sizeof(ngx_pad_html_diff_t));
    if (d == NULL) {
        return NULL;
    }

    d->pool = pool;
    d->ctx = ngx_pad_ctx_create();

    if (d->ctx == NULL || ngx_pad_html_diff_clear(d, start) != NGX_PAD_CS_OK)
    {
        ngx_pad_html_diff_destroy(d);
        return NULL;
    }

    return d;
}


void
ngx_pad_html_diff_destroy(ngx_pad_html_diff_t *d)
{
    size_t  i;

    if (d == NULL) {
        return;
    }

    for (i = 0; i < d->nauthors; i++) {
        free((void *) d->authors[i].s.data);
    }

    free(d->authors);
    ngx_pad_buf_free(&d->text);
    ngx_pad_buf_free(&d->attribs);
    ngx_pad_buf_free(&d->super);

    if (d->ctx) {
        ngx_pad_ctx_destroy(d->ctx);
    }

    free(d);
}


const char *
ngx_pad_html_diff_error(ngx_pad_html_diff_t *d)
{
    return ngx_pad_ctx_error(d->ctx);
}


/*
 * _createClearStartAtext: Builder(len).keepText(text, [["author", ""]])
 * applied to the start AText
 */

static intptr_t
ngx_pad_html_diff_clear(ngx_pad_html_diff_t *d, const ngx_pad_atext_t *start)
{
    intptr_t          num, len16, rc;
    ngx_pad_ctx_t    *ctx;
    ngx_pad_buf_t     ab;
    ngx_pad_str_t     attribs, ops, bank, cs;
    ngx_pad_atext_t   out;
    ngx_pad_sassem_t  sa;

    ctx = d->ctx;

    if (ngx_pad_atext_check(ctx, start) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    (void) ngx_pad_utf8_check(&start->text, &len16, NULL);

    num = ngx_pad_pool_put_attrib(d->pool, &ngx_pad_html_k_author,
                                  &ngx_pad_html_v_empty, 0);
    if (num < 0) {
        return NGX_PAD_CS_ERROR;
    }

    memset(&ab, 0, sizeof(ngx_pad_buf_t));
    memset(&sa, 0, sizeof(ngx_pad_sassem_t));
    ngx_pad_sassem_init(&sa);

    rc = NGX_PAD_CS_ERROR;

    if (ngx_pad_buf_add(ctx, &ab, "*", 1) != NGX_PAD_CS_OK
        || ngx_pad_buf_add_num(ctx, &ab, num) != NGX_PAD_CS_OK)
    {
        goto done;
    }

    attribs.data = ab.data;
    attribs.len = ab.len;

    if (ngx_pad_ops_from_text(ctx, &sa, '=', &start->text, &attribs)
        != NGX_PAD_CS_OK
        || ngx_pad_sassem_end_document(ctx, &sa) != NGX_PAD_CS_OK
        || ngx_pad_sassem_finish(ctx, &sa) != NGX_PAD_CS_OK)
    {
        goto done;
    }

    ops.data = sa.out.data ? sa.out.data : "";
    ops.len = sa.out.len;
    bank.data = "";
    bank.len = 0;

    if (ngx_pad_cs_pack(ctx, len16, len16 + sa.length_change, &ops, &bank,
                        &cs)
        != NGX_PAD_CS_OK
        || ngx_pad_cs_apply_to_atext(ctx, &cs, start, d->pool, &out)
           != NGX_PAD_CS_OK
        || ngx_pad_html_diff_keep_copy(d, &d->text, &out.text)
           != NGX_PAD_CS_OK
        || ngx_pad_html_diff_keep_copy(d, &d->attribs, &out.attribs)
           != NGX_PAD_CS_OK)
    {
        goto done;
    }

    rc = NGX_PAD_CS_OK;

done:

    ngx_pad_buf_free(&ab);
    ngx_pad_sassem_free(&sa);
    ngx_pad_ctx_reset(ctx);

    return rc;
}


static intptr_t
ngx_pad_html_diff_keep_copy(ngx_pad_html_diff_t *d, ngx_pad_buf_t *b,
    const ngx_pad_str_t *s)
{
    b->len = 0;

    if (ngx_pad_buf_reserve(d->ctx, b, s->len + 1) != NGX_PAD_CS_OK) {
        return NGX_PAD_CS_ERROR;
    }

    return ngx_pad_buf_add(d->ctx, b, s->data, s->len);
}


intptr_t
ngx_pad_html_diff_add(ngx_pad_html_diff_t *d, const ngx_pad_str_t *cs,
    const ngx_pad_str_t *author)
{
    intptr_t       rc;
    ngx_pad_cs_t   u;
    ngx_pad_str_t  ext, sup, out;

    if (ngx_pad_cs_unpack(d->ctx, cs, &u) != NGX_PAD_CS_OK) {
        return NGX_PAD_HTML_ERROR;
    }

    if (ngx_pad_html_diff_is_clear(d, &u, &rc)) {
        ngx_pad_ctx_reset(d->ctx);
        return NGX_PAD_HTML_OK;
    }

    if (rc != NGX_PAD_CS_OK
        || ngx_pad_html_diff_extend(d, &u, author, &ext) != NGX_PAD_CS_OK
        || ngx_pad_html_diff_add_author(d, author) != NGX_PAD_CS_OK)
    {
        return NGX_PAD_HTML_ERROR;
    }

    if (d->have_super) {
        sup.data = d->super.data;
        sup.len = d->super.len;

        if (ngx_pad_cs_compose(d->ctx, &sup, &ext, d->pool, &out)
            != NGX_PAD_CS_OK)
        {
            return NGX_PAD_HTML_ERROR;
        }

    } else {
        out = ext;
    }

    if (ngx_pad_html_diff_keep_copy(d, &d->super, &out) != NGX_PAD_CS_OK) {
        return NGX_PAD_HTML_ERROR;
    }

    d->have_super = 1;

    /* everything else of this step was in the arena */
    ngx_pad_ctx_reset(d->ctx);

    return NGX_PAD_HTML_OK;
}


/* _isClearAuthorship(changeset): 1 yes, 0 no (*rc: an error) */

static int
ngx_pad_html_diff_is_clear(ngx_pad_html_diff_t *d, const ngx_pad_cs_t *u,
    intptr_t *rc)
{
    intptr_t           num, n;
    const char        *a, *end;
    ngx_pad_op_t       op, more;
    ngx_pad_str_t      k, v;
    ngx_pad_op_iter_t  it;

    *rc = NGX_PAD_CS_OK;

    if (u->bank.len != 0 || u->old_len != u->new_len) {
        return 0;
    }

    ngx_pad_op_iter_init(&it, &u->ops);

    n = ngx_pad_op_next(d->ctx, &it, &op);
    if (n != 1) {
        /*
         * no op (an identity): 2.x's clearOperator.opcode throws there,
         * 1.8.14's empty op is no clearing; it is not one here either
         */
        *rc = (n < 0) ? NGX_PAD_CS_ERROR : NGX_PAD_CS_OK;
        return 0;
    }

    n = ngx_pad_op_next(d->ctx, &it, &more);
    if (n != 0) {
        *rc = (n < 0) ? NGX_PAD_CS_ERROR : NGX_PAD_CS_OK;
        return 0;
    }

    if (op.opcode != '=') {
        return 0;
    }

    if (op.chars != u->old_len - 1 && op.chars != u->old_len) {
        return 0;
    }

    /* attribsFromString(): exactly one attribute, ["author", ""] */

    a = op.attribs.data;
    end = a + op.attribs.len;
    n = 0;
    k.len = 1;

    while (a < end) {
        if (*a != '*'
            || ngx_pad_parse_num(a + 1, end, &num, &a) != 0
            || ngx_pad_pool_get(d->pool, num, &k, &v) != 0)
        {
            ngx_pad_cs_error(d->ctx, "bad attribute in %.*s",
                             (int) op.attribs.len, op.attribs.data);
            *rc = NGX_PAD_CS_ERROR;
            return 0;
        }

        n++;
    }

    return n == 1 && ngx_pad_str_eq(&k, &ngx_pad_html_k_author)
           && v.len == 0;
}


/* _extendChangesetWithAuthor(changeset, author, apool) */

static intptr_t
ngx_pad_html_diff_extend(ngx_pad_html_diff_t *d, const ngx_pad_cs_t *u,
    const ngx_pad_str_t *author, ngx_pad_str_t *out)
{
    intptr_t           an, rn, n;
    ngx_pad_ctx_t     *ctx;
    ngx_pad_buf_t      b, attribs;
    ngx_pad_op_t       op;
    ngx_pad_str_t      s;
    ngx_pad_op_iter_t  it;

    ctx = d->ctx;

    an = ngx_pad_pool_put_attrib(d->pool, &ngx_pad_html_k_author,
                                 author ? author : &ngx_pad_html_v_empty, 0);
    rn = ngx_pad_pool_put_attrib(d->pool, &ngx_pad_html_k_removed,
                                 &ngx_pad_html_v_true, 0);
    if (an < 0 || rn < 0) {
        ngx_pad_cs_error(ctx, "out of memory");
        return NGX_PAD_CS_ERROR;
    }

    memset(&b, 0, sizeof(ngx_pad_buf_t));
    memset(&attribs, 0, sizeof(ngx_pad_buf_t));

    ngx_pad_op_iter_init(&it, &u->ops);

    while ((n = ngx_pad_op_next(ctx, &it, &op)) == 1) {
        attribs.len = 0;

        if (op.opcode == '-') {
            if (ngx_pad_buf_add(ctx, &attribs, "*", 1) != NGX_PAD_CS_OK
                || ngx_pad_buf_add_num(ctx, &attribs, an) != NGX_PAD_CS_OK
                || ngx_pad_buf_add(ctx, &attribs, "*", 1) != NGX_PAD_CS_OK
                || ngx_pad_buf_add_num(ctx, &attribs, rn) != NGX_PAD_CS_OK)
            {
                goto failed;
            }

            op.attribs.data = attribs.data;
            op.attribs.len = attribs.len;

        } else if (op.opcode == '=' && op.attribs.len) {
            if (ngx_pad_buf_add(ctx, &attribs, op.attribs.data,
                                op.attribs.len)
                != NGX_PAD_CS_OK
                || ngx_pad_buf_add(ctx, &attribs, "*", 1) != NGX_PAD_CS_OK
                || ngx_pad_buf_add_num(ctx, &attribs, an) != NGX_PAD_CS_OK)
            {
                goto failed;
            }

            op.attribs.data = attribs.data;
            op.attribs.len = attribs.len;
        }

        /* OpAssembler: the ops as they are, one after the other */

        if (ngx_pad_op_serialize(ctx, &b, &op) != NGX_PAD_CS_OK) {
            goto failed;
        }
    }

    if (n < 0) {
        goto failed;
    }

    s.data = b.data ? b.data : "";
    s.len = b.len;

    if (ngx_pad_cs_pack(ctx, u->old_len, u->new_len, &s, &u->bank, out)
        != NGX_PAD_CS_OK)
    {
        goto failed;
    }

    ngx_pad_buf_free(&b);
    ngx_pad_buf_free(&attribs);

    return NGX_PAD_CS_OK;

failed:

    ngx_pad_buf_free(&b);
    ngx_pad_buf_free(&attribs);

    return NGX_PAD_CS_ERROR;
}


/* _addAuthors: each author once (===: undefined is one of them) */

static intptr_t
ngx_pad_html_diff_add_author(ngx_pad_html_diff_t *d,
    const ngx_pad_str_t *author)
{
    char                   *p;
    size_t                  i;
    ngx_pad_html_author_t  *a;

    for (i = 0; i < d->nauthors; i++) {
        a = &d->authors[i];

        if (author == NULL ? a->undef
                           : !a->undef && ngx_pad_str_eq(&a->s, author))
        {
            return NGX_PAD_CS_OK;
        }
    }

    if (d->nauthors == d->cap) {
        a = realloc(d->authors,
                    (d->cap * 2 + 4) * sizeof(ngx_pad_html_author_t));
        if (a == NULL) {
            ngx_pad_cs_error(d->ctx, "out of memory");
            return NGX_PAD_CS_ERROR;
        }

        d->authors = a;
        d->cap = d->cap * 2 + 4;
    }

    a = &d->authors[d->nauthors];
    a->undef = (author == NULL);
    a->s.len = author ? author->len : 0;

    p = malloc(a->s.len + 1);
    if (p == NULL) {
        ngx_pad_cs_error(d->ctx, "out of memory");
        return NGX_PAD_CS_ERROR;
    }

    if (a->s.len) {
        memcpy(p, author->data, a->s.len);
    }

    p[a->s.len] = '\0';
    a->s.data = p;
    d->nauthors++;

    return NGX_PAD_CS_OK;
}


size_t
ngx_pad_html_diff_nauthors(ngx_pad_html_diff_t *d)
{
    return d->nauthors;
}


const ngx_pad_str_t *
ngx_pad_html_diff_author(ngx_pad_html_diff_t *d, size_t i)
{
    if (i >= d->nauthors || d->authors[i].undef) {
        return NULL;
    }

    return &d->authors[i].s;
}


/* _createDiffAtext's end: the composed changeset, then the deletions */

intptr_t
ngx_pad_html_diff_atext(ngx_pad_html_diff_t *d, ngx_pad_ctx_t *ctx,
    ngx_pad_atext_t *out)
{
    ngx_pad_str_t    sup, del;
    ngx_pad_atext_t  start, mid, res;

    start.text.data = d->text.data;
    start.text.len = d->text.len;
    start.attribs.data = d->attribs.data;
    start.attribs.len = d->attribs.len;

    if (!d->have_super) {
        res = start;

    } else {
        sup.data = d->super.data;
        sup.len = d->super.len;

        if (ngx_pad_html_deletion(d->ctx, d->pool, &sup, &start, &del)
            != NGX_PAD_CS_OK
            || ngx_pad_cs_apply_to_atext(d->ctx, &sup, &start, d->pool, &mid)
               != NGX_PAD_CS_OK
            || ngx_pad_cs_apply_to_atext(d->ctx, &del, &mid, d->pool, &res)
               != NGX_PAD_CS_OK)
        {
            return NGX_PAD_HTML_ERROR;
        }
    }

    out->text.data = ngx_pad_cs_alloc(ctx, res.text.len + 1);
    out->attribs.data = ngx_pad_cs_alloc(ctx, res.attribs.len + 1);

    if (out->text.data == NULL || out->attribs.data == NULL) {
        ngx_pad_cs_error(d->ctx, "out of memory");
        return NGX_PAD_HTML_ERROR;
    }

    memcpy((char *) out->text.data, res.text.data, res.text.len);
    memcpy((char *) out->attribs.data, res.attribs.data, res.attribs.len);
    out->text.len = res.text.len;
    out->attribs.len = res.attribs.len;

    ngx_pad_ctx_reset(d->ctx);

    return NGX_PAD_HTML_OK;
}


/*
 * getHTMLFromAtext(pad, atext, authorColors): the <style> of the pool's
 * authors and "removed" attributes (in pool order), anumMap, the body
 */

static const char  ngx_pad_html_removed_css[] =
    ".removed {text-decoration: line-through; "
    "-ms-filter:'progid:DXImageTransform.Microsoft.Alpha(Opacity=80)'; "
    "filter: alpha(opacity=80); opacity: 0.8; }\n";


intptr_t
ngx_pad_html_diff_html(ngx_pad_ctx_t *ctx, const ngx_pad_atext_t *atext,
    ngx_pad_pool_t *pool, const ngx_pad_html_color_t *colors, size_t ncolors,
    const ngx_pad_html_opts_t *opts, ngx_pad_str_t *out)
{
    char                  *c;
    size_t                 i, j, nmap, ncls;
    intptr_t               rc, num, *map;
    ngx_pad_str_t          k, v, css, *cls, name;
    ngx_pad_html_out_t     res, style;
    ngx_pad_html_props_t   props;
    const ngx_pad_str_t   *color;

    static ngx_pad_str_t   undef = { 9, "undefined" };

    nmap = (size_t) ngx_pad_pool_next_num(pool);

    map = ngx_pad_cs_alloc(ctx, (nmap + 1) * sizeof(intptr_t));
    cls = ngx_pad_cs_alloc(ctx, (nmap + 1) * sizeof(ngx_pad_str_t));
    if (map == NULL || cls == NULL) {
        return NGX_PAD_HTML_ERROR;
    }

    for (i = 0; i < nmap; i++) {
        map[i] = -1;
    }

    ngx_pad_html_out_init(&style, ctx, opts->max_output);
    ngx_pad_html_out_init(&res, ctx, opts->max_output);

    rc = ngx_pad_html_out_str(&style, "<style>\n");
    ncls = 0;

    for (i = 0; i < nmap && rc == NGX_PAD_HTML_OK; i++) {
        if (ngx_pad_pool_get(pool, (intptr_t) i, &k, &v) != 0) {
            continue;
        }

        if (k.len == 7 && memcmp(k.data, "removed", 7) == 0) {
            cls[ncls].data = "removed";
            cls[ncls].len = 7;
            map[i] = NGX_PAD_HTML_NPROPS + ncls++;
            rc = ngx_pad_html_out_str(&style, ngx_pad_html_removed_css);
            continue;
        }

        if (k.len != 6 || memcmp(k.data, "author", 6) != 0 || v.len == 0) {
            continue;
        }

        /* "author" + the id with every "." made "_" */

        c = ngx_pad_cs_alloc(ctx, v.len + 6);
        if (c == NULL) {
            rc = NGX_PAD_HTML_ERROR;
            break;
        }

        memcpy(c, "author", 6);

        for (j = 0; j < v.len; j++) {
            c[6 + j] = (v.data[j] == '.') ? '_' : v.data[j];
        }

        cls[ncls].data = c;
        cls[ncls].len = v.len + 6;
        map[i] = NGX_PAD_HTML_NPROPS + ncls++;

        color = &undef;

        for (j = 0; j < ncolors; j++) {
            if (ngx_pad_str_eq(&colors[j].author, &v)) {
                color = &colors[j].color;
                break;
            }
        }

        if ((rc = ngx_pad_html_out_str(&style, ".")) != 0
            || (rc = ngx_pad_html_out_add(&style, c, v.len + 6)) != 0
            || (rc = ngx_pad_html_out_str(&style, " {background-color: "))
               != 0
            || (rc = ngx_pad_html_out_add(&style, color->data, color->len))
               != 0)
        {
            break;
        }

        rc = ngx_pad_html_out_str(&style, "}\n");
    }

    if (rc == NGX_PAD_HTML_OK) {
        rc = ngx_pad_html_out_str(&style, "</style>");
    }

    if (rc != NGX_PAD_HTML_OK) {
        ngx_pad_html_out_free(&style);
        return rc;
    }

    /* props.forEach: [propName, true] in the pool, the later props win */

    ngx_pad_html_props_init(&props, pool);

    for (i = 0; i < NGX_PAD_HTML_NPROPS; i++) {
        if (props.num[i] >= 0 && (size_t) props.num[i] < nmap) {
            map[props.num[i]] = i;
        }
    }

    v.data = "true";
    v.len = 4;

    for (i = 0; i < ncls; i++) {
        name = cls[i];
        num = ngx_pad_pool_put_attrib(pool, &name, &v, 1);

        if (num >= 0 && (size_t) num < nmap) {
            map[num] = NGX_PAD_HTML_NPROPS + i;
        }
    }

    props.map = map;
    props.nmap = nmap;
    props.cls = cls;
    props.ncls = ncls;

    css.data = style.b.data;
    css.len = style.b.len;

    rc = ngx_pad_html_body(ctx, atext, pool, opts, &props, &css, &res);

    ngx_pad_html_out_free(&style);

    if (rc != NGX_PAD_HTML_OK) {
        ngx_pad_html_out_free(&res);
        return rc;
    }

    return ngx_pad_html_out_result(&res, out);
}
