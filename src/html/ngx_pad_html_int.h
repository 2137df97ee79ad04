/*
 * What the files of src/html/ share: a bounded output buffer, and an
 * AText cut into lines as ExportHelper.ts _analyzeLine sees them.
 */

#ifndef _NGX_PAD_HTML_INT_H_INCLUDED_
#define _NGX_PAD_HTML_INT_H_INCLUDED_


#include "easysync/ngx_pad_cs_buf.h"
#include "ngx_pad_html.h"


/* a growable buffer that refuses to grow past max bytes */
typedef struct {
    ngx_pad_ctx_t  *ctx;
    ngx_pad_buf_t   b;
    size_t          max;
} ngx_pad_html_out_t;


/* a run of one line's text with the same attribute string */
typedef struct {
    const char     *p;
    size_t          n;
    ngx_pad_str_t   attribs;
} ngx_pad_html_seg_t;


typedef struct {
    ngx_pad_str_t   raw;        /* the line, marker included, no "\n" */
    ngx_pad_str_t   text;       /* without the line marker */
    ngx_pad_str_t   first;      /* attribs of the line's first op */
    ngx_pad_str_t   type;       /* listTypeName ([a-z]+) */
    ngx_pad_str_t   start;      /* the "start" attribute, or empty */
    intptr_t        level;      /* listLevel */
    size_t          seg;        /* its runs: segs[seg .. seg + nsegs - 1] */
    size_t          nsegs;      /* (of text, the marker excluded) */
    unsigned        has_type:1;
    unsigned        undef:1;    /* the line after the last one */
} ngx_pad_html_line_t;


typedef struct {
    ngx_pad_ctx_t        *ctx;
    ngx_pad_html_line_t  *lines;
    size_t                n;
    ngx_pad_html_seg_t   *segs;
    ngx_pad_buf_t         lbuf;
    ngx_pad_buf_t         sbuf;
} ngx_pad_html_doc_t;


#define ngx_pad_html_lit(s)  { sizeof(s) - 1, s }


void ngx_pad_html_out_init(ngx_pad_html_out_t *o, ngx_pad_ctx_t *ctx,
    size_t max);
intptr_t ngx_pad_html_out_add(ngx_pad_html_out_t *o, const char *p,
    size_t n);
intptr_t ngx_pad_html_out_str(ngx_pad_html_out_t *o, const char *s);
intptr_t ngx_pad_html_out_num(ngx_pad_html_out_t *o, intptr_t n);
/* the buffer's bytes into the arena as out; the buffer is freed */
intptr_t ngx_pad_html_out_result(ngx_pad_html_out_t *o, ngx_pad_str_t *out);
void ngx_pad_html_out_free(ngx_pad_html_out_t *o);

/*
 * The AText's lines (its last "\n" ends the last one), each analysed as
 * _analyzeLine does; doc->lines[doc->n] is the undefined line after the
 * last.  NGX_PAD_HTML_ERROR for an AText that is not valid or an
 * attribute missing from the pool, NGX_PAD_HTML_LIMIT for a level above
 * NGX_PAD_HTML_LEVEL_MAX.
 */
intptr_t ngx_pad_html_doc_init(ngx_pad_ctx_t *ctx, ngx_pad_html_doc_t *doc,
    const ngx_pad_atext_t *atext, ngx_pad_pool_t *pool);
void ngx_pad_html_doc_free(ngx_pad_html_doc_t *doc);

/*
 * The value of the first attribute key in attribs (attribsAttributeValue),
 * empty when there is none; -1 when an attribute is not in the pool.
 */
intptr_t ngx_pad_html_attr_value(ngx_pad_ctx_t *ctx, ngx_pad_pool_t *pool,
    const ngx_pad_str_t *attribs, const char *key, ngx_pad_str_t *value);

/* the next "*n" of an attribute string: 1 and n, 0 at the end, -1 bad */
intptr_t ngx_pad_html_attr_next(const char **p, const char *end,
    intptr_t *n);

/*
 * ngx_pad_html_diff_del.c: padDiff's deletion changeset of cs (the
 * composed changeset, applying to start), in ctx's arena; may add
 * attributes to pool
 */
intptr_t ngx_pad_html_deletion(ngx_pad_ctx_t *ctx, ngx_pad_pool_t *pool,
    const ngx_pad_str_t *cs, const ngx_pad_atext_t *start,
    ngx_pad_str_t *out);

/* one code point of valid UTF-8 at p (n bytes left), its length in *len */
uint32_t ngx_pad_html_utf8_cp(const char *p, size_t n, size_t *len);


#endif /* _NGX_PAD_HTML_INT_H_INCLUDED_ */
