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
#include "easysync/ngx_pad_pool_json.h"
#include "pm_pad.h"


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

    /* what an interrupted run staged goes first */
    if (!run->dry_run) {
        pm_unstage(p->t, p->id);
    }

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
