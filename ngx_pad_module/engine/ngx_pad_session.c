
/*
 * ngx_pad_module: the pad engine's ngx_pad_app_t, one session per
 * Socket.IO socket.
 *
 * CLIENT_READY: token (message, else the "token" cookie) -> author
 * (token2author, created once) -> pad (loaded once per worker) -> userdup
 * for an older socket of the same author -> CLIENT_VARS (or the
 * CLIENT_RECONNECT catch-up) built from the pad's head in the same event
 * loop tick that puts the session in the pad's list with sent_rev = head,
 * so no revision can fall in between -> USER_NEWINFO both ways.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "engine/ngx_pad_engine.h"


static ngx_int_t ngx_pad_session_connected(ngx_pad_socket_t *s);
static void ngx_pad_session_event(ngx_pad_socket_t *s, json_t *args,
    int64_t ack_id);
static void ngx_pad_session_writable(ngx_pad_socket_t *s);
static void ngx_pad_session_closed(ngx_pad_socket_t *s, const char *reason);
static ngx_int_t ngx_pad_session_export(ngx_pad_socket_t *s,
    json_t **state);
static ngx_int_t ngx_pad_session_import(ngx_pad_socket_t *s, json_t *state);
static void ngx_pad_session_resume(ngx_pad_session_t *sess);
static void ngx_pad_session_cache_info(ngx_pad_session_t *sess);

static void ngx_pad_session_ready(ngx_pad_session_t *sess,
    ngx_pad_msg_t *m, int64_t ack_id);
static void ngx_pad_session_get_pad(ngx_pad_session_t *sess);
static void ngx_pad_session_detach(ngx_pad_session_t *sess);
static void ngx_pad_session_newinfo_handler(ngx_event_t *ev);
static void ngx_pad_session_newinfo_send(ngx_pad_session_t *sess);
static void ngx_pad_pad_tell_here(ngx_pad_pad_t *pad, ngx_pad_str_t *to);
static void ngx_pad_session_publish(ngx_pad_session_t *sess, const char *op,
    ngx_pad_session_t *to);
static void ngx_pad_session_user(ngx_pad_session_t *sess,
    ngx_pad_msg_user_t *u);
static void ngx_pad_session_refuse(ngx_pad_session_t *sess,
    int64_t ack_id, const char *text);
static void ngx_pad_session_userinfo(ngx_pad_session_t *sess,
    ngx_pad_msg_t *m);
static void ngx_pad_session_chat_add(ngx_pad_session_t *sess,
    ngx_pad_msg_t *m);
static ngx_int_t ngx_pad_session_client_message(ngx_pad_session_t *sess,
    json_t *m);


ngx_pad_engine_t  *ngx_pad_engine;


static const ngx_pad_app_t  ngx_pad_engine_app = {
    ngx_pad_session_connected,
    ngx_pad_session_event,
    ngx_pad_session_writable,
    ngx_pad_session_closed,
    ngx_pad_session_export,
    ngx_pad_session_import
};


static void
ngx_pad_engine_cleanup(void *data)
{
    ngx_pad_engine_t  *e = data;

    ngx_pad_ctx_destroy(e->ctx);
    ngx_pad_engine = NULL;
}


ngx_int_t
ngx_pad_engine_init_process(ngx_cycle_t *cycle, ngx_pad_engine_conf_t *ecf)
{
    ngx_pad_engine_t    *e;
    ngx_pool_cleanup_t  *cln;

    e = ngx_pcalloc(cycle->pool, sizeof(ngx_pad_engine_t));
    if (e == NULL) {
        return NGX_ERROR;
    }

    e->conf = ecf;
    e->log = cycle->log;
    e->settings = ecf->settings;

    e->ctx = ngx_pad_ctx_create();
    if (e->ctx == NULL) {
        return NGX_ERROR;
    }

    /* freed with the cycle, after every exit_process hook ran */

    cln = ngx_pool_cleanup_add(cycle->pool, 0);
    if (cln == NULL) {
        ngx_pad_ctx_destroy(e->ctx);
        return NGX_ERROR;
    }

    cln->handler = ngx_pad_engine_cleanup;
    cln->data = e;

    ngx_snprintf((u_char *) e->wid, sizeof(e->wid) - 1, "%08xD%08xD%Z",
                 (uint32_t) ngx_random(), (uint32_t) ngx_pid);

    ngx_pad_engine = e;
    ngx_pad_pad_registry_init();
    ngx_pad_padinfo_init_process();
    ngx_pad_store_on_lost(ngx_pad_repair_lost, NULL);

    ngx_pad_app_set(&ngx_pad_engine_app);

    return NGX_OK;
}


void
ngx_pad_engine_exit_process(ngx_cycle_t *cycle)
{
    if (ngx_pad_engine == NULL) {
        return;
    }

    ngx_log_error(NGX_LOG_INFO, cycle->log, 0,
                  "pad: engine: %ui commits, %ui conflicts, %ui rejected, "
                  "%ui batches", ngx_pad_engine->commits,
                  ngx_pad_engine->conflicts, ngx_pad_engine->rejected,
                  ngx_pad_engine->batches);

    /*
     * Sockets still open are closed by the transport after the store is
     * gone: from now on the engine frees its state without calling it.
     */
    ngx_pad_engine->exiting = 1;
    ngx_pad_store_on_lost(NULL, NULL);
}


/* callbacks */

static ngx_int_t
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


static void
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


static void
ngx_pad_session_writable(ngx_pad_socket_t *s)
{
    ngx_pad_session_t  *sess;

    sess = ngx_pad_socket_get_data(s);

    if (sess) {
        ngx_pad_fanout_session(sess);
    }
}


static void
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
 * The handover of a socket to the worker holding its WebSocket: the
 * state goes once nothing of the session is in flight (no commit waiting
 * for its ACCEPT_COMMIT, no read, no join), after the fan-out has queued
 * every own revision, so that the new worker's cursor continues at
 * sent_rev + 1 with others' revisions only.  The session leaves the pad
 * silently: its author stays present, here for the others and in the
 * new worker.
 */

static ngx_int_t
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
            ngx_pad_padinfo_count(pad);
        }

        sess->pad = NULL;
        ngx_pad_pad_release(pad);
    }

    ngx_pad_socket_set_data(s, NULL);

    sess->socket = NULL;
    sess->state = NGX_PAD_SESSION_GONE;

    ngx_pad_session_unref(sess);

    *state = st;

    return NGX_OK;
}


static ngx_int_t
ngx_pad_session_import(ngx_pad_socket_t *s, json_t *state)
{
    json_t             *v;
    ngx_pad_str_t       id, real, author;
    ngx_pad_session_t  *sess;

    if (ngx_pad_session_connected(s) != NGX_OK) {
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
    sess->state = NGX_PAD_SESSION_JOINING;
    sess->refs++;

    /* the join reference goes with the pad's load */
    ngx_pad_session_get_pad(sess);

    return NGX_OK;
}


/*
 * A session handed over joins the pad here with its cursor where the old
 * worker left it: revisions this worker no longer has come from Redis
 * first (as NEW_CHANGES), then the fan-out goes on from sent_rev + 1.
 */

static void
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


static void
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


/*
 * Presence across workers and hosts: join, update and leave events go on
 * the pad's channel; the other workers tell their sessions, and answer a
 * join with "here" events for their own users, which the joiner's worker
 * passes to the joiner.
 */

static void
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

static void
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


static ngx_int_t
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

static void
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
                ngx_pad_padinfo_count(pad);
                o->state = NGX_PAD_SESSION_NEW;
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


/* leaves the pad: USER_LEAVE when the author has no other socket here */

static void
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
        ngx_pad_padinfo_count(pad);
    }

    sess->state = NGX_PAD_SESSION_NEW;

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


static void
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


static void
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


/* CLIENT_READY */

static void
ngx_pad_session_ready(ngx_pad_session_t *sess, ngx_pad_msg_t *m,
    int64_t ack_id)
{
    size_t          n;
    ngx_str_t       cookie;
    ngx_pad_str_t   token, id;
    json_t         *deny;
    u_char          buf[NGX_PAD_ID_MAX];

    if (sess->state != NGX_PAD_SESSION_NEW) {
        ngx_pad_session_refuse(sess, ack_id, "CLIENT_READY was already sent");
        return;
    }

    token = m->token;

    if (token.len == 0
        && ngx_pad_socket_cookie(sess->socket, "token", &cookie) == NGX_OK)
    {
        token.data = (const char *) cookie.data;
        token.len = cookie.len;
    }

    if (!ngx_pad_msg_token_valid(&token)) {
        ngx_log_error(NGX_LOG_INFO, ngx_pad_socket_log(sess->socket), 0,
                      "pad: CLIENT_READY with an invalid token, denied");
        deny = ngx_pad_msg_deny();
        ngx_pad_session_emit(sess, deny);
        json_decref(deny);
        return;
    }

    id = m->pad_id;

    if (ngx_pad_msg_is_readonly_id(&id)) {
        sess->readonly = 1;

    } else {
        /* as Etherpad's pad page: valid as asked, then sanitized */

        if (id.len > NGX_PAD_ID_MAX
            || !ngx_pad_msg_padid_etherpad_valid(&id))
        {
            ngx_pad_session_refuse(sess, ack_id, "invalid padId");
            return;
        }

        n = ngx_pad_msg_padid_sanitize(&id, (char *) buf);
        id.data = (const char *) buf;
        id.len = n;
    }

    if (id.len > NGX_PAD_ID_MAX
        || (!sess->readonly && !ngx_pad_msg_padid_valid(&id)))
    {
        ngx_pad_session_refuse(sess, ack_id, "invalid padId");
        return;
    }

    ngx_memcpy(sess->asked_id, id.data, id.len);
    sess->asked_id_len = id.len;

    sess->handover = 0;
    sess->reconnect = m->reconnect;
    sess->client_rev = m->client_rev;

    if (m->batch) {
        sess->batch = 1;
    }

    /* the user's wishes, applied once the author record is read */

    if (m->has_color) {
        sess->color = ngx_pad_msg_string(&m->color);
    }

    if (m->has_name) {
        sess->name = ngx_pad_msg_string(&m->name);
    }

    sess->state = NGX_PAD_SESSION_JOINING;
    sess->padinfo_asked = 0;
    sess->refs++;

    if (ngx_pad_pstore_author(sess, &token) != NGX_OK) {
        sess->refs--;
        sess->state = NGX_PAD_SESSION_NEW;
        ngx_pad_session_disconnect(sess, "unavailable");
    }
}


/* the author of the token: record {"colorId":..,"name":..} or NULL */

void
ngx_pad_session_author(ngx_pad_session_t *sess, ngx_int_t rc,
    ngx_pad_str_t *author, json_t *record)
{
    json_t         *v;
    ngx_uint_t      update;
    ngx_pad_str_t   ro;

    if (sess->socket == NULL || sess->state != NGX_PAD_SESSION_JOINING) {
        ngx_pad_session_unref(sess);
        return;
    }

    if (rc != NGX_OK || author->len == 0
        || author->len > NGX_PAD_AUTHOR_MAX)
    {
        sess->state = NGX_PAD_SESSION_NEW;
        ngx_pad_session_disconnect(sess, "unavailable");
        ngx_pad_session_unref(sess);
        return;
    }

    ngx_memcpy(sess->author, author->data, author->len);
    sess->author_len = author->len;

    update = 0;

    if (sess->color == NULL) {
        v = json_object_get(record, "colorId");

        if (json_is_integer(v) || json_is_string(v)) {
            sess->color = json_incref(v);

        } else {
            sess->color = json_integer(ngx_random() % NGX_PAD_MSG_PALETTE_SIZE);
            update = 1;
        }

    } else {
        update = 1;
    }

    if (sess->name == NULL) {
        v = json_object_get(record, "name");
        sess->name = json_is_string(v) ? json_incref(v) : json_null();

    } else {
        update = 1;
    }

    if (update) {
        ngx_pad_pstore_author_update(sess);
    }

    if (sess->readonly) {
        ro.data = (const char *) sess->asked_id;
        ro.len = sess->asked_id_len;

        if (ngx_pad_pstore_readonly(sess, &ro) == NGX_OK) {
            return;     /* our reference goes with it */
        }

        sess->state = NGX_PAD_SESSION_NEW;
        ngx_pad_session_disconnect(sess, "unavailable");
        ngx_pad_session_unref(sess);
        return;
    }

    ngx_pad_session_get_pad(sess);
}


/* the pad of a read-only id (NGX_DECLINED: no such pad) */

void
ngx_pad_session_padid(ngx_pad_session_t *sess, ngx_int_t rc,
    ngx_pad_str_t *pad_id)
{
    json_t  *deny;

    if (sess->socket == NULL || sess->state != NGX_PAD_SESSION_JOINING) {
        ngx_pad_session_unref(sess);
        return;
    }

    if (rc != NGX_OK || pad_id->len == 0 || pad_id->len > NGX_PAD_ID_MAX) {
        sess->state = NGX_PAD_SESSION_NEW;

        if (rc == NGX_DECLINED) {
            deny = ngx_pad_msg_deny();
            ngx_pad_session_emit(sess, deny);
            json_decref(deny);

        } else {
            ngx_pad_session_disconnect(sess, "unavailable");
        }

        ngx_pad_session_unref(sess);
        return;
    }

    sess->real_id_len = pad_id->len;
    ngx_memcpy(sess->real_id, pad_id->data, pad_id->len);

    ngx_pad_session_get_pad(sess);
}


/* holds the reference taken for the join */

static void
ngx_pad_session_get_pad(ngx_pad_session_t *sess)
{
    ngx_str_t       id;
    ngx_pad_pad_t  *pad;

    if (sess->readonly) {
        id.data = sess->real_id;
        id.len = sess->real_id_len;

    } else {
        id.data = sess->asked_id;
        id.len = sess->asked_id_len;
    }

    pad = ngx_pad_pad_get(&id);

    if (pad == NULL) {
        sess->state = NGX_PAD_SESSION_NEW;
        ngx_pad_session_disconnect(sess, "unavailable");
        ngx_pad_session_unref(sess);
        return;
    }

    sess->pad = pad;

    if (pad->state == NGX_PAD_LOADING) {
        ngx_queue_insert_tail(&pad->waiters, &sess->queue);
        sess->in_list = 1;
        return;
    }

    if (pad->state == NGX_PAD_READY) {
        ngx_pad_session_joined(sess);
        return;
    }

    ngx_pad_session_join_failed(sess, "unavailable");
}


void
ngx_pad_session_join_failed(ngx_pad_session_t *sess, const char *reason)
{
    ngx_pad_pad_t  *pad;

    pad = sess->pad;
    sess->pad = NULL;

    if (sess->socket && sess->state == NGX_PAD_SESSION_JOINING) {
        sess->state = NGX_PAD_SESSION_NEW;
        ngx_pad_session_disconnect(sess, reason);
    }

    if (pad) {
        ngx_pad_pad_release(pad);
    }

    ngx_pad_session_unref(sess);
}


static ngx_int_t
ngx_pad_session_reconnect(ngx_pad_session_t *sess)
{
    int64_t         r;
    json_t         *item, *j;
    ngx_pad_pad_t  *pad;
    ngx_pad_rev_t  *rev;

    pad = sess->pad;

    if (sess->client_rev > pad->head
        || sess->client_rev < pad->first_rev - 1)
    {
        return NGX_DECLINED;
    }

    if (sess->client_rev == pad->head) {
        j = ngx_pad_msg_collab(json_pack("{s:s,s:b,s:I}", "type",
                                         "CLIENT_RECONNECT", "noChanges", 1,
                                         "newRev", (json_int_t) pad->head));
        ngx_pad_session_emit(sess, j);
        json_decref(j);
        return NGX_OK;
    }

    for (r = sess->client_rev + 1; r <= pad->head; r++) {
        rev = ngx_pad_pad_rev(pad, r);
        if (rev == NULL) {
            return NGX_ERROR;
        }

        item = json_loadb(rev->item, rev->item_len, 0, NULL);
        if (item == NULL) {
            return NGX_ERROR;
        }

        json_object_del(item, "timeDelta");

        if (json_object_set_new(item, "type", json_string("CLIENT_RECONNECT"))
            != 0
            || json_object_set_new(item, "headRev", json_integer(pad->head))
               != 0)
        {
            json_decref(item);
            return NGX_ERROR;
        }

        j = ngx_pad_msg_collab(item);
        ngx_pad_session_emit(sess, j);
        json_decref(j);
    }

    return NGX_OK;
}


/*
 * Revision records from the store for a reconnect older than the window:
 * CLIENT_RECONNECT for each, then the join goes on from the new cursor.
 */

void
ngx_pad_session_old_revs(ngx_pad_session_t *sess, ngx_int_t rc,
    json_t *records)
{
    size_t           i;
    json_t          *rec, *item, *j;
    int64_t          rev;
    ngx_pad_pad_t   *pad;
    ngx_pad_str_t    cs, author, wire;
    ngx_pad_pool_t  *wpool;
    char            *s;

    pad = sess->pad;

    if (sess->socket == NULL || sess->state != NGX_PAD_SESSION_JOINING) {
        sess->pad = NULL;
        ngx_pad_pad_release(pad);
        ngx_pad_session_unref(sess);
        return;
    }

    if (rc != NGX_OK) {
        ngx_pad_session_join_failed(sess, "unavailable");
        return;
    }

    json_array_foreach(records, i, rec) {
        if (!json_is_integer(json_object_get(rec, "rev"))
            || ngx_pad_msg_get_str(rec, "cs", &cs) != 0
            || ngx_pad_msg_get_str(rec, "author", &author) != 0)
        {
            ngx_pad_session_join_failed(sess, "corruptPad");
            return;
        }

        rev = json_integer_value(json_object_get(rec, "rev"));

        if (rev != sess->client_rev + 1) {
            ngx_pad_session_join_failed(sess, "corruptPad");
            return;
        }

        wpool = ngx_pad_pool_create();
        if (wpool == NULL
            || ngx_pad_cs_prepare_for_wire(ngx_pad_engine->ctx, &cs,
                                           pad->pool, wpool, &wire)
               != NGX_PAD_CS_OK)
        {
            if (wpool) {
                ngx_pad_pool_destroy(wpool);
            }

            ngx_pad_ctx_reset(ngx_pad_engine->ctx);
            ngx_pad_session_join_failed(sess, "corruptPad");
            return;
        }

        s = ngx_pad_msg_rev_item(rev, &wire, wpool, &author,
                                 json_integer_value(json_object_get(rec,
                                                                    "ts")),
                                 0, 0);
        ngx_pad_pool_destroy(wpool);
        ngx_pad_ctx_reset(ngx_pad_engine->ctx);

        item = s ? json_loads(s, 0, NULL) : NULL;
        free(s);

        if (item == NULL) {
            ngx_pad_session_join_failed(sess, "corruptPad");
            return;
        }

        if (sess->handover) {
            /* a session taken over: the revisions it has not seen yet */
            json_object_set_new(item, "type", json_string("NEW_CHANGES"));

        } else {
            json_object_del(item, "timeDelta");
            json_object_set_new(item, "type",
                                json_string("CLIENT_RECONNECT"));
            json_object_set_new(item, "headRev", json_integer(pad->head));
        }

        j = ngx_pad_msg_collab(item);
        ngx_pad_session_emit(sess, j);
        json_decref(j);

        sess->client_rev = rev;
    }

    /* the rest, from Redis again or from the window */

    ngx_pad_session_joined(sess);
}


/* an author record asked for by this joining session arrived */

void
ngx_pad_session_author_record(ngx_pad_session_t *sess)
{
    if (sess->authors_pending && --sess->authors_pending == 0
        && sess->pad)
    {
        /*
         * The join goes on with every record cached (or, if the socket
         * went away meanwhile, drops its pad and reference there).
         */
        ngx_pad_session_joined(sess);
    }

    ngx_pad_session_unref(sess);
}


/* the pad is ready: CLIENT_VARS (or the reconnect catch-up) and join */

void
ngx_pad_session_joined(ngx_pad_session_t *sess)
{
    json_t              *j, *authors;
    ngx_int_t            rc;
    ngx_queue_t         *q, *next;
    ngx_pad_pad_t       *pad;
    ngx_pad_str_t        attribs, wire;
    ngx_pad_pool_t      *wpool;
    ngx_pad_session_t   *o;
    ngx_pad_msg_user_t   u;
    ngx_pad_msg_vars_t   v;

    pad = sess->pad;

    if (sess->socket == NULL || sess->state != NGX_PAD_SESSION_JOINING) {
        sess->pad = NULL;
        ngx_pad_pad_release(pad);
        ngx_pad_session_unref(sess);
        return;
    }

    if (sess->handover) {
        ngx_pad_session_resume(sess);
        return;
    }

    /* userdup: an older socket of the same author leaves */

    for (q = ngx_queue_head(&pad->sessions);
         q != ngx_queue_sentinel(&pad->sessions);
         q = next)
    {
        next = ngx_queue_next(q);
        o = ngx_queue_data(q, ngx_pad_session_t, queue);

        if (o->author_len == sess->author_len
            && ngx_memcmp(o->author, sess->author, sess->author_len) == 0)
        {
            j = ngx_pad_msg_disconnect("userdup");
            ngx_pad_session_emit(o, j);
            json_decref(j);

            ngx_queue_remove(&o->queue);
            o->in_list = 0;
            pad->nsessions--;
            ngx_pad_padinfo_count(pad);
            o->state = NGX_PAD_SESSION_NEW;
            o->pad = NULL;
            ngx_pad_pad_release(pad);
        }
    }

    ngx_pad_session_cache_info(sess);

    if (sess->reconnect) {
        if (sess->client_rev <= pad->head
            && sess->client_rev < pad->first_rev - 1)
        {
            /* older than the window: those revisions come from Redis */

            if (sess->client_rev < pad->head - NGX_PAD_RECONNECT_MAX
                || ngx_pad_pstore_old_revs(sess, sess->client_rev + 1,
                       ngx_min(pad->first_rev - 1,
                               sess->client_rev + NGX_PAD_STORE_READ_MAX))
                   != NGX_OK)
            {
                ngx_log_error(NGX_LOG_INFO, ngx_pad_socket_log(sess->socket),
                              0, "pad: \"%V\": cannot resume at revision "
                              "%L (head %L)", &pad->id, sess->client_rev,
                              pad->head);
                ngx_pad_session_join_failed(sess, "looping");
            }

            /* the join reference goes with the read */
            return;
        }

        rc = ngx_pad_session_reconnect(sess);

        if (rc != NGX_OK) {
            ngx_log_error(NGX_LOG_INFO, ngx_pad_socket_log(sess->socket), 0,
                          "pad: \"%V\": cannot resume at revision %L "
                          "(head %L)", &pad->id, sess->client_rev,
                          pad->head);
            ngx_pad_session_join_failed(sess, "looping");
            return;
        }

    } else {
        if (!sess->authors_asked) {
            /* records of the pad's authors not cached yet: ask first */

            sess->authors_asked = 1;
            json_decref(ngx_pad_pad_authors_json(pad, sess));

            if (sess->authors_pending) {
                return;     /* the join reference waits with them */
            }
        }

        if (!sess->padinfo_asked) {
            /* the other workers' sessions, the saved revisions */

            sess->padinfo_asked = 1;

            if (ngx_pad_padinfo_ask(sess)) {
                return;     /* the join reference waits with them */
            }
        }

        wpool = ngx_pad_pool_create();
        if (wpool == NULL) {
            ngx_pad_session_join_failed(sess, "corruptPad");
            return;
        }

        attribs.data = pad->atext.attribs.data;
        attribs.len = pad->atext.attribs.len;

        if (ngx_pad_cs_prepare_for_wire(ngx_pad_engine->ctx, &attribs,
                                        pad->pool, wpool, &wire)
            != NGX_PAD_CS_OK)
        {
            ngx_pad_ctx_reset(ngx_pad_engine->ctx);
            ngx_pad_pool_destroy(wpool);
            ngx_pad_session_join_failed(sess, "corruptPad");
            return;
        }

        ngx_memzero(&v, sizeof(ngx_pad_msg_vars_t));

        v.pad_id.data = (const char *) sess->asked_id;
        v.pad_id.len = sess->asked_id_len;
        v.readonly_id.data = (const char *) pad->ro_id.data;
        v.readonly_id.len = pad->ro_id.len;
        v.readonly = sess->readonly;
        ngx_pad_session_user(sess, &v.user);
        v.atext.text = pad->atext.text;
        v.atext.attribs = wire;
        v.wire_pool = wpool;
        v.rev = pad->head;
        v.time = pad->head_time;
        v.server_time = ngx_pad_now_ms();
        v.chat_head = pad->chat_head;
        /* as Etherpad: the sockets in the pad before this one */
        v.connected = pad->nsessions + sess->remote_users;
        v.saved = sess->saved;
        v.site = ngx_pad_engine->settings;

        authors = ngx_pad_pad_authors_json(pad, NULL);
        v.authors = authors;

        j = ngx_pad_msg_client_vars(&v);

        ngx_pad_ctx_reset(ngx_pad_engine->ctx);
        ngx_pad_pool_destroy(wpool);
        json_decref(authors);

        if (j == NULL) {
            ngx_pad_session_join_failed(sess, "corruptPad");
            return;
        }

        ngx_pad_session_emit(sess, j);
        json_decref(j);
    }

    /* from here on the fan-out owns the cursor */

    sess->sent_rev = pad->head;
    sess->state = NGX_PAD_SESSION_JOINED;
    ngx_pad_fanout_reset(sess);

    ngx_queue_insert_tail(&pad->sessions, &sess->queue);
    sess->in_list = 1;
    pad->nsessions++;
    ngx_pad_padinfo_count(pad);

    /* USER_NEWINFO both ways */

    ngx_pad_session_user(sess, &u);
    j = ngx_pad_msg_user_newinfo(&u);

    if (j) {
        ngx_pad_pad_broadcast(pad, sess, j);
        json_decref(j);
    }

    /*
     * The users already here are announced to the joiner only once
     * CLIENT_VARS has left its queue: Etherpad's pad page (2.5.3) handles
     * messages that reach it together with CLIENT_VARS (one polling
     * response) before it installs its user-list callbacks, so their
     * USER_NEWINFO would never show in its user list.
     */

    if (!sess->newinfo_ev.timer_set) {
        sess->newinfo_ev.handler = ngx_pad_session_newinfo_handler;
        sess->newinfo_ev.data = sess;
        sess->newinfo_ev.log = ngx_pad_engine->log;
        sess->newinfo_ev.cancelable = 1;
        sess->newinfo_tries = 0;
        sess->refs++;
        ngx_pad_session_newinfo_handler(&sess->newinfo_ev);
    }

    ngx_pad_session_publish(sess, "join", NULL);

    /* the join reference: the session now holds the pad via sess->pad */

    ngx_pad_session_unref(sess);
}


/* USER_NEWINFO of the local users present, once CLIENT_VARS is written */

#define NGX_PAD_NEWINFO_STEP   20     /* ms between checks */
#define NGX_PAD_NEWINFO_TRIES  100    /* then sent anyway */

static void
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


static void
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

static void
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


/* CHAT_MESSAGE: stored and published; every worker sends it on */

static void
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


/* a stored chat record {"text","authorId","time"} as the client wants it */

static json_t *
ngx_pad_session_chat_json(ngx_pad_pad_t *pad, json_t *rec)
{
    ngx_pad_str_t  author;

    if (ngx_pad_msg_get_str(rec, "authorId", &author) != 0) {
        author.data = "";
        author.len = 0;
    }

    return json_pack("{s:O,s:O,s:s%,s:o}",
                     "text", json_object_get(rec, "text"),
                     "time", json_object_get(rec, "time"),
                     "userId", author.data, author.len,
                     "userName", ngx_pad_session_name_of(pad, author.data,
                                                         author.len));
}


void
ngx_pad_session_chat(ngx_pad_session_t *sess, ngx_int_t rc, json_t *messages)
{
    size_t   i;
    json_t  *arr, *j, *m;

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
