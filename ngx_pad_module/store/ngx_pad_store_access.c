
/*
 * ngx_pad_module: the store's reads for an access decision
 * (ngx_pad_store.h): whether a pad exists and is public (P{pad}:meta
 * "head", "public") and the sessions of a sessionID list
 * (Psession:{s.X}: "groupID", "authorID", "validUntil"), pipelined on the
 * command connection: one HMGET per key, sent at once, each bounded by
 * pad_redis_command_timeout as every command; the handler runs once,
 * when the last reply arrived.  The keys live in different hash slots,
 * hence commands and not one script.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "store/ngx_pad_store.h"
#include "store/ngx_pad_store_int.h"


typedef struct {
    ngx_pad_store_access_req_t  *req;
    ngx_pad_redis_req_t         *rreq;
    ngx_uint_t                   index;       /* 0: the pad, i + 1: ids[i] */
} ngx_pad_store_access_cmd_t;


struct ngx_pad_store_access_req_s {
    ngx_pad_store_access_pt      handler;
    void                        *data;
    ngx_uint_t                   pending;
    ngx_uint_t                   ncmds;
    ngx_pad_store_access_cmd_t  *cmds;
    ngx_pad_store_access_t       res;
    u_char                       err[128];
};


static void ngx_pad_store_access_reply(void *data, redisReply *reply,
    ngx_str_t *err);
static void ngx_pad_store_access_field(redisReply *r, ngx_str_t *dst,
    u_char *buf, size_t size);
static void ngx_pad_store_access_free(ngx_pad_store_access_req_t *req);


ngx_pad_store_access_req_t *
ngx_pad_store_access(ngx_str_t *pad, ngx_str_t *ids, ngx_uint_t nids,
    ngx_pad_store_access_pt handler, void *data)
{
    u_char                       kb[NGX_PAD_STORE_KEY_MAX];
    size_t                       len[5];
    ngx_str_t                    key, id;
    ngx_uint_t                   i;
    const char                  *argv[5];
    ngx_pad_store_access_req_t  *req;

    if (ngx_pad_redis == NULL || nids > NGX_PAD_STORE_SESSIONS_MAX) {
        return NULL;
    }

    req = ngx_calloc(sizeof(ngx_pad_store_access_req_t)
                     + (nids + 1) * sizeof(ngx_pad_store_access_cmd_t)
                     + nids * sizeof(ngx_pad_store_session_t),
                     ngx_cycle->log);
    if (req == NULL) {
        return NULL;
    }

    req->handler = handler;
    req->data = data;
    req->cmds = (ngx_pad_store_access_cmd_t *) (req + 1);
    req->res.sessions = (ngx_pad_store_session_t *) (req->cmds + nids + 1);
    req->res.nsessions = nids;
    req->res.status = NGX_OK;

    for (i = 0; i <= nids; i++) {

        if (i == 0) {
            if (ngx_pad_store_pad_key(&key, kb, pad, "meta") != NGX_OK) {
                goto failed;
            }

            argv[2] = "head";
            len[2] = 4;
            argv[3] = "public";
            len[3] = 6;

        } else {
            /* Psession:{s.X}: the session id is its own hash tag */

            id = ids[i - 1];

            if (ngx_pad_store_conf_get() == NULL || id.len == 0
                || id.len > NGX_PAD_STORE_ID_MAX)
            {
                goto failed;
            }

            key.data = kb;
            key.len = ngx_sprintf(kb, "%Vsession:{%V}",
                                  &ngx_pad_store_conf_get()->prefix, &id)
                      - kb;

            argv[2] = "groupID";
            len[2] = 7;
            argv[3] = "authorID";
            len[3] = 8;
            argv[4] = "validUntil";
            len[4] = 10;
        }

        argv[0] = "HMGET";
        len[0] = 5;
        argv[1] = (const char *) key.data;
        len[1] = key.len;

        req->cmds[i].req = req;
        req->cmds[i].index = i;
        req->cmds[i].rreq = ngx_pad_redis_command_argv(ngx_pad_redis,
                                ngx_pad_store_access_reply, &req->cmds[i],
                                i == 0 ? 4 : 5, argv, len);

        if (req->cmds[i].rreq == NULL) {
            goto failed;
        }

        req->ncmds++;
        req->pending++;
    }

    return req;

failed:

    ngx_pad_store_access_cancel(req);
    return NULL;
}


void
ngx_pad_store_access_cancel(ngx_pad_store_access_req_t *req)
{
    ngx_uint_t  i;

    if (req == NULL) {
        return;
    }

    for (i = 0; i < req->ncmds; i++) {
        ngx_pad_redis_cancel(req->cmds[i].rreq);
    }

    ngx_pad_store_access_free(req);
}


static void
ngx_pad_store_access_reply(void *data, redisReply *reply, ngx_str_t *err)
{
    ngx_pad_store_access_cmd_t  *cmd = data;

    ngx_pad_store_session_t     *s;
    ngx_pad_store_access_req_t  *req;

    req = cmd->req;
    cmd->rreq = NULL;

    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY
        || reply->elements != (cmd->index == 0 ? 2 : 3))
    {
        if (req->res.status == NGX_OK) {
            req->res.status = NGX_ERROR;
            req->res.err.data = req->err;

            if (reply == NULL) {
                req->res.err.len = ngx_snprintf(req->err, sizeof(req->err),
                                                "%V", err)
                                   - req->err;

            } else if (reply->type == REDIS_REPLY_ERROR) {
                req->res.err.len = ngx_snprintf(req->err, sizeof(req->err),
                                                "%*s", reply->len,
                                                reply->str)
                                   - req->err;

            } else {
                req->res.err.len = ngx_sprintf(req->err,
                                               "unexpected redis reply")
                                   - req->err;
            }
        }

    } else if (cmd->index == 0) {
        req->res.exists = reply->element[0]->type == REDIS_REPLY_STRING;
        req->res.public = reply->element[1]->type == REDIS_REPLY_STRING
                          && ((reply->element[1]->len == 1
                               && reply->element[1]->str[0] == '1')
                              || (reply->element[1]->len == 4
                                  && ngx_strncmp(reply->element[1]->str,
                                                 "true", 4) == 0));

    } else {
        s = &req->res.sessions[cmd->index - 1];

        ngx_pad_store_access_field(reply->element[0], &s->group, s->gbuf,
                                   sizeof(s->gbuf));
        ngx_pad_store_access_field(reply->element[1], &s->author, s->abuf,
                                   sizeof(s->abuf));
        ngx_pad_store_access_field(reply->element[2], &s->valid_until,
                                   s->vbuf, sizeof(s->vbuf));
    }

    if (--req->pending) {
        return;
    }

    req->handler(req->data, &req->res);

    ngx_pad_store_access_free(req);
}


/* a field copied, "" when missing or longer than the buffer */

static void
ngx_pad_store_access_field(redisReply *r, ngx_str_t *dst, u_char *buf,
    size_t size)
{
    dst->data = buf;
    dst->len = 0;

    if (r->type == REDIS_REPLY_STRING && r->len <= size) {
        dst->len = ngx_cpymem(buf, r->str, r->len) - buf;
    }
}


static void
ngx_pad_store_access_free(ngx_pad_store_access_req_t *req)
{
    ngx_free(req);
}
