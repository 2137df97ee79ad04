/*
 * rehype-minify-whitespace (hast-util-minify-whitespace 6, {newlines:
 * false}) as setPadHTML runs it before the content collector: in
 * "normal" white space a run of [\t\n\v\f\r ] is one space, dropped at
 * the start and the end of a block (and next to a <br>), and a text left
 * empty is removed; <pre>, <textarea>, <script>, <style>, <listing>,
 * <plaintext>, <xmp> are left as they are, <nobr> collapsed only.
 *
 * Which whitespace a boundary (a block, a form control, non-white text)
 * makes removable is looked up from the following siblings; those
 * look-ups are computed once for the whole tree (ngx_pad_html_bounds)
 * instead of at every node, so the minifier is linear in the tree.
 */

#include <string.h>

#include "easysync/ngx_pad_cs_arena.h"
#include "ngx_pad_html_minify.h"


#define NGX_PAD_HTML_BLOCKS                                                 \
    " address article aside blockquote body br caption center col "        \
    "colgroup dd dialog dir div dl dt figcaption figure footer form h1 h2 "\
    "h3 h4 h5 h6 head header hgroup hr html legend li listing main menu "  \
    "nav ol optgroup option p plaintext pre section summary table tbody "  \
    "td tfoot th thead tr ul wbr xmp "

#define NGX_PAD_HTML_CONTENT                                                \
    " button input select textarea audio canvas embed iframe img math "    \
    "object picture svg video "

#define NGX_PAD_HTML_SKIPPABLE                                              \
    " area base basefont dialog datalist head link meta noembed noframes " \
    "param rp script source style template track title "


enum {
    NGX_PAD_HTML_WS_NORMAL = 0,
    NGX_PAD_HTML_WS_NOWRAP,
    NGX_PAD_HTML_WS_PRE
};


typedef struct {
    int   before;
    int   after;
    int   ws;
} ngx_pad_html_ms_t;


static void ngx_pad_html_bounds(ngx_pad_html_node_t *n);
static intptr_t ngx_pad_html_all(ngx_pad_ctx_t *ctx, ngx_pad_html_node_t *n,
    const ngx_pad_html_ms_t *st, int *strip);
static intptr_t ngx_pad_html_text(ngx_pad_ctx_t *ctx, ngx_pad_html_node_t *n,
    const ngx_pad_html_ms_t *st, int *remove, int *strip);
static void ngx_pad_html_unlink(ngx_pad_html_node_t *n);


intptr_t
ngx_pad_html_minify(ngx_pad_ctx_t *ctx, ngx_pad_html_node_t *root)
{
    int                strip;
    ngx_pad_html_ms_t  st;

    ngx_pad_html_bounds(root);

    st.before = 1;
    st.after = 1;
    st.ws = NGX_PAD_HTML_WS_NORMAL;

    return ngx_pad_html_all(ctx, root, &st, &strip);
}


static int
ngx_pad_html_ws(char c, int vt)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
           || (vt && c == '\v');
}


static int
ngx_pad_html_white(const ngx_pad_str_t *s)
{
    size_t  i;

    for (i = 0; i < s->len; i++) {
        if (!ngx_pad_html_ws(s->data[i], 0)) {
            return 0;
        }
    }

    return 1;
}


/*
 * inferBoundary() of every node (1 true, 0 false, -1 unknown), with the
 * children's first boundary for an element that has none of its own,
 * and each node's first boundary from itself on among its siblings
 */

static void
ngx_pad_html_bounds(ngx_pad_html_node_t *n)
{
    ngx_pad_html_node_t  *c;

    for (c = n->first; c; c = c->next) {
        if (c->elem) {
            ngx_pad_html_bounds(c);

        } else {
            c->val = ngx_pad_html_white(&c->text) ? -1 : 0;
        }
    }

    for (c = n->last; c; c = c->prev) {
        c->sfx = c->val != -1 ? c->val : (c->next ? c->next->sfx : -1);
    }

    if (ngx_pad_html_name_in(n, NGX_PAD_HTML_CONTENT)) {
        n->val = 0;

    } else if (ngx_pad_html_name_in(n, NGX_PAD_HTML_BLOCKS)) {
        n->val = 1;

    } else if (n->hidden || ngx_pad_html_name_in(n, NGX_PAD_HTML_SKIPPABLE)) {
        n->val = -1;

    } else {
        n->val = n->first ? n->first->sfx : -1;
    }
}


/* all(parent, state): the children of an element */

static intptr_t
ngx_pad_html_all(ngx_pad_ctx_t *ctx, ngx_pad_html_node_t *n,
    const ngx_pad_html_ms_t *st, int *strip)
{
    int                   before, remove, s;
    intptr_t              rc;
    ngx_pad_html_node_t  *c, *next, *chk;
    ngx_pad_html_ms_t     cs;

    before = st->before;

    for (c = n->first; c; c = next) {
        next = c->next;

        cs = *st;
        cs.before = before;
        cs.after = (next && next->sfx != -1) ? next->sfx : st->after;

        remove = 0;
        s = 0;

        if (c->elem) {
            if (ngx_pad_html_name_in(c, NGX_PAD_HTML_BLOCKS)) {
                cs.before = 1;
                cs.after = 1;
            }

            if (ngx_pad_html_name_in(c, " listing plaintext script style xmp "
                                        "pre textarea "))
            {
                cs.ws = NGX_PAD_HTML_WS_PRE;

            } else if (ngx_pad_html_name_is(c, "nobr")) {
                cs.ws = NGX_PAD_HTML_WS_NOWRAP;
            }

            rc = ngx_pad_html_all(ctx, c, &cs, &s);

        } else {
            rc = ngx_pad_html_text(ctx, c, &cs, &remove, &s);
        }

        if (rc != NGX_PAD_HTML_OK) {
            return rc;
        }

        if (remove) {
            chk = c->prev;
            ngx_pad_html_unlink(c);

        } else {
            before = s;
            chk = c;
        }

        if (ngx_pad_html_name_in(chk, NGX_PAD_HTML_CONTENT)) {
            before = 0;
        }
    }

    *strip = before || st->after == 1;

    return NGX_PAD_HTML_OK;
}


static intptr_t
ngx_pad_html_text(ngx_pad_ctx_t *ctx, ngx_pad_html_node_t *n,
    const ngx_pad_html_ms_t *st, int *remove, int *strip)
{
    char         *v;
    size_t        i, len, start, end;
    const char   *p;

    if (st->ws == NGX_PAD_HTML_WS_PRE) {
        return NGX_PAD_HTML_OK;
    }

    /* collapse: /[\t\n\v\f\r ]+/g -> ' ' */

    v = ngx_pad_cs_alloc(ctx, n->text.len + 1);
    if (v == NULL) {
        return NGX_PAD_HTML_ERROR;
    }

    p = n->text.data;
    len = 0;

    for (i = 0; i < n->text.len; i++) {
        if (!ngx_pad_html_ws(p[i], 1)) {
            v[len++] = p[i];

        } else if (i == 0 || !ngx_pad_html_ws(p[i - 1], 1)) {
            v[len++] = ' ';
        }
    }

    n->text.data = v;
    n->text.len = len;

    if (st->ws == NGX_PAD_HTML_WS_NOWRAP) {
        return NGX_PAD_HTML_OK;
    }

    start = 0;
    end = len;

    if (st->before == 1 && len && v[0] == ' ') {
        start++;
    }

    if (start != end && v[end - 1] == ' ') {
        if (st->after == 1) {
            end--;

        } else {
            *strip = 1;
        }
    }

    if (start == end) {
        *remove = 1;
        return NGX_PAD_HTML_OK;
    }

    n->text.data = v + start;
    n->text.len = end - start;

    return NGX_PAD_HTML_OK;
}


static void
ngx_pad_html_unlink(ngx_pad_html_node_t *n)
{
    if (n->prev) {
        n->prev->next = n->next;

    } else {
        n->parent->first = n->next;
    }

    if (n->next) {
        n->next->prev = n->prev;

    } else {
        n->parent->last = n->prev;
    }
}
