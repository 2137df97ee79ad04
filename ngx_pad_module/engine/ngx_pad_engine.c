
/*
 * ngx_pad_module: the pad engine's shared state in a worker (the lowest
 * file of the engine: every other file may use it, it uses none).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"


ngx_pad_engine_t  *ngx_pad_engine;


static const char  *ngx_pad_session_state_names[] = {
    "new", "joining", "joined", "gone"
};


static const char  *ngx_pad_pad_state_names[] = {
    "loading", "ready", "failed"
};


const char *
ngx_pad_session_state_name(ngx_pad_session_state_e state)
{
    return ngx_pad_session_state_names[state];
}


const char *
ngx_pad_pad_state_name(ngx_pad_state_e state)
{
    return ngx_pad_pad_state_names[state];
}


void
ngx_pad_random(u_char *p, size_t n, const char *alphabet, size_t alen)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        p[i] = alphabet[ngx_random() % alen];
    }
}


ngx_pad_payload_t *
ngx_pad_json_payload(json_t *data)
{
    json_t             *args;
    ngx_pad_payload_t  *p;

    args = json_pack("[sO]", "message", data);
    if (args == NULL) {
        return NULL;
    }

    p = ngx_pad_sio_event_payload(args, ngx_pad_engine->log);

    json_decref(args);

    return p;
}


/*
 * dst gets ngx_alloc()ed copies of src's text and attributes (dst may be
 * src; what dst held is not freed)
 */

ngx_int_t
ngx_pad_atext_dup(ngx_pad_atext_t *dst, const ngx_pad_atext_t *src)
{
    u_char  *t, *a;

    t = ngx_alloc(src->text.len + 1, ngx_pad_engine->log);
    a = ngx_alloc(src->attribs.len + 1, ngx_pad_engine->log);

    if (t == NULL || a == NULL) {
        if (t) {
            ngx_free(t);
        }

        if (a) {
            ngx_free(a);
        }

        return NGX_ERROR;
    }

    ngx_memcpy(t, src->text.data, src->text.len);
    ngx_memcpy(a, src->attribs.data, src->attribs.len);

    dst->text.len = src->text.len;
    dst->attribs.len = src->attribs.len;
    dst->text.data = (const char *) t;
    dst->attribs.data = (const char *) a;

    return NGX_OK;
}
