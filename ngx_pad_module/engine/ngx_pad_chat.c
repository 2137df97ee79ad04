
/*
 * ngx_pad_module: chat: CHAT_MESSAGE stored and published (every worker,
 * the sender's included, sends it on), GET_CHAT_MESSAGES from the store.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"


/* CHAT_MESSAGE: stored and published; every worker sends it on */

void
ngx_pad_session_chat_add(ngx_pad_session_t *sess, ngx_pad_msg_t *m)
{
    json_t  *text;

    text = ngx_pad_msg_string(&m->text);
    if (text == NULL) {
        return;
    }

    if (ngx_pad_pstore_chat_add(sess, text) != NGX_OK) {
        ngx_log_error(NGX_LOG_WARN, ngx_pad_socket_log(sess->socket), 0,
                      "pad: chat message not stored");

    } else {
        ngx_pad_metric_inc(NGX_PAD_M_CHAT_MESSAGES);
    }

    json_decref(text);
}


/* the user name of an author, if one of the pad's sessions knows it */

static json_t *
ngx_pad_session_name_of(ngx_pad_pad_t *pad, const char *author, size_t len)
{
    ngx_queue_t        *q;
    ngx_pad_session_t  *o;

    for (q = ngx_queue_head(&pad->sessions);
         q != ngx_queue_sentinel(&pad->sessions);
         q = ngx_queue_next(q))
    {
        o = ngx_queue_data(q, ngx_pad_session_t, queue);

        if (o->author_len == len && ngx_memcmp(o->author, author, len) == 0
            && json_is_string(o->name))
        {
            return json_incref(o->name);
        }
    }

    return json_null();
}


/*
 * A chat record {"text","authorId","time"} as the client wants it; a
 * published one carries the author's name as its sender knew it
 * ("userName", a string or null), else a session of the pad names it.
 */

json_t *
ngx_pad_session_chat_json(ngx_pad_pad_t *pad, json_t *rec)
{
    json_t         *name;
    ngx_pad_str_t   author;

    if (ngx_pad_msg_get_str(rec, "authorId", &author) != 0) {
        author.data = "";
        author.len = 0;
    }

    name = json_object_get(rec, "userName");

    if (json_is_string(name)) {
        name = json_incref(name);

    } else {
        name = ngx_pad_session_name_of(pad, author.data, author.len);
    }

    return json_pack("{s:O,s:O,s:s%,s:o}",
                     "text", json_object_get(rec, "text"),
                     "time", json_object_get(rec, "time"),
                     "userId", author.data, author.len,
                     "userName", name);
}


void
ngx_pad_session_chat(void *data, ngx_int_t rc, json_t *messages)
{
    size_t              i;
    json_t             *arr, *j, *m;
    ngx_pad_session_t  *sess = data;

    if (sess->socket == NULL || sess->state != NGX_PAD_SESSION_JOINED) {
        ngx_pad_session_unref(sess);
        return;
    }

    arr = json_array();

    if (arr && rc == NGX_OK) {
        json_array_foreach(messages, i, m) {
            j = ngx_pad_session_chat_json(sess->pad, m);

            if (j) {
                json_array_append_new(arr, j);
            }
        }
    }

    j = ngx_pad_msg_collab(json_pack("{s:s,s:o}", "type", "CHAT_MESSAGES",
                                     "messages", arr));
    ngx_pad_session_emit(sess, j);
    json_decref(j);

    ngx_pad_session_unref(sess);
}
