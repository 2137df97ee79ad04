/*
 * pad-migrate's Redis source: ueberDB's redis driver keeps every record as
 * a plain string key holding JSON, and each two-part key "<a>:<b>" also in
 * the set "ueberDB:keys:<a>" (its findKeys shortcut).  Keys are listed with
 * SSCAN of that set, or SCAN MATCH "<a>:*" when the set is missing (older
 * drivers); values are read with MGET, PM_BATCH at a time.
 *
 *   redis://host:port[/db]
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pm.h"


static int
pm_redis_mget(pm_source_t *src, char **keys, size_t n, json_t **out)
{
    size_t        i;
    const char   *argv[PM_BATCH + 1];
    size_t        lens[PM_BATCH + 1];
    redisReply   *r;

    if (n > PM_BATCH) {
        return -1;
    }

    argv[0] = "MGET";
    lens[0] = 4;

    for (i = 0; i < n; i++) {
        argv[i + 1] = keys[i];
        lens[i + 1] = strlen(keys[i]);
    }

    r = redisCommandArgv(src->data, (int) n + 1, argv, lens);

    if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != n) {
        snprintf(src->err, sizeof(src->err), "redis source: MGET: %s",
                 r && r->type == REDIS_REPLY_ERROR ? r->str
                 : ((redisContext *) src->data)->errstr);
        if (r) {
            freeReplyObject(r);
        }
        return -1;
    }

    for (i = 0; i < n; i++) {
        out[i] = NULL;

        if (r->element[i]->type == REDIS_REPLY_STRING) {
            out[i] = pm_parse_value(r->element[i]->str, r->element[i]->len);
            if (out[i] == NULL) {
                snprintf(src->err, sizeof(src->err),
                         "redis source: %s: not JSON", keys[i]);
                while (i-- > 0) {
                    json_decref(out[i]);
                }
                freeReplyObject(r);
                return -1;
            }
        }
    }

    freeReplyObject(r);
    return 0;
}


static int
pm_redis_keys(pm_source_t *src, const char *prefix, pm_key_cb cb, void *arg)
{
    int          set, stop;
    size_t       i, plen;
    char         set_key[256], match[256], cursor[32];
    redisReply  *r, *e;

    plen = strlen(prefix);
    snprintf(set_key, sizeof(set_key), "ueberDB:keys:%s", prefix);
    snprintf(match, sizeof(match), "%s:*", prefix);

    r = redisCommand(src->data, "EXISTS %s", set_key);
    if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
        goto failed;
    }

    set = r->integer > 0;
    freeReplyObject(r);
    strcpy(cursor, "0");
    stop = 0;

    do {
        if (set) {
            r = redisCommand(src->data, "SSCAN %s %s COUNT %d", set_key,
                             cursor, PM_BATCH);
        } else {
            r = redisCommand(src->data, "SCAN %s MATCH %s COUNT %d", cursor,
                             match, PM_BATCH * 10);
        }

        if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2
            || r->element[0]->type != REDIS_REPLY_STRING
            || r->element[0]->len >= sizeof(cursor))
        {
            goto failed;
        }

        memcpy(cursor, r->element[0]->str, r->element[0]->len + 1);

        for (i = 0; !stop && i < r->element[1]->elements; i++) {
            e = r->element[1]->element[i];

            if (e->type == REDIS_REPLY_STRING && e->len > plen + 1
                && memcmp(e->str, prefix, plen) == 0 && e->str[plen] == ':'
                && memchr(e->str + plen + 1, ':', e->len - plen - 1) == NULL)
            {
                stop = cb(arg, e->str, e->len);
            }
        }

        freeReplyObject(r);

    } while (!stop && strcmp(cursor, "0") != 0);

    return 0;

failed:

    snprintf(src->err, sizeof(src->err), "redis source: listing %s: %s",
             prefix, r && r->type == REDIS_REPLY_ERROR ? r->str
             : ((redisContext *) src->data)->errstr);
    if (r) {
        freeReplyObject(r);
    }
    return -1;
}


static void
pm_redis_close(pm_source_t *src)
{
    redisFree(src->data);
    free(src);
}


/* "redis://host:port[/db]" into its parts; -1 if malformed */
int
pm_redis_url(const char *url, char *host, size_t hlen, int *port, int *db)
{
    const char  *p, *colon, *slash;
    size_t       n;

    if (strncmp(url, "redis://", 8) != 0) {
        return -1;
    }

    p = url + 8;
    slash = strchr(p, '/');
    colon = strchr(p, ':');

    if (colon != NULL && slash != NULL && colon > slash) {
        colon = NULL;
    }

    n = colon ? (size_t) (colon - p)
              : slash ? (size_t) (slash - p) : strlen(p);

    if (n == 0 || n >= hlen) {
        return -1;
    }

    memcpy(host, p, n);
    host[n] = '\0';
    *port = colon ? atoi(colon + 1) : 6379;
    *db = slash && slash[1] ? atoi(slash + 1) : 0;

    return (*port > 0 && *port < 65536) ? 0 : -1;
}


pm_source_t *
pm_source_redis(const char *url, char *err, size_t errlen)
{
    int            port, db;
    char           host[256];
    pm_source_t   *src;
    redisContext  *c;
    redisReply    *r;

    if (pm_redis_url(url, host, sizeof(host), &port, &db) != 0) {
        snprintf(err, errlen, "bad redis URL \"%s\"", url);
        return NULL;
    }

    c = redisConnect(host, port);
    if (c == NULL || c->err) {
        snprintf(err, errlen, "redis source %s: %s", url,
                 c ? c->errstr : "out of memory");
        redisFree(c);
        return NULL;
    }

    if (db) {
        r = redisCommand(c, "SELECT %d", db);
        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            snprintf(err, errlen, "redis source %s: SELECT failed", url);
            if (r) {
                freeReplyObject(r);
            }
            redisFree(c);
            return NULL;
        }
        freeReplyObject(r);
    }

    src = calloc(1, sizeof(pm_source_t));
    if (src == NULL) {
        redisFree(c);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    src->name = "redis";
    src->data = c;
    src->mget = pm_redis_mget;
    src->keys = pm_redis_keys;
    src->close = pm_redis_close;

    return src;
}
