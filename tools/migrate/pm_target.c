/*
 * pad-migrate's target: the module's Redis, with synchronous hiredis.
 * Writes are pipelined (pm_target_cmd appends, pm_target_flush reads the
 * replies); with --dry-run nothing is sent but the reads.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include "pm.h"


int
pm_target_open(pm_target_t *t, const char *url, const char *prefix)
{
    int          port, db;
    char         host[256];
    redisReply  *r;

    t->prefix = prefix;
    t->pending = 0;

    if (pm_redis_url(url, host, sizeof(host), &port, &db) != 0) {
        snprintf(t->err, sizeof(t->err), "bad target URL \"%s\"", url);
        return -1;
    }

    t->c = redisConnect(host, port);
    if (t->c == NULL || t->c->err) {
        snprintf(t->err, sizeof(t->err), "target %s: %s", url,
                 t->c ? t->c->errstr : "out of memory");
        return -1;
    }

    if (db) {
        r = redisCommand(t->c, "SELECT %d", db);
        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            snprintf(t->err, sizeof(t->err), "target %s: SELECT failed",
                     url);
            if (r) {
                freeReplyObject(r);
            }
            return -1;
        }
        freeReplyObject(r);
    }

    return 0;
}


void
pm_target_close(pm_target_t *t)
{
    if (t->c) {
        redisFree(t->c);
        t->c = NULL;
    }
}


int
pm_target_cmd(pm_target_t *t, int argc, const char **argv,
    const size_t *lens)
{
    if (t->dry_run) {
        return 0;
    }

    if (redisAppendCommandArgv(t->c, argc, argv, lens) != REDIS_OK) {
        snprintf(t->err, sizeof(t->err), "target: %s", t->c->errstr);
        return -1;
    }

    t->pending++;

    if (t->pending >= 64) {
        return pm_target_flush(t);
    }

    return 0;
}


int
pm_target_flush(pm_target_t *t)
{
    int          rc;
    void        *p;
    redisReply  *r;

    rc = 0;

    while (t->pending > 0) {
        if (redisGetReply(t->c, &p) != REDIS_OK) {
            snprintf(t->err, sizeof(t->err), "target: %s", t->c->errstr);
            t->pending = 0;
            return -1;
        }

        t->pending--;
        r = p;

        if (r->type == REDIS_REPLY_ERROR) {
            snprintf(t->err, sizeof(t->err), "target: %s", r->str);
            rc = -1;
        }

        freeReplyObject(r);
    }

    return rc;
}


redisReply *
pm_target_call(pm_target_t *t, int argc, const char **argv,
    const size_t *lens)
{
    redisReply  *r;

    if (pm_target_flush(t) != 0) {
        return NULL;
    }

    r = redisCommandArgv(t->c, argc, argv, lens);

    if (r == NULL) {
        snprintf(t->err, sizeof(t->err), "target: %s", t->c->errstr);
        return NULL;
    }

    if (r->type == REDIS_REPLY_ERROR) {
        snprintf(t->err, sizeof(t->err), "target: %s", r->str);
        freeReplyObject(r);
        return NULL;
    }

    return r;
}


const char *
pm_key(pm_target_t *t, char *buf, size_t size, const char *fmt, ...)
{
    size_t   n;
    va_list  ap;

    n = snprintf(buf, size, "%s", t->prefix);

    va_start(ap, fmt);
    vsnprintf(buf + n, size - n, fmt, ap);
    va_end(ap);

    return buf;
}
