/*
 * pad-migrate: one pad.  Etherpad's records (pad:<id>, pad:<id>:revs:<n>,
 * pad:<id>:chat:<n>, pad2readonly:<id>) become the module's keys
 * (docs/operators/redis.md) as the module's scripts write them:
 *
 *   1. every revision is read PM_BATCH at a time and applied to the AText
 *      (src/easysync); a key revision's meta.atext and at the end the pad
 *      record's atext must equal the AText rebuilt, or the pad fails and
 *      nothing of it becomes visible;
 *   2. revisions (each with the pool entries it brings in, as append.lua
 *      writes them), the pool, key snapshots (snapshot.lua's record),
 *      chat and saved revisions go to staging keys P{pad}:mig:* in the
 *      pad's slot, the cross-slot indexes (Ppads, Pro:<r>, the group's
 *      and the authors' pad sets) next;
 *   3. one script renames the staging keys into place and writes
 *      P{pad}:meta (head, pool_next, chat_next, snap, created, updated,
 *      hist, public, migrated) only if the pad still does not exist (or,
 *      replacing, still has the head seen), so a pad a worker created
 *      meanwhile is never overwritten and an interrupted run leaves only
 *      staging keys, redone on the next run.
 *
 * "migrated" is "<head>.<chat head>" of the source: a pad whose meta still
 * has that head and chat head was not edited by the module since and is
 * skipped when the source has not moved on (and redone when it has).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "easysync/ngx_pad_cs.h"
#include "easysync/ngx_pad_pool_json.h"
#include "pm.h"


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


typedef struct {
    pm_run_t        *run;
    pm_source_t     *src;
    pm_target_t     *t;
    const char      *id;

    ngx_pad_ctx_t   *ctx;
    ngx_pad_pool_t  *pool;
    intptr_t         pool_next;     /* entries given to revisions so far */

    char            *text;          /* the AText rebuilt so far */
    size_t           text_len, text_cap;
    char            *attribs;
    size_t           attribs_len, attribs_cap;

    intptr_t         head;
    intptr_t         chat_head;
    intptr_t         snap;          /* latest snapshot written */
    int64_t          created, updated;
    char             err[512];
} pm_pad_t;


static int
pm_copy(char **buf, size_t *len, size_t *cap, const ngx_pad_str_t *s)
{
    char  *p;

    if (s->len + 1 > *cap) {
        p = realloc(*buf, s->len + 1);
        if (p == NULL) {
            return -1;
        }
        *buf = p;
        *cap = s->len + 1;
    }

    memcpy(*buf, s->data, s->len);
    (*buf)[s->len] = '\0';
    *len = s->len;
    return 0;
}


/* the highest pool number a changeset uses, -1 for none */
static intptr_t
pm_max_attrib(pm_pad_t *p, const char *cs, size_t len)
{
    size_t        i;
    intptr_t      max, n;
    ngx_pad_cs_t  u;
    ngx_pad_str_t s;

    s.data = cs;
    s.len = len;
    max = -1;

    if (ngx_pad_cs_unpack(p->ctx, &s, &u) != NGX_PAD_CS_OK) {
        return -2;
    }

    for (i = 0; i < u.ops.len; i++) {
        if (u.ops.data[i] != '*') {
            continue;
        }

        n = 0;
        while (i + 1 < u.ops.len
               && ((u.ops.data[i + 1] >= '0' && u.ops.data[i + 1] <= '9')
                   || (u.ops.data[i + 1] >= 'a' && u.ops.data[i + 1] <= 'z')))
        {
            i++;
            n = n * 36 + (u.ops.data[i] <= '9' ? u.ops.data[i] - '0'
                                               : u.ops.data[i] - 'a' + 10);
        }

        if (n > max) {
            max = n;
        }
    }

    return max;
}


/* the pool entries revision rev brings in: pool_next..upto */
static json_t *
pm_intro(pm_pad_t *p, intptr_t upto)
{
    char           num[32];
    json_t        *o, *e;
    ngx_pad_str_t  k, v;

    o = json_object();
    if (o == NULL) {
        return NULL;
    }

    for ( /* void */ ; p->pool_next <= upto; p->pool_next++) {
        if (ngx_pad_pool_get(p->pool, p->pool_next, &k, &v) < 0) {
            continue;
        }

        e = json_pack("[s#s#]", k.data, k.len, v.data, v.len);
        snprintf(num, sizeof(num), "%ld", (long) p->pool_next);

        if (e == NULL || json_object_set_new(o, num, e) != 0) {
            json_decref(o);
            return NULL;
        }
    }

    return o;
}


static int
pm_fail(pm_pad_t *p, const char *fmt, const char *a, long n)
{
    snprintf(p->err, sizeof(p->err), fmt, a, n);
    return -1;
}


/* an HSET of a batch of fields into a staging key */
typedef struct {
    const char  *argv[2 + 2 * PM_BATCH];
    size_t       lens[2 + 2 * PM_BATCH];
    char        *own[2 * PM_BATCH];
    int          argc;
    int          nown;
    char         key[1200];
} pm_hset_t;


static void
pm_hset_init(pm_hset_t *h, const char *cmd)
{
    h->argv[0] = cmd;
    h->lens[0] = strlen(cmd);
    h->argv[1] = h->key;
    h->lens[1] = strlen(h->key);
    h->argc = 2;
    h->nown = 0;
}


static int
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
static void
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
static int
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


static int
pm_snapshot(pm_pad_t *p, pm_hset_t *snap, pm_hset_t *idx, intptr_t rev)
{
    char    *s, *f;
    json_t  *o;

    o = json_pack("{s:I,s:s#,s:s#}", "rev", (json_int_t) rev,
                  "text", p->text, p->text_len,
                  "attribs", p->attribs, p->attribs_len);
    if (o == NULL) {
        return -1;
    }

    s = json_dumps(o, JSON_COMPACT | JSON_ALLOW_NUL);
    json_decref(o);
    if (s == NULL) {
        return -1;
    }

    f = malloc(24);
    if (f == NULL) {
        free(s);
        return -1;
    }
    snprintf(f, 24, "%ld", (long) rev);

    p->snap = rev;

    /* ZADD snapidx rev rev */
    idx->own[idx->nown++] = f;
    idx->argv[idx->argc] = f;
    idx->lens[idx->argc++] = strlen(f);
    idx->argv[idx->argc] = f;
    idx->lens[idx->argc++] = strlen(f);

    if (idx->argc >= 2 + 2 * PM_BATCH && pm_hset_flush(idx, p->t) != 0) {
        free(s);
        return -1;
    }

    return pm_hset_add(snap, p->t, rev, s);
}


/* one revision: applied, checked, its record staged */
static int
pm_rev(pm_pad_t *p, intptr_t rev, json_t *rec, pm_hset_t *revs,
    pm_hset_t *snap, pm_hset_t *idx)
{
    json_t           *cs, *meta, *author, *ts, *kat, *intro, *out;
    intptr_t          max, an;
    ngx_pad_str_t     s, ak, av;
    ngx_pad_atext_t   in, res;
    const char       *a;

    cs = json_object_get(rec, "changeset");
    meta = json_object_get(rec, "meta");

    if (!json_is_string(cs)) {
        return pm_fail(p, "revision %s%ld: no changeset", "", rev);
    }

    author = json_object_get(meta, "author");
    ts = json_object_get(meta, "timestamp");
    a = json_is_string(author) ? json_string_value(author) : "";

    s.data = json_string_value(cs);
    s.len = json_string_length(cs);
    in.text.data = p->text;
    in.text.len = p->text_len;
    in.attribs.data = p->attribs;
    in.attribs.len = p->attribs_len;

    if (ngx_pad_cs_apply_to_atext(p->ctx, &s, &in, p->pool, &res)
        != NGX_PAD_CS_OK)
    {
        snprintf(p->err, sizeof(p->err), "revision %ld does not apply: %s",
                 (long) rev, ngx_pad_ctx_error(p->ctx));
        return -1;
    }

    if (pm_copy(&p->text, &p->text_len, &p->text_cap, &res.text) != 0
        || pm_copy(&p->attribs, &p->attribs_len, &p->attribs_cap,
                   &res.attribs) != 0)
    {
        return pm_fail(p, "out of memory%s (revision %ld)", "", rev);
    }

    kat = json_object_get(meta, "atext");

    if (kat != NULL) {
        if (!json_is_string(json_object_get(kat, "text"))
            || !json_is_string(json_object_get(kat, "attribs"))
            || json_string_length(json_object_get(kat, "text"))
               != p->text_len
            || memcmp(json_string_value(json_object_get(kat, "text")),
                      p->text, p->text_len) != 0
            || strcmp(json_string_value(json_object_get(kat, "attribs")),
                      p->attribs) != 0)
        {
            return pm_fail(p, "revision %s%ld: the text and attributes "
                           "rebuilt differ from its key revision's atext",
                           "", rev);
        }
    }

    max = pm_max_attrib(p, s.data, s.len);

    if (a[0] != '\0') {
        ak.data = "author";
        ak.len = 6;
        av.data = a;
        av.len = strlen(a);
        an = ngx_pad_pool_put_attrib(p->pool, &ak, &av, 1);
        if (an > max) {
            max = an;
        }
    }

    if (rev == p->head) {
        /* the entries no revision uses come with the last one */
        max = ngx_pad_pool_next_num(p->pool) - 1;
    }

    intro = pm_intro(p, max);
    if (intro == NULL) {
        return pm_fail(p, "out of memory%s (revision %ld)", "", rev);
    }

    if (rev == 0 && json_is_integer(ts)) {
        p->created = json_integer_value(ts);
    }
    if (json_is_integer(ts)) {
        p->updated = json_integer_value(ts);
    }

    out = json_pack("{s:s,s:I,s:O,s:s,s:I,s:o}", "type", "rev",
                    "rev", (json_int_t) rev, "cs", cs, "author", a,
                    "ts", (json_int_t) (json_is_integer(ts)
                                        ? json_integer_value(ts) : 0),
                    "pool", intro);
    if (out == NULL) {
        return pm_fail(p, "out of memory%s (revision %ld)", "", rev);
    }

    if (pm_hset_add(revs, p->t, rev, json_dumps(out, JSON_COMPACT
                                                      | JSON_ALLOW_NUL))
        != 0)
    {
        json_decref(out);
        return pm_fail(p, "cannot write revision %s%ld", "", rev);
    }

    json_decref(out);

    if ((kat != NULL || rev == p->head || rev == 0)
        && pm_snapshot(p, snap, idx, rev) != 0)
    {
        return pm_fail(p, "cannot write the snapshot of revision %s%ld", "",
                       rev);
    }

    ngx_pad_ctx_reset(p->ctx);
    p->run->revs++;
    p->run->revs_total++;
    return 0;
}


static void
pm_stage_key(pm_pad_t *p, pm_hset_t *h, const char *name)
{
    pm_key(p->t, h->key, sizeof(h->key), "{%s}:mig:%s", p->id, name);
}


static int
pm_revs(pm_pad_t *p)
{
    int         rc;
    size_t      i, n;
    intptr_t    r;
    char       *keys[PM_BATCH], kb[PM_BATCH][1100];
    json_t     *vals[PM_BATCH];
    pm_hset_t  *revs, *snap, *idx;

    revs = malloc(3 * sizeof(pm_hset_t));
    if (revs == NULL) {
        return pm_fail(p, "out of memory%s%ld", "", 0);
    }

    snap = revs + 1;
    idx = revs + 2;
    pm_stage_key(p, revs, "revs");
    pm_stage_key(p, snap, "snap");
    pm_stage_key(p, idx, "snapidx");
    pm_hset_init(revs, "HSET");
    pm_hset_init(snap, "HSET");
    pm_hset_init(idx, "ZADD");
    rc = 0;

    for (r = 0; rc == 0 && r <= p->head; r += n) {
        n = (size_t) (p->head - r + 1);
        if (n > PM_BATCH) {
            n = PM_BATCH;
        }

        for (i = 0; i < n; i++) {
            snprintf(kb[i], sizeof(kb[i]), "pad:%s:revs:%ld", p->id,
                     (long) (r + i));
            keys[i] = kb[i];
        }

        if (p->src->mget(p->src, keys, n, vals) != 0) {
            snprintf(p->err, sizeof(p->err), "%s", p->src->err);
            rc = -1;
            break;
        }

        for (i = 0; i < n; i++) {
            if (rc == 0) {
                if (vals[i] == NULL) {
                    rc = pm_fail(p, "revision %s%ld is missing", "",
                                 (long) (r + i));
                } else {
                    rc = pm_rev(p, r + i, vals[i], revs, snap, idx);
                }
            }
            json_decref(vals[i]);
        }

        pm_progress(p->run, 0);
    }

    if (rc == 0
        && (pm_hset_flush(revs, p->t) != 0 || pm_hset_flush(snap, p->t) != 0
            || pm_hset_flush(idx, p->t) != 0))
    {
        rc = pm_fail(p, "%s%ld", p->t->err, 0);
    }

    pm_hset_free(revs);
    pm_hset_free(snap);
    pm_hset_free(idx);
    free(revs);
    return rc;
}


static int
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
static int
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
static int
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
static int
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


/* what the target holds: 0 absent, 1 complete, 2 redo (migrated, not
 * edited since, the source moved on), 3 the module's own pad */
static int
pm_target_state(pm_pad_t *p, char *head, size_t hlen)
{
    int          st;
    char         key[1200], mine[64];
    const char  *argv[5];
    size_t       lens[5];
    redisReply  *r, *h, *m, *c;

    argv[0] = "HMGET";
    argv[1] = pm_key(p->t, key, sizeof(key), "{%s}:meta", p->id);
    argv[2] = "head";
    argv[3] = "migrated";
    argv[4] = "chat_next";
    lens[0] = 5;
    lens[1] = strlen(key);
    lens[2] = 4;
    lens[3] = 8;
    lens[4] = 9;

    r = pm_target_call(p->t, 5, argv, lens);
    if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 3) {
        if (r) {
            freeReplyObject(r);
        }
        return -1;
    }

    h = r->element[0];
    m = r->element[1];
    c = r->element[2];

    if (h->type != REDIS_REPLY_STRING) {
        freeReplyObject(r);
        return 0;
    }

    snprintf(head, hlen, "%.*s", (int) h->len, h->str);
    st = 3;

    if (m->type == REDIS_REPLY_STRING && c->type == REDIS_REPLY_STRING) {
        /* not edited by the module since: its head and chat as migrated */
        snprintf(mine, sizeof(mine), "%.*s.%ld", (int) h->len, h->str,
                 atol(c->str) - 1);

        if (strlen(mine) == m->len && memcmp(mine, m->str, m->len) == 0) {
            snprintf(mine, sizeof(mine), "%ld.%ld", (long) p->head,
                     (long) p->chat_head);
            st = (strlen(mine) == m->len && memcmp(mine, m->str, m->len) == 0)
                 ? 1 : 2;
        }
    }

    freeReplyObject(r);
    return st;
}


static void
pm_pad_free(pm_pad_t *p)
{
    if (p->ctx) {
        ngx_pad_ctx_destroy(p->ctx);
    }
    if (p->pool) {
        ngx_pad_pool_destroy(p->pool);
    }
    free(p->text);
    free(p->attribs);
}


static int
pm_pad_run(pm_pad_t *p, json_t *pad)
{
    int          st, rc;
    char         head[64], perr[256];
    const char  *mode, *ro;
    json_t      *jro, *atext;
    pm_run_t    *run;

    run = p->run;
    atext = json_object_get(pad, "atext");

    if (!json_is_integer(json_object_get(pad, "head"))
        || json_integer_value(json_object_get(pad, "head")) < 0
        || !json_is_string(json_object_get(atext, "text"))
        || !json_is_string(json_object_get(atext, "attribs")))
    {
        return pm_fail(p, "the pad record has no head or atext%s%ld", "", 0);
    }

    p->head = json_integer_value(json_object_get(pad, "head"));
    p->chat_head = json_is_integer(json_object_get(pad, "chatHead"))
                   ? json_integer_value(json_object_get(pad, "chatHead"))
                   : -1;

    if (ngx_pad_pool_from_json(p->pool, json_object_get(pad, "pool"), perr,
                               sizeof(perr)) < 0)
    {
        return pm_fail(p, "bad pool: %s%ld", perr, 0);
    }

    st = pm_target_state(p, head, sizeof(head));
    if (st < 0) {
        return pm_fail(p, "%s%ld", p->t->err, 0);
    }

    if (st == 1) {
        run->complete++;
        return 0;
    }

    if (st == 3 && !run->overwrite) {
        fprintf(stderr, "\rpad-migrate: %s: exists in the module's store "
                "(head %s), skipped (--overwrite replaces it)\n", p->id, head);
        run->exists++;
        return 0;
    }

    mode = (st == 0) ? "new" : "replace";

    /* the initial AText of Etherpad's Pad: "\n" */
    p->text = strdup("\n");
    p->attribs = strdup("|1+1");
    if (p->text == NULL || p->attribs == NULL) {
        return pm_fail(p, "out of memory%s%ld", "", 0);
    }
    p->text_len = p->text_cap = 1;
    p->attribs_len = p->attribs_cap = 4;

    rc = pm_revs(p);

    if (rc == 0
        && (strcmp(json_string_value(json_object_get(atext, "text")),
                   p->text) != 0
            || strcmp(json_string_value(json_object_get(atext, "attribs")),
                      p->attribs) != 0))
    {
        rc = pm_fail(p, "the text and attributes rebuilt from %s%ld "
                     "revisions differ from the pad's atext", "",
                     (long) p->head + 1);
    }

    if (rc == 0 && !run->dry_run) {
        jro = pm_get(p->src, "pad2readonly:%s", p->id);
        ro = json_is_string(jro) ? json_string_value(jro) : NULL;

        rc = pm_chat(p);
        if (rc == 0) {
            rc = pm_pool_saved(p, pad);
        }
        if (rc == 0 && pm_indexes(p, ro) != 0) {
            rc = pm_fail(p, "%s%ld", p->t->err, 0);
        }
        if (rc == 0) {
            rc = pm_finish(p, mode, st == 0 ? "" : head, ro, pad);
            if (rc == 0) {
                rc = pm_fail(p, "was created in the module's store during "
                             "its migration%s%ld; run again", "", 0);
            } else if (rc == 1) {
                rc = 0;
            }
        }

        json_decref(jro);
    }

    if (rc != 0) {
        return -1;
    }

    if (st == 2) {
        fprintf(stderr, "\rpad-migrate: %s: migrated before and changed in "
                "Etherpad since: migrated again\n", p->id);
    }

    run->migrated++;
    return 0;
}


static void
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


int
pm_pad(pm_run_t *run, pm_source_t *src, pm_target_t *t, const char *id)
{
    int        rc;
    json_t    *pad;
    pm_pad_t   p;

    memset(&p, 0, sizeof(p));
    p.run = run;
    p.src = src;
    p.t = t;
    p.id = id;
    p.snap = -1;

    pad = pm_get(src, "pad:%s", id);

    if (pad == NULL) {
        snprintf(p.err, sizeof(p.err), "no pad record pad:%s%s", id,
                 src->err[0] ? src->err : "");
        rc = -1;

    } else {
        p.ctx = ngx_pad_ctx_create();
        p.pool = ngx_pad_pool_create();

        rc = (p.ctx && p.pool) ? pm_pad_run(&p, pad)
                               : pm_fail(&p, "out of memory%s%ld", "", 0);
    }

    if (rc != 0) {
        fprintf(stderr, "\rpad-migrate: %s: FAILED: %s\n", id, p.err);
        run->failed++;
        (void) pm_target_flush(t);
        /* what it staged goes: nothing of a failed pad is written */
        if (!run->dry_run && p.ctx != NULL) {
            pm_unstage(t, id);
        }
    }

    json_decref(pad);
    pm_pad_free(&p);
    run->pads_done++;
    pm_progress(run, 0);
    return rc;
}
