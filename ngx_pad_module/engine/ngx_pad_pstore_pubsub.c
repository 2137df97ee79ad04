
/*
 * ngx_pad_module: a pad's channel in the store: the subscription (its
 * messages go to the handler, with the data, given at subscribe time:
 * the pad channel's router) and what this worker publishes on it.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"
#include "store/ngx_pad_store.h"


ngx_int_t
ngx_pad_pstore_subscribe(ngx_pad_pad_t *pad,
    ngx_pad_redis_sub_handler_pt handler, void *data)
{
    if (ngx_pad_engine->exiting) {
        return NGX_ERROR;
    }

    pad->sub = ngx_pad_store_subscribe(&pad->id, handler, data);

    return pad->sub ? NGX_OK : NGX_ERROR;
}


void
ngx_pad_pstore_unsubscribe(ngx_pad_pad_t *pad)
{
    if (pad->sub && !ngx_pad_engine->exiting) {
        ngx_pad_redis_unsubscribe(pad->sub);
        pad->sub = NULL;
    }

    pad->subscribed = 0;
}


ngx_int_t
ngx_pad_pstore_publish(ngx_pad_pad_t *pad, json_t *event)
{
    char       *s;
    ngx_str_t   msg;

    if (ngx_pad_engine->exiting) {
        return NGX_ERROR;
    }

    s = json_dumps(event, JSON_COMPACT);
    if (s == NULL) {
        return NGX_ERROR;
    }

    msg.data = (u_char *) s;
    msg.len = ngx_strlen(s);

    if (ngx_pad_store_publish(&pad->id, &msg, NULL, NULL) == NULL) {
        free(s);
        return NGX_ERROR;
    }

    free(s);

    return NGX_OK;
}
