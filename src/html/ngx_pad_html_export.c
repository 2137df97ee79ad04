/*
 * A pad's HTML as ExportHtml.ts writes it: getHTMLFromAtext() (the lines,
 * the lists opened and closed as Etherpad nests them, "<br>" after every
 * other line), the API's getHTML wrapper and getPadHTMLDocument() with
 * templates/export_html.html.
 */

#include <string.h>

#include "easysync/ngx_pad_cs_arena.h"
#include "easysync/ngx_pad_cs_str.h"
#include "ngx_pad_html_line.h"


/* the pieces of getHTMLFromAtext: the last one is what the lists test */
typedef struct {
    ngx_pad_html_out_t   out;
    size_t               last;     /* where pieces[pieces.length - 1] is */
} ngx_pad_html_pieces_t;


/* openLists: {level, type} */
typedef struct {
    intptr_t        level;
    ngx_pad_str_t   type;
} ngx_pad_html_open_t;


typedef struct {
    ngx_pad_ctx_t          *ctx;
    ngx_pad_html_doc_t      doc;
    ngx_pad_html_pieces_t   pc;
    ngx_pad_buf_t           open;      /* ngx_pad_html_open_t */
    ngx_pad_str_t           lc;        /* this line's lineContent */
} ngx_pad_html_exp_t;


static intptr_t ngx_pad_html_list_line(ngx_pad_html_exp_t *ex, size_t i);
static intptr_t ngx_pad_html_list_open(ngx_pad_html_exp_t *ex,
    const ngx_pad_html_line_t *line, const ngx_pad_html_line_t *next,
    intptr_t from);
static intptr_t ngx_pad_html_push(ngx_pad_html_pieces_t *pc, const char *p,
    size_t n);
static int ngx_pad_html_last_is(ngx_pad_html_pieces_t *pc, const char *s);
static intptr_t ngx_pad_html_js_number(ngx_pad_html_out_t *o,
    const ngx_pad_str_t *s);


#define ngx_pad_html_push_str(pc, s)  ngx_pad_html_push(pc, s, strlen(s))


/* templates/export_html.html around <%- padId %>, <%- extraCSS %> */

static const char  ngx_pad_html_doc_head[] =
    "<!doctype html>\n"
    "<html lang=\"en\">\n"
    "<head>\n"
    "<title>";

static const char  ngx_pad_html_doc_style[] =
    "</title>\n"
    "  <link rel=\"manifest\" href=\"/manifest.json\" />\n"
    "  <meta name=\"generator\" content=\"Etherpad\"/>\n"
    "<meta name=\"author\" content=\"Etherpad\"/>\n"
    "<meta name=\"changedby\" content=\"Etherpad\"/>\n"
    "<meta charset=\"utf-8\"/>\n"
    "<style>\n"
    "ol {\n"
    "  counter-reset: item;\n"
    "}\n"
    "\n"
    "ol > li {\n"
    "  counter-increment: item;\n"
    "}\n"
    "\n"
    "ol ol > li {\n"
    "  display: block;\n"
    "}\n"
    "\n"
    "ol > li {\n"
    "  display: block;\n"
    "}\n"
    "\n"
    "ol > li:before {\n"
    "  content: counters(item, \".\") \". \";\n"
    "}\n"
    "\n"
    "ol ol > li:before {\n"
    "  content: counters(item, \".\") \". \";\n"
    "  margin-left: -20px;\n"
    "}\n"
    "\n"
    "ul.indent {\n"
    "  list-style-type: none;\n"
    "}\n"
    "\n";

static const char  ngx_pad_html_doc_body[] =
    "\n"
    "</style>\n"
    "</head>\n"
    "<body>\n";

static const char  ngx_pad_html_doc_tail[] =
    "\n"
    "</body>\n"
    "</html>\n";

/* ep_headings2's stylesForExport */
static const char  ngx_pad_html_headings_css[] =
    "h1{font-size: 2.5em;}\n"
    "h2{font-size: 1.8em;}\n"
    "h3{font-size: 1.5em;}\n"
    "h4{font-size: 1.2em;}\n"
    "code{font-family: RobotoMono;}\n";


void
ngx_pad_html_opts_init(ngx_pad_html_opts_t *opts)
{
    opts->flags = NGX_PAD_HTML_HEADINGS | NGX_PAD_HTML_ALIGN;
    opts->max_output = 16 * 1024 * 1024;
    opts->max_input = 1024 * 1024;
    opts->max_depth = 256;
}


intptr_t
ngx_pad_html_get_html(ngx_pad_ctx_t *ctx, const ngx_pad_atext_t *atext,
    ngx_pad_pool_t *pool, const ngx_pad_html_opts_t *opts, ngx_pad_str_t *out)
{
    intptr_t            rc;
    ngx_pad_html_out_t  res;

    ngx_pad_html_out_init(&res, ctx, opts->max_output);

    rc = ngx_pad_html_body(ctx, atext, pool, opts, NULL, NULL, &res);
    if (rc != NGX_PAD_HTML_OK) {
        ngx_pad_html_out_free(&res);
        return rc;
    }

    return ngx_pad_html_out_result(&res, out);
}


intptr_t
ngx_pad_html_api_html(ngx_pad_ctx_t *ctx, const ngx_pad_atext_t *atext,
    ngx_pad_pool_t *pool, const ngx_pad_html_opts_t *opts, ngx_pad_str_t *out)
{
    intptr_t            rc;
    ngx_pad_html_out_t  res;

    ngx_pad_html_out_init(&res, ctx, opts->max_output);

    rc = ngx_pad_html_out_str(&res, "<!DOCTYPE HTML><html><body>");

    if (rc == NGX_PAD_HTML_OK) {
        rc = ngx_pad_html_body(ctx, atext, pool, opts, NULL, NULL, &res);
    }

    if (rc == NGX_PAD_HTML_OK) {
        rc = ngx_pad_html_out_str(&res, "</body></html>");
    }

    if (rc != NGX_PAD_HTML_OK) {
        ngx_pad_html_out_free(&res);
        return rc;
    }

    return ngx_pad_html_out_result(&res, out);
}


intptr_t
ngx_pad_html_document(ngx_pad_ctx_t *ctx, const ngx_pad_atext_t *atext,
    ngx_pad_pool_t *pool, const ngx_pad_str_t *title,
    const ngx_pad_html_opts_t *opts, ngx_pad_str_t *out)
{
    size_t              i;
    intptr_t            rc;
    const char         *e;
    ngx_pad_html_out_t  res;

    ngx_pad_html_out_init(&res, ctx, opts->max_output);

    rc = ngx_pad_html_out_str(&res, ngx_pad_html_doc_head);

    /* Security.escapeHTML(padId) */

    for (i = 0; i < title->len && rc == NGX_PAD_HTML_OK; i++) {
        switch (title->data[i]) {
        case '&': e = "&amp;"; break;
        case '<': e = "&lt;"; break;
        case '>': e = "&gt;"; break;
        case '"': e = "&quot;"; break;
        case '\'': e = "&#x27;"; break;
        case '/': e = "&#x2F;"; break;
        default: e = NULL;
        }

        rc = e ? ngx_pad_html_out_str(&res, e)
               : ngx_pad_html_out_add(&res, &title->data[i], 1);
    }

    if (rc == NGX_PAD_HTML_OK) {
        rc = ngx_pad_html_out_str(&res, ngx_pad_html_doc_style);
    }

    if (rc == NGX_PAD_HTML_OK && (opts->flags & NGX_PAD_HTML_HEADINGS)) {
        rc = ngx_pad_html_out_str(&res, ngx_pad_html_headings_css);
    }

    if (rc == NGX_PAD_HTML_OK) {
        rc = ngx_pad_html_out_str(&res, ngx_pad_html_doc_body);
    }

    if (rc == NGX_PAD_HTML_OK) {
        rc = ngx_pad_html_body(ctx, atext, pool, opts, NULL, NULL, &res);
    }

    if (rc == NGX_PAD_HTML_OK) {
        rc = ngx_pad_html_out_str(&res, ngx_pad_html_doc_tail);
    }

    if (rc != NGX_PAD_HTML_OK) {
        ngx_pad_html_out_free(&res);
        return rc;
    }

    return ngx_pad_html_out_result(&res, out);
}


/* getHTMLFromAtext(), appended to res */

intptr_t
ngx_pad_html_body(ngx_pad_ctx_t *ctx, const ngx_pad_atext_t *atext,
    ngx_pad_pool_t *pool, const ngx_pad_html_opts_t *opts,
    const ngx_pad_html_props_t *with, const ngx_pad_str_t *css,
    ngx_pad_html_out_t *res)
{
    size_t                 i;
    intptr_t               rc;
    ngx_pad_html_out_t     tmp, lc;
    ngx_pad_html_exp_t     ex;
    ngx_pad_html_props_t   props;

    memset(&ex, 0, sizeof(ngx_pad_html_exp_t));
    ex.ctx = ctx;

    rc = ngx_pad_html_doc_init(ctx, &ex.doc, atext, pool);
    if (rc != NGX_PAD_HTML_OK) {
        return rc;
    }

    if (with) {
        props = *with;

    } else {
        ngx_pad_html_props_init(&props, pool);
    }

    /* the pieces go on at the end of res: pieces[0] is the CSS */

    ex.pc.last = res->b.len;

    if (css && css->len) {
        rc = ngx_pad_html_out_add(res, css->data, css->len);
        if (rc != NGX_PAD_HTML_OK) {
            ngx_pad_html_doc_free(&ex.doc);
            return rc;
        }
    }

    ex.pc.out = *res;

    ngx_pad_html_out_init(&tmp, ctx, opts->max_output);
    ngx_pad_html_out_init(&lc, ctx, opts->max_output);

    for (i = 0; i < ex.doc.n; i++) {
        rc = ngx_pad_html_line(ctx, &props, pool, &ex.doc, &ex.doc.lines[i],
                               opts->flags, &tmp, &lc);
        if (rc != NGX_PAD_HTML_OK) {
            break;
        }

        ex.lc.data = lc.b.data;
        ex.lc.len = lc.b.len;

        if (ex.doc.lines[i].level) {
            rc = ngx_pad_html_list_line(&ex, i);

        } else {
            rc = ngx_pad_html_push(&ex.pc, ex.lc.data, ex.lc.len);

            if (rc == NGX_PAD_HTML_OK) {
                rc = ngx_pad_html_push_str(&ex.pc, "<br>");
            }
        }

        if (rc != NGX_PAD_HTML_OK) {
            break;
        }
    }

    *res = ex.pc.out;

    ngx_pad_html_out_free(&tmp);
    ngx_pad_html_out_free(&lc);
    ngx_pad_buf_free(&ex.open);
    ngx_pad_html_doc_free(&ex.doc);

    return rc;
}


static int
ngx_pad_html_same_type(const ngx_pad_html_line_t *a,
    const ngx_pad_html_line_t *b)
{
    if (a->has_type != b->has_type) {
        return 0;
    }

    return !a->has_type || ngx_pad_str_eq(&a->type, &b->type);
}


static int
ngx_pad_html_is_number(const ngx_pad_html_line_t *l)
{
    return l->has_type && l->type.len == 6
           && memcmp(l->type.data, "number", 6) == 0;
}


/* "the next item is a nested ol opener so we need to keep the li open" */

static int
ngx_pad_html_keep_li(const ngx_pad_html_line_t *next)
{
    return ngx_pad_html_is_number(next) && !next->undef && next->text.len == 0;
}


/* a line in a list: the list branch of getHTMLFromAtext's loop */

static intptr_t
ngx_pad_html_list_line(ngx_pad_html_exp_t *ex, size_t i)
{
    size_t                      k, n, m;
    intptr_t                    rc, next_level, diff;
    ngx_pad_html_open_t        *o;
    const ngx_pad_html_line_t  *line, *prev, *next;

    line = &ex->doc.lines[i];
    prev = i > 0 ? &ex->doc.lines[i - 1] : NULL;
    next = &ex->doc.lines[i + 1];

    /* to create list parent elements */

    if (prev == NULL || prev->level != line->level
        || !ngx_pad_html_same_type(line, prev))
    {
        o = (ngx_pad_html_open_t *) ex->open.data;
        n = ex->open.len / sizeof(ngx_pad_html_open_t);

        for (k = 0; k < n; k++) {
            if (o[k].level == line->level && ngx_pad_str_eq(&o[k].type,
                                                            &line->type))
            {
                break;
            }
        }

        if (k == n) {
            diff = (prev && prev->level) ? prev->level : 0;

            if (prev && !ngx_pad_html_same_type(line, prev)) {
                diff = 0;
            }

            rc = ngx_pad_html_list_open(ex, line, next, diff);
            if (rc != NGX_PAD_HTML_OK) {
                return rc;
            }
        }
    }

    if (ex->lc.len) {
        rc = ngx_pad_html_push_str(&ex->pc, "<li>");

        if (rc == NGX_PAD_HTML_OK) {
            rc = ngx_pad_html_push(&ex->pc, ex->lc.data, ex->lc.len);
        }

        if (rc != NGX_PAD_HTML_OK) {
            return rc;
        }
    }

    /* to close list elements */

    if (next->level == line->level && ngx_pad_html_same_type(line, next)
        && ex->lc.len && !ngx_pad_html_keep_li(next))
    {
        rc = ngx_pad_html_push_str(&ex->pc, "</li>");
        if (rc != NGX_PAD_HTML_OK) {
            return rc;
        }
    }

    if (next->level && next->level >= line->level
        && ngx_pad_html_same_type(line, next))
    {
        return NGX_PAD_HTML_OK;
    }

    next_level = next->level;

    if (!ngx_pad_html_same_type(line, next)) {
        next_level = 0;
    }

    for (diff = next_level; diff < line->level; diff++) {

        /* openLists.filter(el => el.level !== diff && el.type !== type) */

        o = (ngx_pad_html_open_t *) ex->open.data;
        n = ex->open.len / sizeof(ngx_pad_html_open_t);

        for (k = 0, m = 0; k < n; k++) {
            if (o[k].level != diff && !ngx_pad_str_eq(&o[k].type, &line->type))
            {
                o[m++] = o[k];
            }
        }

        ex->open.len = m * sizeof(ngx_pad_html_open_t);

        if (ngx_pad_html_last_is(&ex->pc, "</ul")
            || ngx_pad_html_last_is(&ex->pc, "</ol"))
        {
            rc = ngx_pad_html_push_str(&ex->pc, "</li>");
            if (rc != NGX_PAD_HTML_OK) {
                return rc;
            }
        }

        rc = ngx_pad_html_push_str(&ex->pc, ngx_pad_html_is_number(line)
                                            ? "</ol>" : "</ul>");
        if (rc != NGX_PAD_HTML_OK) {
            return rc;
        }
    }

    return NGX_PAD_HTML_OK;
}


/* the lists from level diff up to the line's */

static intptr_t
ngx_pad_html_list_open(ngx_pad_html_exp_t *ex, const ngx_pad_html_line_t *line,
    const ngx_pad_html_line_t *next, intptr_t diff)
{
    intptr_t              rc;
    ngx_pad_html_out_t   *o;
    ngx_pad_html_open_t   ol;

    for ( /* void */ ; diff < line->level; diff++) {
        ol.level = diff;
        ol.type = line->type;

        if (ngx_pad_buf_add(ex->ctx, &ex->open, (const char *) &ol,
                            sizeof(ngx_pad_html_open_t))
            != NGX_PAD_CS_OK)
        {
            return NGX_PAD_HTML_ERROR;
        }

        if ((ngx_pad_html_last_is(&ex->pc, "<ul")
             || ngx_pad_html_last_is(&ex->pc, "<ol")
             || ngx_pad_html_last_is(&ex->pc, "</li>"))
            && !ngx_pad_html_keep_li(next))
        {
            rc = ngx_pad_html_push_str(&ex->pc, "<li>");
            if (rc != NGX_PAD_HTML_OK) {
                return rc;
            }
        }

        o = &ex->pc.out;
        ex->pc.last = o->b.len;

        if (ngx_pad_html_is_number(line)) {
            if (line->start.len) {
                if ((rc = ngx_pad_html_out_str(o, "<ol start=\"")) != 0
                    || (rc = ngx_pad_html_js_number(o, &line->start)) != 0
                    || (rc = ngx_pad_html_out_str(o, "\" class=\"number\">"))
                       != 0)
                {
                    return rc;
                }

            } else {
                rc = ngx_pad_html_out_str(o, "<ol class=\"number\">");
                if (rc != NGX_PAD_HTML_OK) {
                    return rc;
                }
            }

            continue;
        }

        if ((rc = ngx_pad_html_out_str(o, "<ul class=\"")) != 0
            || (rc = ngx_pad_html_out_add(o, line->type.data, line->type.len))
               != 0
            || (rc = ngx_pad_html_out_str(o, "\">")) != 0)
        {
            return rc;
        }
    }

    return NGX_PAD_HTML_OK;
}


static intptr_t
ngx_pad_html_push(ngx_pad_html_pieces_t *pc, const char *p, size_t n)
{
    pc->last = pc->out.b.len;

    return ngx_pad_html_out_add(&pc->out, p, n);
}


/* pieces[pieces.length - 1].indexOf(s) === 0 */

static int
ngx_pad_html_last_is(ngx_pad_html_pieces_t *pc, const char *s)
{
    size_t  n;

    n = strlen(s);

    return pc->out.b.len - pc->last >= n
           && memcmp(pc->out.b.data + pc->last, s, n) == 0;
}


/*
 * Number(line.start) as a string: an integer (JavaScript's whitespace
 * around it, a sign, leading zeros) as itself, anything else as "NaN"
 * (Etherpad writes only integers there).
 */

static intptr_t
ngx_pad_html_js_number(ngx_pad_html_out_t *o, const ngx_pad_str_t *s)
{
    int          neg;
    size_t       digits;
    intptr_t     n;
    const char  *p, *end;

    p = s->data;
    end = p + s->len;

    while (p < end && (*p == ' ' || (*p >= '\t' && *p <= '\r'))) {
        p++;
    }

    while (end > p && (end[-1] == ' ' || (end[-1] >= '\t' && end[-1] <= '\r')))
    {
        end--;
    }

    if (p == end) {
        return ngx_pad_html_out_str(o, "0");
    }

    neg = 0;

    if (p < end && (*p == '-' || *p == '+')) {
        neg = (*p == '-');
        p++;
    }

    n = 0;
    digits = 0;

    while (p < end && *p >= '0' && *p <= '9') {
        if (n > 99999999999999) {
            return ngx_pad_html_out_str(o, "NaN");
        }

        n = n * 10 + (*p++ - '0');
        digits++;
    }

    if (p != end || digits == 0) {
        return ngx_pad_html_out_str(o, "NaN");
    }

    return ngx_pad_html_out_num(o, neg ? -n : n);
}
