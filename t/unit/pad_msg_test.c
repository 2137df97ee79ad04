
/*
 * Unit tests of src/msg/ (TAP): parsing, validation, pools, builders.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg/ngx_pad_msg.h"

#include "tap.h"


static ngx_pad_str_t
S(const char *s)
{
    ngx_pad_str_t  r;

    r.data = s;
    r.len = strlen(s);

    return r;
}


static int
token(const char *s)
{
    ngx_pad_str_t  t = S(s);

    return ngx_pad_msg_token_valid(&t);
}


static int
color(const char *s)
{
    ngx_pad_str_t  t = S(s);

    return ngx_pad_msg_color_valid(&t);
}


static int
padid(const char *s)
{
    ngx_pad_str_t  t = S(s);

    return ngx_pad_msg_padid_valid(&t);
}


static int
epadid(const char *s)
{
    ngx_pad_str_t  t = S(s);

    return ngx_pad_msg_padid_etherpad_valid(&t);
}


static int
sanitized(const char *in, const char *expect)
{
    char           buf[256];
    size_t         n;
    ngx_pad_str_t  t = S(in);

    n = ngx_pad_msg_padid_sanitize(&t, buf);

    return n == strlen(expect) && memcmp(buf, expect, n) == 0;
}


static int
parse(const char *text, ngx_pad_msg_t *m, json_t **keep, const char **err)
{
    json_t  *j;

    *err = NULL;
    j = json_loads(text, 0, NULL);
    if (j == NULL) {
        return -2;
    }

    *keep = j;

    return ngx_pad_msg_parse(j, m, err);
}


static void
test_validation(void)
{
    ok(token("t.jIiHSDej02Scp1Ziexs9"), "cli-client token is valid");
    ok(token("t.AAAAAAAAAAAAAAAAAAAA"), "20 letters");
    ok(!token("not-a-token"), "not-a-token refused");
    ok(!token("t."), "empty token value refused");
    ok(!token("t.abc"), "length not a multiple of 4 refused");
    ok(token("t.ab-_"), "base64url characters");
    ok(!token("t.ab+/"), "base64 (not url) characters refused");
    ok(token("t.abA="), "one padding character after a valid char");
    ok(!token("t.abB="), "padding after an invalid char refused");
    ok(token("t.aQ=="), "two padding characters");
    ok(!token("t.aB=="), "two padding after an invalid char refused");
    ok(!token("x.abcd"), "wrong prefix");

    ok(color("#ff0000"), "#ff0000");
    ok(color("#F0a"), "#F0a");
    ok(!color("#ff000"), "5 digits refused");
    ok(!color("ff0000"), "no # refused");
    ok(!color("#gg0000"), "non hex refused");

    ok(padid("foo"), "foo valid");
    ok(padid("g.aaaaaaaaaaaaaaaa$name"), "group pad valid");
    ok(!padid("a$b"), "$ refused");
    ok(!padid(""), "empty refused");
    ok(padid("12345678901234567890123456789012345678901234567890"),
       "50 characters valid");
    ok(!padid("123456789012345678901234567890123456789012345678901"),
       "51 characters refused");
    ok(padid("\xf0\x9f\x98\x80\xf0\x9f\x98\x80"), "emoji pad id valid");
    ok(!padid("a\nb"), "control character refused");
    ok(!padid("a\xff"), "invalid UTF-8 refused");
    ok(!padid("a\xed\xa0\x80"), "surrogate refused");

    ok(sanitized("pads with  spaces", "pads_with_spaces"),
       "white space runs become _");
    ok(sanitized("a::b:c", "a_b_c"), "colon runs become _");
    ok(sanitized("a : b", "a___b"), "white space first, then colons");
    ok(sanitized("a\xc2\xa0\xe3\x80\x80" "b\xe2\x80\xa8" "c\xef\xbb\xbf" "d",
                 "a_b_c_d"), "Unicode white space (JavaScript's \\s) too");
    ok(sanitized("\xc3\xa9 \xf0\x9f\x98\x80:x",
                 "\xc3\xa9_\xf0\x9f\x98\x80_x"),
       "multibyte characters kept");

    /* Etherpad's isValidPadId as such (before sanitizing) */
    ok(epadid("a\nb"), "isValidPadId: [^$] takes a newline");
    ok(!epadid("a$b"), "isValidPadId: $ refused");
    ok(epadid("g\xc3\xa9" "aaaaaaaaaaaaaaaa$name"),
       "isValidPadId: g. takes any character before the group id");
    ok(!epadid("g\naaaaaaaaaaaaaaaa$name"),
       "isValidPadId: but not a line terminator");
    ok(epadid("\xf0\x9f\x98\x80" "1234567890123456789012345678901234567"
              "89012345678"), "isValidPadId: 50 UTF-16 units");
    ok(!epadid("\xf0\x9f\x98\x80" "1234567890123456789012345678901234567"
               "890123456789"), "isValidPadId: 51 UTF-16 units refused");
    ok(!epadid("a                                                  b"),
       "isValidPadId: 53 characters refused before sanitizing");
    ok(padid("g\xc3\xa9" "aaaaaaaaaaaaaaaa$name"),
       "group prefix, multibyte");

    {
        ngx_pad_str_t  r = S("r.2fd46b97eb7140139043bfbecb268ec3");
        ngx_pad_str_t  p = S("rx");

        ok(ngx_pad_msg_is_readonly_id(&r), "r. id");
        ok(!ngx_pad_msg_is_readonly_id(&p), "not an r. id");
    }

    ok(strcmp(ngx_pad_msg_palette[60], "#dee9af") == 0
       && strcmp(ngx_pad_msg_palette[0], "#ffc7c7") == 0,
       "palette entries");
}


static void
test_parse(void)
{
    int             rc;
    json_t         *j;
    const char     *err;
    ngx_pad_msg_t   m;

    rc = parse("{\"component\":\"pad\",\"type\":\"CLIENT_READY\",\"padId\":"
               "\"a1\",\"sessionID\":\"n15\",\"password\":false,\"token\":"
               "\"t.jIiHSDej02Scp1Ziexs9\",\"protocolVersion\":2}",
               &m, &j, &err);
    ok(rc == 0 && m.type == NGX_PAD_MSG_CLIENT_READY && m.pad_id.len == 2
       && m.token.len == 22 && !m.reconnect && !m.batch && !m.has_name,
       "cli-client CLIENT_READY");
    json_decref(j);

    rc = parse("{\"component\":\"pad\",\"type\":\"CLIENT_READY\",\"padId\":"
               "\"x\",\"token\":\"t.AAAA\",\"userInfo\":{\"colorId\":"
               "\"#ff0000\",\"name\":\"Bob\"},\"reconnect\":true,"
               "\"client_rev\":17,\"newChangesBatch\":true}", &m, &j, &err);
    ok(rc == 0 && m.reconnect && m.client_rev == 17 && m.batch
       && m.has_name && m.name.len == 3 && m.has_color,
       "reconnect CLIENT_READY with userInfo and batch opt-in");
    json_decref(j);

    rc = parse("{\"component\":\"pad\",\"type\":\"CLIENT_READY\",\"padId\":"
               "\"x\",\"userInfo\":{\"colorId\":\"red\",\"name\":null}}",
               &m, &j, &err);
    ok(rc == 0 && !m.has_color && !m.has_name && m.token.len == 0,
       "invalid colour ignored in CLIENT_READY");
    json_decref(j);

    rc = parse("{\"component\":\"pad\",\"type\":\"CLIENT_READY\"}",
               &m, &j, &err);
    ok(rc == -1 && err != NULL, "CLIENT_READY without padId refused");
    json_decref(j);

    rc = parse("{\"component\":\"pad\",\"type\":\"CLIENT_READY\",\"padId\":"
               "\"x\",\"reconnect\":true,\"client_rev\":-1}", &m, &j, &err);
    ok(rc == -1, "negative client_rev refused");
    json_decref(j);

    rc = parse("{\"type\":\"COLLABROOM\",\"component\":\"pad\",\"data\":{"
               "\"type\":\"USER_CHANGES\",\"baseRev\":0,\"changeset\":"
               "\"Z:az>2*0+2$Hi\",\"apool\":{\"numToAttrib\":{\"0\":"
               "[\"author\",\"a.x\"]},\"nextNum\":1}}}", &m, &j, &err);
    ok(rc == 0 && m.type == NGX_PAD_MSG_USER_CHANGES && m.base_rev == 0
       && m.changeset.len == 13 && json_is_object(m.apool), "USER_CHANGES");
    json_decref(j);

    rc = parse("{\"type\":\"COLLABROOM\",\"component\":\"pad\",\"data\":{"
               "\"type\":\"USER_CHANGES\",\"baseRev\":1.5,\"changeset\":"
               "\"Z:1>0$\",\"apool\":{}}}", &m, &j, &err);
    ok(rc == -1, "non-integer baseRev refused");
    json_decref(j);

    rc = parse("{\"type\":\"COLLABROOM\",\"component\":\"pad\",\"data\":{"
               "\"type\":\"USER_CHANGES\",\"baseRev\":\"1\",\"changeset\":"
               "\"Z:1>0$\",\"apool\":{}}}", &m, &j, &err);
    ok(rc == -1, "string baseRev refused");
    json_decref(j);

    rc = parse("{\"type\":\"COLLABROOM\",\"component\":\"pad\",\"data\":{"
               "\"type\":\"USER_CHANGES\",\"baseRev\":1,\"changeset\":5,"
               "\"apool\":{}}}", &m, &j, &err);
    ok(rc == -1, "non-string changeset refused");
    json_decref(j);

    rc = parse("{\"type\":\"COLLABROOM\",\"component\":\"pad\",\"data\":{"
               "\"type\":\"USERINFO_UPDATE\",\"userInfo\":{\"userId\":\"a.x\","
               "\"name\":\"Alice\",\"colorId\":\"#00ff00\",\"ip\":1}}}",
               &m, &j, &err);
    ok(rc == 0 && m.type == NGX_PAD_MSG_USERINFO_UPDATE && m.has_color
       && m.has_name, "USERINFO_UPDATE");
    json_decref(j);

    rc = parse("{\"type\":\"COLLABROOM\",\"component\":\"pad\",\"data\":{"
               "\"type\":\"USERINFO_UPDATE\",\"userInfo\":{\"name\":\"A\","
               "\"colorId\":60}}}", &m, &j, &err);
    ok(rc == -1, "USERINFO_UPDATE needs a colour string");
    json_decref(j);

    rc = parse("{\"type\":\"COLLABROOM\",\"component\":\"pad\",\"data\":{"
               "\"type\":\"CHAT_MESSAGE\",\"message\":{\"text\":\"hello chat\","
               "\"time\":null}}}", &m, &j, &err);
    ok(rc == 0 && m.type == NGX_PAD_MSG_CHAT_MESSAGE && m.text.len == 10,
       "CHAT_MESSAGE");
    json_decref(j);

    rc = parse("{\"type\":\"COLLABROOM\",\"component\":\"pad\",\"data\":{"
               "\"type\":\"GET_CHAT_MESSAGES\",\"start\":0,\"end\":100}}",
               &m, &j, &err);
    ok(rc == 0 && m.start == 0 && m.end == 100, "GET_CHAT_MESSAGES");
    json_decref(j);

    rc = parse("{\"type\":\"COLLABROOM\",\"component\":\"pad\",\"data\":{"
               "\"type\":\"GET_CHAT_MESSAGES\",\"start\":0,\"end\":101}}",
               &m, &j, &err);
    ok(rc == -1, "GET_CHAT_MESSAGES over 100 refused");
    json_decref(j);

    rc = parse("{\"component\":\"pad\",\"type\":\"CHANGESET_REQ\",\"data\":{"
               "\"start\":\"100\",\"granularity\":10,\"requestID\":42}}",
               &m, &j, &err);
    ok(rc == 0 && m.type == NGX_PAD_MSG_CHANGESET_REQ && m.start == 100
       && m.granularity == 10 && json_integer_value(m.request_id) == 42,
       "CHANGESET_REQ with a string start");
    json_decref(j);

    rc = parse("{\"type\":\"COLLABROOM\",\"component\":\"pad\",\"data\":{"
               "\"type\":\"NOPE\"}}", &m, &j, &err);
    ok(rc == 0 && m.type == NGX_PAD_MSG_UNKNOWN, "unknown COLLABROOM type");
    json_decref(j);

    rc = parse("{\"component\":\"other\",\"type\":\"CLIENT_READY\"}",
               &m, &j, &err);
    ok(rc == -1, "other component refused");
    json_decref(j);

    rc = parse("[1,2]", &m, &j, &err);
    ok(rc == -1, "array refused");
    json_decref(j);
}


static void
test_pool_and_packets(void)
{
    char            *item, *s;
    size_t           n, lens[2];
    json_t          *j, *k;
    const char      *items[2];
    unsigned char    buf[1024];
    ngx_pad_str_t    key, val, cs, author;
    ngx_pad_pool_t  *pool, *p2;

    pool = ngx_pad_pool_create();
    j = json_loads("{\"numToAttrib\":{\"1\":[\"bold\",\"true\"],\"0\":"
                   "[\"author\",\"a.x\"]},\"nextNum\":2}", 0, NULL);
    ok(ngx_pad_msg_pool_from_json(j, pool, 1000) == 0
       && ngx_pad_pool_next_num(pool) == 2, "pool from JSON");
    ok(ngx_pad_pool_get(pool, 1, &key, &val) == 0 && key.len == 4
       && memcmp(val.data, "true", 4) == 0, "entry 1 is bold");
    k = ngx_pad_msg_pool_to_json(pool);
    s = json_dumps(k, JSON_COMPACT|JSON_SORT_KEYS);
    ok(strcmp(s, "{\"nextNum\":2,\"numToAttrib\":{\"0\":[\"author\",\"a.x\"],"
                 "\"1\":[\"bold\",\"true\"]}}") == 0, "pool to JSON");
    free(s);
    json_decref(k);
    json_decref(j);

    p2 = ngx_pad_pool_create();
    j = json_loads("{\"numToAttrib\":{\"5000\":[\"a\",\"b\"]},\"nextNum\":"
                   "5001}", 0, NULL);
    ok(ngx_pad_msg_pool_from_json(j, p2, 1000) == -1,
       "pool number above the bound refused");
    json_decref(j);
    ngx_pad_pool_destroy(p2);

    p2 = ngx_pad_pool_create();
    j = json_loads("{\"numToAttrib\":{\"0\":[\"a\"]}}", 0, NULL);
    ok(ngx_pad_msg_pool_from_json(j, p2, 1000) == -1,
       "malformed pair refused");
    json_decref(j);
    ngx_pad_pool_destroy(p2);

    cs = S("Z:b1>1=2*0+1$X");
    author = S("a.kq");
    item = ngx_pad_msg_rev_item(2, &cs, pool, &author, 1795755626299LL,
                                803, 1);
    ok(item != NULL && strstr(item, "\"newRev\":2") != NULL
       && strstr(item, "\"timeDelta\":803") != NULL, "revision item");

    n = ngx_pad_msg_new_changes_packet(NULL, item, strlen(item));
    ok(n < sizeof(buf) && ngx_pad_msg_new_changes_packet(buf, item,
                                                         strlen(item)) == n,
       "NEW_CHANGES size");
    j = json_loadb((char *) buf + 2, n - 2, 0, NULL);
    ok(j && strcmp(json_string_value(json_array_get(j, 0)), "message") == 0
       && strcmp(json_string_value(json_object_get(json_object_get(
              json_array_get(j, 1), "data"), "type")), "NEW_CHANGES") == 0
       && json_integer_value(json_object_get(json_object_get(
              json_array_get(j, 1), "data"), "newRev")) == 2,
       "NEW_CHANGES packet parses");
    json_decref(j);

    items[0] = item;
    items[1] = item;
    lens[0] = lens[1] = strlen(item);
    n = ngx_pad_msg_batch_packet(NULL, items, lens, 2);
    ok(n < sizeof(buf) && ngx_pad_msg_batch_packet(buf, items, lens, 2) == n,
       "batch size");
    j = json_loadb((char *) buf + 2, n - 2, 0, NULL);
    k = json_object_get(json_object_get(json_array_get(j, 1), "data"),
                        "changes");
    ok(json_array_size(k) == 2
       && json_integer_value(json_object_get(json_array_get(k, 1),
                                             "newRev")) == 2,
       "NEW_CHANGES_BATCH packet parses");
    json_decref(j);
    free(item);

    item = ngx_pad_msg_rev_item(1, &cs, pool, &author, 5, 0, 0);
    ok(item && strstr(item, "\"timeDelta\":null") != NULL, "null timeDelta");
    free(item);

    ngx_pad_pool_destroy(pool);
}


static void
test_vars(void)
{
    json_t              *j, *d, *site;
    ngx_pad_msg_vars_t   v;
    ngx_pad_pool_t      *wp;

    wp = ngx_pad_pool_create();
    memset(&v, 0, sizeof(v));
    v.pad_id = S("foo");
    v.readonly_id = S("r.0123");
    v.user.author = S("a.abc");
    v.user.color_index = 5;
    v.atext.text = S("\n");
    v.atext.attribs = S("|1+1");
    v.wire_pool = wp;
    v.rev = 3;
    v.time = 10;
    v.server_time = 11;
    v.chat_head = -1;
    v.connected = 2;
    site = json_loads("{\"skinName\":\"no-skin\",\"readonly\":true,"
                      "\"padOptions\":{\"showChat\":false},"
                      "\"scrollWhenFocusLineIsOutOfViewport\":"
                      "{\"percentage\":{\"editionAboveViewport\":5}},"
                      "\"skinVariants\":\"dark-editor\","
                      "\"opts\":7}", 0, NULL);
    v.site = site;

    j = ngx_pad_msg_client_vars(&v);
    d = json_object_get(j, "data");
    ok(j && strcmp(json_string_value(json_object_get(j, "type")),
                   "CLIENT_VARS") == 0, "CLIENT_VARS type");
    ok(json_integer_value(json_object_get(json_object_get(d,
           "collab_client_vars"), "rev")) == 3, "collab_client_vars.rev");
    ok(json_is_object(json_object_get(json_object_get(d,
           "collab_client_vars"), "historicalAuthorData")),
       "historicalAuthorData is an object");
    ok(strcmp(json_string_value(json_object_get(d, "skinName")), "no-skin")
       == 0, "site setting overrides a default");
    ok(json_is_false(json_object_get(d, "readonly")),
       "site settings cannot override protocol fields");
    ok(json_array_size(json_object_get(d, "colorPalette")) == 64,
       "palette");
    ok(json_integer_value(json_object_get(d, "userColor")) == 5,
       "userColor");
    ok(json_is_object(json_object_get(d, "padOptions"))
       && json_is_object(json_object_get(d, "padShortcutEnabled"))
       && json_is_string(json_object_get(d, "skinVariants"))
       && json_is_object(json_object_get(d,
                             "scrollWhenFocusLineIsOutOfViewport"))
       && json_is_object(json_object_get(d, "initialOptions"))
       && json_is_string(json_object_get(d, "randomVersionString"))
       && json_is_array(json_object_get(d, "savedRevisions"))
       && json_is_object(json_object_get(d, "accountPrivs"))
       && json_object_get(d, "userName") == NULL
       && strcmp(json_string_value(json_object_get(d, "mode")),
                 "production") == 0,
       "fields the browser needs");
    ok(json_is_false(json_object_get(json_object_get(d, "padOptions"),
                                     "showChat"))
       && json_is_true(json_object_get(json_object_get(d, "padOptions"),
                                       "showLineNumbers"))
       && json_object_size(json_object_get(d, "padOptions")) == 11,
       "a partial padOptions is merged into the defaults");
    ok(json_integer_value(json_object_get(json_object_get(json_object_get(d,
           "scrollWhenFocusLineIsOutOfViewport"), "percentage"),
           "editionAboveViewport")) == 5
       && json_is_integer(json_object_get(json_object_get(json_object_get(d,
           "scrollWhenFocusLineIsOutOfViewport"), "percentage"),
           "editionBelowViewport"))
       && json_is_integer(json_object_get(json_object_get(d,
           "scrollWhenFocusLineIsOutOfViewport"), "duration")),
       "nested site objects are merged recursively");
    ok(strcmp(json_string_value(json_object_get(d, "skinVariants")),
              "dark-editor") == 0
       && json_integer_value(json_object_get(d, "opts")) == 7,
       "a site value that is not an object replaces the default");
    json_decref(j);
    json_decref(site);
    ngx_pad_pool_destroy(wp);
}


int
main(void)
{
    test_validation();
    test_parse();
    test_pool_and_packets();
    test_vars();

    return done_testing();
}
