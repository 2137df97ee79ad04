
/*
 * ngx_pad_module: pad storage in Redis, the only code that speaks Redis
 * for the pad engine.  docs/operators/redis.md documents the layout;
 * the scripts are the .lua files in src/store/scripts/.
 *
 * Every call returns a request handle, or NULL when out of memory, when an
 * id is empty or longer than 512 bytes, when this process has no Redis
 * client (master, module unused) or after exit_process; then the handler
 * is never called.  Otherwise the handler is called exactly
 * once, from the event loop (never from inside the call), unless the
 * request is cancelled with ngx_pad_store_cancel() first.  The result and
 * every string in it are valid during the handler call only.
 *
 * res->status:
 *   NGX_OK        done;
 *   NGX_DECLINED  append: the head moved (res->rev is the current head;
 *                 res->items are the records from res->from = base + 1
 *                 on, up to 100 of them, so that the writer can catch
 *                 up and retry without another round trip);
 *                 load/head/readonly_pad/author_get: no such pad/id;
 *   NGX_ABORT     append: the pad is of another history than the
 *                 writer's (res->head, res->hist: the stored ones);
 *   NGX_BUSY      create: not yet (res->wait ms: Redis's data set is
 *                 younger than pad_redis_lost_grace);
 *   NGX_ERROR     Redis unreachable, timed out, or refused: res->err.
 */


#ifndef _NGX_PAD_STORE_H_INCLUDED_
#define _NGX_PAD_STORE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "store/ngx_pad_store_conf.h"
#include "redis/ngx_pad_redis.h"


/* revisions per load/revs reply at most */
#define NGX_PAD_STORE_RANGE_MAX  1000


typedef struct ngx_pad_store_req_s  ngx_pad_store_req_t;


typedef struct {
    ngx_int_t                  status;
    ngx_str_t                  err;

    /* append: the new revision (conflict: the current head); chat: n */
    ngx_int_t                  rev;
    /* append, chat: the time Redis gave the record (ms since the epoch) */
    int64_t                    ts;
    /* append, chat: the record as stored and published (JSON);
       head: the stored record of the caller's head ("" none) */
    ngx_str_t                  record;

    /* load, head, append (NGX_ABORT): the pad's history id */
    ngx_str_t                  hist;
    /* head: the stored record of the stored head; absorbed: the highest
       revision of the caller's history that a merge took in (-1) */
    ngx_str_t                  head_record;
    ngx_int_t                  absorbed;
    /* head: the caller's history was deleted (deletePad's tombstone) */
    ngx_uint_t                 deleted;
    /* create (NGX_BUSY): how long until it may be created */
    ngx_msec_t                 wait;
    /* epoch: created and Redis's time now (ms) */
    int64_t                    now;

    /* load, head */
    ngx_int_t                  head;
    ngx_int_t                  chat_head;    /* -1: no chat message */
    /* load: key snapshot (-1 and empty: none, start from "\n") */
    ngx_int_t                  snap_rev;
    ngx_str_t                  snapshot;     /* {"rev","text","attribs"} */
    ngx_str_t                  pool;         /* {"numToAttrib","nextNum"} */

    /* load, revs, chat_range, append conflict: records from "from" on */
    ngx_int_t                  from;
    ngx_uint_t                 nitems;
    ngx_str_t                 *items;        /* len 0: missing */

    /* readonly_id, readonly_pad, author_for_token, author_get */
    ngx_str_t                  value;
    ngx_uint_t                 created;      /* readonly_id, author: new */
    ngx_str_t                  name;         /* author: "" when unset */
    ngx_str_t                  color;        /* author: "" when unset */

    /* stats_get: all pads (Ppads), sessions, active pads */
    ngx_int_t                  count[3];
} ngx_pad_store_result_t;


typedef void (*ngx_pad_store_handler_pt)(void *data,
    ngx_pad_store_result_t *res);


ngx_int_t ngx_pad_store_init_process(ngx_cycle_t *cycle,
    ngx_pad_store_conf_t *scf, ngx_uint_t used);
void ngx_pad_store_exit_process(ngx_cycle_t *cycle);

/* 1 when the command connection to Redis is up */
ngx_uint_t ngx_pad_store_available(void);
/* the store's configuration in this process (NULL: none) */
ngx_pad_store_conf_t *ngx_pad_store_conf_get(void);
/* pad_snapshot_interval: store a snapshot after revisions rev % N == 0 */
ngx_uint_t ngx_pad_store_snapshot_interval(void);

void ngx_pad_store_cancel(ngx_pad_store_req_t *req);

/* n random characters of [0-9a-f] (history ids, markers) */
void ngx_pad_store_random_id(u_char *p, size_t n);


/*
 * The marker of Redis's data set (epoch.lua): res->value its id, res->ts
 * when it was written, res->now Redis's time; written first when missing.
 */
ngx_pad_store_req_t *ngx_pad_store_epoch(ngx_str_t *candidate,
    ngx_pad_store_handler_pt handler, void *data);

/*
 * Called when the marker read after a (re)connect or every
 * pad_redis_keepalive is not the one this worker saw before: Redis lost
 * its data (or is another server).  One handler per process; setting it
 * starts the watcher (ngx_pad_store_epoch.c), NULL stops it.
 */
typedef void (*ngx_pad_store_lost_pt)(void *data);

void ngx_pad_store_on_lost(ngx_pad_store_lost_pt handler, void *data);

/*
 * Creates a pad with revision 0 (create.lua), history id hist, unless it
 * exists (NGX_DECLINED, res->head) or Redis's data set is younger than
 * pad_redis_lost_grace (NGX_BUSY, res->wait).  NGX_OK: res->ts, record.
 * author (NULL: none) is revision 0's, pool0 (NULL: none) the pool's
 * entry 0 (["author","a.X"]).  The pad is added to Ppads first.
 */
ngx_pad_store_req_t *ngx_pad_store_create(ngx_str_t *pad, ngx_str_t *cs,
    ngx_str_t *hist, ngx_str_t *author, ngx_str_t *pool0,
    ngx_pad_store_handler_pt handler, void *data);

/*
 * Appends revisions base+1..base+n (cs[i], author[i]; n > 1: group commit)
 * in one atomic step if the pad's head is still base and its history id
 * is hist (hist NULL: not checked; base -1 creates the pad with revision
 * 0).  pool_first is the pool's nextNum as the writer
 * knows it; pool[0..npool-1] are the entries the first changeset
 * introduces, numbered pool_first..., each the JSON ["key","value"]; the
 * others introduce none.  Each revision is stored and published on the
 * pad's channel.  NGX_OK: res->rev is base+1, res->head base+n,
 * res->items the n records; NGX_DECLINED: the head moved, res->head is
 * it and res->items the records from res->from = base+1 on (100 at most).
 */
ngx_pad_store_req_t *ngx_pad_store_append(ngx_str_t *pad, ngx_int_t base,
    ngx_str_t *hist, ngx_uint_t n, ngx_str_t *cs, ngx_str_t *author,
    ngx_int_t pool_first, ngx_str_t *pool, ngx_uint_t npool,
    ngx_pad_store_handler_pt handler, void *data);

/*
 * Writes a pad back from a worker's copy (restore.lua, which documents
 * the modes) if the stored pad is still the one seen (head r->seen of
 * history r->seen_hist, and in mode "tail" its record of r->seen matching
 * r->seen_rev: changeset, author, ts): the whole pool, the AText after
 * r->head as a snapshot, the revision records, the absorbed pairs.
 * NGX_OK: restored; an error (res->err) when not.
 */
typedef struct {
    ngx_int_t                  seen;
    ngx_str_t                  seen_hist;
    ngx_str_t                  seen_rev[3];
    ngx_uint_t                 replace;       /* mode "replace" */
    ngx_str_t                  hist;
    ngx_int_t                  head;
    ngx_str_t                  text;
    ngx_str_t                  attribs;
    ngx_int_t                  pool_next;
    ngx_str_t                 *pool;
    ngx_uint_t                 npool;
    ngx_str_t                 *recs;
    ngx_uint_t                 nrecs;
    ngx_str_t                  absorbed[4];   /* hist, rev, hist, rev */
    ngx_uint_t                 nabsorbed;     /* pairs */
} ngx_pad_store_restore_t;

ngx_pad_store_req_t *ngx_pad_store_restore(ngx_str_t *pad,
    ngx_pad_store_restore_t *r, ngx_pad_store_handler_pt handler,
    void *data);

/* stores the AText after revision rev (idempotent); handler may be NULL */
ngx_pad_store_req_t *ngx_pad_store_snapshot(ngx_str_t *pad, ngx_int_t rev,
    ngx_str_t *text, ngx_str_t *attribs, ngx_pad_store_handler_pt handler,
    void *data);
/* the same, only if the pad's history id is still hist ("": none) */
ngx_pad_store_req_t *ngx_pad_store_snapshot_of(ngx_str_t *pad,
    ngx_str_t *hist, ngx_int_t rev, ngx_str_t *text, ngx_str_t *attribs,
    ngx_pad_store_handler_pt handler, void *data);

/*
 * head, chat head, latest snapshot <= upto (-1: head), the whole pool and
 * up to NGX_PAD_STORE_RANGE_MAX revision records after the snapshot, read
 * atomically; when from + nitems - 1 < upto, read the rest with revs().
 */
ngx_pad_store_req_t *ngx_pad_store_load(ngx_str_t *pad, ngx_int_t upto,
    ngx_pad_store_handler_pt handler, void *data);

/* revision records from..to (at most NGX_PAD_STORE_RANGE_MAX) */
ngx_pad_store_req_t *ngx_pad_store_revs(ngx_str_t *pad, ngx_int_t from,
    ngx_int_t to, ngx_pad_store_handler_pt handler, void *data);

/*
 * head, chat head and history id (NGX_DECLINED: no pad), compared with
 * the caller's copy (its head "mine" of history "hist"): res->record the
 * stored record of mine, res->head_record that of the stored head,
 * res->absorbed (head.lua).
 */
ngx_pad_store_req_t *ngx_pad_store_head(ngx_str_t *pad, ngx_int_t mine,
    ngx_str_t *hist, ngx_pad_store_handler_pt handler, void *data);

/*
 * A chat message stored (chat.lua) and published: time NULL is Redis's
 * time (ms), else the string kept as the message's time (the HTTP API's);
 * name, if not NULL, the author's name the published record carries
 * ("userName") for the workers that send it on.  res->rev: its number.
 */
ngx_pad_store_req_t *ngx_pad_store_chat_append(ngx_str_t *pad,
    ngx_str_t *text, ngx_str_t *author, ngx_str_t *time, ngx_str_t *name,
    ngx_pad_store_handler_pt handler, void *data);

/* chat records from..to (at most NGX_PAD_STORE_RANGE_MAX) */
ngx_pad_store_req_t *ngx_pad_store_chat_range(ngx_str_t *pad,
    ngx_int_t from, ngx_int_t to, ngx_pad_store_handler_pt handler,
    void *data);

/* the pad's read-only id; "candidate" (r.<32 hex>) becomes it if none */
ngx_pad_store_req_t *ngx_pad_store_readonly_id(ngx_str_t *pad,
    ngx_str_t *candidate, ngx_pad_store_handler_pt handler, void *data);

/* the pad of a read-only id */
ngx_pad_store_req_t *ngx_pad_store_readonly_pad(ngx_str_t *rid,
    ngx_pad_store_handler_pt handler, void *data);

/*
 * The author of a token; a new one (new_id, color) is created when the
 * token has none (res->created), atomically: two workers seeing the same
 * new token at once get the same author.
 */
ngx_pad_store_req_t *ngx_pad_store_author_for_token(ngx_str_t *token,
    ngx_str_t *new_id, ngx_str_t *color, ngx_pad_store_handler_pt handler,
    void *data);

ngx_pad_store_req_t *ngx_pad_store_author_get(ngx_str_t *id,
    ngx_pad_store_handler_pt handler, void *data);

/* name/color NULL: unchanged; handler may be NULL */
ngx_pad_store_req_t *ngx_pad_store_author_set(ngx_str_t *id,
    ngx_str_t *name, ngx_str_t *color, ngx_pad_store_handler_pt handler,
    void *data);

/* publishes msg on the pad's channel (presence etc.); handler may be NULL */
ngx_pad_store_req_t *ngx_pad_store_publish(ngx_str_t *pad, ngx_str_t *msg,
    ngx_pad_store_handler_pt handler, void *data);

/*
 * Subscribes to the pad's channel: revision records ("type":"rev"), chat
 * records ("type":"chat") and whatever ngx_pad_store_publish() sends.
 * See ngx_pad_redis.h for the events; after READY/RESUBSCRIBED read the
 * head (ngx_pad_store_head/revs) to fill any gap.
 */
ngx_pad_redis_sub_t *ngx_pad_store_subscribe(ngx_str_t *pad,
    ngx_pad_redis_sub_handler_pt handler, void *data);


/*
 * P{pad}:conn, field worker -> value: a worker's sessions of the pad
 * (value NULL: none, the field goes); the hash expires after ttl unless
 * written again.  conn_get: HGETALL, res->items field, value, ...
 */
ngx_pad_store_req_t *ngx_pad_store_conn_set(ngx_str_t *pad,
    ngx_str_t *worker, ngx_str_t *value, ngx_msec_t ttl);
ngx_pad_store_req_t *ngx_pad_store_conn_get(ngx_str_t *pad,
    ngx_pad_store_handler_pt handler, void *data);

/*
 * P{pad}:saved, field rev -> saved revision record (JSON), kept once per
 * revision (HSETNX); saved_get: res->items the records, in no order.
 */
ngx_pad_store_req_t *ngx_pad_store_saved_add(ngx_str_t *pad, ngx_int_t rev,
    ngx_str_t *record, ngx_pad_store_handler_pt handler, void *data);
ngx_pad_store_req_t *ngx_pad_store_saved_get(ngx_str_t *pad,
    ngx_pad_store_handler_pt handler, void *data);

/*
 * The facts of an access decision, read in one pipelined round trip:
 * whether the pad exists and is public (P{pad}:meta "head", "public" = 1)
 * and, for each of ids[0..nids-1] (at most NGX_PAD_STORE_SESSIONS_MAX),
 * its session record Psession:{id} (groupID, authorID, validUntil; each
 * "" when missing or too long).  The handler is called once, from the
 * event loop; res->status NGX_OK, or NGX_ERROR (res->err) when any read
 * failed.  ngx_pad_store_access_cancel() before it: never called.
 */

#define NGX_PAD_STORE_SESSIONS_MAX  16

typedef struct ngx_pad_store_access_req_s  ngx_pad_store_access_req_t;

typedef struct {
    ngx_str_t                  group;
    ngx_str_t                  author;
    ngx_str_t                  valid_until;
    u_char                     gbuf[64];
    u_char                     abuf[64];
    u_char                     vbuf[24];
} ngx_pad_store_session_t;

typedef struct {
    ngx_int_t                  status;
    ngx_str_t                  err;
    ngx_uint_t                 exists;
    ngx_uint_t                 public;
    ngx_uint_t                 nsessions;
    ngx_pad_store_session_t   *sessions;     /* in the order of ids */
} ngx_pad_store_access_t;

typedef void (*ngx_pad_store_access_pt)(void *data,
    ngx_pad_store_access_t *res);

ngx_pad_store_access_req_t *ngx_pad_store_access(ngx_str_t *pad,
    ngx_str_t *ids, ngx_uint_t nids, ngx_pad_store_access_pt handler,
    void *data);
void ngx_pad_store_access_cancel(ngx_pad_store_access_req_t *req);


/*
 * ngx_pad_store_admin.c: pads as a whole (the HTTP API).
 *
 * pads: the members of Ppads in res->items (a stale entry, left by a
 * crash between the index and the pad, is the reader's to filter out).
 *
 * pad_delete: every key of the pad (delete.lua, which leaves the
 * tombstone deleted:<hist> in P{pad}:meta and publishes
 * {"type":"deleted","hist":...}), then Pro:<its read-only id>, its entry
 * in Pgroup:{group}:pads (group NULL: none) and in Ppads.  NGX_DECLINED:
 * no such pad.
 */
ngx_pad_store_req_t *ngx_pad_store_pads(ngx_pad_store_handler_pt handler,
    void *data);
ngx_pad_store_req_t *ngx_pad_store_pad_delete(ngx_str_t *pad,
    ngx_str_t *group, ngx_pad_store_handler_pt handler, void *data);
/*
 * createGroupPad: NGX_DECLINED when Pgroup:{group} does not exist, else
 * the pad is added to Pgroup:{group}:pads (before the pad is created).
 */
ngx_pad_store_req_t *ngx_pad_store_group_pad(ngx_str_t *group,
    ngx_str_t *pad, ngx_pad_store_handler_pt handler, void *data);


/*
 * ngx_pad_store_stats.c: what the workers record for padUsers and
 * getStats.  conn_value parses a P{pad}:conn value
 * "<n>:<expiry ms>[:<id>,<id>...]" (ids: the listed authors, may be
 * NULL).  stats_worker: this worker's sessions (0: its field goes);
 * stats_pad: the pad has sessions here until expiry; stats_pad_left: it
 * has none here any more (removed when no worker has it).  stats_get:
 * res->count[] = all pads, the fleet's sessions, its active pads.
 */
ngx_int_t ngx_pad_store_conn_value(ngx_str_t *value, ngx_int_t *n,
    int64_t *expiry, ngx_str_t *ids);
ngx_pad_store_req_t *ngx_pad_store_stats_worker(ngx_str_t *worker,
    ngx_uint_t sessions, int64_t expiry);
ngx_pad_store_req_t *ngx_pad_store_stats_pad(ngx_str_t *pad, int64_t expiry);
ngx_pad_store_req_t *ngx_pad_store_stats_pad_left(ngx_str_t *pad);
ngx_pad_store_req_t *ngx_pad_store_stats_get(int64_t now,
    ngx_pad_store_handler_pt handler, void *data);
/* Pauthor:<id>'s name, color and created (res->ts, -1: none); NGX_DECLINED
   when it has none of them */
ngx_pad_store_req_t *ngx_pad_store_author_record(ngx_str_t *id,
    ngx_pad_store_handler_pt handler, void *data);


/*
 * ngx_pad_store_copy.c: copying a pad (copyPad, movePad,
 * copyPadWithoutHistory); copy.lua and copyread.lua document the steps.
 *
 * copy_read: one bounded batch (NGX_PAD_STORE_COPY_BYTES, at least one
 * record) of the source's records of a kind: REVS and CHAT fields
 * from..to, SNAP the key snapshots of revisions from..to, SAVED an HSCAN
 * from cursor "from", META public and created.  NGX_OK: res->items field,
 * value, ... and res->from where to go on (-1: done); NGX_OK with
 * res->from -1 and no items also when the source is gone or another
 * history than hist (the caller checks the head afterwards).
 *
 * copy_step: BEGIN (takes the destination over for token, deleting an
 * earlier copy's leftovers), PUT (vals: field, value, ... of a kind),
 * REV (vals: n, changeset, author, pool entries: a revision record
 * stamped with Redis's time), COMMIT (vals: meta field, value, ...: the
 * staging keys move into place and the pad exists), ABORT.  NGX_DECLINED:
 * the destination exists now, or another copy took it over.
 *
 * copy_index: the destination's entries in Ppads, Pgroup:{group}:pads
 * (group NULL: none) and each Pauthor:<a>:pads, sent before the commit.
 */
#define NGX_PAD_STORE_COPY_REVS    0
#define NGX_PAD_STORE_COPY_POOL    1
#define NGX_PAD_STORE_COPY_SNAP    2
#define NGX_PAD_STORE_COPY_CHAT    4
#define NGX_PAD_STORE_COPY_SAVED   5
#define NGX_PAD_STORE_COPY_META    6

#define NGX_PAD_STORE_COPY_BEGIN   0
#define NGX_PAD_STORE_COPY_PUT     1
#define NGX_PAD_STORE_COPY_REV     2
#define NGX_PAD_STORE_COPY_COMMIT  3
#define NGX_PAD_STORE_COPY_ABORT   4

/* bytes of records per copy batch */
#define NGX_PAD_STORE_COPY_BYTES   (1024 * 1024)

ngx_pad_store_req_t *ngx_pad_store_copy_read(ngx_str_t *pad,
    ngx_str_t *hist, ngx_uint_t kind, ngx_int_t from, ngx_int_t to,
    ngx_pad_store_handler_pt handler, void *data);
ngx_pad_store_req_t *ngx_pad_store_copy_step(ngx_str_t *dst,
    ngx_str_t *token, ngx_uint_t mode, ngx_uint_t kind, ngx_str_t *vals,
    ngx_uint_t nvals, ngx_pad_store_handler_pt handler, void *data);
ngx_int_t ngx_pad_store_copy_index(ngx_str_t *dst, ngx_str_t *group,
    ngx_str_t *authors, ngx_uint_t nauthors);


#endif /* _NGX_PAD_STORE_H_INCLUDED_ */
