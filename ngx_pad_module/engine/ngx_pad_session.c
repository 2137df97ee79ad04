
/*
 * ngx_pad_module: one session per Socket.IO socket: the transport's
 * callbacks (connected, event: the dispatch of Etherpad's messages,
 * writable, closed), the messages queued while joining, the session's
 * references, and what is sent to one session.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"


/* callbacks */

ngx_int_t
ngx_pad_session_connected(ngx_pad_socket_t *s)
{
    ngx_str_t           v;
    ngx_pad_session_t  *sess;

    if (ngx_pad_engine == NULL) {
        return NGX_ERROR;
    }

    sess = ngx_calloc(sizeof(ngx_pad_session_t), ngx_pad_socket_log(s));
    if (sess == NULL) {
        return NGX_ERROR;
    }

    sess->socket = s;
    sess->state = NGX_PAD_SESSION_NEW;
    sess->serial = ++ngx_pad_engine->serial;
    sess->refs = 1;
    sess->sent_rev = -1;
    sess->client_rev = -1;

    if (ngx_pad_socket_arg(s, "newChangesBatch", &v) == NGX_OK
        && v.len == 1 && v.data[0] == '1')
    {
        sess->batch = 1;
    }

    ngx_pad_socket_set_data(s, sess);

    return NGX_OK;
}


void
ngx_pad_session_event(ngx_pad_socket_t *s, json_t *args, int64_t ack_id)
{
    ngx_int_t           rc;
    const char         *name, *err;
    ngx_pad_msg_t       m;
    ngx_pad_session_t  *sess;

    sess = ngx_pad_socket_get_data(s);
    if (sess == NULL) {
        return;
    }

    name = json_string_value(json_array_get(args, 0));

    if (name == NULL || ngx_strcmp(name, "message") != 0) {
        ngx_log_error(NGX_LOG_INFO, ngx_pad_socket_log(s), 0,
                      "pad: ignoring socket.io event \"%s\"",
                      name ? name : "(not a string)");
        return;
    }

    if (sess->state == NGX_PAD_SESSION_JOINING) {
        /* one socket's messages are handled in order: keep it for later */

        if (sess->nearly == NGX_PAD_EARLY_MAX) {
            ngx_pad_session_refuse(sess, ack_id, "too many messages before "
                                   "CLIENT_VARS");
            return;
        }

        sess->early[sess->nearly] = json_incref(args);
        sess->early_ack[sess->nearly] = ack_id;
        sess->nearly++;
        return;
    }

    err = NULL;

    if (ngx_pad_msg_parse(json_array_get(args, 1), &m, &err) != 0) {
        ngx_pad_session_refuse(sess, ack_id, err);

        if (m.type == NGX_PAD_MSG_USER_CHANGES
            && sess->state == NGX_PAD_SESSION_JOINED && !sess->readonly)
        {
            ngx_pad_engine->rejected++;
            ngx_pad_session_disconnect(sess, "badChangeset");
        }

        return;
    }

    if (m.type == NGX_PAD_MSG_CLIENT_READY) {
        ngx_pad_session_ready(sess, &m, ack_id);
        return;
    }

    if (sess->state != NGX_PAD_SESSION_JOINED) {
        ngx_pad_session_refuse(sess, ack_id, "pre-CLIENT_READY message");
        return;
    }

    if (sess->readonly && m.type != NGX_PAD_MSG_CHANGESET_REQ) {
        ngx_pad_session_refuse(sess, ack_id,
                               "COLLABROOM: write attempt on read-only pad");
        return;
    }

    switch (m.type) {

    case NGX_PAD_MSG_USER_CHANGES:
        if (ngx_pad_commit_add(sess, &m) != NGX_OK) {
            ngx_pad_engine->rejected++;
            ngx_pad_session_disconnect(sess, "badChangeset");
        }

        break;

    case NGX_PAD_MSG_USERINFO_UPDATE:
        ngx_pad_session_userinfo(sess, &m);
        break;

    case NGX_PAD_MSG_CHAT_MESSAGE:
        ngx_pad_session_chat_add(sess, &m);
        break;

    case NGX_PAD_MSG_GET_CHAT_MESSAGES:
        sess->refs++;

        if (ngx_pad_pstore_chat_get(sess, m.start, m.end) != NGX_OK) {
            sess->refs--;
            ngx_pad_session_refuse(sess, ack_id, "chat is unavailable");
        }

        break;

    case NGX_PAD_MSG_CHANGESET_REQ:
        rc = ngx_pad_csreq_start(sess, &m);

        if (rc == NGX_DECLINED) {
            ngx_pad_session_refuse(sess, ack_id, "CHANGESET_REQ: start is "
                                   "higher than the head revision, or "
                                   "two requests are already running");

        } else if (rc != NGX_OK) {
            ngx_pad_session_refuse(sess, ack_id, "CHANGESET_REQ failed");
        }

        break;

    case NGX_PAD_MSG_SAVE_REVISION:
        if (ngx_pad_padinfo_save(sess) != NGX_OK) {
            ngx_pad_session_refuse(sess, ack_id, "SAVE_REVISION failed");
        }

        break;

    case NGX_PAD_MSG_CLIENT_MESSAGE:
        if (ngx_pad_session_client_message(sess, json_array_get(args, 1))
            != NGX_OK)
        {
            ngx_pad_session_refuse(sess, ack_id, "unknown CLIENT_MESSAGE");
        }

        break;

    default:
        ngx_pad_session_refuse(sess, ack_id, "unknown message type");
        break;
    }
}


void
ngx_pad_session_writable(ngx_pad_socket_t *s)
{
    ngx_pad_session_t  *sess;

    sess = ngx_pad_socket_get_data(s);

    if (sess) {
        ngx_pad_fanout_session(sess);
    }
}


void
ngx_pad_session_closed(ngx_pad_socket_t *s, const char *reason)
{
    ngx_pad_session_t  *sess;

    sess = ngx_pad_socket_get_data(s);
    if (sess == NULL) {
        return;
    }

    ngx_pad_socket_set_data(s, NULL);

    if (sess->state == NGX_PAD_SESSION_JOINED) {
        ngx_pad_session_detach(sess);
    }

    sess->socket = NULL;
    sess->state = NGX_PAD_SESSION_GONE;

    ngx_pad_session_unref(sess);
}


/*
 * A session handed over joins the pad here with its cursor where the old
 * worker left it: revisions this worker no longer has come from Redis
 * first (as NEW_CHANGES), then the fan-out goes on from sent_rev + 1.
 */

void
ngx_pad_session_resume(ngx_pad_session_t *sess)
{
    ngx_pad_pad_t  *pad;

    pad = sess->pad;

    ngx_pad_session_cache_info(sess);

    if (sess->client_rev < pad->head
        && sess->client_rev < pad->first_rev - 1)
    {
        ngx_log_error(NGX_LOG_INFO, ngx_pad_socket_log(sess->socket), 0,
                      "pad: \"%V\": session taken over at revision %L, "
                      "older than the window (from %L): reading from Redis",
                      &pad->id, sess->client_rev, pad->first_rev);

        if (sess->client_rev < pad->head - NGX_PAD_RECONNECT_MAX
            || ngx_pad_pstore_old_revs(sess, sess->client_rev + 1,
                   ngx_min(pad->first_rev - 1,
                           sess->client_rev + NGX_PAD_STORE_READ_MAX))
               != NGX_OK)
        {
            ngx_log_error(NGX_LOG_INFO, ngx_pad_socket_log(sess->socket), 0,
                          "pad: \"%V\": cannot take a session over at "
                          "revision %L (head %L)", &pad->id,
                          sess->client_rev, pad->head);
            ngx_pad_session_join_failed(sess, "looping");
        }

        /* the join reference goes with the read */
        return;
    }

    /* no USER_NEWINFO, no presence "join": the author never left */

    sess->sent_rev = sess->client_rev;
    sess->state = NGX_PAD_SESSION_JOINED;
    sess->handover = 0;
    ngx_pad_fanout_reset(sess);

    ngx_queue_insert_tail(&pad->sessions, &sess->queue);
    sess->in_list = 1;
    pad->nsessions++;
    ngx_pad_padinfo_count(pad);

    ngx_pad_fanout_session(sess);

    if (sess->ask_users && sess->state == NGX_PAD_SESSION_JOINED) {
        /* handed over right after its join: who is here, again */
        sess->ask_users = 0;
        ngx_pad_session_newinfo_send(sess);
        ngx_pad_session_publish(sess, "ask", NULL);
    }

    ngx_pad_session_unref(sess);
}


/* the messages that arrived while joining, now that the join is over */

static void
ngx_pad_session_drain(ngx_pad_session_t *sess)
{
    json_t      *args;
    int64_t      ack;
    ngx_uint_t   i, n;

    n = sess->nearly;

    for (i = 0; i < n; i++) {
        args = sess->early[i];
        ack = sess->early_ack[i];
        sess->early[i] = NULL;

        if (sess->socket) {
            /* queued again if a replayed CLIENT_READY started a join */
            ngx_pad_session_event(sess->socket, args, ack);
        }

        json_decref(args);
    }

    /* a message replayed above may have queued more (a new join) */

    if (sess->nearly > n) {
        ngx_memmove(sess->early, &sess->early[n],
                    (sess->nearly - n) * sizeof(json_t *));
        ngx_memmove(sess->early_ack, &sess->early_ack[n],
                    (sess->nearly - n) * sizeof(int64_t));
    }

    sess->nearly -= n;
}


void
ngx_pad_session_unref(ngx_pad_session_t *sess)
{
    ngx_uint_t  i;

    if (sess->nearly && !sess->draining && sess->socket
        && sess->state != NGX_PAD_SESSION_JOINING)
    {
        /* the join is over (joined or failed): replay what waited */
        sess->draining = 1;
        sess->refs++;
        ngx_pad_session_drain(sess);
        sess->refs--;
        sess->draining = 0;
    }

    if (--sess->refs > 0) {
        return;
    }

    for (i = 0; i < sess->nearly; i++) {
        json_decref(sess->early[i]);
    }

    if (sess->in_list) {
        ngx_queue_remove(&sess->queue);
        sess->in_list = 0;
    }

    if (sess->pad) {
        ngx_pad_pad_release(sess->pad);
        sess->pad = NULL;
    }

    ngx_pad_fanout_reset(sess);

    json_decref(sess->name);
    json_decref(sess->color);
    json_decref(sess->saved);

    ngx_free(sess);
}


/* messages to one session */

void
ngx_pad_session_emit(ngx_pad_session_t *sess, json_t *data)
{
    json_t  *args;

    if (sess->socket == NULL || data == NULL) {
        return;
    }

    args = ngx_pad_msg_event(json_incref(data));
    if (args == NULL) {
        return;
    }

    (void) ngx_pad_socket_emit(sess->socket, args);

    json_decref(args);
}


/*
 * {"disconnect": reason}: the client shows it and closes the socket
 * itself; the session leaves its pad now and receives nothing more.
 */

void
ngx_pad_session_disconnect(ngx_pad_session_t *sess, const char *reason)
{
    json_t  *j;

    j = ngx_pad_msg_disconnect(reason);
    ngx_pad_session_emit(sess, j);
    json_decref(j);

    if (sess->state == NGX_PAD_SESSION_JOINED) {
        ngx_pad_session_detach(sess);
    }

    if (sess->state != NGX_PAD_SESSION_GONE) {
        sess->state = NGX_PAD_SESSION_NEW;
    }
}


void
ngx_pad_session_refuse(ngx_pad_session_t *sess, int64_t ack_id,
    const char *text)
{
    json_t  *reply;

    ngx_log_error(NGX_LOG_INFO, ngx_pad_socket_log(sess->socket), 0,
                  "pad: refused message: %s", text);

    if (ack_id < 0) {
        return;
    }

    reply = json_pack("[{s:s,s:s}]", "name", "Error", "message", text);

    if (reply) {
        (void) ngx_pad_socket_ack(sess->socket, ack_id, reply);
        json_decref(reply);
    }
}


void
ngx_pad_session_cache_info(ngx_pad_session_t *sess)
{
    ngx_pad_str_t  author;

    if (sess->pad == NULL) {
        return;
    }

    author.data = (const char *) sess->author;
    author.len = sess->author_len;

    ngx_pad_pad_author_info(sess->pad, &author, sess->name, sess->color);
}
