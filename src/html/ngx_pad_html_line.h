/*
 * One line's HTML (ExportHtml.ts getLineHTML and the plugins'
 * getLineHTMLForExport hooks).
 */

#ifndef _NGX_PAD_HTML_LINE_H_INCLUDED_
#define _NGX_PAD_HTML_LINE_H_INCLUDED_


#include "ngx_pad_html_int.h"


#define NGX_PAD_HTML_NPROPS  6
/* the most tags one op may open (more: NGX_PAD_HTML_LIMIT) */
#define NGX_PAD_HTML_USED_MAX  64


/*
 * The pool numbers of [heading1..strikethrough, true], -1 if absent.
 * With authorColors (createDiffHTML): map is getHTMLFromAtext's anumMap
 * (pool number -> prop index, -1: none; the only lookup then), and the
 * props after the six are spans of class cls[index - 6].
 */
typedef struct {
    intptr_t              num[NGX_PAD_HTML_NPROPS];
    const intptr_t       *map;
    size_t                nmap;
    const ngx_pad_str_t  *cls;
    size_t                ncls;
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

/*
 * ngx_pad_html_export.c: getHTMLFromAtext() appended to res, with props
 * (NULL: the six of the pool) and css as its pieces[0] (NULL: "")
 */
intptr_t ngx_pad_html_body(ngx_pad_ctx_t *ctx, const ngx_pad_atext_t *atext,
    ngx_pad_pool_t *pool, const ngx_pad_html_opts_t *opts,
    const ngx_pad_html_props_t *props, const ngx_pad_str_t *css,
    ngx_pad_html_out_t *res);


#endif /* _NGX_PAD_HTML_LINE_H_INCLUDED_ */
