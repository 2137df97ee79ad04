
/*
 * ngx_pad_module: authors and read-only ids in the store: the author of
 * a token (created once), an author's record (name, colour), the pad of
 * a read-only id.  Each answer goes to the handler, with the data, given
 * to the request.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"
#include "store/ngx_pad_store.h"


typedef struct {
    ngx_pad_pstore_info_pt   handler;
    void                    *data;
    size_t                   len;
    u_char                   id[NGX_PAD_AUTHOR_MAX];
} ngx_pad_pstore_aget_t;


static const char  ngx_pad_pstore_alnum[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";


/* authors */

static void
ngx_pad_pstore_author_done(void *data, ngx_pad_store_result_t *res)
{
    json_t             *rec, *color, *name;
    ngx_int_t           idx;
    ngx_pad_str_t       author;
    ngx_pad_session_t  *sess = data;

    if (res->status != NGX_OK) {
        ngx_log_error(NGX_LOG_WARN, ngx_pad_engine->log, 0,
                      "pad: cannot read the author of a token: %V",
                      &res->err);
        author.data = NULL;
        author.len = 0;
        sess->author_handler(sess->author_data, NGX_ERROR, &author, NULL);
        return;
    }

    color = NULL;

    if (res->color.len) {
        idx = ngx_atoi(res->color.data, res->color.len);

        if (idx != NGX_ERROR && idx < NGX_PAD_MSG_PALETTE_SIZE) {
            color = json_integer(idx);

        } else {
            color = json_stringn((char *) res->color.data, res->color.len);
        }
    }

    name = res->name.len ? json_stringn((char *) res->name.data,
                                        res->name.len)
                         : json_null();

    rec = json_pack("{s:o,s:o}", "colorId", color ? color : json_null(),
                    "name", name);

    author.data = (const char *) res->value.data;
    author.len = res->value.len;

    sess->author_handler(sess->author_data, NGX_OK, &author, rec);

    json_decref(rec);
}


ngx_int_t
ngx_pad_pstore_author(ngx_pad_session_t *sess, ngx_pad_str_t *token,
    ngx_pad_pstore_author_pt handler, void *data)
{
    u_char     id[18], color[8];
    ngx_str_t  t, a, c;

    if (ngx_pad_engine->exiting) {
        return NGX_ERROR;
    }

    sess->author_handler = handler;
    sess->author_data = data;

    ngx_memcpy(id, "a.", 2);
    ngx_pad_random(id + 2, 16, ngx_pad_pstore_alnum,
                   sizeof(ngx_pad_pstore_alnum) - 1);

    a.data = id;
    a.len = 18;
    c.data = color;
    c.len = ngx_sprintf(color, "%ui",
                        (ngx_uint_t) (ngx_random() % NGX_PAD_MSG_PALETTE_SIZE))
            - color;
    t.data = (u_char *) token->data;
    t.len = token->len;

    if (ngx_pad_store_author_for_token(&t, &a, &c,
                                       ngx_pad_pstore_author_done, sess)
        == NULL)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


void
ngx_pad_pstore_author_update(ngx_pad_session_t *sess)
{
    u_char     buf[32];
    ngx_str_t  id, name, color, *np;

    if (ngx_pad_engine->exiting) {
        return;
    }

    id.data = sess->author;
    id.len = sess->author_len;
    np = NULL;

    if (json_is_string(sess->name)) {
        name.data = (u_char *) json_string_value(sess->name);
        name.len = json_string_length(sess->name);
        np = &name;
    }

    if (json_is_integer(sess->color)) {
        color.data = buf;
        color.len = ngx_sprintf(buf, "%L",
                                (int64_t) json_integer_value(sess->color))
                    - buf;

    } else if (json_is_string(sess->color)) {
        color.data = (u_char *) json_string_value(sess->color);
        color.len = json_string_length(sess->color);

    } else {
        ngx_str_null(&color);
    }

    (void) ngx_pad_store_author_set(&id, np, color.len ? &color : NULL,
                                    NULL, NULL);
}


static void
ngx_pad_pstore_author_got(void *data, ngx_pad_store_result_t *res)
{
    json_t                 *name, *color;
    ngx_int_t               idx;
    ngx_pad_str_t           author;
    ngx_pad_pstore_aget_t  *g = data;

    author.data = (const char *) g->id;
    author.len = g->len;

    if (res->status != NGX_OK) {
        g->handler(g->data, res->status, &author, NULL, NULL);
        ngx_free(g);
        return;
    }

    name = res->name.len ? json_stringn((char *) res->name.data,
                                        res->name.len)
                         : json_null();
    idx = res->color.len ? ngx_atoi(res->color.data, res->color.len)
                         : NGX_ERROR;

    if (idx != NGX_ERROR && idx < NGX_PAD_MSG_PALETTE_SIZE) {
        color = json_integer(idx);

    } else if (res->color.len) {
        color = json_stringn((char *) res->color.data, res->color.len);

    } else {
        color = json_integer(0);
    }

    g->handler(g->data, NGX_OK, &author, name, color);

    json_decref(name);
    json_decref(color);
    ngx_free(g);
}


ngx_int_t
ngx_pad_pstore_author_get(ngx_pad_str_t *author,
    ngx_pad_pstore_info_pt handler, void *data)
{
    ngx_str_t               id;
    ngx_pad_pstore_aget_t  *g;

    if (ngx_pad_engine->exiting || author->len > NGX_PAD_AUTHOR_MAX) {
        return NGX_ERROR;
    }

    g = ngx_alloc(sizeof(ngx_pad_pstore_aget_t), ngx_pad_engine->log);
    if (g == NULL) {
        return NGX_ERROR;
    }

    g->handler = handler;
    g->data = data;
    g->len = author->len;
    ngx_memcpy(g->id, author->data, author->len);

    id.data = g->id;
    id.len = g->len;

    if (ngx_pad_store_author_get(&id, ngx_pad_pstore_author_got, g) == NULL) {
        ngx_free(g);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* read-only ids */

static void
ngx_pad_pstore_ro_pad(void *data, ngx_pad_store_result_t *res)
{
    ngx_pad_str_t       id;
    ngx_pad_session_t  *sess = data;

    id.data = (const char *) res->value.data;
    id.len = res->value.len;

    sess->padid_handler(sess->padid_data, res->status, &id);
}


ngx_int_t
ngx_pad_pstore_readonly(ngx_pad_session_t *sess, ngx_pad_str_t *ro_id,
    ngx_pad_pstore_str_pt handler, void *data)
{
    ngx_str_t  r;

    if (ngx_pad_engine->exiting) {
        return NGX_ERROR;
    }

    sess->padid_handler = handler;
    sess->padid_data = data;

    r.data = (u_char *) ro_id->data;
    r.len = ro_id->len;

    if (ngx_pad_store_readonly_pad(&r, ngx_pad_pstore_ro_pad, sess) == NULL)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}
