
/*
 * Etherpad pad messages: validation of tokens, colours and pad ids
 * (reference §3.2, §8).
 */


#ifndef _NGX_PAD_MSG_VALID_H_INCLUDED_
#define _NGX_PAD_MSG_VALID_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "easysync/ngx_pad_cs.h"


#define NGX_PAD_MSG_PADID_MAX     50     /* UTF-16 units, §8 */
#define NGX_PAD_MSG_TOKEN_MAX     256


/* t.<base64url with valid padding>, at most NGX_PAD_MSG_TOKEN_MAX bytes */
int ngx_pad_msg_token_valid(const ngx_pad_str_t *s);
/* #rgb or #rrggbb, case-insensitive */
int ngx_pad_msg_color_valid(const ngx_pad_str_t *s);
/* Etherpad's isValidPadId: (g.[a-zA-Z0-9]{16}$)?[^$]{1,50}, UTF-16 units */
int ngx_pad_msg_padid_etherpad_valid(const ngx_pad_str_t *s);
/* that, valid UTF-8 and no control characters */
int ngx_pad_msg_padid_valid(const ngx_pad_str_t *s);
/*
 * sanitizePadId for a new pad: runs of white space (JavaScript's \s,
 * Unicode spaces included) and then runs of ':' become one '_' each.
 * out must hold s->len bytes; returns the new length.
 */
size_t ngx_pad_msg_padid_sanitize(const ngx_pad_str_t *s, char *out);
/* r.<32 hex> */
int ngx_pad_msg_is_readonly_id(const ngx_pad_str_t *s);


#endif /* _NGX_PAD_MSG_VALID_H_INCLUDED_ */
