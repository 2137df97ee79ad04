/*
 * pad-migrate: what pm_pad.c (one pad: read, verify) and pm_stage.c (its
 * writes: staging keys, indexes, the script that makes it exist) share.
 */

#ifndef _PM_PAD_H_INCLUDED_
#define _PM_PAD_H_INCLUDED_

#include "easysync/ngx_pad_cs.h"
#include "pm.h"


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



/* an HSET (or ZADD) of a batch of fields into a staging key */
typedef struct {
    const char  *argv[2 + 2 * PM_BATCH];
    size_t       lens[2 + 2 * PM_BATCH];
    char        *own[2 * PM_BATCH];
    int          argc;
    int          nown;
    char         key[1200];
} pm_hset_t;


int pm_fail(pm_pad_t *p, const char *fmt, const char *a, long n);
void pm_hset_init(pm_hset_t *h, const char *cmd);
int pm_hset_flush(pm_hset_t *h, pm_target_t *t);
void pm_hset_free(pm_hset_t *h);
int pm_hset_add(pm_hset_t *h, pm_target_t *t, intptr_t field, char *value);
void pm_stage_key(pm_pad_t *p, pm_hset_t *h, const char *name);
int pm_chat(pm_pad_t *p);
int pm_pool_saved(pm_pad_t *p, json_t *pad);
int pm_indexes(pm_pad_t *p, const char *ro);
int pm_finish(pm_pad_t *p, const char *mode, const char *expect,
    const char *ro, json_t *pad);
void pm_unstage(pm_target_t *t, const char *id);

#endif /* _PM_PAD_H_INCLUDED_ */
