
/*
 * Etherpad pad messages: pure parsing and validation of what clients
 * send, and builders of what the server sends (reference §3).
 *
 * No nginx headers: jansson and the Easysync pool only, so that these
 * files have their own unit tests (t/unit/pad_msg_test.c).  Strings are
 * UTF-8 byte ranges (ngx_pad_str_t) unless said otherwise.
 *
 * The one header the rest of the module includes; each part has its own:
 *   ngx_pad_msg_json.h    JSON helpers
 *   ngx_pad_msg_valid.h   tokens, colours, pad ids
 *   ngx_pad_msg_parse.h   client messages, parsed
 *   ngx_pad_msg_pool.h    attribute pools in their JSON form
 *   ngx_pad_msg_build.h   server messages
 */


#ifndef _NGX_PAD_MSG_H_INCLUDED_
#define _NGX_PAD_MSG_H_INCLUDED_


#include "msg/ngx_pad_msg_json.h"
#include "msg/ngx_pad_msg_valid.h"
#include "msg/ngx_pad_msg_parse.h"
#include "msg/ngx_pad_msg_pool.h"
#include "msg/ngx_pad_msg_build.h"


#endif /* _NGX_PAD_MSG_H_INCLUDED_ */
