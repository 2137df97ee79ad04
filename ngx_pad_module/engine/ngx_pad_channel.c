
/*
 * ngx_pad_module: what arrives on a pad's channel (revision records,
 * chat records, presence events, the HTTP API's deletePad and
 * sendClientsMessage), routed to the pad, its chat, its presence, its
 * sessions; the subscription's events (a gap to fill: the pad is
 * compared with Redis).  ngx_pad_channel_handler() is the handler the
 * pad's subscription is given.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"


#define NGX_PAD_CHANNEL_REV    "{\"type\":\"rev\",\"rev\":"
#define NGX_PAD_CHANNEL_RESET  "{\"type\":\"reset\","


/*
 * deletePad removed the pad (delete.lua): a copy of the deleted history
 * is dropped and its sessions get Etherpad's kick; any other copy (one
 * loading, of another history) is compared with Redis, whose tombstone
 * tells the same (head.lua).
 */

static void
ngx_pad_channel_deleted(ngx_pad_pad_t *pad, json_t *ev)
{
    ngx_pad_str_t  hist;

    if (pad->state == NGX_PAD_READY
        && ngx_pad_msg_get_str(ev, "hist", &hist) == 0
        && hist.len == pad->hist.len
        && ngx_strncmp(hist.data, pad->hist.data, hist.len) == 0)
    {
        ngx_pad_repair_drop(pad, "deleted");
        return;
    }

    ngx_pad_repair_check(pad);
}


/* a record published on the pad's channel */

static void
ngx_pad_channel_event(ngx_pad_pad_t *pad, json_t *ev)
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

    if (ngx_strcmp(type, "deleted") == 0) {
        ngx_pad_channel_deleted(pad, ev);
        return;
    }

    if (ngx_strcmp(type, "custom") == 0) {
        /* sendClientsMessage: Etherpad's handleCustomMessage */
        j = json_object_get(ev, "msg");

        if (json_is_object(j)) {
            ngx_pad_pad_broadcast(pad, NULL, j);
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


void
ngx_pad_channel_handler(void *data, ngx_uint_t event, ngx_str_t *payload)
{
    u_char         *p, *last;
    json_t         *j;
    int64_t         rev;
    ngx_pad_pad_t  *pad = data;

    switch (event) {

    case NGX_PAD_REDIS_SUB_READY:
    case NGX_PAD_REDIS_SUB_RESUBSCRIBED:
        /* anything published before the subscription: read the head */
        ngx_pad_repair_check(pad);
        break;

    case NGX_PAD_REDIS_SUB_MESSAGE:

        /*
         * A revision this worker has (its own append, or one applied
         * from a conflict reply or a catch-up) changes nothing: skipped
         * before parsing.  Records start as append.lua writes them.
         */

        if (payload->len > sizeof(NGX_PAD_CHANNEL_REV) - 1
            && ngx_strncmp(payload->data, NGX_PAD_CHANNEL_REV,
                           sizeof(NGX_PAD_CHANNEL_REV) - 1) == 0)
        {
            p = payload->data + sizeof(NGX_PAD_CHANNEL_REV) - 1;
            last = payload->data + payload->len;
            rev = 0;

            while (p < last && *p >= '0' && *p <= '9'
                   && rev < (int64_t) 1 << 56)
            {
                rev = rev * 10 + (*p++ - '0');
            }

            if (p < last && *p == ',' && p > payload->data
                                          + sizeof(NGX_PAD_CHANNEL_REV) - 1
                && rev <= pad->head)
            {
                break;
            }
        }

        if (payload->len > sizeof(NGX_PAD_CHANNEL_RESET) - 1
            && ngx_strncmp(payload->data, NGX_PAD_CHANNEL_RESET,
                           sizeof(NGX_PAD_CHANNEL_RESET) - 1) == 0)
        {
            /* restore.lua rewrote the pad: compare this copy again */
            ngx_pad_repair_check(pad);
            break;
        }

        j = json_loadb((char *) payload->data, payload->len, 0, NULL);

        if (j == NULL) {
            ngx_log_error(NGX_LOG_ERR, ngx_pad_engine->log, 0,
                          "pad: \"%V\": invalid published message",
                          &pad->id);
            break;
        }

        pad->refs++;
        ngx_pad_channel_event(pad, j);
        json_decref(j);
        ngx_pad_pad_release(pad);
        break;

    default:
        break;
    }
}
