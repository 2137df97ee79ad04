
/*
 * ngx_pad_module: groups, authors, sessions and public pads in Redis
 * (ngx_pad_store_group.c), for the HTTP API; docs/operators/redis.md
 * documents the keys and the order of the writes that span hash slots.
 *
 * Ids are "g.", "a." or "s." and 16 characters of [a-zA-Z0-9], as
 * Etherpad's randomString() makes them.  The calls follow ngx_pad_store.h:
 * a request handle or NULL, the handler called once from the event loop.
 * Lists (res->items) leave out entries whose record is gone.
 */


#ifndef _NGX_PAD_STORE_GROUP_H_INCLUDED_
#define _NGX_PAD_STORE_GROUP_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "store/ngx_pad_store.h"


/* what ngx_pad_store_exists() and ngx_pad_store_sessions_of() look at */
typedef enum {
    NGX_PAD_STORE_OF_GROUP = 0,
    NGX_PAD_STORE_OF_AUTHOR,
    NGX_PAD_STORE_OF_SESSION
} ngx_pad_store_of_e;


/* NGX_OK: it exists, NGX_DECLINED: not */
ngx_pad_store_req_t *ngx_pad_store_exists(ngx_uint_t of, ngx_str_t *id,
    ngx_pad_store_handler_pt handler, void *data);

/* a new author (name NULL: none), colour a palette index: res->value */
ngx_pad_store_req_t *ngx_pad_store_author_create(ngx_str_t *name,
    ngx_pad_store_handler_pt handler, void *data);

/*
 * The author of a mapper, created when it has none; its name set when
 * name is not NULL: res->value, res->created.
 */
ngx_pad_store_req_t *ngx_pad_store_author_for_mapper(ngx_str_t *mapper,
    ngx_str_t *name, ngx_pad_store_handler_pt handler, void *data);

/* the pads an author edited: NGX_DECLINED no author; res->items */
ngx_pad_store_req_t *ngx_pad_store_author_pads(ngx_str_t *author,
    ngx_pad_store_handler_pt handler, void *data);

/* a new group: res->value */
ngx_pad_store_req_t *ngx_pad_store_group_create(
    ngx_pad_store_handler_pt handler, void *data);

/* the group of a mapper, created when it has none: res->value, created */
ngx_pad_store_req_t *ngx_pad_store_group_for_mapper(ngx_str_t *mapper,
    ngx_pad_store_handler_pt handler, void *data);

/* every group: res->items */
ngx_pad_store_req_t *ngx_pad_store_group_list(
    ngx_pad_store_handler_pt handler, void *data);

/* a group's pads: NGX_DECLINED no group; res->items */
ngx_pad_store_req_t *ngx_pad_store_group_pads(ngx_str_t *group,
    ngx_pad_store_handler_pt handler, void *data);

/*
 * Deletes a group (its pads deleted before by the caller): its sessions,
 * its mapping, its record, its entry in the groups; NGX_DECLINED: none.
 */
ngx_pad_store_req_t *ngx_pad_store_group_delete(ngx_str_t *group,
    ngx_pad_store_handler_pt handler, void *data);

/*
 * A new session (validUntil: decimal seconds): res->value;
 * NGX_DECLINED: the group or the author went meanwhile.
 */
ngx_pad_store_req_t *ngx_pad_store_session_create(ngx_str_t *group,
    ngx_str_t *author, ngx_str_t *valid_until,
    ngx_pad_store_handler_pt handler, void *data);

/* res->items groupID, authorID, validUntil; NGX_DECLINED: none */
ngx_pad_store_req_t *ngx_pad_store_session_get(ngx_str_t *session,
    ngx_pad_store_handler_pt handler, void *data);

/* NGX_DECLINED: none */
ngx_pad_store_req_t *ngx_pad_store_session_delete(ngx_str_t *session,
    ngx_pad_store_handler_pt handler, void *data);

/*
 * The sessions of a group or an author: NGX_DECLINED no such one;
 * res->items sessionID, groupID, authorID, validUntil for each;
 * res->created 1 when it has ever had a session.
 */
ngx_pad_store_req_t *ngx_pad_store_sessions_of(ngx_uint_t of, ngx_str_t *id,
    ngx_pad_store_handler_pt handler, void *data);

/*
 * A pad's public status; set: "1", "0", or NULL (read only):
 * NGX_DECLINED no pad, else res->created the status.
 */
ngx_pad_store_req_t *ngx_pad_store_public(ngx_str_t *pad, ngx_str_t *set,
    ngx_pad_store_handler_pt handler, void *data);


#endif /* _NGX_PAD_STORE_GROUP_H_INCLUDED_ */
