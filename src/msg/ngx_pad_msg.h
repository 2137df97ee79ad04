
/*
 * Etherpad pad messages: pure parsing and validation of what clients
 * send, and builders of what the server sends (reference §3).
 *
 * No nginx headers: jansson and the Easysync pool only, so that this file
 * has its own unit tests (t/unit/pad_msg_test.c).  Strings are UTF-8
 * byte ranges (ngx_pad_str_t) unless said otherwise.
 */


#ifndef _NGX_PAD_MSG_H_INCLUDED_
#define _NGX_PAD_MSG_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "easysync/ngx_pad_cs.h"


#define NGX_PAD_MSG_PALETTE_SIZE  64
#define NGX_PAD_MSG_PADID_MAX     50     /* UTF-16 units, §8 */
#define NGX_PAD_MSG_TOKEN_MAX     256
#define NGX_PAD_MSG_NAME_MAX      256    /* bytes of a user name kept */
#define NGX_PAD_MSG_CHAT_MAX      65536  /* bytes of a chat text */


typedef enum {
    NGX_PAD_MSG_INVALID = 0,
    NGX_PAD_MSG_CLIENT_READY,
    NGX_PAD_MSG_CHANGESET_REQ,
    NGX_PAD_MSG_USER_CHANGES,
    NGX_PAD_MSG_USERINFO_UPDATE,
    NGX_PAD_MSG_CHAT_MESSAGE,
    NGX_PAD_MSG_GET_CHAT_MESSAGES,
    NGX_PAD_MSG_SAVE_REVISION,
    NGX_PAD_MSG_CLIENT_MESSAGE,
    NGX_PAD_MSG_PAD_DELETE,
    NGX_PAD_MSG_UNKNOWN
} ngx_pad_msg_type_e;


/*
 * A parsed client message.  Every pointer borrows from the json_t that
 * was parsed; keep that alive while using it.
 */
typedef struct {
    ngx_pad_msg_type_e   type;
    const char          *type_name;     /* for logs */

    /* CLIENT_READY */
    ngx_pad_str_t        pad_id;
    ngx_pad_str_t        token;         /* len 0: absent */
    ngx_pad_str_t        name;          /* userInfo.name; len 0: absent */
    ngx_pad_str_t        color;         /* userInfo.colorId if valid */
    unsigned             has_name:1;
    unsigned             has_color:1;
    unsigned             reconnect:1;
    unsigned             batch:1;       /* newChangesBatch opt-in */
    unsigned             timeslider:1;  /* CLIENT_READY with "data" */
    int64_t              client_rev;    /* -1: absent */

    /* USER_CHANGES */
    int64_t              base_rev;
    ngx_pad_str_t        changeset;
    json_t              *apool;         /* borrowed */

    /* USERINFO_UPDATE (name, color, has_* above) */

    /* CHAT_MESSAGE */
    ngx_pad_str_t        text;

    /* GET_CHAT_MESSAGES, CHANGESET_REQ */
    int64_t              start;
    int64_t              end;
    int64_t              granularity;
    json_t              *request_id;    /* borrowed, echoed back */
} ngx_pad_msg_t;


/*
 * Parses the second element of 42["message", M].  Returns 0, or -1 with
 * *err set to a static reason (the message is then refused as Etherpad
 * does: logged and, if the client asked for one, answered in the ack).
 * An unknown COLLABROOM type gives 0 and type NGX_PAD_MSG_UNKNOWN.
 */
int ngx_pad_msg_parse(json_t *m, ngx_pad_msg_t *out, const char **err);


/* validation (§3.2, §8) */

/* t.<base64url with valid padding>, at most NGX_PAD_MSG_TOKEN_MAX bytes */
int ngx_pad_msg_token_valid(const ngx_pad_str_t *s);
/* #rgb or #rrggbb, case-insensitive */
int ngx_pad_msg_color_valid(const ngx_pad_str_t *s);
/* Etherpad's isValidPadId: (g.[a-zA-Z0-9]{16}$)?[^$]{1,50}, UTF-16 units */
int ngx_pad_msg_padid_etherpad_valid(const ngx_pad_str_t *s);
/* that, valid UTF-8 and no control characters */
int ngx_pad_msg_padid_valid(const ngx_pad_str_t *s);
/*
 * sanitizePadId for a new pad: runs of white space (JavaScript's \s,
 * Unicode spaces included) and then runs of ':' become one '_' each.
 * out must hold s->len bytes; returns the new length.
 */
size_t ngx_pad_msg_padid_sanitize(const ngx_pad_str_t *s, char *out);
/* r.<32 hex> */
int ngx_pad_msg_is_readonly_id(const ngx_pad_str_t *s);


/* the palette of AuthorManager.getColorPalette() */
extern const char  *ngx_pad_msg_palette[NGX_PAD_MSG_PALETTE_SIZE];


/* attribute pools in their JSON form (toJsonable / fromJsonable) */

/* {"numToAttrib":{...},"nextNum":N}; NULL on allocation failure */
json_t *ngx_pad_msg_pool_to_json(ngx_pad_pool_t *pool);
/*
 * Fills an empty pool; -1 on a malformed pool or a number >= max_num
 * (bounds what a client's pool may allocate).
 */
int ngx_pad_msg_pool_from_json(json_t *j, ngx_pad_pool_t *pool,
    intptr_t max_num);


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
    json_t              *saved;          /* savedRevisions, borrowed, or NULL */
    const char          *client_ip;
} ngx_pad_msg_vars_t;

/* {"type":"CLIENT_VARS","data":{...}} */
json_t *ngx_pad_msg_client_vars(const ngx_pad_msg_vars_t *v);


/* helpers */

json_t *ngx_pad_msg_string(const ngx_pad_str_t *s);
/* a JSON string member as ngx_pad_str_t; -1 if absent or not a string */
int ngx_pad_msg_get_str(json_t *obj, const char *key, ngx_pad_str_t *out);


#endif /* _NGX_PAD_MSG_H_INCLUDED_ */
