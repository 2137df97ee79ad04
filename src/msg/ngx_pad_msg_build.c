
/*
 * Etherpad pad messages: the builders of what the server sends
 * (CLIENT_VARS, NEW_CHANGES(_BATCH), ACCEPT_COMMIT, user information,
 * disconnects; reference §3).
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg/ngx_pad_msg_build.h"
#include "msg/ngx_pad_msg_json.h"
#include "msg/ngx_pad_msg_pool.h"


const char  *ngx_pad_msg_palette[NGX_PAD_MSG_PALETTE_SIZE] = {
    "#ffc7c7", "#fff1c7", "#e3ffc7", "#c7ffd5", "#c7ffff", "#c7d5ff",
    "#e3c7ff", "#ffc7f1", "#ffa8a8", "#ffe699", "#cfff9e", "#99ffb3",
    "#a3ffff", "#99b3ff", "#cc99ff", "#ff99e5", "#e7b1b1", "#e9dcAf",
    "#cde9af", "#bfedcc", "#b1e7e7", "#c3cdee", "#d2b8ea", "#eec3e6",
    "#e9cece", "#e7e0ca", "#d3e5c7", "#bce1c5", "#c1e2e2", "#c1c9e2",
    "#cfc1e2", "#e0bdd9", "#baded3", "#a0f8eb", "#b1e7e0", "#c3c8e4",
    "#cec5e2", "#b1d5e7", "#cda8f0", "#f0f0a8", "#f2f2a6", "#f5a8eb",
    "#c5f9a9", "#ececbb", "#e7c4bc", "#daf0b2", "#b0a0fd", "#bce2e7",
    "#cce2bb", "#ec9afe", "#edabbd", "#aeaeea", "#c4e7b1", "#d722bb",
    "#f3a5e7", "#ffa8a8", "#d8c0c5", "#eaaedd", "#adc6eb", "#bedad1",
    "#dee9af", "#e9afc2", "#f8d2a0", "#b3b3e6"
};


static const char  ngx_pad_msg_cv_prefix[] =
    "42[\"message\",{\"type\":\"COLLABROOM\",\"data\":"
    "{\"type\":\"NEW_CHANGES\",";
static const char  ngx_pad_msg_batch_prefix[] =
    "42[\"message\",{\"type\":\"COLLABROOM\",\"data\":"
    "{\"type\":\"NEW_CHANGES_BATCH\",\"changes\":[";


json_t *
ngx_pad_msg_event(json_t *data)
{
    return json_pack("[so]", "message", data);
}


json_t *
ngx_pad_msg_collab(json_t *inner)
{
    return json_pack("{s:s,s:o}", "type", "COLLABROOM", "data", inner);
}


json_t *
ngx_pad_msg_disconnect(const char *reason)
{
    return json_pack("{s:s}", "disconnect", reason);
}


json_t *
ngx_pad_msg_deny(void)
{
    return json_pack("{s:s}", "accessStatus", "deny");
}


json_t *
ngx_pad_msg_accept_commit(int64_t new_rev)
{
    return ngx_pad_msg_collab(json_pack("{s:s,s:I}", "type", "ACCEPT_COMMIT",
                                        "newRev", (json_int_t) new_rev));
}


char *
ngx_pad_msg_rev_item(int64_t new_rev, const ngx_pad_str_t *wire_cs,
    ngx_pad_pool_t *wire_pool, const ngx_pad_str_t *author,
    int64_t current_time, int64_t time_delta, int has_delta)
{
    char    *s;
    json_t  *o;

    o = json_pack("{s:I,s:s%,s:o,s:s%,s:I,s:o}",
                  "newRev", (json_int_t) new_rev,
                  "changeset", wire_cs->data, wire_cs->len,
                  "apool", ngx_pad_msg_pool_to_json(wire_pool),
                  "author", author->data ? author->data : "", author->len,
                  "currentTime", (json_int_t) current_time,
                  "timeDelta", has_delta ? json_integer(time_delta)
                                         : json_null());
    if (o == NULL) {
        return NULL;
    }

    s = json_dumps(o, JSON_COMPACT|JSON_PRESERVE_ORDER);

    json_decref(o);

    return s;
}


size_t
ngx_pad_msg_new_changes_packet(unsigned char *buf, const char *item,
    size_t item_len)
{
    size_t  pl, n;

    /* item is "{...}": drop its "{" and close with "}}]" */

    pl = sizeof(ngx_pad_msg_cv_prefix) - 1;
    n = pl + (item_len - 1) + 2;

    if (buf == NULL) {
        return n;
    }

    memcpy(buf, ngx_pad_msg_cv_prefix, pl);
    memcpy(buf + pl, item + 1, item_len - 1);
    memcpy(buf + pl + item_len - 1, "}]", 2);

    return n;
}


size_t
ngx_pad_msg_batch_packet(unsigned char *buf, const char **items,
    const size_t *lens, size_t n)
{
    size_t          i, size;
    unsigned char  *p;

    size = sizeof(ngx_pad_msg_batch_prefix) - 1 + 4;

    for (i = 0; i < n; i++) {
        size += lens[i] + (i ? 1 : 0);
    }

    if (buf == NULL) {
        return size;
    }

    p = buf;
    memcpy(p, ngx_pad_msg_batch_prefix, sizeof(ngx_pad_msg_batch_prefix) - 1);
    p += sizeof(ngx_pad_msg_batch_prefix) - 1;

    for (i = 0; i < n; i++) {
        if (i) {
            *p++ = ',';
        }

        memcpy(p, items[i], lens[i]);
        p += lens[i];
    }

    memcpy(p, "]}}]", 4);

    return size;
}


/* users */

json_t *
ngx_pad_msg_user_json(const ngx_pad_msg_user_t *u)
{
    json_t  *color, *name;

    color = (u->color_index >= 0) ? json_integer(u->color_index)
                                  : ngx_pad_msg_string(&u->color);
    name = u->has_name ? ngx_pad_msg_string(&u->name) : json_null();

    return json_pack("{s:o,s:o,s:s%}", "colorId", color, "name", name,
                     "userId", u->author.data ? u->author.data : "",
                     u->author.len);
}


json_t *
ngx_pad_msg_user_newinfo(const ngx_pad_msg_user_t *u)
{
    return ngx_pad_msg_collab(json_pack("{s:s,s:o}", "type", "USER_NEWINFO",
                                        "userInfo", ngx_pad_msg_user_json(u)));
}


json_t *
ngx_pad_msg_user_leave(const ngx_pad_msg_user_t *u)
{
    json_t  *color;

    color = (u->color_index >= 0) ? json_integer(u->color_index)
                                  : ngx_pad_msg_string(&u->color);

    return ngx_pad_msg_collab(
        json_pack("{s:s,s:{s:o,s:s%}}", "type", "USER_LEAVE",
                  "userInfo", "colorId", color, "userId",
                  u->author.data ? u->author.data : "", u->author.len));
}


/* CLIENT_VARS */

/*
 * Site settings over the defaults: a value that is an object where the
 * default is an object too is merged into it key by key (recursively), so
 * that a site file with "padOptions": {"showChat": false} keeps every other
 * pad option; the browser reads nested keys such as padOptions.* and
 * scrollWhenFocusLineIsOutOfViewport.percentage.* without checking them.
 * Any other value replaces the default.
 */

static int
ngx_pad_msg_merge_site(json_t *dst, json_t *site)
{
    const char  *key;
    json_t      *sv, *dv, *copy;

    json_object_foreach(site, key, sv) {
        dv = json_object_get(dst, key);

        if (dv && json_is_object(dv) && json_is_object(sv)) {
            copy = json_deep_copy(dv);
            if (copy == NULL) {
                return -1;
            }

            if (ngx_pad_msg_merge_site(copy, sv) != 0) {
                json_decref(copy);
                return -1;
            }

            /* json_object_set_new() releases copy on failure */

            if (json_object_set_new(dst, key, copy) != 0) {
                return -1;
            }

            continue;
        }

        if (json_object_set(dst, key, sv) != 0) {
            return -1;
        }
    }

    return 0;
}


static json_t *
ngx_pad_msg_vars_defaults(void)
{
    size_t   i;
    json_t  *pal, *o;

    pal = json_array();
    if (pal == NULL) {
        return NULL;
    }

    for (i = 0; i < NGX_PAD_MSG_PALETTE_SIZE; i++) {
        json_array_append_new(pal, json_string(ngx_pad_msg_palette[i]));
    }

    o = json_pack(
        "{s:s,s:s,s:s,s:{s:i},s:b,s:i,s:[],s:{},s:[],s:o,"
        "s:{s:b,s:b,s:b,s:b,s:b,s:n,s:n,s:b,s:b,s:b,s:n},"
        "s:{s:b,s:b,s:b,s:b,s:b,s:b,s:b,s:b,s:b,s:b,s:b,s:b,s:b,s:b,s:b,"
        "s:b,s:b,s:b,s:b,s:b,s:b,s:b},"
        "s:{},s:i,s:s,s:s,s:s,s:{s:{},s:[]},s:b,"
        "s:{s:{s:i,s:i},s:i,s:b,s:i},s:[],s:s}",
        "skinName", "colibris",
        "skinVariants",
            "super-light-toolbar super-light-editor light-background",
        "randomVersionString", "ngxpad01",
        "accountPrivs", "maxRevisions", 100,
        "enableDarkMode", 1,
        "automaticReconnectionTimeout", 0,
        "initialRevisionList",
        "initialOptions",
        "savedRevisions",
        "colorPalette", pal,
        "padOptions",
            "noColors", 0, "showControls", 1, "showChat", 1,
            "showLineNumbers", 1, "useMonospaceFont", 0, "userName",
            "userColor", "rtl", 0, "alwaysShowChat", 0, "chatAndUsers", 0,
            "lang",
        "padShortcutEnabled",
            "altF9", 1, "altC", 1, "cmdShift2", 1, "delete", 1, "return", 1,
            "esc", 1, "cmdS", 1, "tab", 1, "cmdZ", 1, "cmdY", 1, "cmdI", 1,
            "cmdB", 1, "cmdU", 1, "cmd5", 1, "cmdShiftL", 1, "cmdShiftN", 1,
            "cmdShift1", 1, "cmdShiftC", 1, "cmdH", 1, "ctrlHome", 1,
            "pageUp", 1, "pageDown", 1,
        "opts",
        "sessionRefreshInterval", 0,
        "abiwordAvailable", "no",
        "sofficeAvailable", "no",
        "exportAvailable", "no",
        "plugins", "plugins", "parts",
        "indentationOnNewLine", 1,
        "scrollWhenFocusLineIsOutOfViewport",
            "percentage", "editionAboveViewport", 0, "editionBelowViewport", 0,
            "duration", 0,
            "scrollWhenCaretIsInTheLastLineOfViewport", 0,
            "percentageToScrollWhenUserPressesArrowUp", 0,
        "initialChangesets",
        "mode", "production");

    return o;
}


json_t *
ngx_pad_msg_client_vars(const ngx_pad_msg_vars_t *v)
{
    char    title[128];
    json_t  *d, *ccv, *color, *apool;

    d = ngx_pad_msg_vars_defaults();
    if (d == NULL) {
        return NULL;
    }

    if (v->site && json_is_object(v->site)) {
        if (ngx_pad_msg_merge_site(d, v->site) != 0) {
            goto failed;
        }
    }

    apool = ngx_pad_msg_pool_to_json(v->wire_pool);
    if (apool == NULL) {
        goto failed;
    }

    ccv = json_pack("{s:{s:s%,s:s%},s:s,s:s%,s:o,s:o,s:I,s:I}",
                    "initialAttributedText",
                        "text", v->atext.text.data, v->atext.text.len,
                        "attribs", v->atext.attribs.data,
                        v->atext.attribs.len,
                    "clientIp", v->client_ip ? v->client_ip : "127.0.0.1",
                    "padId", v->pad_id.data, v->pad_id.len,
                    "historicalAuthorData",
                        v->authors ? json_incref(v->authors) : json_object(),
                    "apool", apool,
                    "rev", (json_int_t) v->rev,
                    "time", (json_int_t) v->time);
    if (ccv == NULL) {
        goto failed;
    }

    if (json_object_set_new(d, "collab_client_vars", ccv) != 0) {
        goto failed;
    }

    color = (v->user.color_index >= 0) ? json_integer(v->user.color_index)
                                       : ngx_pad_msg_string(&v->user.color);

    snprintf(title, sizeof(title), "Pad: %.*s",
             (int) (v->pad_id.len > 100 ? 100 : v->pad_id.len),
             v->pad_id.data);

    if (json_object_set_new(d, "clientIp", json_string(
            v->client_ip ? v->client_ip : "127.0.0.1")) != 0
        || json_object_set_new(d, "userColor", color) != 0
        || json_object_set_new(d, "padId", ngx_pad_msg_string(&v->pad_id))
           != 0
        || json_object_set_new(d, "initialTitle", json_string(title)) != 0
        || json_object_set_new(d, "chatHead", json_integer(v->chat_head))
           != 0
        || json_object_set_new(d, "numConnectedUsers",
                               json_integer(v->connected)) != 0
        || json_object_set_new(d, "readOnlyId",
                               ngx_pad_msg_string(&v->readonly_id)) != 0
        || json_object_set_new(d, "readonly", json_boolean(v->readonly))
           != 0
        || json_object_set_new(d, "serverTimestamp",
                               json_integer(v->server_time)) != 0
        || json_object_set_new(d, "userId",
                               ngx_pad_msg_string(&v->user.author)) != 0)
    {
        goto failed;
    }

    if (v->user.has_name) {
        if (json_object_set_new(d, "userName",
                                ngx_pad_msg_string(&v->user.name)) != 0)
        {
            goto failed;
        }
    }

    if (v->saved && json_object_set(d, "savedRevisions", v->saved) != 0) {
        goto failed;
    }

    return json_pack("{s:s,s:o}", "type", "CLIENT_VARS", "data", d);

failed:

    json_decref(d);

    return NULL;
}
