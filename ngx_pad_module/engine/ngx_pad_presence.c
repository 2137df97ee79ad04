
/*
 * ngx_pad_module: presence across workers and hosts: join, update and
 * leave events on the pad's channel, "here" answers, USER_NEWINFO of the
 * users present after CLIENT_VARS, USERINFO_UPDATE, CLIENT_MESSAGE.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"


static void
ngx_pad_session_publish_to(ngx_pad_session_t *sess, ngx_pad_str_t *to)
{
    json_t              *j;
    ngx_pad_msg_user_t   u;

    ngx_pad_session_user(sess, &u);

    j = json_pack("{s:s,s:s,s:s,s:o,s:s%}", "type", "user", "op", "here",
                  "w", ngx_pad_engine->wid,
                  "info", ngx_pad_msg_user_json(&u),
                  "to", to->data, to->len);
    if (j == NULL) {
        return;
    }

    (void) ngx_pad_pstore_publish(sess->pad, j);

    json_decref(j);
}


static ngx_uint_t
ngx_pad_session_has_author(ngx_pad_pad_t *pad, ngx_pad_str_t *author)
{
    ngx_queue_t        *q;
    ngx_pad_session_t  *o;

    for (q = ngx_queue_head(&pad->sessions);
         q != ngx_queue_sentinel(&pad->sessions);
         q = ngx_queue_next(q))
    {
        o = ngx_queue_data(q, ngx_pad_session_t, queue);

        if (o->author_len == author->len
            && ngx_memcmp(o->author, author->data, author->len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


/*
 * CLIENT_MESSAGE suggestUserName: the whole message goes to the sockets
 * of the unnamed author, here and (through the channel) elsewhere.
 */

void
ngx_pad_pad_forward(ngx_pad_pad_t *pad, ngx_pad_str_t *to, json_t *m)
{
    ngx_queue_t        *q;
    ngx_pad_session_t  *o;

    for (q = ngx_queue_head(&pad->sessions);
         q != ngx_queue_sentinel(&pad->sessions);
         q = ngx_queue_next(q))
    {
        o = ngx_queue_data(q, ngx_pad_session_t, queue);

        if (o->author_len == to->len
            && ngx_memcmp(o->author, to->data, to->len) == 0)
        {
            ngx_pad_session_emit(o, m);
        }
    }
}


ngx_int_t
ngx_pad_session_client_message(ngx_pad_session_t *sess, json_t *m)
{
    json_t         *payload, *ev;
    ngx_pad_str_t   type, to, name;

    payload = json_object_get(json_object_get(m, "data"), "payload");

    if (ngx_pad_msg_get_str(payload, "type", &type) != 0
        || type.len != 15 || ngx_memcmp(type.data, "suggestUserName", 15)
        || ngx_pad_msg_get_str(payload, "unnamedId", &to) != 0
        || ngx_pad_msg_get_str(payload, "newName", &name) != 0
        || to.len > NGX_PAD_AUTHOR_MAX || name.len > NGX_PAD_MSG_NAME_MAX)
    {
        return NGX_DECLINED;
    }

    ngx_pad_pad_forward(sess->pad, &to, m);

    ev = json_pack("{s:s,s:s,s:s%,s:O}", "type", "fwd",
                   "w", ngx_pad_engine->wid, "to", to.data, to.len,
                   "msg", m);
    if (ev) {
        (void) ngx_pad_pstore_publish(sess->pad, ev);
        json_decref(ev);
    }

    return NGX_OK;
}


/* "here" events for the local users, to the sockets of author "to" */

static void
ngx_pad_pad_tell_here(ngx_pad_pad_t *pad, ngx_pad_str_t *to)
{
    ngx_queue_t        *q;
    ngx_pad_session_t  *o, *prev;

    prev = NULL;

    for (q = ngx_queue_head(&pad->sessions);
         q != ngx_queue_sentinel(&pad->sessions);
         q = ngx_queue_next(q))
    {
        o = ngx_queue_data(q, ngx_pad_session_t, queue);

        if (prev && prev->author_len == o->author_len
            && ngx_memcmp(prev->author, o->author, o->author_len) == 0)
        {
            continue;
        }

        prev = o;
        ngx_pad_session_publish_to(o, to);
    }
}


/* a presence event of another worker */

void
ngx_pad_pad_user_event(ngx_pad_pad_t *pad, json_t *ev)
{
    json_t             *info, *j;
    const char         *op, *w;
    ngx_queue_t        *q, *next;
    ngx_pad_str_t       author, to;
    ngx_pad_session_t  *o;

    op = json_string_value(json_object_get(ev, "op"));
    w = json_string_value(json_object_get(ev, "w"));
    info = json_object_get(ev, "info");

    if (op == NULL || w == NULL || !json_is_object(info)
        || ngx_strcmp(w, ngx_pad_engine->wid) == 0
        || ngx_pad_msg_get_str(info, "userId", &author) != 0)
    {
        return;
    }

    if (ngx_strcmp(op, "leave") != 0) {
        ngx_pad_pad_author_info(pad, &author, json_object_get(info, "name"),
                                json_object_get(info, "colorId"));
    }

    if (ngx_strcmp(op, "join") == 0 || ngx_strcmp(op, "update") == 0) {
        j = ngx_pad_msg_collab(json_pack("{s:s,s:O}", "type", "USER_NEWINFO",
                                         "userInfo", info));
        ngx_pad_pad_broadcast(pad, NULL, j);
        json_decref(j);

        if (op[0] != 'j') {
            return;
        }

        /* userdup across workers: an older socket of the joiner's author */

        for (q = ngx_queue_head(&pad->sessions);
             q != ngx_queue_sentinel(&pad->sessions);
             q = next)
        {
            next = ngx_queue_next(q);
            o = ngx_queue_data(q, ngx_pad_session_t, queue);

            if (o->author_len == author.len
                && ngx_memcmp(o->author, author.data, author.len) == 0)
            {
                j = ngx_pad_msg_disconnect("userdup");
                ngx_pad_session_emit(o, j);
                json_decref(j);

                ngx_queue_remove(&o->queue);
                o->in_list = 0;
                pad->nsessions--;
                ngx_pad_conn_count(pad);
                ngx_pad_session_set_state(o, NGX_PAD_SESSION_NEW);
                o->pad = NULL;
                ngx_pad_pad_release(pad);
            }
        }

        /* tell the joiner who is here */

        ngx_pad_pad_tell_here(pad, &author);

        return;
    }

    if (ngx_strcmp(op, "ask") == 0) {
        /* a session taken over right after its join asks again */
        ngx_pad_pad_tell_here(pad, &author);
        return;
    }

    if (ngx_strcmp(op, "here") == 0) {
        if (ngx_pad_msg_get_str(ev, "to", &to) != 0) {
            return;
        }

        j = ngx_pad_msg_collab(json_pack("{s:s,s:O}", "type", "USER_NEWINFO",
                                         "userInfo", info));

        for (q = ngx_queue_head(&pad->sessions);
             q != ngx_queue_sentinel(&pad->sessions);
             q = ngx_queue_next(q))
        {
            o = ngx_queue_data(q, ngx_pad_session_t, queue);

            if (o->author_len == to.len
                && ngx_memcmp(o->author, to.data, to.len) == 0)
            {
                ngx_pad_session_emit(o, j);
            }
        }

        json_decref(j);
        return;
    }

    if (ngx_strcmp(op, "leave") == 0
        && !ngx_pad_session_has_author(pad, &author))
    {
        j = ngx_pad_msg_collab(
            json_pack("{s:s,s:{s:O,s:s%}}", "type", "USER_LEAVE",
                      "userInfo", "colorId", json_object_get(info, "colorId"),
                      "userId", author.data, author.len));
        ngx_pad_pad_broadcast(pad, NULL, j);
        json_decref(j);
    }
}


/* USER_NEWINFO of the local users present, once CLIENT_VARS is written */

#define NGX_PAD_NEWINFO_STEP   20     /* ms between checks */
#define NGX_PAD_NEWINFO_TRIES  100    /* then sent anyway */

void
ngx_pad_session_newinfo_handler(ngx_event_t *ev)
{
    ngx_pad_pad_t      *pad;
    ngx_pad_session_t  *sess;

    sess = ev->data;
    pad = sess->pad;

    if (ngx_exiting || ngx_terminate || sess->socket == NULL
        || sess->state != NGX_PAD_SESSION_JOINED || pad == NULL)
    {
        ngx_pad_session_unref(sess);
        return;
    }

    if (ngx_pad_socket_queued(sess->socket) > 0
        && sess->newinfo_tries++ < NGX_PAD_NEWINFO_TRIES)
    {
        ngx_add_timer(ev, NGX_PAD_NEWINFO_STEP);
        return;
    }

    ngx_pad_session_newinfo_send(sess);

    ngx_pad_session_unref(sess);
}


void
ngx_pad_session_newinfo_send(ngx_pad_session_t *sess)
{
    json_t              *j;
    ngx_queue_t         *q;
    ngx_pad_pad_t       *pad;
    ngx_pad_session_t   *o;
    ngx_pad_msg_user_t   u;

    pad = sess->pad;

    for (q = ngx_queue_head(&pad->sessions);
         q != ngx_queue_sentinel(&pad->sessions);
         q = ngx_queue_next(q))
    {
        o = ngx_queue_data(q, ngx_pad_session_t, queue);

        if (o == sess) {
            continue;
        }

        ngx_pad_session_user(o, &u);
        j = ngx_pad_msg_user_newinfo(&u);

        if (j) {
            ngx_pad_session_emit(sess, j);
            json_decref(j);
        }
    }
}


/* USERINFO_UPDATE */

void
ngx_pad_session_userinfo(ngx_pad_session_t *sess, ngx_pad_msg_t *m)
{
    json_t              *j;
    ngx_pad_msg_user_t   u;

    json_decref(sess->color);
    sess->color = ngx_pad_msg_string(&m->color);

    json_decref(sess->name);
    sess->name = m->has_name ? ngx_pad_msg_string(&m->name) : json_null();

    ngx_pad_pstore_author_update(sess);
    ngx_pad_session_cache_info(sess);

    ngx_pad_session_user(sess, &u);
    j = ngx_pad_msg_user_newinfo(&u);

    if (j) {
        ngx_pad_pad_broadcast(sess->pad, sess, j);
        json_decref(j);
    }

    ngx_pad_session_publish(sess, "update", NULL);
}
