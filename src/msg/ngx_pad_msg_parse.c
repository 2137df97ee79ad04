
/*
 * Etherpad pad messages: parsing Etherpad's client messages (the second
 * element of 42["message", M]).
 */


#include <string.h>

#include "msg/ngx_pad_msg_json.h"
#include "msg/ngx_pad_msg_parse.h"
#include "msg/ngx_pad_msg_valid.h"


static int
ngx_pad_msg_parse_user_info(json_t *ui, ngx_pad_msg_t *out, int need_color,
    const char **err)
{
    json_t  *v;

    if (!json_is_object(ui)) {
        if (need_color) {
            *err = "userInfo is not an object";
            return -1;
        }

        return 0;
    }

    v = json_object_get(ui, "colorId");

    if (json_is_string(v)) {
        out->color.data = json_string_value(v);
        out->color.len = json_string_length(v);

        if (ngx_pad_msg_color_valid(&out->color)) {
            out->has_color = 1;
        }
    }

    if (need_color && !out->has_color) {
        *err = "invalid colorId in USERINFO_UPDATE";
        return -1;
    }

    v = json_object_get(ui, "name");

    if (json_is_string(v) && json_string_length(v) > 0) {
        out->name.data = json_string_value(v);
        out->name.len = json_string_length(v);

        if (out->name.len > NGX_PAD_MSG_NAME_MAX) {
            *err = "user name too long";
            return -1;
        }

        out->has_name = 1;
    }

    return 0;
}


static int
ngx_pad_msg_parse_collab(json_t *d, ngx_pad_msg_t *out, const char **err)
{
    json_t        *v;
    ngx_pad_str_t  t;

    if (!json_is_object(d) || ngx_pad_msg_get_str(d, "type", &t) != 0) {
        *err = "COLLABROOM message without data.type";
        return -1;
    }

    out->type_name = json_string_value(json_object_get(d, "type"));

    if (ngx_pad_msg_is(&t, "USER_CHANGES")) {
        out->type = NGX_PAD_MSG_USER_CHANGES;

        if (ngx_pad_msg_get_int(d, "baseRev", &out->base_rev) != 0) {
            *err = "baseRev is not an integer";
            return -1;
        }

        if (ngx_pad_msg_get_str(d, "changeset", &out->changeset) != 0) {
            *err = "changeset is not a string";
            return -1;
        }

        out->apool = json_object_get(d, "apool");

        if (!json_is_object(out->apool)) {
            *err = "apool is not an object";
            return -1;
        }

        return 0;
    }

    if (ngx_pad_msg_is(&t, "USERINFO_UPDATE")) {
        out->type = NGX_PAD_MSG_USERINFO_UPDATE;
        return ngx_pad_msg_parse_user_info(json_object_get(d, "userInfo"),
                                           out, 1, err);
    }

    if (ngx_pad_msg_is(&t, "CHAT_MESSAGE")) {
        out->type = NGX_PAD_MSG_CHAT_MESSAGE;

        v = json_object_get(d, "message");

        if (ngx_pad_msg_get_str(json_is_object(v) ? v : d, "text",
                                &out->text)
            != 0)
        {
            *err = "chat message without text";
            return -1;
        }

        if (out->text.len > NGX_PAD_MSG_CHAT_MAX) {
            *err = "chat message too long";
            return -1;
        }

        return 0;
    }

    if (ngx_pad_msg_is(&t, "GET_CHAT_MESSAGES")) {
        out->type = NGX_PAD_MSG_GET_CHAT_MESSAGES;

        if (ngx_pad_msg_get_int(d, "start", &out->start) != 0
            || ngx_pad_msg_get_int(d, "end", &out->end) != 0
            || out->start < 0 || out->end < out->start
            || out->end - out->start > 100)
        {
            *err = "invalid GET_CHAT_MESSAGES range";
            return -1;
        }

        return 0;
    }

    if (ngx_pad_msg_is(&t, "SAVE_REVISION")) {
        out->type = NGX_PAD_MSG_SAVE_REVISION;
        return 0;
    }

    if (ngx_pad_msg_is(&t, "CLIENT_MESSAGE")) {
        out->type = NGX_PAD_MSG_CLIENT_MESSAGE;
        return 0;
    }

    if (ngx_pad_msg_is(&t, "PAD_DELETE")) {
        out->type = NGX_PAD_MSG_PAD_DELETE;
        return 0;
    }

    out->type = NGX_PAD_MSG_UNKNOWN;

    return 0;
}


int
ngx_pad_msg_parse(json_t *m, ngx_pad_msg_t *out, const char **err)
{
    json_t        *v, *d;
    ngx_pad_str_t  t;

    memset(out, 0, sizeof(ngx_pad_msg_t));
    out->client_rev = -1;
    out->type_name = "?";

    if (!json_is_object(m)) {
        *err = "message is not an object";
        return -1;
    }

    if (ngx_pad_msg_get_str(m, "component", &t) != 0
        || !ngx_pad_msg_is(&t, "pad"))
    {
        *err = "message component is not \"pad\"";
        return -1;
    }

    if (ngx_pad_msg_get_str(m, "type", &t) != 0) {
        *err = "message without type";
        return -1;
    }

    out->type_name = json_string_value(json_object_get(m, "type"));

    if (ngx_pad_msg_is(&t, "COLLABROOM")) {
        return ngx_pad_msg_parse_collab(json_object_get(m, "data"), out, err);
    }

    if (ngx_pad_msg_is(&t, "CLIENT_READY")) {
        out->type = NGX_PAD_MSG_CLIENT_READY;

        if (ngx_pad_msg_get_str(m, "padId", &out->pad_id) != 0) {
            *err = "CLIENT_READY without padId";
            return -1;
        }

        (void) ngx_pad_msg_get_str(m, "token", &out->token);
        (void) ngx_pad_msg_get_str(m, "sessionID", &out->session_id);

        if (ngx_pad_msg_parse_user_info(json_object_get(m, "userInfo"), out,
                                        0, err)
            != 0)
        {
            return -1;
        }

        out->reconnect = json_is_true(json_object_get(m, "reconnect"));

        if (out->reconnect) {
            if (ngx_pad_msg_get_int(m, "client_rev", &out->client_rev) != 0
                || out->client_rev < 0)
            {
                *err = "reconnect without a valid client_rev";
                return -1;
            }
        }

        out->batch = json_is_true(json_object_get(m, "newChangesBatch"));
        out->timeslider = json_is_object(json_object_get(m, "data"));

        return 0;
    }

    if (ngx_pad_msg_is(&t, "CHANGESET_REQ")) {
        out->type = NGX_PAD_MSG_CHANGESET_REQ;

        d = json_object_get(m, "data");

        if (!json_is_object(d)
            || ngx_pad_msg_get_coerced(d, "start", &out->start) != 0
            || ngx_pad_msg_get_coerced(d, "granularity", &out->granularity)
               != 0
            || out->start < 0 || out->granularity < 1
            || out->granularity > 1000000)
        {
            *err = "invalid CHANGESET_REQ";
            return -1;
        }

        v = json_object_get(d, "requestID");
        out->request_id = v;

        return 0;
    }

    out->type = NGX_PAD_MSG_UNKNOWN;

    return 0;
}
