/*
 * Etherpad's content collector (static/js/contentcollector.ts) on a
 * parsed tree: lines of text and their attribution (alines), attributes
 * added to the pool as the collector adds them.
 */

#ifndef _NGX_PAD_HTML_COLLECT_H_INCLUDED_
#define _NGX_PAD_HTML_COLLECT_H_INCLUDED_


#include "ngx_pad_html_parse.h"


/* a run of a line: units UTF-16 units with one attribute string */
typedef struct {
    ngx_pad_str_t   attribs;
    intptr_t        units;
} ngx_pad_html_run_t;


typedef struct {
    ngx_pad_str_t        text;
    ngx_pad_html_run_t  *runs;
    size_t               nruns;
} ngx_pad_html_cline_t;


/* cc.finish(): lines (the last, incomplete one dropped), long ones cut */
typedef struct {
    ngx_pad_html_cline_t  *lines;
    size_t                 n;
} ngx_pad_html_cc_t;


/*
 * collectContent(body) then finish(); flags: NGX_PAD_HTML_HEADINGS and
 * NGX_PAD_HTML_ALIGN add those plugins' hooks.  NGX_PAD_HTML_MALFORMED
 * where the collector throws (an <li> outside a list, an "ace-line" div);
 * NGX_PAD_HTML_LIMIT when the text exceeds max bytes.
 */
intptr_t ngx_pad_html_collect(ngx_pad_ctx_t *ctx, ngx_pad_html_node_t *body,
    ngx_pad_pool_t *pool, unsigned flags, size_t max, ngx_pad_html_cc_t *cc);

/* a line's alines string ("*0*1+3") into the arena */
intptr_t ngx_pad_html_aline(ngx_pad_ctx_t *ctx,
    const ngx_pad_html_cline_t *line, ngx_pad_str_t *out);


#endif /* _NGX_PAD_HTML_COLLECT_H_INCLUDED_ */
