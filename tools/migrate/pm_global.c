/*
 * pad-migrate: the records that are not a pad's (AuthorManager,
 * GroupManager, SessionManager), into the module's keys as its HTTP API
 * writes them (docs/operators/redis.md, "Writes across hash slots"):
 *
 *   globalAuthor:<a> {colorId,name,timestamp}  -> Pauthor:<a> name, color
 *                      (the palette index, or Etherpad's "#rrggbb" as is),
 *                      created; fields the module has already are kept
 *   token2author:<t>, mapper2author:<m> -> Ptoken:<t>, Pmapper2author:<m>
 *   group:<g> {pads,mappings}  -> Pgroups, Pgroup:{g} created, mapper
 *   mapper2group:<m>           -> Pmapper2group:<m>
 *   session:<s> {groupID,authorID,validUntil} -> the sessions flags,
 *                      Pgroup:{g}:sessions, Pauthor:<a>:sessions, then
 *                      Psession:{s}
 *
 * Nothing existing is overwritten (SETNX, HSETNX): a returning user keeps
 * what the module gave it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pm.h"


typedef struct {
    pm_run_t     *run;
    pm_source_t  *src;
    pm_target_t  *t;
    const char   *prefix;
    int         (*one)(void *g, const char *rest, json_t *v);
    char         *keys[PM_BATCH];
    size_t        n;
    int           rc;
} pm_global_t;


static int
pm_cmd(pm_target_t *t, int argc, const char **argv)
{
    int     i;
    size_t  lens[8];

    for (i = 0; i < argc; i++) {
        lens[i] = strlen(argv[i]);
    }

    return pm_target_cmd(t, argc, argv, lens);
}


static int
pm_hsetnx(pm_target_t *t, const char *key, const char *f, const char *v)
{
    const char  *argv[4];

    argv[0] = "HSETNX";
    argv[1] = key;
    argv[2] = f;
    argv[3] = v;
    return pm_cmd(t, 4, argv);
}


static int
pm_setnx(pm_target_t *t, const char *key, const char *v)
{
    const char  *argv[3];

    argv[0] = "SETNX";
    argv[1] = key;
    argv[2] = v;
    return pm_cmd(t, 3, argv);
}


static int
pm_sadd2(pm_target_t *t, const char *key, const char *v)
{
    const char  *argv[3];

    argv[0] = "SADD";
    argv[1] = key;
    argv[2] = v;
    return pm_cmd(t, 3, argv);
}


static int
pm_author_rec(pm_run_t *run, pm_target_t *t, const char *a, json_t *v)
{
    char     key[1200], num[64];
    json_t  *name, *color, *ts;

    if (!json_is_object(v)) {
        return 0;
    }

    name = json_object_get(v, "name");
    color = json_object_get(v, "colorId");
    ts = json_object_get(v, "timestamp");
    pm_key(t, key, sizeof(key), "author:%s", a);

    if (json_is_string(name)
        && pm_hsetnx(t, key, "name", json_string_value(name)) != 0)
    {
        return -1;
    }

    if (json_is_integer(color)) {
        snprintf(num, sizeof(num), "%lld",
                 (long long) json_integer_value(color));
        if (pm_hsetnx(t, key, "color", num) != 0) {
            return -1;
        }

    } else if (json_is_string(color)
               && pm_hsetnx(t, key, "color", json_string_value(color)) != 0)
    {
        return -1;
    }

    snprintf(num, sizeof(num), "%lld", json_is_integer(ts)
             ? (long long) json_integer_value(ts) : (long long) pm_now_ms());

    if (pm_hsetnx(t, key, "created", num) != 0) {
        return -1;
    }

    run->authors++;
    return 0;
}


int
pm_author(pm_run_t *run, pm_source_t *src, pm_target_t *t,
    const char *author)
{
    int       rc;
    json_t   *v;
    uint64_t  n;

    /* counted once, in the pass over all authors */
    n = run->authors;
    v = pm_get(src, "globalAuthor:%s", author);
    rc = (v != NULL) ? pm_author_rec(run, t, author, v) : 0;
    json_decref(v);
    run->authors = n;
    return rc;
}


static int
pm_one_author(void *data, const char *rest, json_t *v)
{
    pm_global_t  *g = data;

    return pm_author_rec(g->run, g->t, rest, v);
}


static int
pm_one_token(void *data, const char *rest, json_t *v)
{
    char          key[1200];
    pm_global_t  *g = data;

    if (!json_is_string(v)) {
        return 0;
    }

    g->run->tokens++;
    return pm_setnx(g->t, pm_key(g->t, key, sizeof(key), "token:%s", rest),
                    json_string_value(v));
}


static int
pm_one_amapper(void *data, const char *rest, json_t *v)
{
    char          key[1200];
    pm_global_t  *g = data;

    if (!json_is_string(v)) {
        return 0;
    }

    g->run->mappers++;
    return pm_setnx(g->t, pm_key(g->t, key, sizeof(key), "mapper2author:%s",
                                 rest), json_string_value(v));
}


static int
pm_one_group(void *data, const char *rest, json_t *v)
{
    char          key[1200], num[32];
    const char   *m;
    json_t       *mv;
    pm_global_t  *g = data;

    if (!json_is_object(v)) {
        return 0;
    }

    if (pm_sadd2(g->t, pm_key(g->t, key, sizeof(key), "groups"), rest) != 0)
    {
        return -1;
    }

    pm_key(g->t, key, sizeof(key), "group:{%s}", rest);
    snprintf(num, sizeof(num), "%llu", (unsigned long long) pm_now_ms());

    if (pm_hsetnx(g->t, key, "created", num) != 0) {
        return -1;
    }

    json_object_foreach(json_object_get(v, "mappings"), m, mv) {
        if (pm_hsetnx(g->t, key, "mapper", m) != 0) {
            return -1;
        }
        break;
    }

    g->run->groups++;
    return 0;
}


static int
pm_one_gmapper(void *data, const char *rest, json_t *v)
{
    char          key[1200];
    pm_global_t  *g = data;

    if (!json_is_string(v)) {
        return 0;
    }

    g->run->mappers++;
    return pm_setnx(g->t, pm_key(g->t, key, sizeof(key), "mapper2group:%s",
                                 rest), json_string_value(v));
}


static int
pm_one_session(void *data, const char *rest, json_t *v)
{
    char          key[1200], until[64];
    json_t       *gid, *aid, *vu;
    const char   *argv[8];
    pm_global_t  *g = data;

    gid = json_object_get(v, "groupID");
    aid = json_object_get(v, "authorID");
    vu = json_object_get(v, "validUntil");

    if (!json_is_string(gid) || !json_is_string(aid)) {
        return 0;
    }

    snprintf(until, sizeof(until), "%lld", json_is_integer(vu)
             ? (long long) json_integer_value(vu)
             : (long long) json_number_value(vu));

    if (pm_hsetnx(g->t, pm_key(g->t, key, sizeof(key), "group:{%s}",
                               json_string_value(gid)), "sessions", "1") != 0
        || pm_hsetnx(g->t, pm_key(g->t, key, sizeof(key), "author:%s",
                                  json_string_value(aid)), "sessions", "1")
           != 0
        || pm_sadd2(g->t, pm_key(g->t, key, sizeof(key),
                                 "group:{%s}:sessions",
                                 json_string_value(gid)), rest) != 0
        || pm_sadd2(g->t, pm_key(g->t, key, sizeof(key), "author:%s:sessions",
                                 json_string_value(aid)), rest) != 0)
    {
        return -1;
    }

    argv[0] = "HSET";
    argv[1] = pm_key(g->t, key, sizeof(key), "session:{%s}", rest);
    argv[2] = "groupID";
    argv[3] = json_string_value(gid);
    argv[4] = "authorID";
    argv[5] = json_string_value(aid);
    argv[6] = "validUntil";
    argv[7] = until;

    g->run->sessions++;
    return pm_cmd(g->t, 8, argv);
}


static int
pm_global_batch(pm_global_t *g)
{
    size_t   i, plen;
    json_t  *vals[PM_BATCH];

    plen = strlen(g->prefix) + 1;

    if (g->n == 0) {
        return 0;
    }

    if (g->src->mget(g->src, g->keys, g->n, vals) != 0) {
        fprintf(stderr, "pad-migrate: %s\n", g->src->err);
        g->rc = -1;
        vals[0] = NULL;
        for (i = 0; i < g->n; i++) {
            free(g->keys[i]);
        }
        g->n = 0;
        return -1;
    }

    for (i = 0; i < g->n; i++) {
        if (g->rc == 0 && vals[i] != NULL
            && g->one(g, g->keys[i] + plen, vals[i]) != 0)
        {
            fprintf(stderr, "pad-migrate: %s: %s\n", g->keys[i], g->t->err);
            g->rc = -1;
        }
        json_decref(vals[i]);
        free(g->keys[i]);
    }

    g->n = 0;
    return g->rc == 0 ? pm_target_flush(g->t) : -1;
}


static int
pm_global_key(void *arg, const char *key, size_t len)
{
    pm_global_t  *g = arg;

    g->keys[g->n] = strndup(key, len);
    if (g->keys[g->n] == NULL) {
        g->rc = -1;
        return 1;
    }

    if (++g->n == PM_BATCH && pm_global_batch(g) != 0) {
        return 1;
    }

    return 0;
}


int
pm_global(pm_run_t *run, pm_source_t *src, pm_target_t *t)
{
    size_t  i;

    static const struct {
        const char  *prefix;
        int        (*one)(void *g, const char *rest, json_t *v);
    } kinds[] = {
        { "globalAuthor", pm_one_author },
        { "token2author", pm_one_token },
        { "mapper2author", pm_one_amapper },
        { "group", pm_one_group },
        { "mapper2group", pm_one_gmapper },
        { "session", pm_one_session },
    };

    pm_global_t  g;

    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        memset(&g, 0, sizeof(g));
        g.run = run;
        g.src = src;
        g.t = t;
        g.prefix = kinds[i].prefix;
        g.one = kinds[i].one;

        if (src->keys(src, g.prefix, pm_global_key, &g) != 0) {
            fprintf(stderr, "pad-migrate: %s\n", src->err);
            return -1;
        }

        if (pm_global_batch(&g) != 0 || g.rc != 0) {
            return -1;
        }
    }

    return 0;
}
