/*
 * The --jsonl request handler of pad-changeset.
 */

#ifndef _PAD_CHANGESET_REQ_H_INCLUDED_
#define _PAD_CHANGESET_REQ_H_INCLUDED_


#include <stddef.h>

#include "easysync/ngx_pad_cs.h"


/* the reply to one request line, as malloc()ed JSON text (no newline) */
char *pad_changeset_reply(ngx_pad_ctx_t *ctx, const char *line, size_t len);


#endif /* _PAD_CHANGESET_REQ_H_INCLUDED_ */
