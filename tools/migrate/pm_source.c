/*
 * pad-migrate's sources: the URL dispatch, and the sources that hold
 * every record in memory: ueberDB's dirty file (one JSON line
 * {"key":..,"val":..} per set, a line without "val" removes the key, the
 * last line of a key wins) and a directory of .etherpad files (each a JSON
 * object of ueberDB records of one pad, as Etherpad's /export/etherpad
 * writes it).  Etherpad's dirty database itself holds everything in
 * memory; so does this reader.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <dirent.h>
#include "pm.h"


pm_source_t *
pm_source_open(const char *url, char *err, size_t errlen)
{
    if (strncmp(url, "redis://", 8) == 0) {
        return pm_source_redis(url, err, errlen);
    }

    if (strncmp(url, "postgres://", 11) == 0
        || strncmp(url, "postgresql://", 13) == 0)
    {
        return pm_source_pg(url, err, errlen);
    }

    if (strncmp(url, "mysql://", 8) == 0) {
        return pm_source_mysql(url, err, errlen);
    }

    if (strncmp(url, "dirty:", 6) == 0) {
        return pm_source_dirty(url + 6, err, errlen);
    }

    if (strncmp(url, "dir:", 4) == 0) {
        return pm_source_dir(url + 4, err, errlen);
    }

    snprintf(err, errlen, "unknown source \"%s\" (redis://, postgres://, "
             "mysql://, dirty:, dir:)", url);
    return NULL;
}


json_t *
pm_parse_value(const char *s, size_t len)
{
    json_error_t  e;

    return json_loadb(s, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
}


json_t *
pm_get(pm_source_t *src, const char *fmt, ...)
{
    char     buf[1024], *key;
    json_t  *v;
    va_list  ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);

    key = buf;
    v = NULL;

    if (src->mget(src, &key, 1, &v) != 0) {
        return NULL;
    }

    return v;
}


/* memory: one JSON object key -> value */

static int
pm_mem_mget(pm_source_t *src, char **keys, size_t n, json_t **out)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        out[i] = json_incref(json_object_get(src->data, keys[i]));
    }

    return 0;
}


static int
pm_mem_keys(pm_source_t *src, const char *prefix, pm_key_cb cb, void *arg)
{
    size_t       plen;
    const char  *key;
    json_t      *v;

    plen = strlen(prefix);

    json_object_foreach((json_t *) src->data, key, v) {
        if (strncmp(key, prefix, plen) == 0 && key[plen] == ':'
            && key[plen + 1] != '\0' && strchr(key + plen + 1, ':') == NULL)
        {
            if (cb(arg, key, strlen(key)) != 0) {
                break;
            }
        }
    }

    return 0;
}


static void
pm_mem_close(pm_source_t *src)
{
    json_decref(src->data);
    free(src);
}


pm_source_t *
pm_source_memory(const char *name, json_t *all)
{
    pm_source_t  *src;

    src = calloc(1, sizeof(pm_source_t));
    if (src == NULL) {
        json_decref(all);
        return NULL;
    }

    src->name = name;
    src->data = all;
    src->mget = pm_mem_mget;
    src->keys = pm_mem_keys;
    src->close = pm_mem_close;

    return src;
}


pm_source_t *
pm_source_dirty(const char *path, char *err, size_t errlen)
{
    FILE          *f;
    char          *line;
    size_t         cap, lineno;
    ssize_t        n;
    json_t        *all, *rec, *key, *val;
    json_error_t   e;

    f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open", path);
        return NULL;
    }

    all = json_object();
    if (all == NULL) {
        fclose(f);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    line = NULL;
    cap = 0;
    lineno = 0;

    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;

        if (n <= 1) {
            continue;
        }

        rec = json_loadb(line, n, JSON_ALLOW_NUL, &e);
        key = json_object_get(rec, "key");

        if (rec == NULL || !json_is_string(key)) {
            /* dirty ignores a torn last line; so do we, others fail */
            json_decref(rec);
            if (getline(&line, &cap, f) < 0) {
                break;
            }
            snprintf(err, errlen, "%s:%zu: not a dirty record", path,
                     lineno);
            goto failed;
        }

        val = json_object_get(rec, "val");

        if (val == NULL || json_is_null(val)) {
            json_object_del(all, json_string_value(key));

        } else if (json_object_set(all, json_string_value(key), val) != 0) {
            json_decref(rec);
            snprintf(err, errlen, "out of memory");
            goto failed;
        }

        json_decref(rec);
    }

    free(line);
    fclose(f);

    return pm_source_memory("dirty", all);

failed:

    free(line);
    fclose(f);
    json_decref(all);
    return NULL;
}


pm_source_t *
pm_source_dir(const char *path, char *err, size_t errlen)
{
    DIR            *d;
    struct dirent  *de;
    size_t          len;
    char            file[4096];
    json_t         *all, *one, *v;
    const char     *key;
    json_error_t    e;

    d = opendir(path);
    if (d == NULL) {
        snprintf(err, errlen, "%s: cannot open directory", path);
        return NULL;
    }

    all = json_object();
    if (all == NULL) {
        closedir(d);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    while ((de = readdir(d)) != NULL) {
        len = strlen(de->d_name);

        if (len <= 9 || strcmp(de->d_name + len - 9, ".etherpad") != 0) {
            continue;
        }

        snprintf(file, sizeof(file), "%s/%s", path, de->d_name);

        one = json_load_file(file, JSON_ALLOW_NUL, &e);
        if (!json_is_object(one)) {
            snprintf(err, errlen, "%s: not an .etherpad file: %s", file,
                     e.text);
            json_decref(one);
            closedir(d);
            json_decref(all);
            return NULL;
        }

        json_object_foreach(one, key, v) {
            /* an author of several files: the first one's record */
            if (strncmp(key, "globalAuthor:", 13) == 0
                && json_object_get(all, key) != NULL)
            {
                continue;
            }

            if (json_object_set(all, key, v) != 0) {
                json_decref(one);
                closedir(d);
                json_decref(all);
                snprintf(err, errlen, "out of memory");
                return NULL;
            }
        }

        json_decref(one);
    }

    closedir(d);

    return pm_source_memory("dir", all);
}
