/*
 * The content collector's state (contentcollector.ts's "state" and
 * "lines"), shared by its walk (ngx_pad_html_collect.c) and its lines
 * (ngx_pad_html_cline.c).
 */

#ifndef _NGX_PAD_HTML_CSTATE_H_INCLUDED_
#define _NGX_PAD_HTML_CSTATE_H_INCLUDED_


#include "ngx_pad_html_collect.h"


#define NGX_PAD_HTML_LA_MAX   8
#define NGX_PAD_HTML_MAX_LIST_LEVEL  16
#define NGX_PAD_HTML_LINE_LIMIT      2000
#define NGX_PAD_HTML_LINE_BUFFER     10

#define NGX_PAD_HTML_START_UNDEF  -1
#define NGX_PAD_HTML_START_NAN    -2


typedef struct {
    const char     *key;
    ngx_pad_str_t   value;
    int             falsy;
} ngx_pad_html_la_t;


typedef struct {
    const char     *key;
    size_t          klen;
    intptr_t        num;
} ngx_pad_html_kn_t;


typedef struct {
    const char     *names[4];
    size_t          n;
} ngx_pad_html_local_t;


typedef struct {
    ngx_pad_ctx_t          *ctx;
    ngx_pad_pool_t         *pool;
    unsigned                flags;
    size_t                  max;
    size_t                  bytes;         /* text so far */

    intptr_t                pre;           /* state.flags.preMode */
    const char             *anames[4];     /* state.attribs, in order */
    intptr_t                acount[4];
    size_t                  nattr;
    ngx_pad_str_t           attr_string;
    ngx_pad_html_la_t       la[NGX_PAD_HTML_LA_MAX];
    size_t                  nla;           /* state.lineAttributes */
    intptr_t                nesting;       /* state.listNesting */
    intptr_t                start;         /* state.start */
    ngx_pad_html_local_t   *local;         /* state.localAttribs */

    ngx_pad_buf_t           cur;           /* the current line's text */
    ngx_pad_buf_t           runs;          /* ngx_pad_html_run_t */
    size_t                  run0;          /* the current line's first */
    ngx_pad_buf_t           lines;         /* ngx_pad_html_cline_t */
} ngx_pad_html_col_t;


/* lines.atColumnZero() */
static inline int
ngx_pad_html_at_col0(ngx_pad_html_col_t *cl)
{
    return cl->cur.len == 0;
}


ngx_pad_html_la_t *ngx_pad_html_la_get(ngx_pad_html_col_t *cl,
    const char *key);
void ngx_pad_html_la_set(ngx_pad_html_col_t *cl, const char *key,
    const ngx_pad_str_t *value, int falsy);
void ngx_pad_html_la_del(ngx_pad_html_col_t *cl, const char *key);

/* lines.appendText(txt, attrString) */
intptr_t ngx_pad_html_append(ngx_pad_html_col_t *cl, const char *p,
    size_t n, const ngx_pad_str_t *attribs);
/* cc.startNewLine(state) */
intptr_t ngx_pad_html_new_line(ngx_pad_html_col_t *cl, int state);
/* _produceLineAttributesMarker(state) */
intptr_t ngx_pad_html_marker(ngx_pad_html_col_t *cl);
/* _recalcAttribString(state) */
intptr_t ngx_pad_html_recalc(ngx_pad_html_col_t *cl);
/* cc.finish() */
intptr_t ngx_pad_html_finish(ngx_pad_html_col_t *cl, ngx_pad_html_cc_t *cc);


#endif /* _NGX_PAD_HTML_CSTATE_H_INCLUDED_ */
