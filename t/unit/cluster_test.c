
/*
 * Unit tests of src/cluster/ (TAP): CRC16 and key slots with hash tags,
 * the cluster keys of pads (one slot per pad, '}'-leading ids too, no two
 * pads sharing a key), CLUSTER SLOTS parsing (from RESP bytes through
 * hiredis's reader, as the client gets them), MOVED / ASK.
 *
 * For the tests against a real Redis (t/811, t/812):
 *   "cluster_test slot KEY ..."          each key's slot, one a line;
 *   "cluster_test padkeys PREFIX PAD ..."  each pad's "meta" key;
 *   "cluster_test map PORT"              CLUSTER SLOTS of 127.0.0.1:PORT
 *                                        parsed: "host:port first-last"
 *                                        per range, in slot order;
 *   "cluster_test redirect TEXT"         "MOVED|ASK slot host port" or
 *                                        "NONE";
 *   "cluster_test tags"                  "slot tag" for every slot;
 *   "cluster_test subscribe PORT CH SEC" SSUBSCRIBE CH on 127.0.0.1:PORT,
 *                                        a line per push ("smessage CH
 *                                        PAYLOAD", "ssubscribe CH N",
 *                                        "sunsubscribe CH N", "other"),
 *                                        until a sunsubscribe or SEC
 *                                        seconds without a reply.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/ngx_pad_cluster_slot.h"

#include "tap.h"


static const char  *suffixes[] = {
    "meta", "revs", "pool", "snap", "snapidx", "chat", "ro", "conn",
    "saved", "ch", "lost:0123456789abcdef.7:revs", NULL
};

static const char  *pads[] = {
    "plain", "a}b", "{x}", "{}", "}", "}}", "}x", "}}a}b", "x{", "{",
    "}a:b", "}a", "}}a", "}a}", "g.AAAAAAAAAAAAAAAA$notes", "$}x",
    "\xc3\xa9t\xc3\xa9", NULL
};


static unsigned
slot(const char *key)
{
    return ngx_pad_cluster_key_slot(key, strlen(key));
}


static void
test_slots(void)
{
    is_int(ngx_pad_cluster_crc16((const unsigned char *) "123456789", 9),
           0x31c3, "crc16 of 123456789 is XMODEM's 0x31C3");
    is_int(slot("foo"), 12182, "slot of foo");
    is_int(slot("bar"), 5061, "slot of bar");
    is_int(slot("{user1000}.following"), slot("user1000"),
           "a tag hashes only the tag");
    is_int(slot("{user1000}.followers"), slot("{user1000}.following"),
           "two keys of one tag");
    is_int(slot("foo{}{bar}"), ngx_pad_cluster_crc16(
               (const unsigned char *) "foo{}{bar}", 10) & 16383,
           "an empty first tag: the whole key");
    is_int(slot("foo{{bar}}zap"), slot("{bar"), "the tag is {bar");
    is_int(slot("foo{bar}{zap}"), slot("bar"), "the first tag only");
    is_int(slot("foo{bar"), ngx_pad_cluster_crc16(
               (const unsigned char *) "foo{bar", 7) & 16383,
           "no closing brace: the whole key");
    is_int(slot(""), 0, "the empty key is slot 0");
}


static void
test_pad_keys(void)
{
    char          key[256], tag[64], seen[64][256];
    size_t        n, klen;
    unsigned      s0;
    int           i, j, k, nseen, same, fresh;
    const char   *pad;

    nseen = 0;
    fresh = 1;

    for (i = 0; pads[i] != NULL; i++) {
        pad = pads[i];
        same = 1;
        s0 = 0;

        for (j = 0; suffixes[j] != NULL; j++) {
            klen = ngx_pad_cluster_pad_key(key, sizeof(key), "ngxpad:", 7,
                                           pad, strlen(pad), suffixes[j]);
            if (klen == 0 || klen != strlen(key)) {
                same = 0;
                break;
            }

            if (j == 0) {
                s0 = slot(key);
            } else if (slot(key) != s0) {
                same = 0;
            }

            if (j == 0) {
                for (k = 0; k < nseen; k++) {
                    if (strcmp(seen[k], key) == 0) {
                        fresh = 0;
                        diag("pads share %s", key);
                    }
                }

                strcpy(seen[nseen++], key);
            }
        }

        okf(same, "every key of pad \"%s\" in one slot", pad);

        if (pad[0] != '}') {
            klen = ngx_pad_cluster_pad_key(key, sizeof(key), "P", 1, pad,
                                           strlen(pad), "meta");
            n = (size_t) snprintf(tag, sizeof(tag), "P{%s}:meta", pad);
            okf(klen == n && strcmp(key, tag) == 0,
                "pad \"%s\": the single-Redis key", pad);
        }
    }

    ok(fresh, "no two pads share a key");

    ngx_pad_cluster_pad_key(key, sizeof(key), "P", 1, "}}a}b", 5, "meta");
    is_str(key, "P{$ab}}}a}b:meta", "a '}'-leading pad's key");
    ngx_pad_cluster_pad_key(key, sizeof(key), "P", 1, "}", 1, "ch");
    is_str(key, "P{$}}:ch", "the pad \"}\"");

    is_int(ngx_pad_cluster_pad_key(key, sizeof(key), "P", 1, "", 0, "ch"),
           0, "an empty pad id has no key");
    is_int(ngx_pad_cluster_pad_key(key, 10, "P", 1, "abcdef", 6, "meta"),
           0, "a short buffer: no key");
    is_int(ngx_pad_cluster_pad_tag(tag, 3, "abc", 3), 0,
           "a short tag buffer: no tag");
}


static void
test_slot_tags(void)
{
    int        rc, bad, notleast;
    char       buf[16];
    uint32_t  *tags, n;
    unsigned   s;

    tags = malloc(NGX_PAD_CLUSTER_SLOTS * sizeof(uint32_t));
    if (tags == NULL) {
        ok(0, "memory");
        return;
    }

    rc = ngx_pad_cluster_slot_tags(tags);
    is_int(rc, 0, "a tag for every slot");

    bad = 0;
    notleast = 0;

    for (s = 0; s < NGX_PAD_CLUSTER_SLOTS; s++) {
        snprintf(buf, sizeof(buf), "{%u}", (unsigned) tags[s]);
        bad += (slot(buf) != s);

        if (s % 512 == 0) {
            for (n = 0; n < tags[s]; n++) {
                snprintf(buf, sizeof(buf), "%u", (unsigned) n);
                notleast += (slot(buf) == s);
            }
        }
    }

    is_int(bad, 0, "every slot's tag hashes to it");
    is_int(notleast, 0, "each is the least (32 slots checked)");
    is_int(tags[slot("0")], 0, "slot of \"0\": tag 0");

    free(tags);
}


static redisReply *
resp(const char *bytes)
{
    void         *r;
    redisReader  *rd;

    rd = redisReaderCreate();
    if (rd == NULL) {
        return NULL;
    }

    r = NULL;

    if (redisReaderFeed(rd, bytes, strlen(bytes)) != REDIS_OK
        || redisReaderGetReply(rd, &r) != REDIS_OK)
    {
        r = NULL;
    }

    redisReaderFree(rd);

    return r;
}


#define NODE(ip, port, id)                                                   \
    "*3\r\n$" #ip "\r\n:" #port "\r\n$40\r\n" id "\r\n"
#define ID(c)  c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c  \
               c c c c c c c c c


static int
parse(ngx_pad_cluster_map_t *map, const char *bytes, char *err)
{
    int          rc;
    redisReply  *r;

    r = resp(bytes);
    if (r == NULL) {
        strcpy(err, "bad RESP in the test");
        return -2;
    }

    rc = ngx_pad_cluster_map_parse(map, r, "10.0.0.9", err, 120);
    freeReplyObject(r);

    return rc;
}


static void
test_map(ngx_pad_cluster_map_t *map)
{
    int   rc;
    char  err[128];

    /* three primaries, each with a replica; the third's address "?" */
    rc = parse(map,
        "*3\r\n"
        "*4\r\n:0\r\n:5460\r\n"
            "*3\r\n$9\r\n127.0.0.1\r\n:7000\r\n$1\r\na\r\n"
            "*3\r\n$9\r\n127.0.0.1\r\n:7003\r\n$1\r\nd\r\n"
        "*4\r\n:5461\r\n:10922\r\n"
            "*3\r\n$9\r\n127.0.0.1\r\n:7001\r\n$1\r\nb\r\n"
            "*3\r\n$9\r\n127.0.0.1\r\n:7004\r\n$1\r\ne\r\n"
        "*3\r\n:10923\r\n:16383\r\n"
            "*4\r\n$1\r\n?\r\n:7002\r\n$1\r\nc\r\n%0\r\n", err);

    if (rc == -2) {
        /* hiredis 0.14 has no RESP3 map: the same without it */
        rc = parse(map,
            "*3\r\n"
            "*4\r\n:0\r\n:5460\r\n"
                "*3\r\n$9\r\n127.0.0.1\r\n:7000\r\n$1\r\na\r\n"
                "*3\r\n$9\r\n127.0.0.1\r\n:7003\r\n$1\r\nd\r\n"
            "*4\r\n:5461\r\n:10922\r\n"
                "*3\r\n$9\r\n127.0.0.1\r\n:7001\r\n$1\r\nb\r\n"
                "*3\r\n$9\r\n127.0.0.1\r\n:7004\r\n$1\r\ne\r\n"
            "*3\r\n:10923\r\n:16383\r\n"
                "*4\r\n$1\r\n?\r\n:7002\r\n$1\r\nc\r\n*0\r\n", err);
    }

    is_int(rc, 0, "a 3-primary CLUSTER SLOTS parses");
    if (rc != 0) {
        diag("%s", err);
        return;
    }

    is_int(map->nnodes, 3, "three primaries (replicas left out)");
    is_int(map->nslots, 16384, "every slot served");
    is_int(map->slot[0], 0, "slot 0 on the first");
    is_int(map->slot[5460], 0, "slot 5460 on the first");
    is_int(map->slot[5461], 1, "slot 5461 on the second");
    is_int(map->slot[16383], 2, "slot 16383 on the third");
    is_str(map->node[1].host, "127.0.0.1", "the second's host");
    is_int(map->node[1].port, 7001, "the second's port");
    is_str(map->node[2].host, "10.0.0.9", "\"?\": the answering node's host");
    is_int(ngx_pad_cluster_map_find(map, "127.0.0.1", 7001), 1,
           "find the second");
    is_int(ngx_pad_cluster_map_find(map, "127.0.0.1", 7003), -1,
           "a replica is not in the map");

    /* two ranges of one node, a gap */
    rc = parse(map,
        "*2\r\n"
        "*3\r\n:0\r\n:99\r\n*2\r\n$4\r\nhost\r\n:1\r\n"
        "*3\r\n:200\r\n:299\r\n*2\r\n$4\r\nhost\r\n:1\r\n", err);
    is_int(rc, 0, "two ranges of one node");
    is_int(map->nnodes, 1, "one node");
    is_int(map->nslots, 200, "200 slots served");
    is_int(map->slot[150], NGX_PAD_CLUSTER_NO_NODE, "the gap is unserved");

    rc = parse(map,
        "*2\r\n"
        "*3\r\n:0\r\n:99\r\n*2\r\n$1\r\na\r\n:1\r\n"
        "*3\r\n:99\r\n:299\r\n*2\r\n$1\r\nb\r\n:1\r\n", err);
    ok(rc == -1 && strstr(err, "slot 99 twice") != NULL,
       "overlapping ranges are refused");
    is_int(map->nslots, 0, "a refused map serves nothing");

    rc = parse(map, "*1\r\n*3\r\n:0\r\n:16384\r\n*2\r\n$1\r\na\r\n:1\r\n",
               err);
    is_int(rc, -1, "slot 16384 is refused");
    rc = parse(map, "*1\r\n*3\r\n:9\r\n:3\r\n*2\r\n$1\r\na\r\n:1\r\n", err);
    is_int(rc, -1, "end before start is refused");
    rc = parse(map, "*1\r\n*3\r\n:0\r\n:3\r\n*2\r\n$1\r\na\r\n:0\r\n", err);
    is_int(rc, -1, "port 0 is refused");
    rc = parse(map, "*1\r\n*3\r\n:0\r\n:3\r\n*1\r\n$1\r\na\r\n", err);
    is_int(rc, -1, "a node without a port is refused");
    rc = parse(map, "*1\r\n*2\r\n:0\r\n:3\r\n", err);
    is_int(rc, -1, "a range without a node is refused");
    rc = parse(map, "*0\r\n", err);
    ok(rc == -1 && strstr(err, "no slot") != NULL, "no slot is refused");
    rc = parse(map, "-ERR This instance has cluster support disabled\r\n",
               err);
    is_int(rc, -1, "an error reply is refused");
    rc = parse(map, "*1\r\n*3\r\n:0\r\n:3\r\n*2\r\n$0\r\n\r\n:5\r\n", err);
    ok(rc == 0 && strcmp(map->node[0].host, "10.0.0.9") == 0,
       "an empty host: the answering node's");
}


static void
test_map_limit(ngx_pad_cluster_map_t *map)
{
    int          i, rc;
    char         err[128], *buf, *p;
    size_t       size;

    size = 64 * (NGX_PAD_CLUSTER_NODES_MAX + 2);
    buf = malloc(size);
    if (buf == NULL) {
        ok(0, "memory");
        return;
    }

    p = buf + sprintf(buf, "*%d\r\n", NGX_PAD_CLUSTER_NODES_MAX + 1);

    for (i = 0; i <= NGX_PAD_CLUSTER_NODES_MAX; i++) {
        p += sprintf(p, "*3\r\n:%d\r\n:%d\r\n*2\r\n$1\r\nh\r\n:%d\r\n",
                     i, i, 1000 + i);
    }

    rc = parse(map, buf, err);
    ok(rc == -1 && strstr(err, "primaries") != NULL,
       "more primaries than the bound are refused");
    free(buf);
}


static void
push(const char *bytes, int rc, ngx_pad_cluster_push_e kind,
    const char *ch, const char *payload, long long count, const char *name)
{
    int                     got;
    redisReply             *r;
    ngx_pad_cluster_push_t  p;

    r = resp(bytes);
    got = ngx_pad_cluster_push_parse(r, &p);

    if (rc != 0) {
        okf(got == -1 && p.kind == NGX_PAD_CLUSTER_PUSH_NONE, "%s", name);

    } else {
        okf(got == 0 && p.kind == kind
            && p.channel_len == strlen(ch)
            && memcmp(p.channel, ch, p.channel_len) == 0
            && (payload == NULL
                ? p.payload == NULL
                : p.payload_len == strlen(payload)
                  && memcmp(p.payload, payload, p.payload_len) == 0)
            && p.count == count, "%s", name);
    }

    if (r != NULL) {
        freeReplyObject(r);
    }
}


static void
test_pushes(void)
{
    push("*3\r\n$8\r\nsmessage\r\n$4\r\nP{a}\r\n$2\r\nhi\r\n", 0,
         NGX_PAD_CLUSTER_PUSH_SMESSAGE, "P{a}", "hi", 0, "smessage");
    push("*3\r\n$8\r\nsmessage\r\n$1\r\nc\r\n$0\r\n\r\n", 0,
         NGX_PAD_CLUSTER_PUSH_SMESSAGE, "c", "", 0, "an empty smessage");
    push("*3\r\n$10\r\nssubscribe\r\n$1\r\nc\r\n:1\r\n", 0,
         NGX_PAD_CLUSTER_PUSH_SSUBSCRIBE, "c", NULL, 1, "ssubscribe");
    push("*3\r\n$12\r\nsunsubscribe\r\n$1\r\nc\r\n:0\r\n", 0,
         NGX_PAD_CLUSTER_PUSH_SUNSUBSCRIBE, "c", NULL, 0,
         "sunsubscribe, count 0");
    push("*3\r\n$12\r\nSUNSUBSCRIBE\r\n$1\r\nc\r\n:2\r\n", 0,
         NGX_PAD_CLUSTER_PUSH_SUNSUBSCRIBE, "c", NULL, 2, "any case");
    push("*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nx\r\n", -1, 0,
         NULL, NULL, 0, "a classic message is not sharded");
    push("*3\r\n$8\r\nsmessage\r\n$1\r\nc\r\n:1\r\n", -1, 0, NULL,
         NULL, 0, "smessage with an integer payload");
    push("*3\r\n$10\r\nssubscribe\r\n$1\r\nc\r\n$1\r\n1\r\n", -1,
         0, NULL, NULL, 0, "ssubscribe with a string count");
    push("*2\r\n$8\r\nsmessage\r\n$1\r\nc\r\n", -1, 0, NULL, NULL, 0,
         "two elements");
    push("+OK\r\n", -1, 0, NULL, NULL, 0, "a status");
    push("*3\r\n:1\r\n$1\r\nc\r\n:1\r\n", -1, 0, NULL, NULL, 0,
         "an integer verb");
}


static void
redirect(const char *s, int rc, ngx_pad_cluster_redirect_e kind,
    unsigned slot, const char *host, unsigned port)
{
    int                         got;
    ngx_pad_cluster_redirect_t  rd;

    got = ngx_pad_cluster_redirect_parse(s, strlen(s), &rd);

    if (rc != 0) {
        okf(got == -1 && rd.kind == NGX_PAD_CLUSTER_REDIRECT_NONE,
            "\"%s\" is not a redirection", s);
        return;
    }

    okf(got == 0 && rd.kind == kind && rd.slot == slot && rd.port == port
        && strcmp(rd.host, host) == 0, "\"%s\"", s);
}


static void
test_redirects(void)
{
    redirect("MOVED 3999 127.0.0.1:6381", 0, NGX_PAD_CLUSTER_REDIRECT_MOVED,
             3999, "127.0.0.1", 6381);
    redirect("ASK 12182 ::1:7000", 0, NGX_PAD_CLUSTER_REDIRECT_ASK, 12182,
             "::1", 7000);
    redirect("MOVED 0 :6380", 0, NGX_PAD_CLUSTER_REDIRECT_MOVED, 0, "",
             6380);
    redirect("MOVED 16383 redis-1.example:6379", 0,
             NGX_PAD_CLUSTER_REDIRECT_MOVED, 16383, "redis-1.example", 6379);
    redirect("MOVED 16384 127.0.0.1:6381", -1, 0, 0, NULL, 0);
    redirect("MOVED 12 127.0.0.1", -1, 0, 0, NULL, 0);
    redirect("MOVED 12 127.0.0.1:", -1, 0, 0, NULL, 0);
    redirect("MOVED 12 127.0.0.1:70000", -1, 0, 0, NULL, 0);
    redirect("MOVED x 127.0.0.1:6379", -1, 0, 0, NULL, 0);
    redirect("MOVED  127.0.0.1:6379", -1, 0, 0, NULL, 0);
    redirect("ASKING", -1, 0, 0, NULL, 0);
    redirect("ERR unknown command", -1, 0, 0, NULL, 0);
    redirect("CROSSSLOT Keys in request don't hash to the same slot", -1, 0,
             0, NULL, 0);
}


static int
print_map(const char *port)
{
    int                     rc;
    char                    err[128];
    unsigned                s, e;
    redisReply             *r;
    redisContext           *c;
    ngx_pad_cluster_map_t  *map;

    c = redisConnect("127.0.0.1", atoi(port));
    if (c == NULL || c->err) {
        fprintf(stderr, "connect: %s\n", c ? c->errstr : "no memory");
        return 1;
    }

    r = redisCommand(c, "CLUSTER SLOTS");
    map = malloc(sizeof(ngx_pad_cluster_map_t));

    if (r == NULL || map == NULL) {
        fprintf(stderr, "CLUSTER SLOTS: no reply\n");
        return 1;
    }

    rc = ngx_pad_cluster_map_parse(map, r, "127.0.0.1", err, sizeof(err));
    freeReplyObject(r);
    redisFree(c);

    if (rc != 0) {
        fprintf(stderr, "%s\n", err);
        free(map);
        return 1;
    }

    for (s = 0; s < NGX_PAD_CLUSTER_SLOTS; s = e + 1) {
        for (e = s; e + 1 < NGX_PAD_CLUSTER_SLOTS
                    && map->slot[e + 1] == map->slot[s]; e++)
        {
            /* void */
        }

        if (map->slot[s] != NGX_PAD_CLUSTER_NO_NODE) {
            printf("%s:%u %u-%u\n", map->node[map->slot[s]].host,
                   map->node[map->slot[s]].port, s, e);
        }
    }

    free(map);

    return 0;
}


static int
print_redirect(const char *text)
{
    ngx_pad_cluster_redirect_t  rd;

    if (ngx_pad_cluster_redirect_parse(text, strlen(text), &rd) != 0) {
        printf("NONE\n");
        return 0;
    }

    printf("%s %u %s %u\n",
           rd.kind == NGX_PAD_CLUSTER_REDIRECT_MOVED ? "MOVED" : "ASK",
           rd.slot, rd.host, rd.port);

    return 0;
}


static int
subscribe(const char *port, const char *ch, const char *sec)
{
    void                   *r;
    redisContext           *c;
    struct timeval          tv;
    ngx_pad_cluster_push_t  p;

    setvbuf(stdout, NULL, _IOLBF, 0);

    c = redisConnect("127.0.0.1", atoi(port));
    if (c == NULL || c->err) {
        fprintf(stderr, "connect: %s\n", c ? c->errstr : "no memory");
        return 1;
    }

    tv.tv_sec = atoi(sec);
    tv.tv_usec = 0;

    if (redisSetTimeout(c, tv) != REDIS_OK
        || redisAppendCommand(c, "SSUBSCRIBE %s", ch) != REDIS_OK)
    {
        return 1;
    }

    for ( ;; ) {
        r = NULL;

        if (redisGetReply(c, &r) != REDIS_OK || r == NULL) {
            printf("timeout\n");
            break;
        }

        if (ngx_pad_cluster_push_parse(r, &p) != 0) {
            printf("other\n");

        } else if (p.kind == NGX_PAD_CLUSTER_PUSH_SMESSAGE) {
            printf("smessage %.*s %.*s\n", (int) p.channel_len, p.channel,
                   (int) p.payload_len, p.payload);

        } else {
            printf("%s %.*s %lld\n",
                   p.kind == NGX_PAD_CLUSTER_PUSH_SSUBSCRIBE
                   ? "ssubscribe" : "sunsubscribe",
                   (int) p.channel_len, p.channel, p.count);
        }

        if (p.kind == NGX_PAD_CLUSTER_PUSH_SUNSUBSCRIBE) {
            freeReplyObject(r);
            break;
        }

        freeReplyObject(r);
    }

    redisFree(c);

    return 0;
}


static int
print_tags(void)
{
    uint32_t  *tags;
    unsigned   s;

    tags = malloc(NGX_PAD_CLUSTER_SLOTS * sizeof(uint32_t));
    if (tags == NULL || ngx_pad_cluster_slot_tags(tags) != 0) {
        return 1;
    }

    for (s = 0; s < NGX_PAD_CLUSTER_SLOTS; s++) {
        printf("%u %u\n", s, (unsigned) tags[s]);
    }

    free(tags);

    return 0;
}


int
main(int argc, char **argv)
{
    int                     i;
    char                    key[256];
    ngx_pad_cluster_map_t  *map;

    if (argc > 1 && strcmp(argv[1], "slot") == 0) {
        for (i = 2; i < argc; i++) {
            printf("%u\n", slot(argv[i]));
        }

        return 0;
    }

    if (argc > 2 && strcmp(argv[1], "padkeys") == 0) {
        for (i = 3; i < argc; i++) {
            if (ngx_pad_cluster_pad_key(key, sizeof(key), argv[2],
                                        strlen(argv[2]), argv[i],
                                        strlen(argv[i]), "meta")
                == 0)
            {
                return 1;
            }

            printf("%s\n", key);
        }

        return 0;
    }

    if (argc == 3 && strcmp(argv[1], "map") == 0) {
        return print_map(argv[2]);
    }

    if (argc == 5 && strcmp(argv[1], "subscribe") == 0) {
        return subscribe(argv[2], argv[3], argv[4]);
    }

    if (argc == 2 && strcmp(argv[1], "tags") == 0) {
        return print_tags();
    }

    if (argc == 3 && strcmp(argv[1], "redirect") == 0) {
        return print_redirect(argv[2]);
    }

    map = malloc(sizeof(ngx_pad_cluster_map_t));
    if (map == NULL) {
        return 1;
    }

    test_slots();
    test_pad_keys();
    test_slot_tags();
    test_map(map);
    test_map_limit(map);
    test_redirects();
    test_pushes();

    free(map);

    return done_testing();
}
