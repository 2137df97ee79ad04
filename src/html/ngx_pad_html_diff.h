/*
 * A pad's changes between two revisions as HTML, as Etherpad 2.x's API
 * createDiffHTML writes them (src/node/utils/padDiff.ts, then
 * ExportHtml.ts getHTMLFromAtext with the authors' colours):
 *
 *   d = ngx_pad_html_diff_create(start, pool)   the AText at startRev,
 *                                               its authorship cleared
 *   ngx_pad_html_diff_add(d, cs, author)        revisions startRev+1 ..
 *                                               endRev, in order
 *   ngx_pad_html_diff_atext(d, ctx, &atext)     the diff AText: the text
 *                                               at endRev plus the text
 *                                               deleted, marked "removed"
 *   ngx_pad_html_diff_html(ctx, &atext, ...)    its HTML: a <style> of
 *                                               the authors and removed,
 *                                               spans of their classes
 *
 * Pure C, no nginx type.  The pool is the pad's, and is changed as
 * Etherpad changes the pad's: ["author", ""], then for each revision
 * ["author", <its author>] and ["removed", "true"] are added when absent
 * (give a copy, ngx_pad_pool_clone(), to keep the pad's as it is).
 *
 * Memory: the diff holds its own Easysync context, reset after every
 * revision, and copies of the cleared start AText and of the composed
 * changeset (about the pad's size each).  ngx_pad_html_diff_atext() puts
 * its result in the caller's ctx.
 *
 * Results: NGX_PAD_HTML_OK, or NGX_PAD_HTML_ERROR (a changeset that does
 * not apply, an attribute missing from the pool, out of memory: Etherpad
 * throws there) with the message in ngx_pad_html_diff_error(), or
 * NGX_PAD_HTML_LIMIT for the HTML over opts->max_output.
 */

#ifndef _NGX_PAD_HTML_DIFF_H_INCLUDED_
#define _NGX_PAD_HTML_DIFF_H_INCLUDED_


#include "ngx_pad_html.h"


typedef struct ngx_pad_html_diff_s  ngx_pad_html_diff_t;


/* an author's colour as Pad.getAllAuthorColors() gives it */
typedef struct {
    ngx_pad_str_t  author;
    ngx_pad_str_t  color;
} ngx_pad_html_color_t;


/* NULL on allocation failure or an invalid AText (no message then) */
ngx_pad_html_diff_t *ngx_pad_html_diff_create(const ngx_pad_atext_t *start,
    ngx_pad_pool_t *pool);
void ngx_pad_html_diff_destroy(ngx_pad_html_diff_t *d);
const char *ngx_pad_html_diff_error(ngx_pad_html_diff_t *d);

/*
 * One revision: its changeset and its meta.author (NULL when the
 * revision has none: Etherpad's undefined, "" in the pool, null in the
 * authors).  Clear-authorship changesets are skipped, as Etherpad does.
 */
intptr_t ngx_pad_html_diff_add(ngx_pad_html_diff_t *d,
    const ngx_pad_str_t *cs, const ngx_pad_str_t *author);

/* the authors of the revisions added, each once, in order */
size_t ngx_pad_html_diff_nauthors(ngx_pad_html_diff_t *d);
/* the i-th: NULL for an author that was undefined */
const ngx_pad_str_t *ngx_pad_html_diff_author(ngx_pad_html_diff_t *d,
    size_t i);

/* the diff AText, in ctx's arena */
intptr_t ngx_pad_html_diff_atext(ngx_pad_html_diff_t *d, ngx_pad_ctx_t *ctx,
    ngx_pad_atext_t *out);

/*
 * getHTMLFromAtext(pad, atext, authorColors): colors[0..ncolors-1] (an
 * author not there is written "undefined", as Etherpad writes a missing
 * colour); no wrapper around the body.
 */
intptr_t ngx_pad_html_diff_html(ngx_pad_ctx_t *ctx,
    const ngx_pad_atext_t *atext, ngx_pad_pool_t *pool,
    const ngx_pad_html_color_t *colors, size_t ncolors,
    const ngx_pad_html_opts_t *opts, ngx_pad_str_t *out);


#endif /* _NGX_PAD_HTML_DIFF_H_INCLUDED_ */
