
/*
 * Etherpad pad messages: the builders of what the server sends.
 */


#ifndef _NGX_PAD_MSG_BUILD_H_INCLUDED_
#define _NGX_PAD_MSG_BUILD_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "easysync/ngx_pad_cs.h"


#define NGX_PAD_MSG_PALETTE_SIZE  64


/* the palette of AuthorManager.getColorPalette() */
extern const char  *ngx_pad_msg_palette[NGX_PAD_MSG_PALETTE_SIZE];


/* server messages; all return a new reference or NULL (no memory) */

/* ["message", data] */
json_t *ngx_pad_msg_event(json_t *data);
/* {"type":"COLLABROOM","data":inner}, steals inner */
json_t *ngx_pad_msg_collab(json_t *inner);
/* {"disconnect": reason} */
json_t *ngx_pad_msg_disconnect(const char *reason);
/* {"accessStatus":"deny"} */
json_t *ngx_pad_msg_deny(void);
/* COLLABROOM ACCEPT_COMMIT */
json_t *ngx_pad_msg_accept_commit(int64_t new_rev);


/*
 * The fields of one revision as sent to clients (NEW_CHANGES without
 * "type", which is also one item of NEW_CHANGES_BATCH):
 *   {"newRev":..,"changeset":..,"apool":..,"author":..,
 *    "currentTime":..,"timeDelta":..}
 * wire_cs and wire_pool come from prepareForWire; time_delta < 0 with
 * has_delta 0 gives null.  Returns a malloc()ed compact JSON string
 * (free()), NULL on failure.
 */
char *ngx_pad_msg_rev_item(int64_t new_rev, const ngx_pad_str_t *wire_cs,
    ngx_pad_pool_t *wire_pool, const ngx_pad_str_t *author,
    int64_t current_time, int64_t time_delta, int has_delta);

/*
 * Packets around items (whole Engine.IO packets "42[...]"), written to
 * buf, which must hold the returned size; pass buf NULL to get the size.
 */
size_t ngx_pad_msg_new_changes_packet(unsigned char *buf, const char *item,
    size_t item_len);
size_t ngx_pad_msg_batch_packet(unsigned char *buf, const char **items,
    const size_t *lens, size_t n);


/* user information */

typedef struct {
    ngx_pad_str_t   author;
    ngx_pad_str_t   name;          /* len 0 and has_name 0: null */
    int             has_name;
    ngx_pad_str_t   color;         /* "#rrggbb" when color_index < 0 */
    int64_t         color_index;   /* palette index, or -1 */
} ngx_pad_msg_user_t;

json_t *ngx_pad_msg_user_json(const ngx_pad_msg_user_t *u);
/* COLLABROOM USER_NEWINFO / USER_LEAVE */
json_t *ngx_pad_msg_user_newinfo(const ngx_pad_msg_user_t *u);
json_t *ngx_pad_msg_user_leave(const ngx_pad_msg_user_t *u);


/* CLIENT_VARS (§3.4) */

typedef struct {
    ngx_pad_str_t        pad_id;         /* as asked (maybe r.) */
    ngx_pad_str_t        readonly_id;
    int                  readonly;
    ngx_pad_msg_user_t   user;
    ngx_pad_atext_t      atext;          /* wire attribs */
    ngx_pad_pool_t      *wire_pool;
    int64_t              rev;
    int64_t              time;           /* of rev */
    int64_t              server_time;
    int64_t              chat_head;
    int64_t              connected;      /* numConnectedUsers */
    json_t              *authors;        /* historicalAuthorData, borrowed */
    json_t              *site;           /* site settings, borrowed, or NULL */
    json_t              *saved;          /* savedRevisions, borrowed or NULL */
    const char          *client_ip;
} ngx_pad_msg_vars_t;

/* {"type":"CLIENT_VARS","data":{...}} */
json_t *ngx_pad_msg_client_vars(const ngx_pad_msg_vars_t *v);


#endif /* _NGX_PAD_MSG_BUILD_H_INCLUDED_ */
