/*
 * One line's HTML (ExportHtml.ts getLineHTML and the plugins'
 * getLineHTMLForExport hooks).
 */

#ifndef _NGX_PAD_HTML_LINE_H_INCLUDED_
#define _NGX_PAD_HTML_LINE_H_INCLUDED_


#include "ngx_pad_html_int.h"


#define NGX_PAD_HTML_NPROPS  6


/* the pool numbers of [heading1..strikethrough, true], -1 if absent */
typedef struct {
    intptr_t  num[NGX_PAD_HTML_NPROPS];
} ngx_pad_html_props_t;


void ngx_pad_html_props_init(ngx_pad_html_props_t *props,
    ngx_pad_pool_t *pool);

/*
 * The line's lineContent into lc (emptied first; tmp is scratch), after
 * the hooks that flags enable.
 */
intptr_t ngx_pad_html_line(ngx_pad_ctx_t *ctx,
    const ngx_pad_html_props_t *props, ngx_pad_pool_t *pool,
    const ngx_pad_html_doc_t *doc, const ngx_pad_html_line_t *line,
    unsigned flags, ngx_pad_html_out_t *tmp, ngx_pad_html_out_t *lc);


#endif /* _NGX_PAD_HTML_LINE_H_INCLUDED_ */
