
/*
 * Etherpad pad messages: Etherpad's client messages, parsed.
 */


#ifndef _NGX_PAD_MSG_PARSE_H_INCLUDED_
#define _NGX_PAD_MSG_PARSE_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "easysync/ngx_pad_cs.h"


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
    ngx_pad_str_t        session_id;    /* sessionID (2.x); len 0: absent */
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


#endif /* _NGX_PAD_MSG_PARSE_H_INCLUDED_ */
