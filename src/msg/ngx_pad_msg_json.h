
/*
 * Etherpad pad messages: JSON helpers.
 */


#ifndef _NGX_PAD_MSG_JSON_H_INCLUDED_
#define _NGX_PAD_MSG_JSON_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "easysync/ngx_pad_cs.h"


json_t *ngx_pad_msg_string(const ngx_pad_str_t *s);
/* a JSON string member as ngx_pad_str_t; -1 if absent or not a string */
int ngx_pad_msg_get_str(json_t *obj, const char *key, ngx_pad_str_t *out);
/* whether s is the string lit */
int ngx_pad_msg_is(const ngx_pad_str_t *s, const char *lit);
/* a JSON integer member; -1 if absent or not an integer */
int ngx_pad_msg_get_int(json_t *obj, const char *key, int64_t *out);
/* an integer, or a string of decimal digits (Etherpad coerces some) */
int ngx_pad_msg_get_coerced(json_t *obj, const char *key, int64_t *out);


#endif /* _NGX_PAD_MSG_JSON_H_INCLUDED_ */
