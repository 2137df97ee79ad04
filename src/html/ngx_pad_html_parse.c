/*
 * HTML to a tree, after the HTML standard's tokenizer and the "in body"
 * rules of its tree construction, reduced to what the import reads:
 *
 *   - tags, attributes (class, style, hidden kept), comments, doctypes
 *     and bogus comments (dropped), character references;
 *   - raw text (script, style, xmp, iframe, noembed, noframes), escapable
 *     raw text (title, textarea), plaintext to the end;
 *   - what precedes the body's content (head, its elements, whitespace)
 *     left out; <html>, <head>, <body>, </body>, </html> ignored;
 *   - void elements; a block start closes an open <p>; <li> closes an
 *     open <li>, <h1>..<h6> an open heading; </p> without a <p> is an
 *     empty <p>; </br> is <br>; the newline after <pre> dropped; the end
 *     tag of a block (div, ul, ol, pre, ...) closes the elements up to
 *     its own when it is in scope; any other end tag closes up to its
 *     own, or is ignored when a special element comes first.
 *
 * Not done (documented in ngx_pad_html.h's caller docs): the adoption
 * agency (misnested formatting elements are closed, not reopened),
 * tables' foster parenting, templates, foreign content (svg, math).
 * Text between two tags is one node; a comment ends it.
 */

#include <string.h>
#include <strings.h>

#include "easysync/ngx_pad_cs_arena.h"
#include "ngx_pad_html_parse.h"


typedef struct {
    ngx_pad_ctx_t         *ctx;
    const char            *p;
    const char            *end;
    ngx_pad_html_node_t   *html;
    ngx_pad_html_node_t   *body;
    ngx_pad_html_node_t  **stack;
    size_t                 depth;
    size_t                 max_depth;
    ngx_pad_buf_t          text;         /* pending character data */
    unsigned               in_body:1;
    unsigned               skip_lf:1;    /* after <pre>, <listing>, ... */
    unsigned               no_merge:1;   /* a comment since the last text */
} ngx_pad_html_parser_t;


typedef struct {
    char            name[32];
    size_t          len;
    ngx_pad_str_t   cls;
    ngx_pad_str_t   style;
    unsigned        end:1;
    unsigned        has_cls:1;
    unsigned        has_style:1;
    unsigned        hidden:1;
} ngx_pad_html_tag_t;


#define NGX_PAD_HTML_VOID                                                   \
    " area base br col embed hr img input keygen link meta param source "  \
    "track wbr basefont bgsound frame "

#define NGX_PAD_HTML_CLOSES_P                                               \
    " address article aside blockquote center details dialog dir div dl "  \
    "fieldset figcaption figure footer header hgroup main menu nav ol p "  \
    "section summary ul h1 h2 h3 h4 h5 h6 pre listing form table hr xmp "  \
    "plaintext dd dt li "

/* end tags that close up to their element when it is in scope */
#define NGX_PAD_HTML_BLOCK_END                                              \
    " address article aside blockquote button center details dialog dir "  \
    "div dl fieldset figcaption figure footer header hgroup listing main " \
    "menu nav ol pre section summary ul form "

#define NGX_PAD_HTML_SPECIAL                                                \
    " address applet area article aside base basefont bgsound blockquote " \
    "body br button caption center col colgroup dd details dir div dl dt " \
    "embed fieldset figcaption figure footer form frame frameset h1 h2 h3 "\
    "h4 h5 h6 head header hgroup hr html iframe img input keygen li link " \
    "listing main marquee menu meta nav noembed noframes noscript object " \
    "ol p param plaintext pre script section select source style summary " \
    "table tbody td template textarea tfoot th thead title tr track ul "   \
    "wbr xmp "

#define NGX_PAD_HTML_IMPLIED                                                \
    " dd dt li optgroup option p rb rp rt rtc "

#define NGX_PAD_HTML_SCOPE                                                  \
    " applet caption html table td th marquee object template "

#define NGX_PAD_HTML_HEADINGS_LIST  " h1 h2 h3 h4 h5 h6 "

#define NGX_PAD_HTML_HEAD_ONLY                                              \
    " title style script meta link base noscript template noframes "       \
    "basefont bgsound "

#define NGX_PAD_HTML_RAW                                                    \
    " script style xmp iframe noembed noframes "


static intptr_t ngx_pad_html_tag(ngx_pad_html_parser_t *ps);
static const char *ngx_pad_html_attrs(ngx_pad_html_parser_t *ps,
    const char *p, ngx_pad_html_tag_t *tag);
static intptr_t ngx_pad_html_start(ngx_pad_html_parser_t *ps,
    ngx_pad_html_tag_t *tag);
static intptr_t ngx_pad_html_end(ngx_pad_html_parser_t *ps,
    ngx_pad_html_tag_t *tag);
static intptr_t ngx_pad_html_raw(ngx_pad_html_parser_t *ps,
    const ngx_pad_html_tag_t *tag, int keep, int decode);
static intptr_t ngx_pad_html_chars(ngx_pad_html_parser_t *ps, const char *p,
    size_t n, int decode);
static intptr_t ngx_pad_html_flush(ngx_pad_html_parser_t *ps);
static intptr_t ngx_pad_html_push(ngx_pad_html_parser_t *ps,
    const ngx_pad_html_tag_t *tag, int is_void);
static void ngx_pad_html_pop_until(ngx_pad_html_parser_t *ps,
    const char *list);
static int ngx_pad_html_in_scope(ngx_pad_html_parser_t *ps, const char *list,
    const char *extra);
static void ngx_pad_html_close_p(ngx_pad_html_parser_t *ps);
static void ngx_pad_html_implied(ngx_pad_html_parser_t *ps,
    const char *except);
static int ngx_pad_html_in(const char *name, size_t len, const char *list);


intptr_t
ngx_pad_html_parse(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *html,
    size_t max_depth, ngx_pad_html_node_t **body)
{
    intptr_t               rc;
    const char            *lt;
    ngx_pad_html_parser_t  ps;

    memset(&ps, 0, sizeof(ngx_pad_html_parser_t));
    ps.ctx = ctx;
    ps.p = html->data;
    ps.end = html->data + html->len;
    ps.max_depth = max_depth + 2;

    ps.stack = ngx_pad_cs_alloc(ctx, ps.max_depth
                                     * sizeof(ngx_pad_html_node_t *));
    ps.html = ngx_pad_html_node_add(ctx, NULL, "html", 4);
    ps.body = ngx_pad_html_node_add(ctx, ps.html, "body", 4);

    if (ps.stack == NULL || ps.html == NULL || ps.body == NULL) {
        return NGX_PAD_HTML_ERROR;
    }

    ps.stack[0] = ps.html;
    ps.stack[1] = ps.body;
    ps.depth = 2;

    rc = NGX_PAD_HTML_OK;

    while (ps.p < ps.end && rc == NGX_PAD_HTML_OK) {
        lt = memchr(ps.p, '<', ps.end - ps.p);

        if (lt == NULL) {
            lt = ps.end;
        }

        if (lt > ps.p) {
            rc = ngx_pad_html_chars(&ps, ps.p, lt - ps.p, 1);
            ps.p = lt;
            continue;
        }

        rc = ngx_pad_html_tag(&ps);
    }

    if (rc == NGX_PAD_HTML_OK) {
        rc = ngx_pad_html_flush(&ps);
    }

    ngx_pad_buf_free(&ps.text);

    *body = ps.body;

    return rc;
}


ngx_pad_html_node_t *
ngx_pad_html_node_add(ngx_pad_ctx_t *ctx, ngx_pad_html_node_t *parent,
    const char *name, size_t len)
{
    ngx_pad_html_node_t  *n;

    n = ngx_pad_cs_alloc(ctx, sizeof(ngx_pad_html_node_t));
    if (n == NULL) {
        return NULL;
    }

    memset(n, 0, sizeof(ngx_pad_html_node_t));

    if (name) {
        n->elem = 1;
        n->name.data = name;
        n->name.len = len;
    }

    if (parent) {
        n->parent = parent;
        n->prev = parent->last;

        if (parent->last) {
            parent->last->next = n;

        } else {
            parent->first = n;
        }

        parent->last = n;
    }

    return n;
}


int
ngx_pad_html_name_is(const ngx_pad_html_node_t *n, const char *name)
{
    return n && n->elem && n->name.len == strlen(name)
           && memcmp(n->name.data, name, n->name.len) == 0;
}


int
ngx_pad_html_name_in(const ngx_pad_html_node_t *n, const char *list)
{
    return n && n->elem && ngx_pad_html_in(n->name.data, n->name.len, list);
}


size_t
ngx_pad_html_utf8_put(char *buf, uint32_t cp)
{
    if (cp < 0x80) {
        buf[0] = (char) cp;
        return 1;
    }

    if (cp < 0x800) {
        buf[0] = (char) (0xc0 | (cp >> 6));
        buf[1] = (char) (0x80 | (cp & 0x3f));
        return 2;
    }

    if (cp < 0x10000) {
        buf[0] = (char) (0xe0 | (cp >> 12));
        buf[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
        buf[2] = (char) (0x80 | (cp & 0x3f));
        return 3;
    }

    buf[0] = (char) (0xf0 | (cp >> 18));
    buf[1] = (char) (0x80 | ((cp >> 12) & 0x3f));
    buf[2] = (char) (0x80 | ((cp >> 6) & 0x3f));
    buf[3] = (char) (0x80 | (cp & 0x3f));

    return 4;
}


/* " name " in a list written as " a b c " */

static int
ngx_pad_html_in(const char *name, size_t len, const char *list)
{
    const char  *p;

    for (p = list; (p = strchr(p, ' ')) != NULL && p[1]; p++) {
        if (strncmp(p + 1, name, len) == 0 && p[len + 1] == ' ') {
            return 1;
        }
    }

    return 0;
}


static int
ngx_pad_html_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}


static int
ngx_pad_html_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}


/* at '<': a tag, a comment, a doctype, or a '<' that is text */

static intptr_t
ngx_pad_html_tag(ngx_pad_html_parser_t *ps)
{
    const char          *p, *q;
    ngx_pad_html_tag_t   tag;

    p = ps->p + 1;
    ps->skip_lf = 0;

    if (p < ps->end && *p == '!') {
        if (ps->end - p >= 3 && p[1] == '-' && p[2] == '-') {
            for (q = p + 3; q < ps->end; q++) {
                if (*q == '>' && (q == p + 3 || (q == p + 4 && q[-1] == '-')
                                  || (q - p >= 5 && q[-1] == '-'
                                      && q[-2] == '-')
                                  || (q - p >= 6 && q[-1] == '!'
                                      && q[-2] == '-' && q[-3] == '-')))
                {
                    break;
                }
            }

        } else {
            q = memchr(p, '>', ps->end - p);
        }

        ps->p = q && q < ps->end ? q + 1 : ps->end;
        ps->no_merge = 1;

        return NGX_PAD_HTML_OK;
    }

    if (p < ps->end && *p == '?') {
        q = memchr(p, '>', ps->end - p);
        ps->p = q ? q + 1 : ps->end;
        ps->no_merge = 1;

        return NGX_PAD_HTML_OK;
    }

    memset(&tag, 0, sizeof(ngx_pad_html_tag_t));

    if (p < ps->end && *p == '/') {
        tag.end = 1;
        p++;

        if (p < ps->end && *p == '>') {
            ps->p = p + 1;                   /* "</>" is nothing */
            return NGX_PAD_HTML_OK;
        }

        if (p < ps->end && !ngx_pad_html_alpha(*p)) {
            q = memchr(p, '>', ps->end - p);     /* a bogus comment */
            ps->p = q ? q + 1 : ps->end;
            ps->no_merge = 1;
            return NGX_PAD_HTML_OK;
        }
    }

    if (p == ps->end || !ngx_pad_html_alpha(*p)) {
        ps->p++;
        return ngx_pad_html_chars(ps, "<", 1, 0);
    }

    while (p < ps->end && !ngx_pad_html_space(*p) && *p != '/' && *p != '>') {
        if (tag.len < sizeof(tag.name) - 1) {
            tag.name[tag.len] = (*p >= 'A' && *p <= 'Z') ? (char) (*p | 0x20)
                                                         : *p;
        }

        tag.len++;
        p++;
    }

    if (tag.len >= sizeof(tag.name) - 1) {
        tag.len = sizeof(tag.name) - 1;      /* no element we know */
    }

    tag.name[tag.len] = '\0';

    p = ngx_pad_html_attrs(ps, p, &tag);
    if (p == NULL) {
        ps->p = ps->end;                     /* EOF in a tag: dropped */
        return NGX_PAD_HTML_OK;
    }

    ps->p = p;

    return tag.end ? ngx_pad_html_end(ps, &tag) : ngx_pad_html_start(ps, &tag);
}


/* the attributes up to '>' (after it returned), NULL at the end */

static const char *
ngx_pad_html_attrs(ngx_pad_html_parser_t *ps, const char *p,
    ngx_pad_html_tag_t *tag)
{
    char            q;
    size_t          i;
    const char     *name, *v, *ve;
    ngx_pad_str_t   value;
    ngx_pad_buf_t  *b;

    b = &ps->text;

    for ( ;; ) {
        while (p < ps->end && (ngx_pad_html_space(*p) || *p == '/')) {
            p++;
        }

        if (p == ps->end) {
            return NULL;
        }

        if (*p == '>') {
            return p + 1;
        }

        name = p++;

        while (p < ps->end && !ngx_pad_html_space(*p) && *p != '/'
               && *p != '>' && *p != '=')
        {
            p++;
        }

        i = p - name;

        while (p < ps->end && ngx_pad_html_space(*p)) {
            p++;
        }

        v = ve = NULL;

        if (p < ps->end && *p == '=') {
            p++;

            while (p < ps->end && ngx_pad_html_space(*p)) {
                p++;
            }

            if (p < ps->end && (*p == '"' || *p == '\'')) {
                q = *p++;
                v = p;
                ve = memchr(p, q, ps->end - p);

                if (ve == NULL) {
                    return NULL;
                }

                p = ve + 1;

            } else {
                v = p;

                while (p < ps->end && !ngx_pad_html_space(*p) && *p != '>') {
                    p++;
                }

                ve = p;
            }
        }

        if (tag->end) {
            continue;
        }

        /* the value, its references decoded, into the arena */

        value.data = "";
        value.len = 0;

        if (v && (i == 5 || i == 6)) {
            size_t  keep = b->len;

            if (ngx_pad_html_chars(ps, v, ve - v, 2) != NGX_PAD_HTML_OK) {
                return NULL;
            }

            value.len = b->len - keep;
            value.data = ngx_pad_cs_alloc(ps->ctx, value.len + 1);

            if (value.data == NULL) {
                return NULL;
            }

            if (value.len) {
                memcpy((char *) value.data, b->data + keep, value.len);
            }
            b->len = keep;
        }

        if (i == 5 && strncasecmp(name, "class", 5) == 0 && !tag->has_cls) {
            tag->cls = value;
            tag->has_cls = 1;

        } else if (i == 5 && strncasecmp(name, "style", 5) == 0
                   && !tag->has_style)
        {
            tag->style = value;
            tag->has_style = 1;

        } else if (i == 6 && strncasecmp(name, "hidden", 6) == 0) {
            tag->hidden = 1;
        }
    }
}


static intptr_t
ngx_pad_html_start(ngx_pad_html_parser_t *ps, ngx_pad_html_tag_t *tag)
{
    size_t                i;
    intptr_t              rc;
    ngx_pad_html_node_t  *n;

    if (ngx_pad_html_in(tag->name, tag->len, " html head body ")) {
        if (tag->name[0] == 'b') {
            ps->in_body = 1;
        }

        return NGX_PAD_HTML_OK;
    }

    if (!ps->in_body) {
        if (ngx_pad_html_in(tag->name, tag->len,
                            " title style script noframes "))
        {
            return ngx_pad_html_raw(ps, tag, 0, 0);
        }

        if (ngx_pad_html_in(tag->name, tag->len, NGX_PAD_HTML_HEAD_ONLY)) {
            return NGX_PAD_HTML_OK;
        }

        ps->in_body = 1;
    }

    if (ngx_pad_html_in(tag->name, tag->len, NGX_PAD_HTML_CLOSES_P)) {
        ngx_pad_html_close_p(ps);
    }

    if (ngx_pad_html_in(tag->name, tag->len, NGX_PAD_HTML_HEADINGS_LIST)
        && ngx_pad_html_name_in(ps->stack[ps->depth - 1],
                                NGX_PAD_HTML_HEADINGS_LIST))
    {
        if ((rc = ngx_pad_html_flush(ps)) != NGX_PAD_HTML_OK) {
            return rc;
        }

        ps->depth--;
    }

    if (ngx_pad_html_in(tag->name, tag->len, " li dd dt ")) {
        for (i = ps->depth; i-- > 2; /* void */) {
            n = ps->stack[i];

            if ((tag->name[0] == 'l' && ngx_pad_html_name_is(n, "li"))
                || (tag->name[0] == 'd'
                    && ngx_pad_html_name_in(n, " dd dt ")))
            {
                ngx_pad_html_implied(ps, n->name.data);
                ngx_pad_html_pop_until(ps, tag->name[0] == 'l' ? " li "
                                                               : " dd dt ");
                break;
            }

            if (ngx_pad_html_name_in(n, NGX_PAD_HTML_SPECIAL)
                && !ngx_pad_html_name_in(n, " address div p "))
            {
                break;
            }
        }
    }

    if (ngx_pad_html_in(tag->name, tag->len, NGX_PAD_HTML_VOID)) {
        return ngx_pad_html_push(ps, tag, 1);
    }

    rc = ngx_pad_html_push(ps, tag, 0);
    if (rc != NGX_PAD_HTML_OK) {
        return rc;
    }

    if (ngx_pad_html_in(tag->name, tag->len, " pre listing textarea ")) {
        ps->skip_lf = 1;
    }

    if (ngx_pad_html_in(tag->name, tag->len, NGX_PAD_HTML_RAW)) {
        return ngx_pad_html_raw(ps, tag, 1, 0);
    }

    if (ngx_pad_html_in(tag->name, tag->len, " title textarea ")) {
        return ngx_pad_html_raw(ps, tag, 1, 1);
    }

    if (tag->len == 9 && memcmp(tag->name, "plaintext", 9) == 0) {
        rc = ngx_pad_html_chars(ps, ps->p, ps->end - ps->p, 0);
        ps->p = ps->end;
        return rc;
    }

    return NGX_PAD_HTML_OK;
}


static intptr_t
ngx_pad_html_end(ngx_pad_html_parser_t *ps, ngx_pad_html_tag_t *tag)
{
    size_t                i;
    intptr_t              rc;
    ngx_pad_html_node_t  *n;

    if (ngx_pad_html_in(tag->name, tag->len, " html head body ")) {
        return NGX_PAD_HTML_OK;
    }

    if (tag->len == 2 && memcmp(tag->name, "br", 2) == 0) {
        tag->end = 0;
        return ngx_pad_html_start(ps, tag);
    }

    if (!ps->in_body) {
        return NGX_PAD_HTML_OK;
    }

    if (tag->len == 1 && tag->name[0] == 'p') {
        if (!ngx_pad_html_in_scope(ps, " p ", " button ")) {
            tag->end = 0;
            rc = ngx_pad_html_push(ps, tag, 1);   /* an empty <p> */
            return rc;
        }

        ngx_pad_html_close_p(ps);
        return NGX_PAD_HTML_OK;
    }

    if (tag->len == 2 && memcmp(tag->name, "li", 2) == 0) {
        if (ngx_pad_html_in_scope(ps, " li ", " ol ul ")) {
            ngx_pad_html_implied(ps, "li");
            ngx_pad_html_pop_until(ps, " li ");
        }

        return NGX_PAD_HTML_OK;
    }

    if (ngx_pad_html_in(tag->name, tag->len, NGX_PAD_HTML_HEADINGS_LIST)) {
        if (ngx_pad_html_in_scope(ps, NGX_PAD_HTML_HEADINGS_LIST, "")) {
            ngx_pad_html_implied(ps, NULL);
            ngx_pad_html_pop_until(ps, NGX_PAD_HTML_HEADINGS_LIST);
        }

        return NGX_PAD_HTML_OK;
    }

    if (ngx_pad_html_in(tag->name, tag->len, NGX_PAD_HTML_BLOCK_END)) {
        char  one[sizeof(tag->name) + 2];

        one[0] = ' ';
        memcpy(one + 1, tag->name, tag->len);
        one[tag->len + 1] = ' ';
        one[tag->len + 2] = '\0';

        if (ngx_pad_html_in_scope(ps, one, "")) {
            ngx_pad_html_implied(ps, NULL);
            ngx_pad_html_pop_until(ps, one);
        }

        return NGX_PAD_HTML_OK;
    }

    for (i = ps->depth; i-- > 2; /* void */) {
        n = ps->stack[i];

        if (n->name.len == tag->len
            && memcmp(n->name.data, tag->name, tag->len) == 0)
        {
            if ((rc = ngx_pad_html_flush(ps)) != NGX_PAD_HTML_OK) {
                return rc;
            }

            ps->depth = i;
            return NGX_PAD_HTML_OK;
        }

        if (ngx_pad_html_name_in(n, NGX_PAD_HTML_SPECIAL)) {
            return NGX_PAD_HTML_OK;
        }
    }

    return NGX_PAD_HTML_OK;
}


/*
 * The text of a raw text element up to its end tag (decode: escapable raw
 * text), kept as the element's text or dropped (the head's).
 */

static intptr_t
ngx_pad_html_raw(ngx_pad_html_parser_t *ps, const ngx_pad_html_tag_t *tag,
    int keep, int decode)
{
    intptr_t     rc;
    const char  *p, *e;

    rc = NGX_PAD_HTML_OK;

    for (p = ps->p; p < ps->end; p++) {
        if (*p != '<' || ps->end - p < (ptrdiff_t) tag->len + 2
            || p[1] != '/' || strncasecmp(p + 2, tag->name, tag->len) != 0)
        {
            continue;
        }

        e = p + 2 + tag->len;

        if (e == ps->end || ngx_pad_html_space(*e) || *e == '/' || *e == '>')
        {
            break;
        }
    }

    if (keep) {
        rc = ngx_pad_html_chars(ps, ps->p, p - ps->p, decode);
    }

    ps->p = p;

    if (rc == NGX_PAD_HTML_OK && keep && p < ps->end) {
        /* the end tag itself: up to its '>' */

        e = memchr(p, '>', ps->end - p);
        ps->p = e ? e + 1 : ps->end;

        rc = ngx_pad_html_flush(ps);
        ps->depth--;
        return rc;
    }

    if (p < ps->end) {
        e = memchr(p, '>', ps->end - p);
        ps->p = e ? e + 1 : ps->end;
    }

    return rc;
}


/*
 * Character data to the pending text (decode 1: references decoded,
 * NUL dropped; 2: an attribute's value; 0: as it is).  Before the body's
 * content, leading whitespace is the head's and dropped.
 */

static intptr_t
ngx_pad_html_chars(ngx_pad_html_parser_t *ps, const char *p, size_t n,
    int decode)
{
    char         buf[4];
    size_t       k;
    uint32_t     cp;
    const char  *end, *amp;

    end = p + n;

    if (decode != 2 && !ps->in_body) {
        while (p < end && ngx_pad_html_space(*p)) {
            p++;
        }

        if (p == end) {
            return NGX_PAD_HTML_OK;
        }

        ps->in_body = 1;
    }

    if (decode != 2 && ps->skip_lf) {
        ps->skip_lf = 0;

        if (*p == '\n') {
            p++;
        }
    }

    while (p < end) {
        amp = decode ? memchr(p, '&', end - p) : NULL;

        if (amp == NULL) {
            amp = end;
        }

        for ( /* void */ ; p < amp; p++) {
            if (*p == '\0' && decode == 1) {
                continue;
            }

            if (ngx_pad_buf_add(ps->ctx, &ps->text, p, 1) != NGX_PAD_CS_OK) {
                return NGX_PAD_HTML_ERROR;
            }
        }

        if (p == end) {
            break;
        }

        k = ngx_pad_html_entity(p + 1, end - p - 1, decode == 2, &cp);

        if (k == 0) {
            if (ngx_pad_buf_add(ps->ctx, &ps->text, "&", 1) != NGX_PAD_CS_OK) {
                return NGX_PAD_HTML_ERROR;
            }

            p++;
            continue;
        }

        if (ngx_pad_buf_add(ps->ctx, &ps->text, buf,
                            ngx_pad_html_utf8_put(buf, cp))
            != NGX_PAD_CS_OK)
        {
            return NGX_PAD_HTML_ERROR;
        }

        p += k + 1;
    }

    return NGX_PAD_HTML_OK;
}


/* the pending text, a text node of the current element */

static intptr_t
ngx_pad_html_flush(ngx_pad_html_parser_t *ps)
{
    char                 *s;
    ngx_pad_html_node_t  *cur, *t;

    if (ps->text.len == 0) {
        return NGX_PAD_HTML_OK;
    }

    cur = ps->stack[ps->depth - 1];
    t = cur->last;

    if (t && !t->elem && !ps->no_merge) {
        s = ngx_pad_cs_alloc(ps->ctx, t->text.len + ps->text.len);
        if (s == NULL) {
            return NGX_PAD_HTML_ERROR;
        }

        memcpy(s, t->text.data, t->text.len);
        memcpy(s + t->text.len, ps->text.data, ps->text.len);
        t->text.data = s;
        t->text.len += ps->text.len;

    } else {
        t = ngx_pad_html_node_add(ps->ctx, cur, NULL, 0);
        s = ngx_pad_cs_alloc(ps->ctx, ps->text.len);

        if (t == NULL || s == NULL) {
            return NGX_PAD_HTML_ERROR;
        }

        memcpy(s, ps->text.data, ps->text.len);
        t->text.data = s;
        t->text.len = ps->text.len;
    }

    ps->text.len = 0;
    ps->no_merge = 0;

    return NGX_PAD_HTML_OK;
}


static intptr_t
ngx_pad_html_push(ngx_pad_html_parser_t *ps, const ngx_pad_html_tag_t *tag,
    int is_void)
{
    char                 *name;
    intptr_t              rc;
    ngx_pad_html_node_t  *n;

    rc = ngx_pad_html_flush(ps);
    if (rc != NGX_PAD_HTML_OK) {
        return rc;
    }

    ps->no_merge = 0;

    if (!is_void && ps->depth >= ps->max_depth) {
        ngx_pad_cs_error(ps->ctx, "html: elements nest deeper than %lu",
                         (unsigned long) (ps->max_depth - 2));
        return NGX_PAD_HTML_LIMIT;
    }

    name = ngx_pad_cs_alloc(ps->ctx, tag->len + 1);
    if (name == NULL) {
        return NGX_PAD_HTML_ERROR;
    }

    memcpy(name, tag->name, tag->len + 1);

    n = ngx_pad_html_node_add(ps->ctx, ps->stack[ps->depth - 1], name,
                              tag->len);
    if (n == NULL) {
        return NGX_PAD_HTML_ERROR;
    }

    n->cls = tag->cls;
    n->style = tag->style;
    n->has_cls = tag->has_cls;
    n->has_style = tag->has_style;
    n->hidden = tag->hidden;

    if (!is_void) {
        ps->stack[ps->depth++] = n;
    }

    return NGX_PAD_HTML_OK;
}


/* pop until an element of list was popped (the body stays) */

static void
ngx_pad_html_pop_until(ngx_pad_html_parser_t *ps, const char *list)
{
    if (ngx_pad_html_flush(ps) != NGX_PAD_HTML_OK) {
        /* the text is lost with the memory */
        ps->text.len = 0;
    }

    while (ps->depth > 2) {
        if (ngx_pad_html_name_in(ps->stack[--ps->depth], list)) {
            return;
        }
    }
}


static int
ngx_pad_html_in_scope(ngx_pad_html_parser_t *ps, const char *list,
    const char *extra)
{
    size_t  i;

    for (i = ps->depth; i-- > 0; /* void */) {
        if (ngx_pad_html_name_in(ps->stack[i], list)) {
            return 1;
        }

        if (ngx_pad_html_name_in(ps->stack[i], NGX_PAD_HTML_SCOPE)
            || ngx_pad_html_name_in(ps->stack[i], extra))
        {
            return 0;
        }
    }

    return 0;
}


static void
ngx_pad_html_close_p(ngx_pad_html_parser_t *ps)
{
    if (ngx_pad_html_in_scope(ps, " p ", " button ")) {
        ngx_pad_html_implied(ps, "p");
        ngx_pad_html_pop_until(ps, " p ");
    }
}


static void
ngx_pad_html_implied(ngx_pad_html_parser_t *ps, const char *except)
{
    ngx_pad_html_node_t  *n;

    while (ps->depth > 2) {
        n = ps->stack[ps->depth - 1];

        if (!ngx_pad_html_name_in(n, NGX_PAD_HTML_IMPLIED)
            || (except && ngx_pad_html_name_is(n, except)))
        {
            return;
        }

        if (ngx_pad_html_flush(ps) != NGX_PAD_HTML_OK) {
            ps->text.len = 0;
        }

        ps->depth--;
    }
}
