
/*
 * ngx_pad_module: the session object, one per Socket.IO socket: its
 * creation, states and references, what is sent to it (emit, refuse,
 * disconnect), its cursor's read state, and its presence in its pad
 * (the user it shows, leaving the pad, presence events it publishes).
 *
 * Freeing only frees: the messages that arrived while the session was
 * joining are replayed from a posted event (sess->replay_ev, whose
 * handler the dispatch sets), posted when the join ends.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"


ngx_pad_session_t *
ngx_pad_session_create(ngx_pad_socket_t *s, ngx_event_handler_pt replay)
{
    ngx_str_t           v;
    ngx_pad_session_t  *sess;

    sess = ngx_calloc(sizeof(ngx_pad_session_t), ngx_pad_socket_log(s));
    if (sess == NULL) {
        return NULL;
    }

    sess->socket = s;
    sess->state = NGX_PAD_SESSION_NEW;
    sess->serial = ++ngx_pad_engine->serial;
    sess->refs = 1;
    sess->sent_rev = -1;
    sess->client_rev = -1;

    sess->replay_ev.handler = replay;
    sess->replay_ev.data = sess;
    sess->replay_ev.log = ngx_pad_engine->log;

    if (ngx_pad_socket_arg(s, "newChangesBatch", &v) == NGX_OK
        && v.len == 1 && v.data[0] == '1')
    {
        sess->batch = 1;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_EVENT, ngx_pad_engine->log, 0,
                   "pad: session %uL created", sess->serial);

    return sess;
}


/*
 * The one place a session's state changes.  When a join ends (joined or
 * failed) with messages queued meanwhile, their replay is posted: it
 * holds a reference, and runs from the event loop, never from inside
 * the code that ended the join.
 */

void
ngx_pad_session_set_state(ngx_pad_session_t *sess,
    ngx_pad_session_state_e state)
{
    ngx_log_debug3(NGX_LOG_DEBUG_EVENT, ngx_pad_engine->log, 0,
                   "pad: session %uL %s -> %s", sess->serial,
                   ngx_pad_session_state_name(sess->state),
                   ngx_pad_session_state_name(state));

    if (sess->state == NGX_PAD_SESSION_JOINING
        && state != NGX_PAD_SESSION_JOINING
        && state != NGX_PAD_SESSION_GONE
        && sess->nearly && sess->socket && !sess->replay_ev.posted)
    {
        ngx_log_debug2(NGX_LOG_DEBUG_EVENT, ngx_pad_engine->log, 0,
                       "pad: session %uL: replay of %ui messages posted",
                       sess->serial, sess->nearly);

        sess->refs++;
        ngx_post_event(&sess->replay_ev, &ngx_posted_events);
    }

    sess->state = state;
}


void
ngx_pad_session_unref(ngx_pad_session_t *sess)
{
    ngx_uint_t  i;

    if (--sess->refs > 0) {
        return;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_EVENT, ngx_pad_engine->log, 0,
                   "pad: session %uL freed", sess->serial);

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

    ngx_pad_session_cursor_reset(sess);

    json_decref(sess->name);
    json_decref(sess->color);
    json_decref(sess->saved);
    ngx_free(sess->sids);

    ngx_free(sess);
}


void
ngx_pad_session_free_fill(ngx_pad_session_t *sess)
{
    ngx_uint_t      i;
    ngx_pad_rev_t  *r;

    if (sess->fill == NULL) {
        return;
    }

    for (i = 0; i < sess->fill_n; i++) {
        r = &sess->fill[i];

        if (r->author.data) {
            ngx_free(r->author.data);
        }

        if (r->item) {
            free(r->item);
        }

        if (r->payload) {
            ngx_pad_payload_unref(r->payload);
        }
    }

    ngx_free(sess->fill);

    sess->fill = NULL;
    sess->fill_n = 0;
}


/* a new cursor (join, handover, leave): nothing read or recorded holds */

void
ngx_pad_session_cursor_reset(ngx_pad_session_t *sess)
{
    ngx_pad_session_free_fill(sess);

    sess->joins++;
    sess->scanned_rev = sess->sent_rev;
    sess->blind_lo = -1;
    sess->blind_hi = -1;
    sess->nown = 0;
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
        ngx_pad_session_set_state(sess, NGX_PAD_SESSION_NEW);
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


/* the session's user, as the pad's author cache and presence show it */

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


void
ngx_pad_session_user(ngx_pad_session_t *sess, ngx_pad_msg_user_t *u)
{
    ngx_memzero(u, sizeof(ngx_pad_msg_user_t));

    u->author.data = (const char *) sess->author;
    u->author.len = sess->author_len;
    u->color_index = -1;

    if (json_is_integer(sess->color)) {
        u->color_index = json_integer_value(sess->color);

    } else if (json_is_string(sess->color)) {
        u->color.data = json_string_value(sess->color);
        u->color.len = json_string_length(sess->color);

    } else {
        u->color_index = 0;
    }

    if (json_is_string(sess->name)) {
        u->has_name = 1;
        u->name.data = json_string_value(sess->name);
        u->name.len = json_string_length(sess->name);
    }
}


/*
 * Presence across workers and hosts: join, update and leave events go on
 * the pad's channel; the other workers tell their sessions, and answer a
 * join with "here" events for their own users, which the joiner's worker
 * passes to the joiner.
 */

void
ngx_pad_session_publish(ngx_pad_session_t *sess, const char *op,
    ngx_pad_session_t *to)
{
    json_t              *j;
    ngx_pad_msg_user_t   u;

    if (sess->pad == NULL) {
        return;
    }

    ngx_pad_session_user(sess, &u);

    j = json_pack("{s:s,s:s,s:s,s:o}", "type", "user", "op", op,
                  "w", ngx_pad_engine->wid,
                  "info", ngx_pad_msg_user_json(&u));
    if (j == NULL) {
        return;
    }

    if (to) {
        json_object_set_new(j, "to", json_stringn((char *) to->author,
                                                  to->author_len));
    }

    (void) ngx_pad_pstore_publish(sess->pad, j);

    json_decref(j);
}


/* leaves the pad: USER_LEAVE when the author has no other socket here */

void
ngx_pad_session_detach(ngx_pad_session_t *sess)
{
    ngx_uint_t          others;
    ngx_queue_t        *q;
    ngx_pad_pad_t      *pad;
    ngx_pad_session_t  *o;
    ngx_pad_msg_user_t  u;
    json_t             *j;

    pad = sess->pad;

    if (sess->in_list) {
        ngx_queue_remove(&sess->queue);
        sess->in_list = 0;
        pad->nsessions--;
        ngx_pad_metric_dec(NGX_PAD_M_PAD_SESSIONS);
        ngx_pad_conn_count(pad);
    }

    ngx_pad_session_set_state(sess, NGX_PAD_SESSION_NEW);

    others = 0;

    for (q = ngx_queue_head(&pad->sessions);
         q != ngx_queue_sentinel(&pad->sessions);
         q = ngx_queue_next(q))
    {
        o = ngx_queue_data(q, ngx_pad_session_t, queue);

        if (o->author_len == sess->author_len
            && ngx_memcmp(o->author, sess->author, sess->author_len) == 0)
        {
            others++;
        }
    }

    if (others == 0) {
        ngx_pad_session_user(sess, &u);
        j = ngx_pad_msg_user_leave(&u);

        if (j) {
            ngx_pad_pad_broadcast(pad, NULL, j);
            json_decref(j);
        }

        ngx_pad_session_publish(sess, "leave", NULL);
    }

    sess->pad = NULL;
    ngx_pad_pad_release(pad);
}
