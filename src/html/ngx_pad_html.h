/*
 * A pad's HTML and text, as Etherpad 2.x writes and reads them:
 *
 *   ngx_pad_html_get_html()   ExportHtml.ts getHTMLFromAtext (getPadHTML)
 *   ngx_pad_html_api_html()   what the API's getHTML answers: the same in
 *                             "<!DOCTYPE HTML><html><body>...</body></html>"
 *   ngx_pad_html_document()   getPadHTMLDocument: the page of /export/html
 *                             (templates/export_html.html)
 *   ngx_pad_html_get_txt()    ExportTxt.ts getTXTFromAtext: /export/txt
 *                             and the API's getText without a revision
 *   ngx_pad_html_import()     the API's setHTML (Pad.cleanText, then
 *                             ImportHtml.ts setPadHTML: rehype's
 *                             whitespace minifier, contentcollector.ts)
 *
 * Pure C, no nginx type.  Everything works on a pad's AText (ngx_pad_cs.h:
 * text + attribution) and its attribute pool, as the store gives them:
 * build the pool from the JSON {"numToAttrib":{...},"nextNum":n} with
 * ngx_pad_pool_from_json() (easysync/ngx_pad_pool_json.h).
 *
 * Allocation: results live in the context's arena (ngx_pad_ctx_t), valid
 * until ngx_pad_ctx_reset() or ngx_pad_ctx_destroy(), as the rest of the
 * Easysync library; the work buffers are freed before a call returns.
 * Every output is bounded by opts->max_output bytes; the import's input by
 * opts->max_input bytes and its element nesting by opts->max_depth.
 *
 * Results: NGX_PAD_HTML_OK (0), or a negative code with a message that
 * ngx_pad_ctx_error() gives:
 *   NGX_PAD_HTML_ERROR      out of memory, or an AText or pool that is not
 *                           valid (an attribute missing from the pool:
 *                           Etherpad throws there too);
 *   NGX_PAD_HTML_LIMIT      over one of opts' limits (or a list level above
 *                           NGX_PAD_HTML_LEVEL_MAX in an AText);
 *   NGX_PAD_HTML_MALFORMED  the import fails where Etherpad's setHTML
 *                           answers "HTML is malformed" (an <li> outside a
 *                           list; input that is not UTF-8).
 * Nothing crashes on any input; the pool given to the exports is only read.
 *
 * Plugins: the attributes of ep_headings2 ("heading": h1..h4, code) and
 * ep_align ("align": left, center, justify, right) are exported and
 * imported as those plugins' hooks do when opts->flags has
 * NGX_PAD_HTML_HEADINGS / NGX_PAD_HTML_ALIGN (both by default), that is,
 * as an Etherpad with the plugin installed.  Unlike the plugins, a value
 * outside those lists is not written into the HTML (it would be written
 * there unescaped).
 */

#ifndef _NGX_PAD_HTML_H_INCLUDED_
#define _NGX_PAD_HTML_H_INCLUDED_


#include "easysync/ngx_pad_cs.h"


#define NGX_PAD_HTML_OK          0
#define NGX_PAD_HTML_ERROR      -1
#define NGX_PAD_HTML_LIMIT      -2
#define NGX_PAD_HTML_MALFORMED  -3

/* opts->flags */
#define NGX_PAD_HTML_HEADINGS   0x01     /* ep_headings2 */
#define NGX_PAD_HTML_ALIGN      0x02     /* ep_align */
#define NGX_PAD_HTML_NO_MINIFY  0x100    /* import: skip rehype's minifier
                                            (the content collector alone, as
                                            Etherpad's contentcollector
                                            tests run it) */

/* the deepest list level an AText may have ("bullet1000") */
#define NGX_PAD_HTML_LEVEL_MAX  1000


typedef struct {
    unsigned   flags;
    size_t     max_output;     /* bytes of any result */
    size_t     max_input;      /* import: bytes of HTML */
    size_t     max_depth;      /* import: elements open at once */
} ngx_pad_html_opts_t;


/* the defaults: both plugins, 16 MB out, 4 MB in, depth 256 */
void ngx_pad_html_opts_init(ngx_pad_html_opts_t *opts);


/* getHTMLFromAtext(pad, atext): the body's HTML, no wrapper */
intptr_t ngx_pad_html_get_html(ngx_pad_ctx_t *ctx,
    const ngx_pad_atext_t *atext, ngx_pad_pool_t *pool,
    const ngx_pad_html_opts_t *opts, ngx_pad_str_t *out);

/* the API's getHTML: "<!DOCTYPE HTML><html><body>" html "</body></html>" */
intptr_t ngx_pad_html_api_html(ngx_pad_ctx_t *ctx,
    const ngx_pad_atext_t *atext, ngx_pad_pool_t *pool,
    const ngx_pad_html_opts_t *opts, ngx_pad_str_t *out);

/*
 * getPadHTMLDocument: the whole page of /export/html; title is the pad's
 * id, or its read-only id when the export was asked for by that (it is
 * HTML-escaped here).
 */
intptr_t ngx_pad_html_document(ngx_pad_ctx_t *ctx,
    const ngx_pad_atext_t *atext, ngx_pad_pool_t *pool,
    const ngx_pad_str_t *title, const ngx_pad_html_opts_t *opts,
    ngx_pad_str_t *out);

/* getTXTFromAtext: list markers, tabs and numbers as Etherpad writes */
intptr_t ngx_pad_html_get_txt(ngx_pad_ctx_t *ctx,
    const ngx_pad_atext_t *atext, ngx_pad_pool_t *pool,
    const ngx_pad_html_opts_t *opts, ngx_pad_str_t *out);


typedef struct {
    /*
     * Etherpad's "theChangeset": it applies to the empty pad ("\n",
     * attribs "|1+1") and numbers its attributes in the pool given; the
     * identity "Z:1>0$" when the HTML has no text at all.
     */
    ngx_pad_str_t    cs;
    ngx_pad_atext_t  atext;     /* "\n" after cs (checked as an AText) */
    intptr_t         lines;     /* atext's lines, its last one included */
} ngx_pad_html_import_t;

/*
 * setHTML's content: html (UTF-8) to what setPadHTML appends after
 * pad.setText('\n').  New attributes are appended to pool in the order
 * Etherpad's content collector adds them; after an error the pool may
 * have grown (ngx_pad_pool_truncate() to the nextNum it had).  The
 * author is not stamped (Etherpad's import carries no author either).
 */
intptr_t ngx_pad_html_import(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *html,
    ngx_pad_pool_t *pool, const ngx_pad_html_opts_t *opts,
    ngx_pad_html_import_t *out);


#endif /* _NGX_PAD_HTML_H_INCLUDED_ */
