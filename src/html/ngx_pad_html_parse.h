/*
 * HTML to a tree of elements and text, as an HTML parser builds it for
 * what Etherpad's import reads (jsdom, parse5): a bounded, tolerant
 * tokenizer and the tree rules that matter for a pad's content (implied
 * </p> and </li>, void elements, raw text, the head left out).
 */

#ifndef _NGX_PAD_HTML_PARSE_H_INCLUDED_
#define _NGX_PAD_HTML_PARSE_H_INCLUDED_


#include "ngx_pad_html_int.h"


typedef struct ngx_pad_html_node_s  ngx_pad_html_node_t;

struct ngx_pad_html_node_s {
    ngx_pad_html_node_t  *parent;
    ngx_pad_html_node_t  *next;
    ngx_pad_html_node_t  *prev;
    ngx_pad_html_node_t  *first;
    ngx_pad_html_node_t  *last;
    ngx_pad_str_t         name;       /* an element's, lower case */
    ngx_pad_str_t         text;       /* a text node's (decoded) */
    ngx_pad_str_t         cls;        /* the class attribute */
    ngx_pad_str_t         style;      /* the style attribute */
    unsigned              elem:1;
    unsigned              has_cls:1;
    unsigned              has_style:1;
    unsigned              hidden:1;   /* the hidden attribute */
    signed char           val;        /* minifier: the node's boundary */
    signed char           sfx;        /* the first one from here on */
};


/*
 * The <body> of html (valid UTF-8) in *body; NGX_PAD_HTML_LIMIT when the
 * elements nest deeper than max_depth.
 */
intptr_t ngx_pad_html_parse(ngx_pad_ctx_t *ctx, const ngx_pad_str_t *html,
    size_t max_depth, ngx_pad_html_node_t **body);

/* a new element at the end of parent's children */
ngx_pad_html_node_t *ngx_pad_html_node_add(ngx_pad_ctx_t *ctx,
    ngx_pad_html_node_t *parent, const char *name, size_t len);

int ngx_pad_html_name_is(const ngx_pad_html_node_t *n, const char *name);
int ngx_pad_html_name_in(const ngx_pad_html_node_t *n, const char *list);

/* after the '&' at p: the bytes of a character reference, 0 if none */
size_t ngx_pad_html_entity(const char *p, size_t n, int in_attr,
    uint32_t *cp);

/* cp as UTF-8 into buf (4 bytes), its length */
size_t ngx_pad_html_utf8_put(char *buf, uint32_t cp);


#endif /* _NGX_PAD_HTML_PARSE_H_INCLUDED_ */
