/*
 * rehype-minify-whitespace over a parsed tree (setPadHTML's first step).
 */

#ifndef _NGX_PAD_HTML_MINIFY_H_INCLUDED_
#define _NGX_PAD_HTML_MINIFY_H_INCLUDED_


#include "ngx_pad_html_parse.h"


/* root: the document's root element (html) */
intptr_t ngx_pad_html_minify(ngx_pad_ctx_t *ctx, ngx_pad_html_node_t *root);


#endif /* _NGX_PAD_HTML_MINIFY_H_INCLUDED_ */
