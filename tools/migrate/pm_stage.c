/*
 * pad-migrate: the writes of one pad (pm_pad.c reads and verifies it).
 * Revisions, the pool, snapshots, chat and saved revisions go to staging
 * keys P{pad}:mig:* in the pad's slot; the cross-slot indexes next; then
 * pm_finish_lua renames the staging keys into place and writes
 * P{pad}:meta only if the pad still does not exist (or, replacing, still
 * has the head seen): a replaced history gets the tombstone
 * deleted:<hist> and a {"type":"deleted"} publish, as delete.lua does.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pm_pad.h"


static const char pm_finish_lua[] =
    "local h = redis.call('HGET', KEYS[1], 'head')\n"
    "if (ARGV[1] == 'new' and h) or (ARGV[1] == 'replace' and h ~= ARGV[2])"
    " then\n"
    "  redis.call('DEL', unpack(KEYS, 8, 13))\n"
    "  return 0\n"
    "end\n"
    "local keep = {}\n"
    "if h then\n"
    "  local m = redis.call('HGETALL', KEYS[1])\n"
    "  local hist = ''\n"
    "  for i = 1, #m, 2 do\n"
    "    if m[i] == 'hist' then hist = m[i + 1]\n"
    "    elseif string.sub(m[i], 1, 8) == 'deleted:' then\n"
    "      keep[#keep + 1] = m[i]; keep[#keep + 1] = m[i + 1]\n"
    "    end\n"
    "  end\n"
    "  local t = redis.call('TIME')\n"
    "  keep[#keep + 1] = 'deleted:' .. hist\n"
    "  keep[#keep + 1] = string.format('%d', tonumber(t[1]) * 1000\n"
    "                      + math.floor(tonumber(t[2]) / 1000))\n"
    "  redis.call('PUBLISH', ARGV[3], '{\"type\":\"deleted\",\"hist\":'\n"
    "                                 .. cjson.encode(hist) .. '}')\n"
    "end\n"
    "redis.call('DEL', KEYS[1], KEYS[14])\n"
    "for i = 2, 7 do\n"
    "  redis.call('DEL', KEYS[i])\n"
    "  if redis.call('EXISTS', KEYS[i + 6]) == 1 then\n"
    "    redis.call('RENAME', KEYS[i + 6], KEYS[i])\n"
    "  end\n"
    "end\n"
    "if ARGV[4] ~= '' then redis.call('SET', KEYS[14], ARGV[4]) end\n"
    "if #keep > 0 then redis.call('HSET', KEYS[1], unpack(keep)) end\n"
    "redis.call('HSET', KEYS[1], unpack(ARGV, 5))\n"
    "return 1\n";


static json_t  *pm_empty;


static const char *pm_pad_keys[] = {
    "revs", "pool", "snap", "snapidx", "chat", "saved"
};


int
pm_fail(pm_pad_t *p, const char *fmt, const char *a, long n)
{
    snprintf(p->err, sizeof(p->err), fmt, a, n);
    return -1;
}

void
pm_hset_init(pm_hset_t *h, const char *cmd)
{
    h->argv[0] = cmd;
    h->lens[0] = strlen(cmd);
    h->argv[1] = h->key;
    h->lens[1] = strlen(h->key);
    h->argc = 2;
    h->nown = 0;
}


int
pm_hset_flush(pm_hset_t *h, pm_target_t *t)
{
    int  rc, i;

    rc = 0;

    if (h->argc > 2) {
        rc = pm_target_cmd(t, h->argc, h->argv, h->lens);
    }

    for (i = 0; i < h->nown; i++) {
        free(h->own[i]);
    }

    h->argc = 2;
    h->nown = 0;
    return rc;
}


/* drops what was not sent */
void
pm_hset_free(pm_hset_t *h)
{
    int  i;

    for (i = 0; i < h->nown; i++) {
        free(h->own[i]);
    }

    h->argc = 2;
    h->nown = 0;
}


/* adds a field (number) and a value (taken: freed after the flush) */
int
pm_hset_add(pm_hset_t *h, pm_target_t *t, intptr_t field, char *value)
{
    char  *f;

    f = malloc(24);
    if (f == NULL || value == NULL) {
        free(f);
        free(value);
        return -1;
    }

    snprintf(f, 24, "%ld", (long) field);
    h->own[h->nown++] = f;
    h->own[h->nown++] = value;
    h->argv[h->argc] = f;
    h->lens[h->argc++] = strlen(f);
    h->argv[h->argc] = value;
    h->lens[h->argc++] = strlen(value);

    if (h->argc >= 2 + 2 * PM_BATCH) {
        return pm_hset_flush(h, t);
    }

    return 0;
}

void
pm_stage_key(pm_pad_t *p, pm_hset_t *h, const char *name)
{
    pm_key(p->t, h->key, sizeof(h->key), "{%s}:mig:%s", p->id, name);
}

int
pm_chat(pm_pad_t *p)
{
    int         rc;
    size_t      i, n;
    intptr_t    c;
    char       *keys[PM_BATCH], kb[PM_BATCH][1100];
    json_t     *vals[PM_BATCH], *text, *author, *time, *rec;
    pm_hset_t  *h;

    if (pm_empty == NULL) {
        pm_empty = json_string("");
    }

    h = malloc(sizeof(pm_hset_t));
    if (h == NULL || pm_empty == NULL) {
        free(h);
        return pm_fail(p, "out of memory%s%ld", "", 0);
    }

    pm_stage_key(p, h, "chat");
    pm_hset_init(h, "HSET");
    rc = 0;

    for (c = 0; rc == 0 && c <= p->chat_head; c += n) {
        n = (size_t) (p->chat_head - c + 1);
        if (n > PM_BATCH) {
            n = PM_BATCH;
        }

        for (i = 0; i < n; i++) {
            snprintf(kb[i], sizeof(kb[i]), "pad:%s:chat:%ld", p->id,
                     (long) (c + i));
            keys[i] = kb[i];
        }

        if (p->src->mget(p->src, keys, n, vals) != 0) {
            snprintf(p->err, sizeof(p->err), "%s", p->src->err);
            rc = -1;
            break;
        }

        for (i = 0; i < n; i++) {
            if (rc == 0 && vals[i] != NULL) {
                text = json_object_get(vals[i], "text");
                author = json_object_get(vals[i], "authorId");
                if (author == NULL) {
                    author = json_object_get(vals[i], "userId");  /* 1.8 */
                }
                time = json_object_get(vals[i], "time");

                rec = json_pack("{s:s,s:I,s:O,s:O,s:O}", "type", "chat",
                                "n", (json_int_t) (c + i),
                                "text", json_is_string(text) ? text : pm_empty,
                                "authorId", author ? author : json_null(),
                                "time", time ? time : json_null());
                rc = rec ? pm_hset_add(h, p->t, c + i,
                                       json_dumps(rec, JSON_COMPACT
                                                       | JSON_ALLOW_NUL))
                         : -1;
                json_decref(rec);
                if (rc != 0) {
                    pm_fail(p, "cannot write chat message %s%ld", "",
                            (long) (c + i));
                }
            }
            json_decref(vals[i]);
        }
    }

    if (rc == 0 && pm_hset_flush(h, p->t) != 0) {
        rc = pm_fail(p, "%s%ld", p->t->err, 0);
    }

    pm_hset_free(h);
    free(h);
    return rc;
}


/* the pool and the saved revisions, from the pad record */
int
pm_pool_saved(pm_pad_t *p, json_t *pad)
{
    int             rc;
    size_t          i;
    intptr_t        num, next;
    json_t         *sr, *e, *rec;
    ngx_pad_str_t   k, v;
    pm_hset_t      *h;

    h = malloc(sizeof(pm_hset_t));
    if (h == NULL) {
        return pm_fail(p, "out of memory%s%ld", "", 0);
    }

    pm_stage_key(p, h, "pool");
    pm_hset_init(h, "HSET");
    rc = 0;
    next = ngx_pad_pool_next_num(p->pool);

    for (num = 0; rc == 0 && num < next; num++) {
        if (ngx_pad_pool_get(p->pool, num, &k, &v) < 0) {
            continue;
        }
        e = json_pack("[s#s#]", k.data, k.len, v.data, v.len);
        rc = e ? pm_hset_add(h, p->t, num, json_dumps(e, JSON_COMPACT))
               : -1;
        json_decref(e);
    }

    if (rc == 0) {
        rc = pm_hset_flush(h, p->t);
    }

    pm_stage_key(p, h, "saved");
    pm_hset_init(h, "HSET");
    sr = json_object_get(pad, "savedRevisions");

    json_array_foreach(sr, i, e) {
        if (rc != 0 || !json_is_integer(json_object_get(e, "revNum"))) {
            continue;
        }
        rec = json_pack("{s:O,s:O*,s:O*,s:O*,s:O*}",
                        "revNum", json_object_get(e, "revNum"),
                        "savedById", json_object_get(e, "savedById"),
                        "label", json_object_get(e, "label"),
                        "timestamp", json_object_get(e, "timestamp"),
                        "id", json_object_get(e, "id"));
        rc = rec ? pm_hset_add(h, p->t,
                               json_integer_value(json_object_get(e,
                                                                  "revNum")),
                               json_dumps(rec, JSON_COMPACT)) : -1;
        json_decref(rec);
    }

    if (rc == 0) {
        rc = pm_hset_flush(h, p->t);
    }

    pm_hset_free(h);
    free(h);

    if (rc != 0) {
        return pm_fail(p, "cannot write the pool or saved revisions: %s%ld",
                       p->t->err, 0);
    }

    return 0;
}


static int
pm_sadd(pm_target_t *t, const char *key, const char *member)
{
    const char  *argv[3];
    size_t       lens[3];

    argv[0] = "SADD";
    argv[1] = key;
    argv[2] = member;
    lens[0] = 4;
    lens[1] = strlen(key);
    lens[2] = strlen(member);

    return pm_target_cmd(t, 3, argv, lens);
}


/* the cross-slot entries, before the pad exists (as the module orders
 * them: an index entry without its pad is left out by every list) */
int
pm_indexes(pm_pad_t *p, const char *ro)
{
    char           key[1200], g[256];
    const char    *dollar, *argv[3];
    size_t         lens[3];
    intptr_t       num, next;
    ngx_pad_str_t  k, v;

    if (pm_sadd(p->t, pm_key(p->t, key, sizeof(key), "pads"), p->id) != 0) {
        return -1;
    }

    dollar = strchr(p->id, '$');
    if (strncmp(p->id, "g.", 2) == 0 && dollar != NULL
        && (size_t) (dollar - p->id) < sizeof(g))
    {
        snprintf(g, sizeof(g), "%.*s", (int) (dollar - p->id), p->id);
        if (pm_sadd(p->t, pm_key(p->t, key, sizeof(key), "group:{%s}:pads",
                                 g), p->id) != 0)
        {
            return -1;
        }
    }

    next = ngx_pad_pool_next_num(p->pool);

    for (num = 0; num < next; num++) {
        if (ngx_pad_pool_get(p->pool, num, &k, &v) < 0
            || k.len != 6 || memcmp(k.data, "author", 6) != 0 || v.len == 0
            || v.len > 200)
        {
            continue;
        }

        snprintf(g, sizeof(g), "%.*s", (int) v.len, v.data);

        if (pm_sadd(p->t, pm_key(p->t, key, sizeof(key), "author:%s:pads",
                                 g), p->id) != 0
            || pm_author(p->run, p->src, p->t, g) != 0)
        {
            return -1;
        }
    }

    if (ro != NULL) {
        argv[0] = "SET";
        argv[1] = pm_key(p->t, key, sizeof(key), "ro:%s", ro);
        argv[2] = p->id;
        lens[0] = 3;
        lens[1] = strlen(key);
        lens[2] = strlen(p->id);

        if (pm_target_cmd(p->t, 3, argv, lens) != 0) {
            return -1;
        }
    }

    return pm_target_flush(p->t);
}


/* the script that makes the pad exist; 1 done, 0 refused, -1 error */
int
pm_finish(pm_pad_t *p, const char *mode, const char *expect, const char *ro,
    json_t *pad)
{
    int          argc, i, rc;
    char         keys[14][1200], vals[9][64], hist[17], chan[1200];
    const char  *argv[3 + 14 + 4 + 18];
    size_t       lens[3 + 14 + 4 + 18];
    redisReply  *r;

    for (i = 0; i < 16; i++) {
        hist[i] = "0123456789abcdef"[random() & 15];
    }
    hist[16] = '\0';

    argc = 0;
    argv[argc++] = "EVAL";
    argv[argc++] = pm_finish_lua;
    argv[argc++] = "14";

    pm_key(p->t, keys[0], sizeof(keys[0]), "{%s}:meta", p->id);
    for (i = 0; i < 6; i++) {
        pm_key(p->t, keys[1 + i], sizeof(keys[0]), "{%s}:%s", p->id,
               pm_pad_keys[i]);
        pm_key(p->t, keys[7 + i], sizeof(keys[0]), "{%s}:mig:%s", p->id,
               pm_pad_keys[i]);
    }
    pm_key(p->t, keys[13], sizeof(keys[0]), "{%s}:ro", p->id);
    pm_key(p->t, chan, sizeof(chan), "{%s}:ch", p->id);

    for (i = 0; i < 14; i++) {
        argv[argc++] = keys[i];
    }

    argv[argc++] = mode;
    argv[argc++] = expect;
    argv[argc++] = chan;
    argv[argc++] = ro ? ro : "";

    snprintf(vals[0], 64, "%ld", (long) p->head);
    snprintf(vals[1], 64, "%ld", (long) ngx_pad_pool_next_num(p->pool));
    snprintf(vals[2], 64, "%ld", (long) (p->chat_head + 1));
    snprintf(vals[3], 64, "%ld", (long) p->snap);
    snprintf(vals[4], 64, "%lld", (long long) p->created);
    snprintf(vals[5], 64, "%lld", (long long) p->updated);
    snprintf(vals[6], 64, "%ld.%ld", (long) p->head, (long) p->chat_head);

    argv[argc++] = "head";          argv[argc++] = vals[0];
    argv[argc++] = "pool_next";     argv[argc++] = vals[1];
    argv[argc++] = "chat_next";     argv[argc++] = vals[2];
    argv[argc++] = "snap";          argv[argc++] = vals[3];
    argv[argc++] = "created";       argv[argc++] = vals[4];
    argv[argc++] = "updated";       argv[argc++] = vals[5];
    argv[argc++] = "hist";          argv[argc++] = hist;
    argv[argc++] = "migrated";      argv[argc++] = vals[6];

    if (json_is_true(json_object_get(pad, "publicStatus"))) {
        argv[argc++] = "public";
        argv[argc++] = "1";
    }

    for (i = 0; i < argc; i++) {
        lens[i] = strlen(argv[i]);
    }

    r = pm_target_call(p->t, argc, argv, lens);
    if (r == NULL) {
        return pm_fail(p, "%s%ld", p->t->err, 0);
    }

    rc = (r->type == REDIS_REPLY_INTEGER && r->integer == 1) ? 1 : 0;
    freeReplyObject(r);
    return rc;
}

void
pm_unstage(pm_target_t *t, const char *id)
{
    int          i;
    char         keys[6][1200];
    const char  *argv[7];
    size_t       lens[7];
    redisReply  *r;

    argv[0] = "DEL";
    lens[0] = 3;

    for (i = 0; i < 6; i++) {
        argv[1 + i] = pm_key(t, keys[i], sizeof(keys[i]), "{%s}:mig:%s", id,
                             pm_pad_keys[i]);
        lens[1 + i] = strlen(keys[i]);
    }

    r = pm_target_call(t, 7, argv, lens);
    if (r) {
        freeReplyObject(r);
    }
}

