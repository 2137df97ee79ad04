
/*
 * Form fields of an HTTP request: a query string or an
 * application/x-www-form-urlencoded body (as Node's querystring decodes
 * them: "+" is a space, %XX a byte, a malformed escape is kept as it is),
 * and multipart/form-data (RFC 7578: each part's name from its
 * Content-Disposition; a part with a filename is skipped).  Pure: no
 * allocation; names and values point into the input or into buf.
 */


#ifndef _NGX_PAD_FORM_H_INCLUDED_
#define _NGX_PAD_FORM_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include "easysync/ngx_pad_cs.h"


typedef struct {
    ngx_pad_str_t  name;
    ngx_pad_str_t  value;
} ngx_pad_form_field_t;


/*
 * Decodes "a=1&b=2" into fields[*n..]; buf has room for len bytes.  0, or
 * -1 when more than max fields in all would be needed.
 */
int ngx_pad_form_urlencoded(const char *p, size_t len, char *buf,
    ngx_pad_form_field_t *fields, size_t max, size_t *n);

/*
 * The boundary parameter of a multipart/form-data Content-Type; 0, or -1
 * when the type is not multipart/form-data with a boundary of 1..70.
 */
int ngx_pad_form_boundary(const char *type, size_t len, ngx_pad_str_t *out);

/* the parts of a multipart/form-data body; -1 when it is malformed */
int ngx_pad_form_multipart(const char *p, size_t len,
    const ngx_pad_str_t *boundary, ngx_pad_form_field_t *fields,
    size_t max, size_t *n);


#endif /* _NGX_PAD_FORM_H_INCLUDED_ */
