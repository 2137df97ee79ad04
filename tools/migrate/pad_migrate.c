/*
 * pad-migrate: copies Etherpad's pads, authors, groups and sessions from
 * its database (ueberDB) into the module's Redis
 * (docs/operators/migration.md).
 *
 *   pad-migrate --from SOURCE --to redis://host:port[/db]
 *               [--prefix P] [--pad ID] [--dry-run] [--overwrite]
 *               [--no-progress]
 *
 *   SOURCE: redis://host:port[/db], postgres://..., mysql://u:p@h:port/db,
 *           dirty:/path/dirty.db, dir:/path (a directory of .etherpad)
 *
 * Exit status: 0 when every pad was migrated or skipped, 1 when a pad
 * failed, 2 on a usage or connection error.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/time.h>
#include "pm.h"


double
pm_now(void)
{
    struct timeval  tv;

    gettimeofday(&tv, NULL);
    return tv.tv_sec + tv.tv_usec / 1e6;
}


uint64_t
pm_now_ms(void)
{
    return (uint64_t) (pm_now() * 1000);
}


void
pm_progress(pm_run_t *run, int force)
{
    double  now, el, rate, eta;

    if (!run->progress) {
        return;
    }

    now = pm_now();
    if (!force && now - run->last_line < 0.5) {
        return;
    }

    run->last_line = now;
    el = now - run->start;
    rate = el > 0 ? run->revs / el : 0;
    eta = (run->pads_done > 0 && run->pads_total > run->pads_done)
          ? el / run->pads_done * (run->pads_total - run->pads_done) : 0;

    fprintf(stderr, "\rpads %llu/%llu  revisions %llu  %.0f rev/s  "
            "ETA %.0fs   ", (unsigned long long) run->pads_done,
            (unsigned long long) run->pads_total,
            (unsigned long long) run->revs, rate, eta);
}


typedef struct {
    char    **ids;
    size_t    n, cap;
} pm_list_t;


static int
pm_list_pad(void *arg, const char *key, size_t len)
{
    char      **p;
    pm_list_t  *l = arg;

    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        p = realloc(l->ids, l->cap * sizeof(char *));
        if (p == NULL) {
            return 1;
        }
        l->ids = p;
    }

    /* "pad:<id>" */
    l->ids[l->n] = strndup(key + 4, len - 4);
    if (l->ids[l->n] == NULL) {
        return 1;
    }

    l->n++;
    return 0;
}


static int
pm_cmp(const void *a, const void *b)
{
    return strcmp(*(char * const *) a, *(char * const *) b);
}


static void
pm_usage(void)
{
    fprintf(stderr,
        "usage: pad-migrate --from SOURCE --to redis://host:port[/db]\n"
        "           [--prefix P] [--pad ID] [--dry-run] [--overwrite]"
        " [--no-progress]\n"
        "  SOURCE: redis://host:port[/db] | postgres://... |"
        " mysql://user:pass@host:port/db\n"
        "          | dirty:/path/dirty.db | dir:/path/with/etherpad-files\n"
        "  --prefix  the module's pad_redis_prefix (default ngxpad:)\n");
}


int
main(int argc, char **argv)
{
    int           i, rc;
    size_t        k;
    char          err[512];
    const char   *from, *to, *prefix, *one;
    pm_run_t      run;
    pm_list_t     list;
    pm_source_t  *src;
    pm_target_t   t;

    from = to = one = NULL;
    prefix = "ngxpad:";
    memset(&run, 0, sizeof(run));
    memset(&t, 0, sizeof(t));
    memset(&list, 0, sizeof(list));
    run.progress = isatty(2);

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--from") == 0 && i + 1 < argc) {
            from = argv[++i];
        } else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc) {
            to = argv[++i];
        } else if (strcmp(argv[i], "--prefix") == 0 && i + 1 < argc) {
            prefix = argv[++i];
        } else if (strcmp(argv[i], "--pad") == 0 && i + 1 < argc) {
            one = argv[++i];
        } else if (strcmp(argv[i], "--dry-run") == 0) {
            run.dry_run = 1;
        } else if (strcmp(argv[i], "--overwrite") == 0) {
            run.overwrite = 1;
        } else if (strcmp(argv[i], "--no-progress") == 0) {
            run.progress = 0;
        } else {
            pm_usage();
            return 2;
        }
    }

    if (from == NULL || to == NULL || strchr(prefix, '{') != NULL
        || strchr(prefix, '}') != NULL)
    {
        pm_usage();
        return 2;
    }

    fprintf(stderr, "pad-migrate: ueberDB caches and delays Etherpad's "
            "writes: stop Etherpad (or let it flush) before the final pass, "
            "or the last edits are missed\n");

    srandom((unsigned) (pm_now() * 1e6) ^ (unsigned) getpid());

    src = pm_source_open(from, err, sizeof(err));
    if (src == NULL) {
        fprintf(stderr, "pad-migrate: %s\n", err);
        return 2;
    }

    t.dry_run = run.dry_run;
    if (pm_target_open(&t, to, prefix) != 0) {
        fprintf(stderr, "pad-migrate: %s\n", t.err);
        src->close(src);
        return 2;
    }

    run.start = pm_now();

    if (one != NULL) {
        list.ids = malloc(sizeof(char *));
        if (list.ids == NULL || (list.ids[0] = strdup(one)) == NULL) {
            return 2;
        }
        list.n = 1;

    } else {
        if (pm_global(&run, src, &t) != 0) {
            fprintf(stderr, "pad-migrate: authors, groups or sessions "
                    "failed\n");
            src->close(src);
            pm_target_close(&t);
            return 2;
        }

        if (src->keys(src, "pad", pm_list_pad, &list) != 0) {
            fprintf(stderr, "pad-migrate: listing pads: %s\n", src->err);
            src->close(src);
            pm_target_close(&t);
            return 2;
        }

        qsort(list.ids, list.n, sizeof(char *), pm_cmp);
    }

    run.pads_total = list.n;

    for (k = 0; k < list.n; k++) {
        (void) pm_pad(&run, src, &t, list.ids[k]);
        free(list.ids[k]);
    }

    free(list.ids);
    pm_progress(&run, 1);
    if (run.progress) {
        fputc('\n', stderr);
    }

    rc = pm_target_flush(&t);

    printf("pad-migrate%s: %llu pads: %llu migrated, %llu complete before, "
           "%llu skipped (in the module's store), %llu failed; %llu "
           "revisions; %llu authors, %llu tokens, %llu mappers, %llu groups, "
           "%llu sessions; %.1f s\n", run.dry_run ? " (dry run)" : "",
           (unsigned long long) run.pads_total,
           (unsigned long long) run.migrated,
           (unsigned long long) run.complete,
           (unsigned long long) run.exists,
           (unsigned long long) run.failed,
           (unsigned long long) run.revs,
           (unsigned long long) run.authors,
           (unsigned long long) run.tokens,
           (unsigned long long) run.mappers,
           (unsigned long long) run.groups,
           (unsigned long long) run.sessions, pm_now() - run.start);

    src->close(src);
    pm_target_close(&t);

    return (run.failed || rc != 0) ? 1 : 0;
}
