
/*
 * Unit test of the .etherpad writer (src/etherpad/): every record kind,
 * parsed back with jansson, JSON.stringify's escaping, a key revision's
 * meta, the "," between records across ngx_pad_etherpad_sent(), and a
 * long stream written in a buffer that stays small.
 */


#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "etherpad/ngx_pad_etherpad.h"
#include "tap.h"


#define S(s)  { sizeof(s) - 1, s }


static json_t *
parse(ngx_pad_etherpad_w_t *w, const char *out)
{
    json_error_t  err;
    json_t       *j;

    (void) w;

    j = json_loads(out, 0, &err);
    if (j == NULL) {
        diag("bad JSON: %s: %s", err.text, out);
    }

    return j;
}


static const char *
str_at(json_t *o, const char *path1, const char *path2)
{
    json_t  *v;

    v = json_object_get(o, path1);
    if (path2 && v) {
        v = json_object_get(v, path2);
    }

    return json_is_string(v) ? json_string_value(v) : NULL;
}


int
main(void)
{
    char                  *all;
    size_t                 all_len, all_cap, max_cap;
    int64_t                i;
    json_t                *j, *r, *m;
    ngx_pad_etherpad_w_t   w;

    ngx_pad_str_t    id = S("my\"pad");
    ngx_pad_str_t    cs = S("Z:1>5*0+5$hello");
    ngx_pad_str_t    au = S("a.x1");
    ngx_pad_str_t    none = S("");
    ngx_pad_str_t    pool = S("{\"numToAttrib\":{\"0\":[\"author\",\"a.x1\"]},"
                              "\"nextNum\":1}");
    ngx_pad_str_t    saved = S("[]");
    ngx_pad_str_t    chat = S("hi \"you\"\n\t\x01 \xc3\xa9");
    ngx_pad_str_t    name = S("Ann");
    ngx_pad_str_t    col5 = S("5");
    ngx_pad_str_t    colc = S("#ff0000");
    ngx_pad_atext_t  at = { S("hello\n"), S("*0+5|1+1") };

    all = NULL;
    all_len = 0;
    all_cap = 0;

    ngx_pad_etherpad_init(&w, &id);

    ok(ngx_pad_etherpad_begin(&w) == 0
       && ngx_pad_etherpad_rev(&w, 0, &cs, &au, 1700000000000LL, &at, &pool)
          == 0, "key revision 0 written");

    /* what a sender does: take the bytes, empty the buffer */
    all = malloc(w.len + 1);
    memcpy(all, w.data, w.len);
    all_len = w.len;
    ngx_pad_etherpad_sent(&w);

    ok(ngx_pad_etherpad_rev(&w, 1, &cs, &none, 1700000000001LL, NULL, NULL)
       == 0
       && ngx_pad_etherpad_chat(&w, 0, &chat, &au, 1700000000002LL) == 0
       && ngx_pad_etherpad_author(&w, &au, &name, &col5, 1600000000000LL)
          == 0
       && ngx_pad_etherpad_author(&w, &cs, &none, &colc, -1) == 0
       && ngx_pad_etherpad_pad(&w, &at, &pool, 1, 0, 1, &saved) == 0
       && ngx_pad_etherpad_end(&w) == 0, "the other records written");

    all = realloc(all, all_len + w.len + 1);
    memcpy(all + all_len, w.data, w.len);
    all_len += w.len;
    all[all_len] = '\0';
    is_int(w.records, 6, "six records counted");

    j = parse(&w, all);
    ok(j != NULL, "the file is one JSON object");
    is_int(j ? (long long) json_object_size(j) : 0, 6, "six keys");

    r = json_object_get(j, "pad:my\"pad:revs:0");
    is_str(str_at(r, "changeset", NULL), "Z:1>5*0+5$hello", "changeset");
    m = json_object_get(r, "meta");
    is_str(str_at(m, "author", NULL), "a.x1", "meta.author");
    is_int(json_integer_value(json_object_get(m, "timestamp")),
           1700000000000LL, "meta.timestamp a number");
    is_str(str_at(m, "atext", "text"), "hello\n", "key rev meta.atext.text");
    is_str(str_at(m, "atext", "attribs"), "*0+5|1+1", "meta.atext.attribs");
    is_int(json_integer_value(json_object_get(json_object_get(m, "pool"),
                                              "nextNum")),
           1, "key rev meta.pool");

    m = json_object_get(json_object_get(j, "pad:my\"pad:revs:1"), "meta");
    ok(m && json_object_get(m, "atext") == NULL
       && json_object_get(m, "pool") == NULL, "no atext/pool off key revs");
    is_str(str_at(m, "author", NULL), "", "empty author kept");

    r = json_object_get(j, "pad:my\"pad:chat:0");
    is_str(str_at(r, "text", NULL), "hi \"you\"\n\t\x01 \xc3\xa9",
           "chat text round trips (escapes, UTF-8)");
    is_str(str_at(r, "authorId", NULL), "a.x1", "chat authorId");
    ok(strstr(all, "\\u0001") != NULL && strstr(all, "\xc3\xa9") != NULL,
       "control bytes \\u-escaped, UTF-8 kept as JSON.stringify does");

    r = json_object_get(j, "globalAuthor:a.x1");
    is_int(json_integer_value(json_object_get(r, "colorId")), 5,
           "palette colour a number");
    is_str(str_at(r, "name", NULL), "Ann", "author name");
    is_str(str_at(r, "padIDs", NULL), "my\"pad", "padIDs the pad's id");
    r = json_object_get(j, "globalAuthor:Z:1>5*0+5$hello");
    is_str(str_at(r, "colorId", NULL), "#ff0000", "CSS colour a string");
    ok(r && json_is_null(json_object_get(r, "name"))
       && json_object_get(r, "timestamp") == NULL, "no name: null, no ts");

    r = json_object_get(j, "pad:my\"pad");
    is_str(str_at(r, "atext", "text"), "hello\n", "pad atext");
    is_int(json_integer_value(json_object_get(r, "head")), 1, "head");
    is_int(json_integer_value(json_object_get(r, "chatHead")), 0,
           "chatHead");
    ok(json_is_true(json_object_get(r, "publicStatus")), "publicStatus");
    ok(json_is_array(json_object_get(r, "savedRevisions")),
       "savedRevisions");
    ok(json_object_get(r, "id") == NULL, "no id (Pad.toJSON drops it)");

    json_decref(j);
    free(all);
    ngx_pad_etherpad_free(&w);

    /* 20,000 revisions sent one by one: the buffer stays one record big */

    ngx_pad_etherpad_init(&w, &id);
    max_cap = 0;
    all_cap = 0;

    ok(ngx_pad_etherpad_begin(&w) == 0, "begin");

    for (i = 0; i < 20000; i++) {
        if (ngx_pad_etherpad_rev(&w, i, &cs, &au, 1,
                                 i % NGX_PAD_ETHERPAD_KEY_REVS ? NULL : &at,
                                 &pool)
            != 0)
        {
            break;
        }

        all_cap += w.len;
        ngx_pad_etherpad_sent(&w);
        max_cap = w.cap > max_cap ? w.cap : max_cap;
    }

    is_int(i, 20000, "20,000 revision records");
    ok(max_cap <= 4096, "buffer stayed at 4 KB");
    diag("%zu bytes written, buffer %zu", all_cap, max_cap);
    ngx_pad_etherpad_free(&w);

    return done_testing();
}
