
/*
 * ngx_pad_module: what arrives on a pad's channel (revision records,
 * chat records, presence events), routed to the pad, its chat, its
 * presence.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"


/* a record published on the pad's channel */

void
ngx_pad_pad_event(ngx_pad_pad_t *pad, json_t *ev)
{
    json_t         *j;
    int64_t         rev, num;
    const char     *type;
    ngx_pad_str_t   to;

    type = json_string_value(json_object_get(ev, "type"));

    if (type == NULL) {
        return;
    }

    if (ngx_strcmp(type, "chat") == 0) {
        if (json_is_integer(json_object_get(ev, "n"))) {
            num = json_integer_value(json_object_get(ev, "n"));

            if (num > pad->chat_head) {
                pad->chat_head = num;
            }
        }

        j = ngx_pad_session_chat_json(pad, ev);
        j = ngx_pad_msg_collab(json_pack("{s:s,s:o}", "type", "CHAT_MESSAGE",
                                         "message", j));
        if (j) {
            ngx_pad_pad_broadcast(pad, NULL, j);
            json_decref(j);
        }

        return;
    }

    if (ngx_strcmp(type, "user") == 0) {
        ngx_pad_pad_user_event(pad, ev);
        return;
    }

    if (ngx_strcmp(type, "fwd") == 0) {
        if (ngx_pad_msg_get_str(ev, "to", &to) == 0
            && json_is_object(json_object_get(ev, "msg"))
            && ngx_strcmp(json_string_value(json_object_get(ev, "w"))
                          ? json_string_value(json_object_get(ev, "w")) : "",
                          ngx_pad_engine->wid) != 0)
        {
            ngx_pad_pad_forward(pad, &to, json_object_get(ev, "msg"));
        }

        return;
    }

    if (ngx_strcmp(type, "rev") != 0
        || !json_is_integer(json_object_get(ev, "rev")))
    {
        return;
    }

    rev = json_integer_value(json_object_get(ev, "rev"));

    if (rev <= pad->head) {
        return;
    }

    if (pad->state != NGX_PAD_READY || pad->committing || pad->catching_up
        || ngx_pad_pad_apply_record(pad, ev) != NGX_OK)
    {
        ngx_pad_pad_published(pad, rev);
    }
}
