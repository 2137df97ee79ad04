
/*
 * ngx_pad_module: a session handed over to another worker with its
 * socket's WebSocket upgrade: its state exported here, imported there
 * (the ngx_pad_app_t export and import hooks).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"


/*
 * The handover of a socket to the worker holding its WebSocket: the
 * state goes once nothing of the session is in flight (no commit waiting
 * for its ACCEPT_COMMIT, no read, no join), after the fan-out has queued
 * every own revision, so that the new worker's cursor continues at
 * sent_rev + 1 with others' revisions only.  The session leaves the pad
 * silently: its author stays present, here for the others and in the
 * new worker.
 */

ngx_int_t
ngx_pad_session_export(ngx_pad_socket_t *s, json_t **state)
{
    int64_t             r;
    json_t             *st;
    ngx_pad_pad_t      *pad;
    ngx_pad_rev_t      *rev;
    ngx_pad_session_t  *sess;

    *state = NULL;

    sess = ngx_pad_socket_get_data(s);

    if (sess == NULL) {
        *state = json_object();
        return *state ? NGX_OK : NGX_ERROR;
    }

    if (sess->newinfo_ev.timer_set) {
        /*
         * Joined moments ago, CLIENT_VARS still in the polling queue that
         * no GET drains any more: the users present are announced now
         * (the client reads them on the WebSocket, after CLIENT_VARS,
         * one frame each) instead of after the timer's 2 s, and asked for
         * again by the new worker: "here" answers of other workers to the
         * join may still be on their way to this one.
         */
        ngx_del_timer(&sess->newinfo_ev);

        if (sess->state == NGX_PAD_SESSION_JOINED && sess->pad) {
            sess->ask_users = 1;
            ngx_pad_session_newinfo_send(sess);
        }

        ngx_pad_session_unref(sess);
    }

    if (sess->state == NGX_PAD_SESSION_JOINING || sess->refs > 1
        || sess->pending || sess->csreqs || sess->nearly)
    {
        return NGX_AGAIN;
    }

    pad = sess->pad;

    if (sess->state == NGX_PAD_SESSION_JOINED && pad) {
        /* own revisions go out here, as ACCEPT_COMMIT */

        ngx_pad_fanout_session(sess);

        if (sess->noop_accept || sess->nown
            || (sess->blind_lo >= 0 && sess->blind_hi > sess->sent_rev))
        {
            return NGX_AGAIN;
        }

        for (r = sess->sent_rev + 1;
             sess->state == NGX_PAD_SESSION_JOINED && r <= pad->head;
             r++)
        {
            rev = ngx_pad_pad_rev(pad, r);

            if (rev && rev->origin == sess->serial) {
                return NGX_AGAIN;
            }
        }
    }

    if (sess->state == NGX_PAD_SESSION_JOINED && pad) {
        st = json_pack("{s:s%,s:s%,s:b,s:s%,s:b,s:I,s:O?,s:O?,s:I}",
                       "pad", sess->asked_id, sess->asked_id_len,
                       "real", sess->real_id, sess->real_id_len,
                       "ro", (int) sess->readonly,
                       "author", sess->author, sess->author_len,
                       "batch", (int) sess->batch,
                       "rev", (json_int_t) sess->sent_rev,
                       "name", sess->name,
                       "color", sess->color,
                       "time", (json_int_t) ngx_pad_now_ms());

    } else {
        st = json_pack("{s:b}", "batch", (int) sess->batch);
    }

    if (st == NULL) {
        return NGX_ERROR;
    }

    if (sess->ask_users && json_object_set_new(st, "ask", json_true()) != 0) {
        json_decref(st);
        return NGX_ERROR;
    }

    /* leave without USER_LEAVE or a presence "leave" */

    if (sess->state == NGX_PAD_SESSION_JOINED && pad) {
        if (sess->in_list) {
            ngx_queue_remove(&sess->queue);
            sess->in_list = 0;
            pad->nsessions--;
            ngx_pad_conn_count(pad);
        }

        sess->pad = NULL;
        ngx_pad_pad_release(pad);
    }

    ngx_pad_socket_set_data(s, NULL);

    sess->socket = NULL;
    ngx_pad_session_set_state(sess, NGX_PAD_SESSION_GONE);

    ngx_pad_session_unref(sess);

    *state = st;

    return NGX_OK;
}


ngx_int_t
ngx_pad_session_import(ngx_pad_socket_t *s, json_t *state)
{
    json_t             *v;
    ngx_pad_str_t       id, real, author;
    ngx_pad_session_t  *sess;

    if (ngx_pad_dispatch_connected(s) != NGX_OK) {
        return NGX_ERROR;
    }

    sess = ngx_pad_socket_get_data(s);

    if (json_is_true(json_object_get(state, "batch"))) {
        sess->batch = 1;
    }

    if (ngx_pad_msg_get_str(state, "pad", &id) != 0) {
        /* not joined yet: CLIENT_READY comes here */
        return NGX_OK;
    }

    v = json_object_get(state, "rev");

    if (ngx_pad_msg_get_str(state, "real", &real) != 0
        || ngx_pad_msg_get_str(state, "author", &author) != 0
        || !json_is_integer(v) || json_integer_value(v) < -1
        || id.len == 0 || id.len > NGX_PAD_ID_MAX
        || real.len > NGX_PAD_ID_MAX
        || author.len == 0 || author.len > NGX_PAD_AUTHOR_MAX)
    {
        return NGX_ERROR;
    }

    ngx_memcpy(sess->asked_id, id.data, id.len);
    sess->asked_id_len = id.len;
    ngx_memcpy(sess->real_id, real.data, real.len);
    sess->real_id_len = real.len;
    ngx_memcpy(sess->author, author.data, author.len);
    sess->author_len = author.len;

    sess->readonly = json_is_true(json_object_get(state, "ro")) ? 1 : 0;
    sess->ask_users = json_is_true(json_object_get(state, "ask")) ? 1 : 0;
    sess->client_rev = json_integer_value(v);

    v = json_object_get(state, "name");
    sess->name = json_is_string(v) ? json_incref(v) : json_null();

    v = json_object_get(state, "color");
    sess->color = (json_is_integer(v) || json_is_string(v))
                  ? json_incref(v) : json_integer(0);

    if (sess->readonly && sess->real_id_len == 0) {
        return NGX_ERROR;
    }

    sess->handover = 1;
    sess->authors_asked = 1;
    ngx_pad_session_set_state(sess, NGX_PAD_SESSION_JOINING);
    sess->refs++;

    /* the join reference goes with the pad's load */
    ngx_pad_session_get_pad(sess);

    return NGX_OK;
}
