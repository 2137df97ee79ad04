/*
 * pad-migrate: Etherpad's database (ueberDB's key/value layout) into the
 * module's Redis layout (docs/operators/migration.md).
 *
 *   pm_source_*.c   readers of ueberDB's stores: Redis, PostgreSQL,
 *                   MySQL/MariaDB, a dirty file, a directory of .etherpad
 *                   files; each gives values as parsed JSON
 *   pm_target.c     the module's Redis (synchronous hiredis, pipelined)
 *   pm_pad.c        one pad: revisions verified against Etherpad's atexts,
 *                   then written, the records that make it exist last
 *   pm_global.c     authors, tokens, mappers, groups, sessions
 *   pad_migrate.c   options, the run over all pads, progress, report
 */

#ifndef _PM_H_INCLUDED_
#define _PM_H_INCLUDED_

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <hiredis/hiredis.h>

#define PM_BATCH  100          /* keys per source read, fields per write */

typedef struct pm_source_s  pm_source_t;

/* called for every key "<prefix>:<one part>"; nonzero stops */
typedef int (*pm_key_cb)(void *arg, const char *key, size_t len);

struct pm_source_s {
    const char  *name;
    void        *data;

    /* out[i]: a new reference or NULL (absent); -1 on a source error */
    int        (*mget)(pm_source_t *src, char **keys, size_t n,
                       json_t **out);
    /* every two-part key "prefix:x", in batches; -1 on error */
    int        (*keys)(pm_source_t *src, const char *prefix, pm_key_cb cb,
                       void *arg);
    void       (*close)(pm_source_t *src);
    char         err[256];
};

pm_source_t *pm_source_open(const char *url, char *err, size_t errlen);
pm_source_t *pm_source_redis(const char *url, char *err, size_t errlen);
pm_source_t *pm_source_pg(const char *url, char *err, size_t errlen);
pm_source_t *pm_source_mysql(const char *url, char *err, size_t errlen);
pm_source_t *pm_source_dirty(const char *path, char *err, size_t errlen);
pm_source_t *pm_source_dir(const char *path, char *err, size_t errlen);

/* a source that holds every record in one JSON object (dirty, dir) */
pm_source_t *pm_source_memory(const char *name, json_t *all);

int pm_redis_url(const char *url, char *host, size_t hlen, int *port,
    int *db);

/* one value; a new reference or NULL */
json_t *pm_get(pm_source_t *src, const char *fmt, ...);

/* the value of a SQL or Redis string: JSON text */
json_t *pm_parse_value(const char *s, size_t len);


typedef struct {
    redisContext  *c;
    const char    *prefix;
    size_t         pending;     /* replies not read yet */
    int            dry_run;
    char           err[256];
} pm_target_t;

int pm_target_open(pm_target_t *t, const char *url, const char *prefix);
void pm_target_close(pm_target_t *t);
/* a command in the pipeline (argv as printf-formatted strings are not
 * used: binary-safe argv); -1 when the connection failed */
int pm_target_cmd(pm_target_t *t, int argc, const char **argv,
    const size_t *lens);
/* read every pending reply; -1 if one was an error */
int pm_target_flush(pm_target_t *t);
/* one command, its reply returned (freeReplyObject by the caller) */
redisReply *pm_target_call(pm_target_t *t, int argc, const char **argv,
    const size_t *lens);
/* "<prefix>{<pad>}<suffix>" or "<prefix><rest>" into buf */
const char *pm_key(pm_target_t *t, char *buf, size_t size, const char *fmt,
    ...);


typedef struct {
    int            overwrite;
    int            dry_run;
    int            progress;    /* a TTY: one line updated in place */

    uint64_t       pads_total;
    uint64_t       pads_done;
    uint64_t       migrated;
    uint64_t       complete;    /* skipped: migrated before */
    uint64_t       exists;      /* skipped: the module's own pad */
    uint64_t       failed;
    uint64_t       revs;
    uint64_t       revs_total;  /* of the pads done and the current one */
    uint64_t       authors;
    uint64_t       tokens;
    uint64_t       mappers;
    uint64_t       groups;
    uint64_t       sessions;
    double         start;
    double         last_line;
} pm_run_t;

/* 0 migrated or skipped, -1 failed (reported on stderr) */
int pm_pad(pm_run_t *run, pm_source_t *src, pm_target_t *t, const char *id);
int pm_global(pm_run_t *run, pm_source_t *src, pm_target_t *t);
/* the module's Pauthor:<a> record from globalAuthor:<a> (HSETNX) */
int pm_author(pm_run_t *run, pm_source_t *src, pm_target_t *t,
    const char *author);

void pm_progress(pm_run_t *run, int force);
double pm_now(void);
uint64_t pm_now_ms(void);

#endif /* _PM_H_INCLUDED_ */
