
/*
 * ngx_pad_module: the pad engine (Etherpad's PadMessageHandler).
 *
 * Files, from the top (each calls only files below it; a lower one
 * reaches a higher one only through a handler or posted event it was
 * handed: ngx_pad_engine_t's pad_* handlers, pad->ready_ev,
 * pad->flush_ev, sess->replay_ev, and the handler of each store request):
 *   ngx_pad_engine_init.c  the engine in a worker: init, exit, the
 *                        ngx_pad_app_t, the handlers it hands down
 *   ngx_pad_handover.c   a session's state to and from another worker
 *   ngx_pad_dispatch.c   the ngx_pad_app_t callbacks, dispatch of the
 *                        messages, replay of those queued while joining,
 *                        the pad's ready event
 *   ngx_pad_channel.c    the pad channel's records, routed
 *   ngx_pad_join.c       CLIENT_READY -> CLIENT_VARS, a handover's join
 *   ngx_pad_join_access.c  CLIENT_READY's access decision and author
 *   ngx_pad_presence.c   presence across workers, USER_NEWINFO
 *   ngx_pad_chat.c       chat
 *   ngx_pad_csreq.c      CHANGESET_REQ
 *   ngx_pad_commit.c     USER_CHANGES: queue, group, append, retry
 *   ngx_pad_commit_wait.c  commits waiting through a Redis outage
 *   ngx_pad_repair.c     the copy against Redis's after Redis lost data
 *   ngx_pad_merge.c      two histories of a pad made one
 *   ngx_pad_padinfo.c    numConnectedUsers, savedRevisions (CLIENT_VARS)
 *   ngx_pad_fanout.c     the flush: sessions take sent_rev+1..head
 *   ngx_pad_session.c    the session object: states, references, emit,
 *                        disconnect, its presence in its pad
 *   ngx_pad_conn.c       this worker's sessions of a pad, in Redis
 *   ngx_pad_pad.c        per-worker pad registry: load, catch-up, ready
 *                        event, authors' cache, broadcast
 *   ngx_pad_pstore_load.c    the store: a pad's load and catch-up
 *   ngx_pad_pstore_append.c  the store: appends, revisions read
 *   ngx_pad_pstore_author.c  the store: authors, read-only ids
 *   ngx_pad_pstore_chat.c    the store: chat
 *   ngx_pad_pstore_pubsub.c  the store: the pad's channel
 *   ngx_pad_window.c     a pad's copy, its window of revisions, advance
 *   ngx_pad_engine.c     the engine's shared state (ngx_pad_engine)
 *   ngx_pad_engine_conf.c  directives
 *
 * Everything runs on the worker's event loop.  Each session's output
 * queue and cursor (sent_rev) is written by one function only,
 * ngx_pad_fanout_session(), apart from CLIENT_VARS/CLIENT_RECONNECT
 * at join (before the session is in the pad's list).
 */


#ifndef _NGX_PAD_ENGINE_H_INCLUDED_
#define _NGX_PAD_ENGINE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>
#include <jansson.h>

#include "ngx_pad_app.h"
#include "easysync/ngx_pad_cs.h"
#include "msg/ngx_pad_msg.h"
#include "engine/ngx_pad_engine_conf.h"
#include "store/ngx_pad_store.h"
#include "authz/ngx_pad_authz.h"
#include "metrics/ngx_pad_metrics.h"


#define NGX_PAD_AUTHOR_MAX   64
#define NGX_PAD_ID_MAX       256      /* bytes of a pad id (50 UTF-16) */
#define NGX_PAD_EARLY_MAX    16       /* messages queued while joining */
#define NGX_PAD_RECONNECT_MAX  100000 /* revisions a reconnect may be behind */
#define NGX_PAD_STORE_READ_MAX 1000   /* revisions per store read */
#define NGX_PAD_OWN_MAX        32     /* own revisions a session awaits */
#define NGX_PAD_FILL_MAX       128    /* revisions per fan-out store read */


typedef struct ngx_pad_pad_s      ngx_pad_pad_t;
typedef struct ngx_pad_session_s  ngx_pad_session_t;
typedef struct ngx_pad_commit_s   ngx_pad_commit_t;
typedef struct ngx_pad_merge_s    ngx_pad_merge_t;

typedef void (*ngx_pad_session_handler_pt)(ngx_pad_session_t *sess);

/*
 * The answers of the ngx_pad_pstore_*() requests: each goes to the
 * handler, with the data, given to the request.
 */
typedef void (*ngx_pad_pstore_done_pt)(void *data, ngx_int_t rc);
typedef void (*ngx_pad_pstore_items_pt)(void *data, ngx_int_t rc,
    int64_t from, ngx_str_t *items, ngx_uint_t n);
typedef void (*ngx_pad_pstore_json_pt)(void *data, ngx_int_t rc, json_t *j);
typedef void (*ngx_pad_pstore_str_pt)(void *data, ngx_int_t rc,
    ngx_pad_str_t *value);
typedef void (*ngx_pad_pstore_author_pt)(void *data, ngx_int_t rc,
    ngx_pad_str_t *author, json_t *record);
typedef void (*ngx_pad_pstore_info_pt)(void *data, ngx_int_t rc,
    ngx_pad_str_t *author, json_t *name, json_t *color);

#define NGX_PAD_HIST_MAX     64       /* bytes of a history id */


/* one revision of the window */
typedef struct {
    int64_t                rev;
    ngx_str_t              changeset;     /* pad pool numbers */
    ngx_str_t              author;
    int64_t                time;
    uint64_t               origin;        /* session serial, 0 remote */
    char                  *item;          /* NEW_CHANGES fields (batch) */
    size_t                 item_len;
    ngx_pad_payload_t     *payload;       /* whole NEW_CHANGES packet */
    uint64_t               applied_us;    /* for pad_fanout_seconds */
} ngx_pad_rev_t;


typedef enum {
    NGX_PAD_LOADING = 0,
    NGX_PAD_READY,
    NGX_PAD_FAILED
} ngx_pad_state_e;


/* ngx_pad_repair.c: the copy against Redis's */
typedef enum {
    NGX_PAD_REPAIR_NONE = 0,
    NGX_PAD_REPAIR_CHECKING,      /* head.lua in flight */
    NGX_PAD_REPAIR_READING,       /* a merge reads the other history */
    NGX_PAD_REPAIR_WRITING,       /* restore.lua in flight */
    NGX_PAD_REPAIR_WAITING        /* back-off before comparing again */
} ngx_pad_repair_e;


struct ngx_pad_pad_s {
    ngx_rbtree_node_t      node;          /* key: hash of id */
    ngx_str_t              id;
    ngx_str_t              ro_id;
    u_char                 ro_buf[64];
    ngx_pad_state_e        state;

    int64_t                head;          /* -1: not loaded */
    int64_t                head_time;
    ngx_pad_atext_t        atext;         /* malloc()ed, owned */
    intptr_t               text_len16;
    ngx_pad_pool_t        *pool;
    int64_t                chat_head;

    ngx_pad_rev_t         *window;        /* ring, rev % window_cap */
    ngx_uint_t             window_cap;    /* allocated, grows by 2 */
    ngx_uint_t             window_size;   /* pad_revisions_window */
    int64_t                first_rev;     /* lowest revision in window */
    ngx_pad_payload_t     *batch;         /* the last batch built */
    int64_t                batch_from;
    int64_t                batch_to;

    ngx_queue_t            sessions;      /* joined sessions */
    ngx_uint_t             nsessions;
    ngx_uint_t             conn_reported; /* nsessions in the totals */
    ngx_queue_t            waiters;       /* sessions waiting for load */

    ngx_queue_t            commits;       /* FIFO, head is in progress */
    ngx_uint_t             ncommits;
    unsigned               committing:1;  /* an append is in flight */
    unsigned               outage:1;      /* waits for Redis to return */
    ngx_uint_t             outage_n;      /* its group to check (0: none) */
    ngx_uint_t             outage_tries;  /* back-off */
    ngx_event_t            outage_ev;
    ngx_uint_t             ninflight;     /* its commits: the FIFO's first */
    unsigned               catching_up:1; /* a range read is in flight */
    unsigned               reading:1;     /* old revisions for a commit */
    ngx_pad_commit_t      *reader;        /* the commit they are for */
    ngx_str_t              hist;          /* history id (hist_buf) */
    u_char                 hist_buf[NGX_PAD_HIST_MAX];
    ngx_pad_repair_e       repair;        /* commits wait unless NONE */
    unsigned               recheck:1;     /* compare again when done */
    unsigned               detached:1;    /* out of the registry */
    ngx_uint_t             repair_tries;  /* back-off */
    ngx_uint_t             repair_logged; /* what was logged last */
    ngx_event_t            repair_ev;     /* back-off, creation wait */
    ngx_pad_merge_t       *merge;
    int64_t                restore_seen;  /* Redis's head then */
    int64_t                restore_head;  /* the head written */
    unsigned               create_logged:1;
    ngx_event_t            create_ev;     /* creation waits for the grace */
    unsigned               flush_posted:1;
    unsigned               subscribed:1;
    int64_t                want_head;     /* highest rev seen published */
    int64_t                catch_from;    /* head when catch-up started */
    int64_t                catch_want;    /* want_head then */

    json_t                *authors;       /* {id: {name, colorId}} cache */

    /* the handlers of the pad's store requests (one of each at a time) */
    ngx_pad_pstore_done_pt  load_handler;
    void                  *load_data;
    ngx_pad_pstore_done_pt  catch_handler;
    void                  *catch_data;
    ngx_pad_pstore_done_pt  append_handler;
    void                  *append_data;
    ngx_pad_pstore_items_pt  revs_handler;
    void                  *revs_data;

    ngx_event_t            flush_ev;
    int64_t                fanned_rev;    /* last one timed by the fan-out */
    ngx_event_t            ready_ev;      /* joins, commits go on */
    unsigned               load_ended:1;  /* waiters to tell */
    ngx_event_t            idle_ev;
    void                  *sub;           /* store subscription */
    ngx_uint_t             refs;          /* async operations */
    ngx_uint_t             load_errors;
};


typedef enum {
    NGX_PAD_SESSION_NEW = 0,
    NGX_PAD_SESSION_JOINING,
    NGX_PAD_SESSION_JOINED,
    NGX_PAD_SESSION_GONE
} ngx_pad_session_state_e;


struct ngx_pad_session_s {
    ngx_pad_socket_t      *socket;        /* NULL once closed */
    ngx_pad_session_state_e  state;
    uint64_t               serial;
    ngx_uint_t             refs;          /* async operations */

    ngx_pad_pad_t         *pad;
    ngx_queue_t            queue;         /* in pad->sessions/waiters */

    int64_t                sent_rev;      /* highest revision queued */
    ngx_uint_t             pending;       /* own commits queued in pad */
    ngx_uint_t             csreqs;        /* CHANGESET_REQs in flight */
    ngx_uint_t             authors_pending; /* records asked before join */

    u_char                 author[NGX_PAD_AUTHOR_MAX];
    size_t                 author_len;
    u_char                 asked_id[NGX_PAD_ID_MAX];  /* as asked, r. */
    size_t                 asked_id_len;
    u_char                 real_id[NGX_PAD_ID_MAX];   /* of an r. id */
    size_t                 real_id_len;
    json_t                *name;          /* string or null */
    json_t                *color;         /* integer or "#rrggbb" */

    int64_t                client_rev;    /* reconnect */

    /* CLIENT_READY's credentials, kept for the access decision */
    u_char                 token[NGX_PAD_MSG_TOKEN_MAX];
    size_t                 token_len;
    u_char                *sids;          /* sessionID lists (malloc) */
    size_t                 sids_len;

    /* the USER_NEWINFO of the users present, sent after CLIENT_VARS left */
    ngx_event_t            newinfo_ev;
    ngx_uint_t             newinfo_tries;

    /* messages that arrived while joining, replayed in order after it */
    ngx_event_t            replay_ev;     /* posted when the join ended */
    json_t                *early[NGX_PAD_EARLY_MAX];
    int64_t                early_ack[NGX_PAD_EARLY_MAX];
    ngx_uint_t             nearly;

    unsigned               readonly:1;
    unsigned               token_ok:1;    /* token is a valid one */
    unsigned               batch:1;       /* opted in to batches */
    unsigned               reconnect:1;
    unsigned               handover:1;    /* came from another worker */
    unsigned               noop_accept:1; /* ACCEPT_COMMIT(sent_rev) due */
    unsigned               in_list:1;
    unsigned               draining:1;
    unsigned               authors_asked:1;
    unsigned               ask_users:1;   /* handed over right after join */

    /* revisions below the pad's window, read from Redis (ngx_pad_fanout) */
    unsigned               reading:1;     /* the one read in flight */
    ngx_uint_t             joins;         /* times it joined a pad */
    ngx_uint_t             fill_join;     /* joins when the read started */
    ngx_pad_rev_t         *fill;          /* fill_n revisions from */
    ngx_uint_t             fill_n;        /*   fill_from, as the window's */
    int64_t                fill_from;
    int64_t                fill_want;     /* first revision asked for */
    ngx_msec_t             fill_failed;   /* a read failed (outage) since */
    ngx_event_t            fill_ev;       /* and is tried again */
    int64_t                scanned_rev;   /* window searched for own revs */
    int64_t                blind_lo;      /* left unsearched (-1: none): */
    int64_t                blind_hi;      /*   own ones known by author */
    int64_t                own[NGX_PAD_OWN_MAX]; /* own revisions unsent */
    ngx_uint_t             nown;

    /* a join waiting through a Redis outage (ngx_pad_join_access.c) */
    ngx_event_t            join_ev;
    ngx_msec_t             join_started;
    ngx_uint_t             join_tries;
    ngx_pad_session_handler_pt  join_restart;  /* the join's first step */

    /* read before CLIENT_VARS (ngx_pad_padinfo) */
    unsigned               padinfo_asked:1;
    ngx_uint_t             padinfo_pending;
    ngx_pad_session_handler_pt  padinfo_done; /* the join's */

    /* the handlers of the session's store requests (one of each at a time) */
    ngx_pad_pstore_author_pt  author_handler;
    void                  *author_data;
    ngx_pad_pstore_str_pt  padid_handler;
    void                  *padid_data;
    ngx_pad_pstore_json_pt  old_revs_handler;
    void                  *old_revs_data;
    int64_t                remote_users;  /* other workers' sessions */
    json_t                *saved;         /* savedRevisions, or NULL */
};


struct ngx_pad_commit_s {
    ngx_queue_t            queue;
    ngx_pad_session_t     *session;       /* referenced */
    int64_t                base_rev;
    ngx_str_t              changeset;     /* malloc()ed copy */
    json_t                *apool;         /* referenced */
    ngx_uint_t             tries;         /* appends that lost a race */
    ngx_msec_t             started;       /* first attempt */
    ngx_msec_t             arrived;
    uint64_t               arrived_us;    /* for pad_commit_seconds */

    /* the prepared append (valid while the pad's append is in flight) */
    int64_t                rev;
    int64_t                time;
    ngx_str_t              rebased;       /* malloc()ed */
    int64_t                on_rev;        /* kept rebased applies to it */
    intptr_t               new_len16;     /* text length after rev */
    ngx_pad_atext_t        atext;         /* malloc()ed, after rev */
    ngx_pad_pool_t        *pool;          /* a clone with new entries */
    intptr_t               pool_from;     /* first new pool number */

    /* revisions old_from.. read from the store: older than the window */
    ngx_str_t             *old;           /* changeset, author pairs */
    int64_t                old_from;
    ngx_uint_t             nold;
    ngx_uint_t             old_cap;

    u_char                 why[256];      /* why it was refused */
};


typedef struct {
    ngx_pad_engine_conf_t *conf;
    ngx_log_t             *log;
    ngx_rbtree_t           pads;
    ngx_rbtree_node_t      sentinel;
    ngx_uint_t             npads;
    ngx_pad_ctx_t         *ctx;           /* Easysync scratch */
    uint64_t               serial;
    json_t                *settings;      /* site settings, or NULL */
    char                   wid[20];       /* this worker, in presence */
    ngx_uint_t             exiting;       /* the store is gone */
    ngx_uint_t             sessions;      /* joined, over all pads */

    /*
     * The upper layers' handlers, handed down by ngx_pad_engine_init.c at
     * init: the lower files reach them only through these.
     */
    ngx_event_handler_pt   pad_ready;     /* pad->ready_ev */
    ngx_event_handler_pt   pad_flush;     /* pad->flush_ev: the fan-out */
    void                 (*pad_check)(ngx_pad_pad_t *pad);   /* repair */
    void                 (*pad_cleanup)(ngx_pad_pad_t *pad); /* repair */
    ngx_pad_redis_sub_handler_pt  pad_channel;  /* the channel's router */

    /* counters (logged at exit, read by tests through the log) */
    ngx_uint_t             commits;
    ngx_uint_t             conflicts;
    ngx_uint_t             rejected;
    ngx_uint_t             batches;

    /* Redis outages (ngx_pad_commit.c) */
    ngx_uint_t             commits_waiting;  /* in pads that wait */
    ngx_uint_t             outage_retries;
    unsigned               outage_logged:1;  /* once per outage */
    unsigned               outage_gave_up:1;
} ngx_pad_engine_t;


extern ngx_pad_engine_t  *ngx_pad_engine;


static ngx_inline int64_t
ngx_pad_now_ms(void)
{
    ngx_time_t  *tp;

    tp = ngx_timeofday();

    return (int64_t) tp->sec * 1000 + tp->msec;
}


/*
 * Declarations by file, from the top (see the list above): a file uses
 * only those of the files below it.
 */

/* ngx_pad_engine_init.c */
ngx_int_t ngx_pad_engine_init_process(ngx_cycle_t *cycle,
    ngx_pad_engine_conf_t *ecf);
void ngx_pad_engine_exit_process(ngx_cycle_t *cycle);

/* ngx_pad_handover.c */
ngx_int_t ngx_pad_session_export(ngx_pad_socket_t *s, json_t **state);
ngx_int_t ngx_pad_session_import(ngx_pad_socket_t *s, json_t *state);

/* ngx_pad_dispatch.c: the transport's callbacks, the pad's ready event */
ngx_int_t ngx_pad_dispatch_connected(ngx_pad_socket_t *s);
void ngx_pad_dispatch_event(ngx_pad_socket_t *s, json_t *args,
    int64_t ack_id);
void ngx_pad_dispatch_writable(ngx_pad_socket_t *s);
void ngx_pad_dispatch_closed(ngx_pad_socket_t *s, const char *reason);
void ngx_pad_dispatch_pad_ready(ngx_event_t *ev);

/* ngx_pad_channel.c */
void ngx_pad_channel_handler(void *data, ngx_uint_t event,
    ngx_str_t *payload);

/* ngx_pad_join.c */
void ngx_pad_session_ready(ngx_pad_session_t *sess, ngx_pad_msg_t *m,
    int64_t ack_id);
void ngx_pad_session_get_pad(ngx_pad_session_t *sess);
void ngx_pad_session_joined(ngx_pad_session_t *sess);
void ngx_pad_session_join_failed(ngx_pad_session_t *sess,
    const char *reason);
void ngx_pad_session_author_record(ngx_pad_session_t *sess);

/* ngx_pad_join_access.c */
ngx_int_t ngx_pad_session_credentials(ngx_pad_session_t *sess,
    ngx_pad_msg_t *m);
void ngx_pad_session_access(ngx_pad_session_t *sess,
    ngx_pad_pstore_author_pt handler);
void ngx_pad_session_deny(ngx_pad_session_t *sess, const char *reason);
/* a join step failed on Redis: wait (pad_join_timeout) or "unavailable" */
void ngx_pad_session_join_unavailable(ngx_pad_session_t *sess);

/* ngx_pad_presence.c */
void ngx_pad_pad_forward(ngx_pad_pad_t *pad, ngx_pad_str_t *to, json_t *m);
void ngx_pad_pad_user_event(ngx_pad_pad_t *pad, json_t *ev);
ngx_int_t ngx_pad_session_client_message(ngx_pad_session_t *sess, json_t *m);
void ngx_pad_session_newinfo_handler(ngx_event_t *ev);
void ngx_pad_session_newinfo_send(ngx_pad_session_t *sess);
void ngx_pad_session_userinfo(ngx_pad_session_t *sess, ngx_pad_msg_t *m);

/* ngx_pad_chat.c */
void ngx_pad_session_chat_add(ngx_pad_session_t *sess, ngx_pad_msg_t *m);
json_t *ngx_pad_session_chat_json(ngx_pad_pad_t *pad, json_t *rec);
void ngx_pad_session_chat(void *data, ngx_int_t rc, json_t *messages);

/* ngx_pad_csreq.c */
ngx_int_t ngx_pad_csreq_start(ngx_pad_session_t *sess, ngx_pad_msg_t *m);

/* ngx_pad_commit.c */
ngx_int_t ngx_pad_commit_add(ngx_pad_session_t *sess, ngx_pad_msg_t *m);
void ngx_pad_commit_next(ngx_pad_pad_t *pad);
void ngx_pad_commit_free(ngx_pad_commit_t *c);

/* ngx_pad_commit_wait.c: commits waiting through a Redis outage */
void ngx_pad_commit_drop_prepared(ngx_pad_commit_t *c);
ngx_uint_t ngx_pad_commit_may_wait(ngx_pad_pad_t *pad, ngx_pad_commit_t *c);
void ngx_pad_commit_wait(ngx_pad_pad_t *pad, ngx_uint_t n,
    ngx_event_handler_pt handler);
ngx_uint_t ngx_pad_commit_is_mine(ngx_pad_commit_t *c, ngx_str_t *item,
    int64_t *ts);
void ngx_pad_commit_wait_end(ngx_pad_pad_t *pad, ngx_uint_t keep);

/* ngx_pad_repair.c */
void ngx_pad_repair_cleanup(ngx_pad_pad_t *pad);
void ngx_pad_repair_check(ngx_pad_pad_t *pad);
void ngx_pad_repair_lost(void *data);
/* the copy dropped, its sessions told {"disconnect":reason} */
void ngx_pad_repair_drop(ngx_pad_pad_t *pad, const char *reason);

/*
 * ngx_pad_merge.c.  The outcome goes to the handler given to start: the
 * write-back r to store (the handler's result: whether it started), or
 * r NULL and why the merge failed.
 */
typedef ngx_int_t (*ngx_pad_merge_done_pt)(ngx_pad_pad_t *pad,
    ngx_pad_store_restore_t *r, ngx_str_t *why);

ngx_int_t ngx_pad_merge_start(ngx_pad_pad_t *pad,
    ngx_pad_store_result_t *res, ngx_pad_merge_done_pt done);
void ngx_pad_merge_free(ngx_pad_pad_t *pad);
ngx_int_t ngx_pad_merge_apply(ngx_pad_pad_t *pad);
ngx_pad_pool_t *ngx_pad_merge_pool(ngx_pad_pad_t *pad);
ngx_str_t *ngx_pad_merge_record(ngx_pad_pad_t *pad);

/* ngx_pad_padinfo.c */
ngx_uint_t ngx_pad_padinfo_ask(ngx_pad_session_t *sess,
    ngx_pad_session_handler_pt done);
ngx_int_t ngx_pad_padinfo_save(ngx_pad_session_t *sess);

/* ngx_pad_fanout.c */
void ngx_pad_fanout_pad(ngx_event_t *ev);
void ngx_pad_fanout_session(ngx_pad_session_t *sess);

/* ngx_pad_session.c: the session object */
ngx_pad_session_t *ngx_pad_session_create(ngx_pad_socket_t *s,
    ngx_event_handler_pt replay);
void ngx_pad_session_set_state(ngx_pad_session_t *sess,
    ngx_pad_session_state_e state);
void ngx_pad_session_unref(ngx_pad_session_t *sess);
void ngx_pad_session_free_fill(ngx_pad_session_t *sess);
void ngx_pad_session_cursor_reset(ngx_pad_session_t *sess);
void ngx_pad_session_emit(ngx_pad_session_t *sess, json_t *data);
void ngx_pad_session_disconnect(ngx_pad_session_t *sess, const char *reason);
void ngx_pad_session_refuse(ngx_pad_session_t *sess, int64_t ack_id,
    const char *text);
void ngx_pad_session_cache_info(ngx_pad_session_t *sess);
void ngx_pad_session_user(ngx_pad_session_t *sess, ngx_pad_msg_user_t *u);
void ngx_pad_session_publish(ngx_pad_session_t *sess, const char *op,
    ngx_pad_session_t *to);
void ngx_pad_session_detach(ngx_pad_session_t *sess);

/* ngx_pad_conn.c */
void ngx_pad_conn_init_process(void);
void ngx_pad_conn_count(ngx_pad_pad_t *pad);

/* ngx_pad_pad.c: the registry */
void ngx_pad_pad_registry_init(void);
ngx_pad_pad_t *ngx_pad_pad_get(ngx_str_t *id);
void ngx_pad_pad_release(ngx_pad_pad_t *pad);
void ngx_pad_pad_detach(ngx_pad_pad_t *pad);
void ngx_pad_pad_post_ready(ngx_pad_pad_t *pad);
void ngx_pad_pad_published(ngx_pad_pad_t *pad, int64_t rev);
void ngx_pad_pad_catch_up(ngx_pad_pad_t *pad);
json_t *ngx_pad_pad_authors_json(ngx_pad_pad_t *pad,
    ngx_pad_session_t *waiter, ngx_pad_session_handler_pt done);
void ngx_pad_pad_author_info(ngx_pad_pad_t *pad, ngx_pad_str_t *author,
    json_t *name, json_t *color);
void ngx_pad_pad_broadcast(ngx_pad_pad_t *pad, ngx_pad_session_t *except,
    json_t *data);

/* ngx_pad_pstore_load.c: the pad's load and catch-up */
ngx_int_t ngx_pad_pstore_load(ngx_pad_pad_t *pad,
    ngx_pad_pstore_done_pt handler, void *data);
void ngx_pad_pstore_cleanup(ngx_pad_pad_t *pad);
ngx_int_t ngx_pad_pstore_catch_up(ngx_pad_pad_t *pad,
    ngx_pad_pstore_done_pt handler, void *data);

/* ngx_pad_pstore_append.c: revisions to and from the store */
ngx_int_t ngx_pad_pstore_append(ngx_pad_pad_t *pad, ngx_pad_commit_t *c,
    ngx_pad_pstore_done_pt handler, void *data);
/* append, revs: NGX_AGAIN for an outage (this says which errors are) */
ngx_uint_t ngx_pad_pstore_outage(ngx_str_t *err);
ngx_int_t ngx_pad_pstore_pool_json(ngx_pad_pool_t *pool, intptr_t from,
    intptr_t to, ngx_uint_t holes, ngx_str_t *out, ngx_uint_t *n);
ngx_int_t ngx_pad_pstore_commit_revs(ngx_pad_pad_t *pad, int64_t from,
    int64_t to, ngx_pad_pstore_items_pt handler, void *data);
ngx_int_t ngx_pad_pstore_old_revs(ngx_pad_session_t *sess, int64_t from,
    int64_t to, ngx_pad_pstore_json_pt handler, void *data);

/* ngx_pad_pstore_author.c: authors, read-only ids */
ngx_int_t ngx_pad_pstore_author(ngx_pad_session_t *sess,
    ngx_pad_str_t *token, ngx_pad_pstore_author_pt handler, void *data);
void ngx_pad_pstore_author_update(ngx_pad_session_t *sess);
ngx_int_t ngx_pad_pstore_author_get(ngx_pad_str_t *author,
    ngx_pad_pstore_info_pt handler, void *data);
ngx_int_t ngx_pad_pstore_readonly(ngx_pad_session_t *sess,
    ngx_pad_str_t *ro_id, ngx_pad_pstore_str_pt handler, void *data);

/* ngx_pad_pstore_chat.c */
ngx_int_t ngx_pad_pstore_chat_add(ngx_pad_session_t *sess, json_t *msg);
ngx_int_t ngx_pad_pstore_chat_get(ngx_pad_pad_t *pad, int64_t start,
    int64_t end, ngx_pad_pstore_json_pt handler, void *data);

/* ngx_pad_pstore_pubsub.c */
ngx_int_t ngx_pad_pstore_subscribe(ngx_pad_pad_t *pad,
    ngx_pad_redis_sub_handler_pt handler, void *data);
void ngx_pad_pstore_unsubscribe(ngx_pad_pad_t *pad);
ngx_int_t ngx_pad_pstore_publish(ngx_pad_pad_t *pad, json_t *event);

/* ngx_pad_window.c: a pad's copy, its window, advance */
ngx_pad_rev_t *ngx_pad_pad_rev(ngx_pad_pad_t *pad, int64_t rev);
ngx_int_t ngx_pad_pad_rev_same(ngx_pad_rev_t *rev, ngx_str_t *rec);
ngx_int_t ngx_pad_pad_set_base(ngx_pad_pad_t *pad, int64_t rev,
    int64_t time, ngx_str_t *text, ngx_str_t *attribs, ngx_pad_pool_t *pool);
ngx_int_t ngx_pad_pad_set_hist(ngx_pad_pad_t *pad, ngx_str_t *hist);
ngx_int_t ngx_pad_pad_apply_record(ngx_pad_pad_t *pad, json_t *ev);
ngx_int_t ngx_pad_pad_add_pool_entry(ngx_pad_pad_t *pad, intptr_t num,
    ngx_pad_str_t *key, ngx_pad_str_t *value);
ngx_int_t ngx_pad_pad_advance(ngx_pad_pad_t *pad, int64_t rev,
    ngx_pad_str_t *cs, ngx_pad_str_t *author, int64_t time,
    uint64_t origin, ngx_pad_atext_t *new_atext);
void ngx_pad_pad_post_flush(ngx_pad_pad_t *pad);
void ngx_pad_pad_window_free(ngx_pad_pad_t *pad);

/* ngx_pad_engine.c: the shared state */
void ngx_pad_random(u_char *p, size_t n, const char *alphabet, size_t alen);
ngx_pad_payload_t *ngx_pad_json_payload(json_t *data);
const char *ngx_pad_session_state_name(ngx_pad_session_state_e state);
const char *ngx_pad_pad_state_name(ngx_pad_state_e state);
ngx_int_t ngx_pad_atext_dup(ngx_pad_atext_t *dst, const ngx_pad_atext_t *src);

#endif /* _NGX_PAD_ENGINE_H_INCLUDED_ */
