/*
 * setHTML's steps up to the content collector's lines (for the import and
 * its tests).
 */

#ifndef _NGX_PAD_HTML_IMPORT_H_INCLUDED_
#define _NGX_PAD_HTML_IMPORT_H_INCLUDED_


#include "ngx_pad_html_collect.h"


/*
 * html to the collector's lines: with opts->flags & NGX_PAD_HTML_NO_MINIFY
 * the collector alone on the parsed HTML (as Etherpad's contentcollector
 * tests run it), else Pad.cleanText, the minifier and the <p> appended,
 * as setPadHTML.
 */
intptr_t ngx_pad_html_import_lines(ngx_pad_ctx_t *ctx,
    const ngx_pad_str_t *html, ngx_pad_pool_t *pool,
    const ngx_pad_html_opts_t *opts, ngx_pad_html_cc_t *cc);


#endif /* _NGX_PAD_HTML_IMPORT_H_INCLUDED_ */
