
/*
 * ngx_pad_module: a pad's chat in the store: a message appended (and
 * published by the store), a range of messages read (the answer goes to
 * the handler, with the data, given to the request).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"
#include "store/ngx_pad_store.h"


typedef struct {
    ngx_pad_pstore_json_pt   handler;
    void                    *data;
} ngx_pad_pstore_json_t;


ngx_int_t
ngx_pad_pstore_chat_add(ngx_pad_session_t *sess, json_t *msg)
{
    ngx_str_t  text, author, name;

    if (ngx_pad_engine->exiting) {
        return NGX_ERROR;
    }

    text.data = (u_char *) json_string_value(msg);
    text.len = json_string_length(msg);
    author.data = sess->author;
    author.len = sess->author_len;

    /* the sender's name goes with it to the workers that do not know it */

    name.data = (u_char *) json_string_value(sess->name);
    name.len = json_is_string(sess->name) ? json_string_length(sess->name)
                                          : 0;

    if (ngx_pad_store_chat_append(&sess->pad->id, &text, &author, NULL,
                                  name.len ? &name : NULL, NULL, NULL)
        == NULL)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void
ngx_pad_pstore_chat_range(void *data, ngx_pad_store_result_t *res)
{
    json_t                 *arr, *j;
    ngx_uint_t              i;
    ngx_pad_pstore_json_t  *q = data;

    if (res->status != NGX_OK) {
        q->handler(q->data, NGX_ERROR, NULL);
        ngx_free(q);
        return;
    }

    arr = json_array();

    for (i = 0; arr && i < res->nitems; i++) {
        if (res->items[i].len == 0) {
            continue;
        }

        j = json_loadb((char *) res->items[i].data, res->items[i].len, 0,
                       NULL);

        if (j) {
            json_array_append_new(arr, j);
        }
    }

    q->handler(q->data, arr ? NGX_OK : NGX_ERROR, arr);

    json_decref(arr);
    ngx_free(q);
}


ngx_int_t
ngx_pad_pstore_chat_get(ngx_pad_pad_t *pad, int64_t start, int64_t end,
    ngx_pad_pstore_json_pt handler, void *data)
{
    ngx_pad_pstore_json_t  *q;

    if (ngx_pad_engine->exiting) {
        return NGX_ERROR;
    }

    q = ngx_alloc(sizeof(ngx_pad_pstore_json_t), ngx_pad_engine->log);
    if (q == NULL) {
        return NGX_ERROR;
    }

    q->handler = handler;
    q->data = data;

    if (ngx_pad_store_chat_range(&pad->id, (ngx_int_t) start,
                                 (ngx_int_t) end, ngx_pad_pstore_chat_range,
                                 q)
        == NULL)
    {
        ngx_free(q);
        return NGX_ERROR;
    }

    return NGX_OK;
}
