/*
 * pad-migrate's SQL sources: ueberDB's postgres and mysql drivers keep
 * every record as a row of the table "store" ("key" VARCHAR(100) primary
 * key, "value" TEXT/LONGTEXT holding JSON).  Keys are listed in key order,
 * PM_BATCH at a time after the last one seen (the primary key's index);
 * values are read PM_BATCH at a time with one IN (...) query.
 *
 *   postgres://user:pass@host:port/db   (any libpq connection URI)
 *   mysql://user:pass@host:port/db
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>
#include <mysql.h>
#include "pm.h"


/* the values of a batch of rows into out[] by key */
static int
pm_sql_place(pm_source_t *src, char **keys, size_t n, json_t **out,
    const char *key, size_t klen, const char *val, size_t vlen)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (out[i] == NULL && strlen(keys[i]) == klen
            && memcmp(keys[i], key, klen) == 0)
        {
            out[i] = pm_parse_value(val, vlen);
            if (out[i] == NULL) {
                snprintf(src->err, sizeof(src->err), "%s source: %s: not "
                         "JSON", src->name, keys[i]);
                return -1;
            }
            return 0;
        }
    }

    return 0;
}


static void
pm_sql_clear(json_t **out, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        json_decref(out[i]);
        out[i] = NULL;
    }
}


/* PostgreSQL */

static int
pm_pg_mget(pm_source_t *src, char **keys, size_t n, json_t **out)
{
    int        i, rows;
    size_t     k, len;
    char       sql[64 + PM_BATCH * 8];
    PGresult  *res;

    if (n == 0 || n > PM_BATCH) {
        return n == 0 ? 0 : -1;
    }

    len = snprintf(sql, sizeof(sql),
                   "SELECT key, value FROM store WHERE key IN (");
    for (k = 0; k < n; k++) {
        len += snprintf(sql + len, sizeof(sql) - len, "%s$%zu",
                        k ? "," : "", k + 1);
    }
    snprintf(sql + len, sizeof(sql) - len, ")");

    res = PQexecParams(src->data, sql, (int) n, NULL,
                       (const char * const *) keys, NULL, NULL, 0);

    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        snprintf(src->err, sizeof(src->err), "postgres source: %s",
                 PQerrorMessage(src->data));
        PQclear(res);
        return -1;
    }

    for (k = 0; k < n; k++) {
        out[k] = NULL;
    }

    rows = PQntuples(res);

    for (i = 0; i < rows; i++) {
        if (pm_sql_place(src, keys, n, out, PQgetvalue(res, i, 0),
                         PQgetlength(res, i, 0), PQgetvalue(res, i, 1),
                         PQgetlength(res, i, 1))
            != 0)
        {
            pm_sql_clear(out, n);
            PQclear(res);
            return -1;
        }
    }

    PQclear(res);
    return 0;
}


static int
pm_pg_keys(pm_source_t *src, const char *prefix, pm_key_cb cb, void *arg)
{
    int          i, rows, stop;
    char         like[256], notlike[256], last[256];
    const char  *params[3];
    PGresult    *res;

    snprintf(like, sizeof(like), "%s:%%", prefix);
    snprintf(notlike, sizeof(notlike), "%s:%%:%%", prefix);
    last[0] = '\0';
    stop = 0;

    do {
        params[0] = like;
        params[1] = notlike;
        params[2] = last;

        res = PQexecParams(src->data,
                           "SELECT key FROM store WHERE key LIKE $1 "
                           "AND key NOT LIKE $2 AND key > $3 "
                           "ORDER BY key LIMIT 100", 3, NULL, params, NULL,
                           NULL, 0);

        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            snprintf(src->err, sizeof(src->err), "postgres source: %s",
                     PQerrorMessage(src->data));
            PQclear(res);
            return -1;
        }

        rows = PQntuples(res);

        for (i = 0; i < rows && !stop; i++) {
            stop = cb(arg, PQgetvalue(res, i, 0), PQgetlength(res, i, 0));
        }

        if (rows > 0) {
            snprintf(last, sizeof(last), "%s", PQgetvalue(res, rows - 1, 0));
        }

        PQclear(res);

    } while (!stop && rows == 100);

    return 0;
}


static void
pm_pg_close(pm_source_t *src)
{
    PQfinish(src->data);
    free(src);
}


pm_source_t *
pm_source_pg(const char *url, char *err, size_t errlen)
{
    PGconn       *c;
    pm_source_t  *src;

    c = PQconnectdb(url);
    if (c == NULL || PQstatus(c) != CONNECTION_OK) {
        snprintf(err, errlen, "postgres source: %s",
                 c ? PQerrorMessage(c) : "out of memory");
        PQfinish(c);
        return NULL;
    }

    PQsetClientEncoding(c, "UTF8");

    src = calloc(1, sizeof(pm_source_t));
    if (src == NULL) {
        PQfinish(c);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    src->name = "postgres";
    src->data = c;
    src->mget = pm_pg_mget;
    src->keys = pm_pg_keys;
    src->close = pm_pg_close;

    return src;
}


/* MySQL / MariaDB */

static char *
pm_my_quote(MYSQL *c, char *p, const char *s)
{
    *p++ = '\'';
    p += mysql_real_escape_string(c, p, s, strlen(s));
    *p++ = '\'';
    *p = '\0';
    return p;
}


static int
pm_my_mget(pm_source_t *src, char **keys, size_t n, json_t **out)
{
    size_t          k, size;
    char           *sql, *p;
    MYSQL_RES      *res;
    MYSQL_ROW       row;
    unsigned long  *lens;

    if (n == 0 || n > PM_BATCH) {
        return n == 0 ? 0 : -1;
    }

    size = 64;
    for (k = 0; k < n; k++) {
        size += strlen(keys[k]) * 2 + 4;
    }

    sql = malloc(size);
    if (sql == NULL) {
        return -1;
    }

    p = sql + sprintf(sql, "SELECT `key`, `value` FROM store WHERE `key` "
                      "IN (");
    for (k = 0; k < n; k++) {
        if (k) {
            *p++ = ',';
        }
        p = pm_my_quote(src->data, p, keys[k]);
        out[k] = NULL;
    }
    *p++ = ')';

    if (mysql_real_query(src->data, sql, p - sql) != 0
        || (res = mysql_store_result(src->data)) == NULL)
    {
        snprintf(src->err, sizeof(src->err), "mysql source: %s",
                 mysql_error(src->data));
        free(sql);
        return -1;
    }

    free(sql);

    while ((row = mysql_fetch_row(res)) != NULL) {
        lens = mysql_fetch_lengths(res);

        if (pm_sql_place(src, keys, n, out, row[0], lens[0], row[1], lens[1])
            != 0)
        {
            pm_sql_clear(out, n);
            mysql_free_result(res);
            return -1;
        }
    }

    mysql_free_result(res);
    return 0;
}


static int
pm_my_keys(pm_source_t *src, const char *prefix, pm_key_cb cb, void *arg)
{
    int             stop;
    size_t          rows;
    char            sql[1024], like[256], notlike[256], last[256], *p;
    MYSQL_RES      *res;
    MYSQL_ROW       row;
    unsigned long  *lens;

    snprintf(like, sizeof(like), "%s:%%", prefix);
    snprintf(notlike, sizeof(notlike), "%s:%%:%%", prefix);
    last[0] = '\0';
    stop = 0;

    do {
        p = sql + sprintf(sql, "SELECT `key` FROM store WHERE `key` LIKE ");
        p = pm_my_quote(src->data, p, like);
        p += sprintf(p, " AND `key` NOT LIKE ");
        p = pm_my_quote(src->data, p, notlike);
        p += sprintf(p, " AND `key` > ");
        p = pm_my_quote(src->data, p, last);
        p += sprintf(p, " ORDER BY `key` LIMIT 100");

        if (mysql_real_query(src->data, sql, p - sql) != 0
            || (res = mysql_store_result(src->data)) == NULL)
        {
            snprintf(src->err, sizeof(src->err), "mysql source: %s",
                     mysql_error(src->data));
            return -1;
        }

        rows = 0;

        while ((row = mysql_fetch_row(res)) != NULL) {
            lens = mysql_fetch_lengths(res);
            rows++;

            if (!stop) {
                stop = cb(arg, row[0], lens[0]);
            }

            snprintf(last, sizeof(last), "%.*s", (int) lens[0], row[0]);
        }

        mysql_free_result(res);

    } while (!stop && rows == 100);

    return 0;
}


static void
pm_my_close(pm_source_t *src)
{
    mysql_close(src->data);
    free(src);
}


pm_source_t *
pm_source_mysql(const char *url, char *err, size_t errlen)
{
    int           port;
    char          buf[1024], *user, *pass, *host, *db, *p;
    MYSQL        *c;
    pm_source_t  *src;

    /* mysql://user[:pass]@host[:port]/db */
    snprintf(buf, sizeof(buf), "%s", url + 8);
    user = buf;
    pass = NULL;
    port = 3306;

    host = strrchr(buf, '@');
    if (host == NULL) {
        host = buf;
        user = NULL;
    } else {
        *host++ = '\0';
        p = strchr(user, ':');
        if (p) {
            *p++ = '\0';
            pass = p;
        }
    }

    db = strchr(host, '/');
    if (db == NULL || db[1] == '\0') {
        snprintf(err, errlen, "bad mysql URL \"%s\" (mysql://user:pass@host"
                 ":port/db)", url);
        return NULL;
    }
    *db++ = '\0';

    p = strchr(host, ':');
    if (p) {
        *p++ = '\0';
        port = atoi(p);
    }

    c = mysql_init(NULL);
    if (c == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    if (mysql_real_connect(c, host, user, pass, db, port, NULL, 0) == NULL
        || mysql_set_character_set(c, "utf8mb4") != 0)
    {
        snprintf(err, errlen, "mysql source: %s", mysql_error(c));
        mysql_close(c);
        return NULL;
    }

    src = calloc(1, sizeof(pm_source_t));
    if (src == NULL) {
        mysql_close(c);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    src->name = "mysql";
    src->data = c;
    src->mget = pm_my_mget;
    src->keys = pm_my_keys;
    src->close = pm_my_close;

    return src;
}
