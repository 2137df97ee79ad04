/*
 * One line's HTML as ExportHtml.ts getLineHTML() writes it: the tags of
 * the attributes (h1 h2 strong em u s, nested in the order the op lists
 * them), the links padutils.findURLs() finds, security's escapeHTML() and
 * escapeHTMLAttribute(), ExportHelper's _encodeWhitespace(), then
 * _processSpaces(), then the getLineHTMLForExport hooks of ep_headings2
 * and ep_align (in that order, as ep_align's "post" puts it).
 */

#include <stdio.h>
#include <string.h>

#include "easysync/ngx_pad_cs_arena.h"
#include "easysync/ngx_pad_cs_str.h"
#include "ngx_pad_html_line.h"


typedef struct {
    ngx_pad_html_out_t          *out;
    const ngx_pad_html_props_t  *props;
    const ngx_pad_html_seg_t    *seg;       /* the run at the cursor */
    const ngx_pad_html_seg_t    *last;      /* after the line's last run */
    size_t                       off;       /* bytes of *seg consumed */
    intptr_t                     open[NGX_PAD_HTML_USED_MAX];
    size_t                       nopen;     /* open[0] the innermost */
} ngx_pad_html_ln_t;


typedef struct {
    size_t   off;
    size_t   len;
    char     kind;                          /* ' ', '<' or 't' */
    char     nbsp;
} ngx_pad_html_part_t;


static intptr_t ngx_pad_html_chars(ngx_pad_html_ln_t *ln, size_t n);
static intptr_t ngx_pad_html_op(ngx_pad_html_ln_t *ln, const char *p,
    size_t n, const ngx_pad_str_t *attribs);
static intptr_t ngx_pad_html_close(ngx_pad_html_ln_t *ln);
static intptr_t ngx_pad_html_tag(ngx_pad_html_ln_t *ln, intptr_t i,
    int close);
static intptr_t ngx_pad_html_escape(ngx_pad_html_out_t *out, const char *p,
    size_t n);
static intptr_t ngx_pad_html_escape_attr(ngx_pad_html_out_t *out,
    const char *p, size_t n);
static int ngx_pad_html_find_url(const char *s, size_t len, size_t from,
    size_t *start, size_t *end);
static size_t ngx_pad_html_url_prefix(const char *p, size_t n);
static int ngx_pad_html_url_char(uint32_t c);
static intptr_t ngx_pad_html_spaces(ngx_pad_ctx_t *ctx,
    const ngx_pad_str_t *s, ngx_pad_html_out_t *out);
static intptr_t ngx_pad_html_hooks(ngx_pad_ctx_t *ctx, ngx_pad_pool_t *pool,
    const ngx_pad_html_line_t *line, unsigned flags, ngx_pad_html_out_t *lc);
static intptr_t ngx_pad_html_wrap(ngx_pad_html_out_t *lc, const char *pre,
    const ngx_pad_str_t *tag, const char *mid, const char *post);
static intptr_t ngx_pad_html_replace(ngx_pad_html_out_t *lc, size_t at,
    size_t n, const char *with, const ngx_pad_str_t *tag, const char *post);
static const char *ngx_pad_html_find(const ngx_pad_html_out_t *lc,
    const char *what, size_t from);


static const char  *ngx_pad_html_prop_names[NGX_PAD_HTML_NPROPS] = {
    "heading1", "heading2", "bold", "italic", "underline", "strikethrough"
};

static const char  *ngx_pad_html_tags[NGX_PAD_HTML_NPROPS] = {
    "h1", "h2", "strong", "em", "u", "s"
};

static const char  *ngx_pad_html_headings[] = {
    "h1", "h2", "h3", "h4", "code", NULL
};

static const char  *ngx_pad_html_aligns[] = {
    "left", "center", "justify", "right", NULL
};


void
ngx_pad_html_props_init(ngx_pad_html_props_t *props, ngx_pad_pool_t *pool)
{
    int            i;
    ngx_pad_str_t  k, v;

    v.data = "true";
    v.len = 4;
    props->map = NULL;
    props->nmap = 0;
    props->cls = NULL;
    props->ncls = 0;

    for (i = 0; i < NGX_PAD_HTML_NPROPS; i++) {
        k.data = ngx_pad_html_prop_names[i];
        k.len = strlen(k.data);
        props->num[i] = ngx_pad_pool_put_attrib(pool, &k, &v, 1);
    }
}


intptr_t
ngx_pad_html_line(ngx_pad_ctx_t *ctx, const ngx_pad_html_props_t *props,
    ngx_pad_pool_t *pool, const ngx_pad_html_doc_t *doc,
    const ngx_pad_html_line_t *line, unsigned flags, ngx_pad_html_out_t *tmp,
    ngx_pad_html_out_t *lc)
{
    size_t             idx, start, end;
    intptr_t           rc;
    ngx_pad_str_t      s;
    ngx_pad_html_ln_t  ln;

    memset(&ln, 0, sizeof(ngx_pad_html_ln_t));
    ln.out = tmp;
    ln.props = props;
    if (line->nsegs) {
        ln.seg = &doc->segs[line->seg];
        ln.last = ln.seg + line->nsegs;
    }

    tmp->b.len = 0;
    lc->b.len = 0;
    idx = 0;

    while (ngx_pad_html_find_url(line->text.data, line->text.len, idx,
                                 &start, &end))
    {
        if ((rc = ngx_pad_html_chars(&ln, start - idx)) != NGX_PAD_HTML_OK
            || (rc = ngx_pad_html_out_str(tmp, "<a href=\"")) != 0
            || (rc = ngx_pad_html_escape_attr(tmp, line->text.data + start,
                                              end - start)) != 0
            || (rc = ngx_pad_html_out_str(tmp,
                                     "\" rel=\"noreferrer noopener\">")) != 0
            || (rc = ngx_pad_html_chars(&ln, end - start)) != 0
            || (rc = ngx_pad_html_out_str(tmp, "</a>")) != 0)
        {
            return rc;
        }

        idx = end;
    }

    rc = ngx_pad_html_chars(&ln, line->text.len - idx);
    if (rc != NGX_PAD_HTML_OK) {
        return rc;
    }

    s.data = tmp->b.data;
    s.len = tmp->b.len;

    rc = ngx_pad_html_spaces(ctx, &s, lc);
    if (rc != NGX_PAD_HTML_OK) {
        return rc;
    }

    return ngx_pad_html_hooks(ctx, pool, line, flags, lc);
}


/* processNextChars(n): n bytes from the cursor, every tag closed after */

static intptr_t
ngx_pad_html_chars(ngx_pad_html_ln_t *ln, size_t n)
{
    size_t    take;
    intptr_t  rc;

    if (n == 0) {
        return NGX_PAD_HTML_OK;
    }

    while (n > 0 && ln->seg < ln->last) {
        take = ln->seg->n - ln->off;

        if (take > n) {
            take = n;
        }

        rc = ngx_pad_html_op(ln, ln->seg->p + ln->off, take,
                             &ln->seg->attribs);
        if (rc != NGX_PAD_HTML_OK) {
            return rc;
        }

        n -= take;
        ln->off += take;

        if (ln->off == ln->seg->n) {
            ln->seg++;
            ln->off = 0;
        }
    }

    return ngx_pad_html_close(ln);
}


static intptr_t
ngx_pad_html_op(ngx_pad_html_ln_t *ln, const char *p, size_t n,
    const ngx_pad_str_t *attribs)
{
    int                          i, j, outer;
    size_t                       nused, k;
    intptr_t                     rc, num, used[NGX_PAD_HTML_USED_MAX];
    const char                  *a, *end, *ff;
    const ngx_pad_html_props_t  *props;

    props = ln->props;
    nused = 0;
    a = attribs->data;
    end = a + attribs->len;

    /* usedAttribs: anumMap[a] of each attribute in the op's order */

    while (ngx_pad_html_attr_next(&a, end, &num) == 1) {
        if (props->map) {
            if (num < 0 || (size_t) num >= props->nmap
                || props->map[num] < 0)
            {
                continue;
            }

            if (nused == NGX_PAD_HTML_USED_MAX) {
                return NGX_PAD_HTML_LIMIT;
            }

            used[nused++] = props->map[num];
            continue;
        }

        for (i = 0; i < NGX_PAD_HTML_NPROPS; i++) {
            if (props->num[i] == num) {
                if (nused == NGX_PAD_HTML_USED_MAX) {
                    return NGX_PAD_HTML_LIMIT;
                }

                used[nused++] = i;
            }
        }
    }

    /* the outermost open tag no longer used: close it and all inside */

    outer = -1;

    for (i = (int) ln->nopen - 1; i >= 0; i--) {
        for (k = 0; k < nused; k++) {
            if (used[k] == ln->open[i]) {
                break;
            }
        }

        if (k == nused) {
            outer = i;
            break;
        }
    }

    for ( /* void */ ; outer >= 0; outer--) {
        rc = ngx_pad_html_tag(ln, ln->open[0], 1);
        if (rc != NGX_PAD_HTML_OK) {
            return rc;
        }

        memmove(&ln->open[0], &ln->open[1],
                (ln->nopen - 1) * sizeof(intptr_t));
        ln->nopen--;
    }

    for (k = 0; k < nused; k++) {
        for (j = 0; j < (int) ln->nopen; j++) {
            if (ln->open[j] == used[k]) {
                break;
            }
        }

        if (j < (int) ln->nopen) {
            continue;
        }

        rc = ngx_pad_html_tag(ln, used[k], 0);
        if (rc != NGX_PAD_HTML_OK) {
            return rc;
        }

        memmove(&ln->open[1], &ln->open[0], ln->nopen * sizeof(intptr_t));
        ln->open[0] = used[k];
        ln->nopen++;
    }

    /* s.replace(String.fromCharCode(12), ''): the first form feed only */

    ff = memchr(p, '\f', n);

    if (ff == NULL) {
        return ngx_pad_html_escape(ln->out, p, n);
    }

    rc = ngx_pad_html_escape(ln->out, p, ff - p);
    if (rc != NGX_PAD_HTML_OK) {
        return rc;
    }

    return ngx_pad_html_escape(ln->out, ff + 1, n - (ff - p) - 1);
}


static intptr_t
ngx_pad_html_close(ngx_pad_html_ln_t *ln)
{
    intptr_t  rc;

    while (ln->nopen) {
        rc = ngx_pad_html_tag(ln, ln->open[0], 1);
        if (rc != NGX_PAD_HTML_OK) {
            return rc;
        }

        memmove(&ln->open[0], &ln->open[1],
                (ln->nopen - 1) * sizeof(intptr_t));
        ln->nopen--;
    }

    return NGX_PAD_HTML_OK;
}


/* emitOpenTag(i), emitCloseTag(i): a tag, or a span of an author class */

static intptr_t
ngx_pad_html_tag(ngx_pad_html_ln_t *ln, intptr_t i, int close)
{
    intptr_t              rc;
    const ngx_pad_str_t  *cls;

    if (i >= NGX_PAD_HTML_NPROPS) {
        if (close) {
            return ngx_pad_html_out_str(ln->out, "</span>");
        }

        cls = &ln->props->cls[i - NGX_PAD_HTML_NPROPS];

        if ((rc = ngx_pad_html_out_str(ln->out, "<span class=\"")) != 0
            || (rc = ngx_pad_html_out_add(ln->out, cls->data, cls->len)) != 0)
        {
            return rc;
        }

        return ngx_pad_html_out_str(ln->out, "\">");
    }

    if ((rc = ngx_pad_html_out_str(ln->out, close ? "</" : "<")) != 0
        || (rc = ngx_pad_html_out_str(ln->out, ngx_pad_html_tags[i])) != 0)
    {
        return rc;
    }

    return ngx_pad_html_out_str(ln->out, ">");
}


/* whitespace as JavaScript's \s has it */

static int
ngx_pad_html_js_space(uint32_t c)
{
    return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0xa0
           || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028
           || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000
           || c == 0xfeff;
}


/* _encodeWhitespace(escapeHTML(s)) */

static intptr_t
ngx_pad_html_escape(ngx_pad_html_out_t *out, const char *p, size_t n)
{
    char         buf[16];
    size_t       len;
    intptr_t     rc;
    uint32_t     c;
    const char  *end, *e;

    end = p + n;

    while (p < end) {
        c = ngx_pad_html_utf8_cp(p, end - p, &len);

        switch (c) {
        case '&': e = "&amp;"; break;
        case '<': e = "&lt;"; break;
        case '>': e = "&gt;"; break;
        case '"': e = "&quot;"; break;
        case '\'': e = "&#x27;"; break;
        case '/': e = "&#x2F;"; break;
        default:
            e = NULL;

            if ((c < 0x21 || c > 0x7e) && !ngx_pad_html_js_space(c)) {
                rc = ngx_pad_html_out_add(out, buf,
                             (size_t) snprintf(buf, sizeof(buf), "&#%u;",
                                               (unsigned) c));
                if (rc != NGX_PAD_HTML_OK) {
                    return rc;
                }

                p += len;
                continue;
            }
        }

        rc = e ? ngx_pad_html_out_str(out, e)
               : ngx_pad_html_out_add(out, p, len);
        if (rc != NGX_PAD_HTML_OK) {
            return rc;
        }

        p += len;
    }

    return NGX_PAD_HTML_OK;
}


/* escapeHTMLAttribute(): the UTF-16 units up to 0xFF but letters, digits */

static intptr_t
ngx_pad_html_escape_attr(ngx_pad_html_out_t *out, const char *p, size_t n)
{
    char         buf[8];
    size_t       len;
    intptr_t     rc;
    uint32_t     c;
    const char  *end;

    end = p + n;

    while (p < end) {
        c = ngx_pad_html_utf8_cp(p, end - p, &len);

        if (c > 0xff || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')
            || (c >= 'a' && c <= 'z'))
        {
            rc = ngx_pad_html_out_add(out, p, len);

        } else {
            switch (c) {
            case '&': rc = ngx_pad_html_out_str(out, "&amp;"); break;
            case '<': rc = ngx_pad_html_out_str(out, "&lt;"); break;
            case '>': rc = ngx_pad_html_out_str(out, "&gt;"); break;
            case '"': rc = ngx_pad_html_out_str(out, "&quot;"); break;
            case '\'': rc = ngx_pad_html_out_str(out, "&#x27;"); break;
            case '/': rc = ngx_pad_html_out_str(out, "&#x2F;"); break;
            default:
                rc = ngx_pad_html_out_add(out, buf,
                             (size_t) snprintf(buf, sizeof(buf), "&#x%02x;",
                                               (unsigned) c));
            }
        }

        if (rc != NGX_PAD_HTML_OK) {
            return rc;
        }

        p += len;
    }

    return NGX_PAD_HTML_OK;
}


/*
 * padutils.urlRegex from byte from on: a scheme (or "www."), then the
 * longest run of urlChar that ends in one that is not postUrlPunct.
 */

static int
ngx_pad_html_find_url(const char *s, size_t len, size_t from, size_t *start,
    size_t *end)
{
    size_t    i, q, n, good;
    uint32_t  c;

    for (i = from; i < len; i += n) {
        (void) ngx_pad_html_utf8_cp(s + i, len - i, &n);

        q = ngx_pad_html_url_prefix(s + i, len - i);
        if (q == 0) {
            continue;
        }

        good = 0;
        q += i;

        while (q < len) {
            c = ngx_pad_html_utf8_cp(s + q, len - q, &n);

            if (!ngx_pad_html_url_char(c)) {
                break;
            }

            q += n;

            if (c >= 0x80 || strchr(":.,;?!)]'*", (int) c) == NULL) {
                good = q;
            }
        }

        if (good) {
            *start = i;
            *end = good;
            return 1;
        }

        (void) ngx_pad_html_utf8_cp(s + i, len - i, &n);
    }

    return 0;
}


static size_t
ngx_pad_html_url_prefix(const char *p, size_t n)
{
    size_t        i, l;
    static const char  *auth[] = {
        "x-man", "man", "afp", "file", "ftps", "ftp", "gopher", "https",
        "http", "nfs", "sftp", "smb", "txmt", NULL
    };
    static const char  *noauth[] = { "about", "geo", "mailto", "tel", NULL };

    for (i = 0; auth[i]; i++) {
        l = strlen(auth[i]);

        if (n >= l + 3 && memcmp(p, auth[i], l) == 0
            && memcmp(p + l, "://", 3) == 0)
        {
            return l + 3;
        }
    }

    for (i = 0; noauth[i]; i++) {
        l = strlen(noauth[i]);

        if (n >= l + 1 && memcmp(p, noauth[i], l) == 0 && p[l] == ':') {
            return l + 1;
        }
    }

    if (n >= 4 && memcmp(p, "www.", 4) == 0) {
        return 4;
    }

    return 0;
}


static int
ngx_pad_html_url_char(uint32_t c)
{
    if (c < 0x80) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')
               || (c >= 'a' && c <= 'z')
               || (c != 0 && strchr("-:@_.,~%+/?=&#!;()[]$'*", (int) c));
    }

    return (c >= 0xc0 && c <= 0xd6) || (c >= 0xd8 && c <= 0xf6)
           || (c >= 0xf8 && c <= 0x1fff) || (c >= 0x3040 && c <= 0x9fff)
           || (c >= 0xf900 && c <= 0xfdff) || (c >= 0xfe70 && c <= 0xfefe)
           || (c >= 0xff10 && c <= 0xff19) || (c >= 0xff21 && c <= 0xff3a)
           || (c >= 0xff41 && c <= 0xff5a) || (c >= 0xff66 && c <= 0xffdc);
}


/*
 * _processSpaces(): the parts /<[^>]*>?| |[^ <]+/g; the last space of a
 * run stays, the others and one at the end of the line become &nbsp;, and
 * so does the line's first space when nothing but tags precedes it.
 */

static intptr_t
ngx_pad_html_spaces(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *s,
    ngx_pad_html_out_t *out)
{
    int                   eol, before;
    size_t                i, n, np;
    intptr_t              rc;
    ngx_pad_buf_t         pb;
    ngx_pad_html_part_t   part, *parts;

    memset(&pb, 0, sizeof(ngx_pad_buf_t));
    i = 0;

    while (i < s->len) {
        part.off = i;
        part.nbsp = 0;

        if (s->data[i] == '<') {
            part.kind = '<';

            for (n = i + 1; n < s->len && s->data[n] != '>'; n++) {
                /* void */
            }

            i = n < s->len ? n + 1 : n;

        } else if (s->data[i] == ' ') {
            part.kind = ' ';
            i++;

        } else {
            part.kind = 't';

            while (i < s->len && s->data[i] != ' ' && s->data[i] != '<') {
                i++;
            }
        }

        part.len = i - part.off;

        if (ngx_pad_buf_add(ctx, &pb, (const char *) &part,
                            sizeof(ngx_pad_html_part_t))
            != NGX_PAD_CS_OK)
        {
            ngx_pad_buf_free(&pb);
            return NGX_PAD_HTML_ERROR;
        }
    }

    parts = (ngx_pad_html_part_t *) pb.data;
    np = pb.len / sizeof(ngx_pad_html_part_t);

    eol = 1;
    before = 0;

    for (i = np; i-- > 0; /* void */) {
        if (parts[i].kind == ' ') {
            if (eol || before) {
                parts[i].nbsp = 1;
            }

            eol = 0;
            before = 1;

        } else if (parts[i].kind == 't') {
            eol = 0;
            before = 0;
        }
    }

    for (i = 0; i < np; i++) {
        if (parts[i].kind == ' ') {
            parts[i].nbsp = 1;
            break;
        }

        if (parts[i].kind == 't') {
            break;
        }
    }

    rc = NGX_PAD_HTML_OK;

    for (i = 0; i < np && rc == NGX_PAD_HTML_OK; i++) {
        rc = parts[i].nbsp ? ngx_pad_html_out_str(out, "&nbsp;")
                           : ngx_pad_html_out_add(out, s->data + parts[i].off,
                                                  parts[i].len);
    }

    ngx_pad_buf_free(&pb);

    return rc;
}


static int
ngx_pad_html_one_of(const ngx_pad_str_t *v, const char **list)
{
    size_t  i;

    for (i = 0; list[i]; i++) {
        if (strlen(list[i]) == v->len && memcmp(list[i], v->data, v->len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


/*
 * getLineHTMLForExport: ep_headings2 (ep_plugin_helpers' lineAttributeExport)
 * then ep_align, each on the line's first op
 */

static intptr_t
ngx_pad_html_hooks(ngx_pad_ctx_t *ctx, ngx_pad_pool_t *pool,
    const ngx_pad_html_line_t *line, unsigned flags, ngx_pad_html_out_t *lc)
{
    intptr_t        rc;
    const char     *p, *q;
    ngx_pad_str_t   v;
    static const ngx_pad_str_t  h4 = ngx_pad_html_lit("h4");

    if (flags & NGX_PAD_HTML_HEADINGS) {
        if (ngx_pad_html_attr_value(ctx, pool, &line->first, "heading", &v)
            != 0)
        {
            return NGX_PAD_HTML_ERROR;
        }

        if (v.len == 2 && (memcmp(v.data, "h5", 2) == 0
                           || memcmp(v.data, "h6", 2) == 0))
        {
            v = h4;
        }

        if (v.len && ngx_pad_html_one_of(&v, ngx_pad_html_headings)) {
            if (line->raw.len && line->raw.data[0] == '*'
                && (p = ngx_pad_html_find(lc, "*", 0)) != NULL)
            {
                rc = ngx_pad_html_replace(lc, p - lc->b.data, 1, "", NULL, "");
                if (rc != NGX_PAD_HTML_OK) {
                    return rc;
                }
            }

            p = ngx_pad_html_find(lc, "<p", 0);

            if (p && ngx_pad_html_find(lc, ">", p - lc->b.data + 2)) {
                rc = ngx_pad_html_replace(lc, p - lc->b.data, 2, "<", &v,
                                          " ");
                if (rc == NGX_PAD_HTML_OK
                    && (q = ngx_pad_html_find(lc, "</p>", 0)) != NULL)
                {
                    rc = ngx_pad_html_replace(lc, q - lc->b.data, 4, "</",
                                              &v, ">");
                }

            } else {
                rc = ngx_pad_html_wrap(lc, "<", &v, ">", "");
                if (rc == NGX_PAD_HTML_OK) {
                    rc = ngx_pad_html_out_str(lc, "</");
                }

                if (rc == NGX_PAD_HTML_OK) {
                    rc = ngx_pad_html_out_add(lc, v.data, v.len);
                }

                if (rc == NGX_PAD_HTML_OK) {
                    rc = ngx_pad_html_out_str(lc, ">");
                }
            }

            if (rc != NGX_PAD_HTML_OK) {
                return rc;
            }
        }
    }

    if (!(flags & NGX_PAD_HTML_ALIGN)) {
        return NGX_PAD_HTML_OK;
    }

    if (ngx_pad_html_attr_value(ctx, pool, &line->first, "align", &v) != 0) {
        return NGX_PAD_HTML_ERROR;
    }

    if (v.len == 0 || !ngx_pad_html_one_of(&v, ngx_pad_html_aligns)) {
        return NGX_PAD_HTML_OK;
    }

    if (line->raw.len && line->raw.data[0] == '*'
        && (p = ngx_pad_html_find(lc, "*", 0)) != NULL)
    {
        rc = ngx_pad_html_replace(lc, p - lc->b.data, 1, "", NULL, "");
        if (rc != NGX_PAD_HTML_OK) {
            return rc;
        }
    }

    /* /<h([1-6])([^>]+)?>/: then the first '>' gets the style */

    for (p = lc->b.data; (p = ngx_pad_html_find(lc, "<h",
                                                p - lc->b.data)) != NULL;
         p++)
    {
        if (p + 2 < lc->b.data + lc->b.len && p[2] >= '1' && p[2] <= '6'
            && ngx_pad_html_find(lc, ">", p - lc->b.data + 3))
        {
            q = ngx_pad_html_find(lc, ">", 0);

            return ngx_pad_html_replace(lc, q - lc->b.data, 1,
                                        " style='text-align:", &v, "'>");
        }
    }

    rc = ngx_pad_html_wrap(lc, "<p style='text-align:", &v, "'>", "</p>");

    return rc;
}


/* lc = pre tag mid lc post */

static intptr_t
ngx_pad_html_wrap(ngx_pad_html_out_t *lc, const char *pre,
    const ngx_pad_str_t *tag, const char *mid, const char *post)
{
    intptr_t            rc;
    ngx_pad_html_out_t  t;

    ngx_pad_html_out_init(&t, lc->ctx, lc->max);

    if ((rc = ngx_pad_html_out_str(&t, pre)) != 0
        || (rc = ngx_pad_html_out_add(&t, tag->data, tag->len)) != 0
        || (rc = ngx_pad_html_out_str(&t, mid)) != 0
        || (rc = ngx_pad_html_out_add(&t, lc->b.data, lc->b.len)) != 0
        || (rc = ngx_pad_html_out_str(&t, post)) != 0)
    {
        ngx_pad_html_out_free(&t);
        return rc;
    }

    ngx_pad_html_out_free(lc);
    lc->b = t.b;

    return NGX_PAD_HTML_OK;
}


/* the n bytes at at replaced by with tag post */

static intptr_t
ngx_pad_html_replace(ngx_pad_html_out_t *lc, size_t at, size_t n,
    const char *with, const ngx_pad_str_t *tag, const char *post)
{
    intptr_t            rc;
    ngx_pad_html_out_t  t;

    ngx_pad_html_out_init(&t, lc->ctx, lc->max);

    if ((rc = ngx_pad_html_out_add(&t, lc->b.data, at)) != 0
        || (rc = ngx_pad_html_out_str(&t, with)) != 0
        || (tag && (rc = ngx_pad_html_out_add(&t, tag->data, tag->len)) != 0)
        || (rc = ngx_pad_html_out_str(&t, post)) != 0
        || (rc = ngx_pad_html_out_add(&t, lc->b.data + at + n,
                                      lc->b.len - at - n)) != 0)
    {
        ngx_pad_html_out_free(&t);
        return rc;
    }

    ngx_pad_html_out_free(lc);
    lc->b = t.b;

    return NGX_PAD_HTML_OK;
}


static const char *
ngx_pad_html_find(const ngx_pad_html_out_t *lc, const char *what,
    size_t from)
{
    size_t       n, i;

    n = strlen(what);

    for (i = from; i + n <= lc->b.len; i++) {
        if (memcmp(lc->b.data + i, what, n) == 0) {
            return lc->b.data + i;
        }
    }

    return NULL;
}
