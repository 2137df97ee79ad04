/*
 * libFuzzer: one request line of "pad-changeset --jsonl" (JSON parsing,
 * argument checks, every operation).  Property: the reply is a JSON
 * object with "ok" or "err".
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "easysync/ngx_pad_cs.h"
#include "pad_changeset_req.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                  *reply;
    json_t                *j;
    json_error_t           jerr;
    static ngx_pad_ctx_t  *ctx;

    if (ctx == NULL && (ctx = ngx_pad_ctx_create()) == NULL) {
        abort();
    }

    ngx_pad_ctx_reset(ctx);

    reply = pad_changeset_reply(ctx, (const char *) data, size);
    if (reply == NULL) {
        abort();
    }

    j = json_loads(reply, 0, &jerr);

    if (j == NULL || !json_is_object(j)
        || (json_object_get(j, "ok") == NULL
            && !json_is_string(json_object_get(j, "err"))))
    {
        fprintf(stderr, "bad reply: %s\n", reply);
        abort();
    }

    json_decref(j);
    free(reply);

    return 0;
}
