/*
 * contentcollector.ts makeContentCollector(collectStyles = true, abrowser =
 * null, pool): collectContent() over the body, then finish().  As on the
 * server: no selection, no author classes, "window" undefined (a block
 * always ends a line).  With the flags, the collectContentPre/Post and
 * ccRegisterBlockElements hooks of ep_headings2 (ep_plugin_helpers'
 * lineAttribute: "heading" from h1..h4, code) and ep_align ("align" from
 * <left>... and style="text-align:...").
 *
 * Kept as Etherpad has them: the attribute pool gains entries in the
 * order AttributeMap.set() puts them; state.start is undefined, NaN or a
 * number as in JavaScript (a <ul>'s items leave it NaN); a class
 * "Numbering_20_Symbols" returns early and so leaves its parent's
 * attributes applied.  Not done: sanitizeUnicode's NFC normalization.
 */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "easysync/ngx_pad_cs_arena.h"
#include "easysync/ngx_pad_cs_str.h"
#include "ngx_pad_html_cstate.h"


static intptr_t ngx_pad_html_node(ngx_pad_html_col_t *cl,
    ngx_pad_html_node_t *node);
static intptr_t ngx_pad_html_element(ngx_pad_html_col_t *cl,
    ngx_pad_html_node_t *node, int *early);
static void ngx_pad_html_pre_hooks(ngx_pad_html_col_t *cl,
    ngx_pad_html_node_t *node);
static intptr_t ngx_pad_html_styles(ngx_pad_html_col_t *cl,
    ngx_pad_html_node_t *node, ngx_pad_html_local_t *frame);
static intptr_t ngx_pad_html_ace_line(ngx_pad_html_col_t *cl,
    ngx_pad_html_node_t *node);
static intptr_t ngx_pad_html_li(ngx_pad_html_col_t *cl,
    ngx_pad_html_node_t *node);
static intptr_t ngx_pad_html_list(ngx_pad_html_col_t *cl,
    ngx_pad_html_node_t *node, ngx_pad_str_t *old, int *had_old);
static intptr_t ngx_pad_html_textnode(ngx_pad_html_col_t *cl,
    ngx_pad_html_node_t *node);



intptr_t
ngx_pad_html_collect(ngx_pad_ctx_t *ctx, ngx_pad_html_node_t *body,
    ngx_pad_pool_t *pool, unsigned flags, size_t max, ngx_pad_html_cc_t *cc)
{
    intptr_t            rc;
    ngx_pad_html_col_t  cl;

    memset(&cl, 0, sizeof(ngx_pad_html_col_t));
    cl.ctx = ctx;
    cl.pool = pool;
    cl.flags = flags;
    cl.max = max;
    cl.start = NGX_PAD_HTML_START_UNDEF;
    cl.attr_string.data = "";

    rc = ngx_pad_html_node(&cl, body);

    if (rc == NGX_PAD_HTML_OK) {
        rc = ngx_pad_html_finish(&cl, cc);
    }

    ngx_pad_buf_free(&cl.cur);
    ngx_pad_buf_free(&cl.runs);
    ngx_pad_buf_free(&cl.lines);

    return rc;
}










/* s.indexOf(what) !== -1 */

static int
ngx_pad_html_has(const ngx_pad_str_t *s, const char *what)
{
    size_t  i, n;

    n = strlen(what);

    for (i = 0; i + n <= s->len; i++) {
        if (memcmp(s->data + i, what, n) == 0) {
            return 1;
        }
    }

    return 0;
}


static int
ngx_pad_html_word(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
           || (c >= 'A' && c <= 'Z') || c == '_';
}


static int
ngx_pad_html_js_ws(const char *p, const char *end, size_t *len)
{
    uint32_t  c;

    if (p >= end) {
        return 0;
    }

    c = ngx_pad_html_utf8_cp(p, end - p, len);

    return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0xa0
           || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028
           || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000
           || c == 0xfeff;
}


/* /\bprop:\s*value\b/i in a style attribute */

static int
ngx_pad_html_css(const ngx_pad_html_node_t *n, const char *prop,
    const char *value)
{
    size_t       pl, vl, l;
    const char  *s, *p, *end, *q;

    if (!n->has_style) {
        return 0;
    }

    s = n->style.data;
    end = s + n->style.len;
    pl = strlen(prop);
    vl = strlen(value);

    for (p = s; end - p >= (ptrdiff_t) (pl + 1); p++) {
        if ((p > s && ngx_pad_html_word(p[-1]))
            || strncasecmp(p, prop, pl) != 0 || p[pl] != ':')
        {
            continue;
        }

        for (q = p + pl + 1; ngx_pad_html_js_ws(q, end, &l); q += l) {
            /* void */
        }

        if (end - q >= (ptrdiff_t) vl && strncasecmp(q, value, vl) == 0
            && (q + vl == end || !ngx_pad_html_word(q[vl])))
        {
            return 1;
        }
    }

    return 0;
}


/* ep_align: /(?:^|;|\s)text-align\s*:\s*(left|center|right|justify)\b/i */

static const char *
ngx_pad_html_css_align(const ngx_pad_html_node_t *n)
{
    size_t        i, l, vl;
    const char   *s, *p, *end, *q;
    static const char  *values[] = { "left", "center", "right", "justify" };

    if (!n->has_style) {
        return NULL;
    }

    s = n->style.data;
    end = s + n->style.len;

    for (p = s; end - p >= 10; p++) {
        if (p > s && p[-1] != ';' && !strchr(" \t\n\v\f\r", p[-1])
            && (unsigned char) p[-1] < 0x80)
        {
            continue;
        }

        if (strncasecmp(p, "text-align", 10) != 0) {
            continue;
        }

        for (q = p + 10; ngx_pad_html_js_ws(q, end, &l); q += l) { }

        if (q == end || *q != ':') {
            continue;
        }

        for (q++; ngx_pad_html_js_ws(q, end, &l); q += l) { }

        for (i = 0; i < 4; i++) {
            vl = strlen(values[i]);

            if (end - q >= (ptrdiff_t) vl
                && strncasecmp(q, values[i], vl) == 0
                && (q + vl == end || !ngx_pad_html_word(q[vl])))
            {
                return values[i];
            }
        }
    }

    return NULL;
}


static int
ngx_pad_html_is_block(ngx_pad_html_col_t *cl, const ngx_pad_html_node_t *n)
{
    return ngx_pad_html_name_in(n, " div p pre li ")
           || ((cl->flags & NGX_PAD_HTML_HEADINGS)
               && ngx_pad_html_name_in(n, " h1 h2 h3 h4 code "));
}


/* cc.collectContent(node, state) */

static intptr_t
ngx_pad_html_node(ngx_pad_html_col_t *cl, ngx_pad_html_node_t *node)
{
    int                    block, early;
    size_t                 start_line;
    intptr_t               rc;
    ngx_pad_html_local_t  *saved;

    saved = cl->local;
    cl->local = NULL;

    block = node->elem && ngx_pad_html_is_block(cl, node);

    if (block && !ngx_pad_html_at_col0(cl)) {
        rc = ngx_pad_html_new_line(cl, 1);
        if (rc != NGX_PAD_HTML_OK) {
            return rc;
        }
    }

    start_line = cl->lines.len;

    if (!node->elem) {
        rc = ngx_pad_html_textnode(cl, node);

    } else {
        early = 0;
        rc = ngx_pad_html_element(cl, node, &early);

        if (early) {
            return rc;          /* the parent's localAttribs stay lost */
        }
    }

    if (rc != NGX_PAD_HTML_OK) {
        return rc;
    }

    if (block) {
        if (cl->lines.len == start_line || !ngx_pad_html_at_col0(cl)) {
            rc = ngx_pad_html_new_line(cl, 1);
            if (rc != NGX_PAD_HTML_OK) {
                return rc;
            }
        }
    }

    cl->local = saved;

    return NGX_PAD_HTML_OK;
}


static intptr_t
ngx_pad_html_do_attrib(ngx_pad_html_col_t *cl, ngx_pad_html_local_t *frame,
    const char *name)
{
    size_t  i;

    if (cl->local == NULL) {
        cl->local = frame;
        frame->n = 0;
    }

    cl->local->names[cl->local->n++] = name;

    for (i = 0; i < cl->nattr; i++) {
        if (cl->anames[i] == name) {
            break;
        }
    }

    if (i == cl->nattr) {
        cl->anames[cl->nattr] = name;
        cl->acount[cl->nattr++] = 0;
    }

    cl->acount[i]++;

    return ngx_pad_html_recalc(cl);
}


static intptr_t
ngx_pad_html_element(ngx_pad_html_col_t *cl, ngx_pad_html_node_t *node,
    int *early)
{
    int                    is_pre, had_old, in_list;
    size_t                 i, k;
    intptr_t               rc;
    ngx_pad_str_t          old;
    ngx_pad_html_node_t   *c;
    ngx_pad_html_local_t   frame;

    if (ngx_pad_html_name_is(node, "br")) {
        return ngx_pad_html_new_line(cl, 1);
    }

    if (ngx_pad_html_name_in(node, " script style ") || node->first == NULL)
    {
        return NGX_PAD_HTML_OK;
    }

    is_pre = ngx_pad_html_name_is(node, "pre");

    if (is_pre) {
        cl->pre++;
    }

    if (node->has_cls
        && ((node->cls.len == 19
             && memcmp(node->cls.data, "Numbering_20_Symbols", 19) == 0)
            || (node->cls.len == 17
                && memcmp(node->cls.data, "Bullet_20_Symbols", 17) == 0)))
    {
        *early = 1;
        return NGX_PAD_HTML_OK;
    }

    had_old = 0;
    in_list = 0;

    ngx_pad_html_pre_hooks(cl, node);

    rc = ngx_pad_html_styles(cl, node, &frame);
    if (rc != NGX_PAD_HTML_OK) {
        return rc;
    }

    if (ngx_pad_html_name_in(node, " ul ol ")) {
        rc = ngx_pad_html_list(cl, node, &old, &had_old);
        in_list = 1;

    } else if (ngx_pad_html_name_in(node, " div p ") && node->has_cls) {
        rc = ngx_pad_html_ace_line(cl, node);

    } else if (ngx_pad_html_name_is(node, "li")) {
        rc = ngx_pad_html_li(cl, node);
    }

    if (rc != NGX_PAD_HTML_OK) {
        return rc;
    }

    for (c = node->first; c; c = c->next) {
        rc = ngx_pad_html_node(cl, c);
        if (rc != NGX_PAD_HTML_OK) {
            return rc;
        }
    }

    /* collectContentPost */

    if ((cl->flags & NGX_PAD_HTML_HEADINGS)
        && ngx_pad_html_name_in(node, " h1 h2 h3 h4 code "))
    {
        ngx_pad_html_la_del(cl, "heading");
    }

    if ((cl->flags & NGX_PAD_HTML_ALIGN)
        && ngx_pad_html_name_in(node, " left center justify right "))
    {
        ngx_pad_html_la_del(cl, "align");
    }

    if (is_pre) {
        cl->pre--;
    }

    if (cl->local) {
        for (i = 0; i < cl->local->n; i++) {
            for (k = 0; k < cl->nattr; k++) {
                if (cl->anames[k] == cl->local->names[i]) {
                    cl->acount[k]--;
                }
            }

            rc = ngx_pad_html_recalc(cl);
            if (rc != NGX_PAD_HTML_OK) {
                return rc;
            }
        }
    }

    if (in_list) {
        /* _exitList(state, oldListTypeOrNull) */

        if (ngx_pad_html_la_get(cl, "list")) {
            cl->nesting--;
        }

        if (had_old) {
            ngx_pad_html_la_set(cl, "list", &old, 0);

        } else {
            ngx_pad_html_la_del(cl, "list");
            ngx_pad_html_la_del(cl, "start");
        }

        return ngx_pad_html_recalc(cl);
    }

    return NGX_PAD_HTML_OK;
}


/* collectContentPre: ep_headings2, then ep_align */

static void
ngx_pad_html_pre_hooks(ngx_pad_html_col_t *cl, ngx_pad_html_node_t *node)
{
    const char     *al;
    ngx_pad_str_t   v;

    if (cl->flags & NGX_PAD_HTML_HEADINGS) {
        if (ngx_pad_html_name_in(node, " div p ")) {
            ngx_pad_html_la_del(cl, "heading");
        }

        if (ngx_pad_html_name_in(node, " h1 h2 h3 h4 code ")) {
            ngx_pad_html_la_set(cl, "heading", &node->name, 0);
        }
    }

    if (cl->flags & NGX_PAD_HTML_ALIGN) {
        if (ngx_pad_html_name_in(node, " div p ")) {
            ngx_pad_html_la_del(cl, "align");
        }

        if (ngx_pad_html_name_in(node, " left center justify right ")) {
            ngx_pad_html_la_set(cl, "align", &node->name, 0);
        }

        if ((al = ngx_pad_html_css_align(node)) != NULL) {
            v.data = al;
            v.len = strlen(al);
            ngx_pad_html_la_set(cl, "align", &v, 0);
        }
    }
}


/* bold, italic, underline, strikethrough from the tag or its style */

static intptr_t
ngx_pad_html_styles(ngx_pad_html_col_t *cl, ngx_pad_html_node_t *node,
    ngx_pad_html_local_t *frame)
{
    intptr_t           rc;
    static const char  *bold = "bold", *italic = "italic",
                       *underline = "underline", *strike = "strikethrough";

    rc = NGX_PAD_HTML_OK;

    if (ngx_pad_html_name_in(node, " b strong ")
        || ngx_pad_html_css(node, "font-weight", "bold"))
    {
        rc = ngx_pad_html_do_attrib(cl, frame, bold);
    }

    if (rc == NGX_PAD_HTML_OK
        && (ngx_pad_html_name_in(node, " i em ")
            || ngx_pad_html_css(node, "font-style", "italic")))
    {
        rc = ngx_pad_html_do_attrib(cl, frame, italic);
    }

    if (rc == NGX_PAD_HTML_OK
        && (ngx_pad_html_name_in(node, " u ins ")
            || ngx_pad_html_css(node, "text-decoration", "underline")))
    {
        rc = ngx_pad_html_do_attrib(cl, frame, underline);
    }

    if (rc == NGX_PAD_HTML_OK
        && (ngx_pad_html_name_in(node, " s del ")
            || ngx_pad_html_css(node, "text-decoration", "line-through")))
    {
        rc = ngx_pad_html_do_attrib(cl, frame, strike);
    }

    return rc;
}


/* a div or p with the class "ace-line": "abrowser.chrome" of null throws */

static intptr_t
ngx_pad_html_ace_line(ngx_pad_html_col_t *cl, ngx_pad_html_node_t *node)
{
    size_t  i;

    for (i = 0; i + 8 <= node->cls.len; i++) {
        if ((i == 0 || node->cls.data[i - 1] == ' ')
            && memcmp(node->cls.data + i, "ace-line", 8) == 0
            && (i + 8 == node->cls.len
                || !ngx_pad_html_word(node->cls.data[i + 8])))
        {
            ngx_pad_cs_error(cl->ctx, "html: an \"ace-line\" element");
            return NGX_PAD_HTML_MALFORMED;
        }
    }

    return NGX_PAD_HTML_OK;
}


/* <li>: its start; lineAttributes.list.indexOf() throws without a list */

static intptr_t
ngx_pad_html_li(ngx_pad_html_col_t *cl, ngx_pad_html_node_t *node)
{
    char           *num;
    size_t          k;
    intptr_t        rc;
    ngx_pad_str_t   v;

    k = (cl->start > 0) ? (size_t) cl->start : 0;
    num = ngx_pad_cs_alloc(cl->ctx, 24);
    if (num == NULL) {
        return NGX_PAD_HTML_ERROR;
    }

    v.data = num;
    v.len = (size_t) snprintf(num, 24, "%lu", (unsigned long) k);
    ngx_pad_html_la_set(cl, "start", &v, k == 0);

    rc = ngx_pad_html_recalc(cl);
    if (rc != NGX_PAD_HTML_OK) {
        return rc;
    }

    if (ngx_pad_html_la_get(cl, "list") == NULL) {
        ngx_pad_cs_error(cl->ctx, "html: <li> outside a list");
        return NGX_PAD_HTML_MALFORMED;
    }

    v = ngx_pad_html_la_get(cl, "list")->value;

    if (ngx_pad_html_has(&v, "number")
        && !ngx_pad_html_name_is(node->parent, "ol"))
    {
        cl->start = cl->start >= 0 ? cl->start + 1 : NGX_PAD_HTML_START_NAN;
    }

    /* "UL list items never modify the start value" (but they do) */

    if (ngx_pad_html_name_is(node->parent, "ul")) {
        cl->start = cl->start >= 0 ? cl->start + 1 : NGX_PAD_HTML_START_NAN;
    }

    return NGX_PAD_HTML_OK;
}


/* <ul>, <ol>: the list's type, then _enterList() */

static intptr_t
ngx_pad_html_list(ngx_pad_html_col_t *cl, ngx_pad_html_node_t *node,
    ngx_pad_str_t *old, int *had_old)
{
    char                 *t;
    size_t                i, j, d, n;
    ngx_pad_str_t         type, rr;
    ngx_pad_html_la_t    *la;
    ngx_pad_html_node_t  *c;

    type.len = 0;
    type.data = NULL;
    rr.len = 0;

    if (node->has_cls) {
        type = node->cls;

        /* /(?:^| )list-([a-z]+[0-9]+)\b/ */

        for (i = 0; i + 5 <= node->cls.len && rr.len == 0; i++) {
            const char  *s = node->cls.data;

            if ((i > 0 && s[i - 1] != ' ') || memcmp(s + i, "list-", 5) != 0) {
                continue;
            }

            for (j = i + 5; j < node->cls.len && s[j] >= 'a' && s[j] <= 'z';
                 j++) { }

            for (d = j; d < node->cls.len && s[d] >= '0' && s[d] <= '9';
                 d++) { }

            if (j > i + 5 && d > j
                && (d == node->cls.len || !ngx_pad_html_word(s[d])))
            {
                rr.data = s + i + 5;
                rr.len = d - i - 5;
            }
        }
    }

    if (rr.len == 0 && type.len == 0) {
        for (c = node->first; c; c = c->next) {
            if (!ngx_pad_html_name_is(c, "ul")) {
                continue;
            }

            if (c->has_cls) {
                type = c->cls;
            }

            if (type.len) {
                break;
            }
        }
    }

    if (rr.len) {
        type = rr;

    } else {
        n = (size_t) (cl->nesting + 1);

        if (n > NGX_PAD_HTML_MAX_LIST_LEVEL) {
            n = NGX_PAD_HTML_MAX_LIST_LEVEL;
        }

        t = ngx_pad_cs_alloc(cl->ctx, 32);
        if (t == NULL) {
            return NGX_PAD_HTML_ERROR;
        }

        if (ngx_pad_html_name_is(node, "ul")) {
            i = (type.len && ngx_pad_html_has(&type, "indent"))
                || (node->has_cls && ngx_pad_html_has(&node->cls, "indent"));

            type.len = (size_t) snprintf(t, 32, "%s%lu",
                                         i ? "indent" : "bullet",
                                         (unsigned long) n);

        } else {
            type.len = (size_t) snprintf(t, 32, "number%lu",
                                         (unsigned long) n);
        }

        type.data = t;
    }

    /* _enterList(state, type) */

    la = ngx_pad_html_la_get(cl, "list");
    *had_old = la != NULL && !(la->value.len == 4
                               && memcmp(la->value.data, "none", 4) == 0);
    if (la) {
        *old = la->value;
    }

    if (!(type.len == 4 && memcmp(type.data, "none", 4) == 0)) {
        cl->nesting++;

        if (ngx_pad_html_has(&type, "number")) {
            cl->start = (cl->start > 0 ? cl->start : 0) + 1;
        }

        ngx_pad_html_la_set(cl, "list", &type, 0);

    } else {
        ngx_pad_html_la_del(cl, "list");
    }

    return ngx_pad_html_recalc(cl);
}


static int
ngx_pad_html_only_newlines(const char *p, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (p[i] != '\r' && p[i] != '\n') {
            return 0;
        }
    }

    return 1;
}


/* a text node: its text, line by line in <pre> */

static intptr_t
ngx_pad_html_textnode(ngx_pad_html_col_t *cl, ngx_pad_html_node_t *node)
{
    size_t        i, n, tn;
    intptr_t      rc;
    const char   *txt, *rest, *end, *nl, *t2;
    ngx_pad_buf_t b;

    txt = node->text.data;
    end = txt + node->text.len;

    while (txt < end) {
        if (cl->pre) {
            nl = memchr(txt, '\n', end - txt);
            tn = nl ? (size_t) (nl - txt) : (size_t) (end - txt);
            rest = nl ? nl + 1 : end;

        } else {
            tn = end - txt;
            rest = end;
        }

        t2 = txt;
        n = tn;

        if (!cl->pre && ngx_pad_html_only_newlines(txt, tn)) {
            n = 0;
        }

        if (ngx_pad_html_at_col0(cl)) {
            while (n && *t2 == '\n') {
                t2++;
                n--;
            }

            if (cl->nla) {
                rc = ngx_pad_html_marker(cl);
                if (rc != NGX_PAD_HTML_OK) {
                    return rc;
                }
            }
        }

        /* textify(): "\n " and " \n" are one space, [\n\r ] a space,
         * U+00A0 a space, a tab eight */

        memset(&b, 0, sizeof(ngx_pad_buf_t));
        rc = NGX_PAD_HTML_OK;

        for (i = 0; i < n && rc == NGX_PAD_CS_OK; i++) {
            if (i + 1 < n && ((t2[i] == '\n' && t2[i + 1] == ' ')
                              || (t2[i] == ' ' && t2[i + 1] == '\n')))
            {
                rc = ngx_pad_buf_add(cl->ctx, &b, " ", 1);
                i++;

            } else if (t2[i] == '\n' || t2[i] == '\r') {
                rc = ngx_pad_buf_add(cl->ctx, &b, " ", 1);

            } else if (t2[i] == '\t') {
                rc = ngx_pad_buf_add(cl->ctx, &b, "        ", 8);

            } else if (i + 1 < n && (unsigned char) t2[i] == 0xc2
                       && (unsigned char) t2[i + 1] == 0xa0)
            {
                rc = ngx_pad_buf_add(cl->ctx, &b, " ", 1);
                i++;

            } else {
                rc = ngx_pad_buf_add(cl->ctx, &b, &t2[i], 1);
            }
        }

        if (rc == NGX_PAD_CS_OK) {
            rc = ngx_pad_html_append(cl, b.data, b.len, &cl->attr_string);
        } else {
            rc = NGX_PAD_HTML_ERROR;
        }

        ngx_pad_buf_free(&b);

        if (rc != NGX_PAD_HTML_OK) {
            return rc;
        }

        txt = rest;

        if (txt < end) {
            rc = ngx_pad_html_new_line(cl, 1);
            if (rc != NGX_PAD_HTML_OK) {
                return rc;
            }
        }
    }

    return NGX_PAD_HTML_OK;
}
















