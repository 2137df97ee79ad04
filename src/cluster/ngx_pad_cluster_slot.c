
/*
 * Redis Cluster's facts, pure: slots, hash tags, the slot map, MOVED and
 * ASK (see ngx_pad_cluster_slot.h).
 */


#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cluster/ngx_pad_cluster_slot.h"


static int ngx_pad_cluster_map_add(ngx_pad_cluster_map_t *map,
    const redisReply *range, const char *from_host, char *err,
    size_t errlen);
static int ngx_pad_cluster_number(const redisReply *r, long long min,
    long long max, long long *n);
static int ngx_pad_cluster_set_host(char *dst, const char *src, size_t len,
    const char *from_host);


uint16_t
ngx_pad_cluster_crc16(const unsigned char *p, size_t len)
{
    size_t    i;
    unsigned  bit, crc;

    crc = 0;

    for (i = 0; i < len; i++) {
        crc ^= (unsigned) p[i] << 8;

        for (bit = 0; bit < 8; bit++) {
            crc = (crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1;
        }
    }

    return (uint16_t) (crc & 0xffff);
}


unsigned
ngx_pad_cluster_key_slot(const char *key, size_t len)
{
    size_t  s, e;

    for (s = 0; s < len && key[s] != '{'; s++) { /* void */ }

    if (s < len) {
        for (e = s + 1; e < len && key[e] != '}'; e++) { /* void */ }

        if (e < len && e != s + 1) {
            key += s + 1;
            len = e - s - 1;
        }
    }

    return ngx_pad_cluster_crc16((const unsigned char *) key, len)
           & (NGX_PAD_CLUSTER_SLOTS - 1);
}


size_t
ngx_pad_cluster_pad_tag(char *buf, size_t size, const char *pad,
    size_t len)
{
    size_t  i, n;

    if (len == 0 || size < len + 1) {
        return 0;
    }

    if (pad[0] != '}') {
        memcpy(buf, pad, len);
        return len;
    }

    n = 0;
    buf[n++] = '$';

    for (i = 0; i < len; i++) {
        if (pad[i] != '}') {
            buf[n++] = pad[i];
        }
    }

    return n;
}


size_t
ngx_pad_cluster_pad_key(char *buf, size_t size, const char *prefix,
    size_t plen, const char *pad, size_t len, const char *suffix)
{
    size_t  n, t, slen;

    slen = strlen(suffix);

    /* prefix "{" "$" T "}" pad ":" suffix NUL, T at most len bytes */

    if (len == 0 || size < plen + 2 * len + slen + 5) {
        return 0;
    }

    memcpy(buf, prefix, plen);
    n = plen;
    buf[n++] = '{';

    t = ngx_pad_cluster_pad_tag(buf + n, len + 1, pad, len);
    n += t;
    buf[n++] = '}';

    if (pad[0] == '}') {
        memcpy(buf + n, pad, len);
        n += len;
    }

    buf[n++] = ':';
    memcpy(buf + n, suffix, slen);
    n += slen;
    buf[n] = '\0';

    return n;
}


int
ngx_pad_cluster_slot_tags(uint32_t *tags)
{
    int       len;
    char      buf[16];
    uint32_t  n, left;
    unsigned  s;

    for (s = 0; s < NGX_PAD_CLUSTER_SLOTS; s++) {
        tags[s] = UINT32_MAX;
    }

    left = NGX_PAD_CLUSTER_SLOTS;

    for (n = 0; left && n < NGX_PAD_CLUSTER_TAG_MAX; n++) {
        len = snprintf(buf, sizeof(buf), "%u", (unsigned) n);
        s = ngx_pad_cluster_crc16((const unsigned char *) buf, (size_t) len)
            & (NGX_PAD_CLUSTER_SLOTS - 1);

        if (tags[s] == UINT32_MAX) {
            tags[s] = n;
            left--;
        }
    }

    return left ? -1 : 0;
}


void
ngx_pad_cluster_map_init(ngx_pad_cluster_map_t *map)
{
    unsigned  i;

    for (i = 0; i < NGX_PAD_CLUSTER_SLOTS; i++) {
        map->slot[i] = NGX_PAD_CLUSTER_NO_NODE;
    }

    map->nnodes = 0;
    map->nslots = 0;
}


int
ngx_pad_cluster_map_parse(ngx_pad_cluster_map_t *map, const redisReply *r,
    const char *from_host, char *err, size_t errlen)
{
    size_t  i;

    ngx_pad_cluster_map_init(map);

    if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
        snprintf(err, errlen, "CLUSTER SLOTS: not an array");
        return -1;
    }

    for (i = 0; i < r->elements; i++) {
        if (ngx_pad_cluster_map_add(map, r->element[i], from_host, err,
                                    errlen)
            != 0)
        {
            ngx_pad_cluster_map_init(map);
            return -1;
        }
    }

    if (map->nslots == 0) {
        snprintf(err, errlen, "CLUSTER SLOTS: no slot is served");
        return -1;
    }

    return 0;
}


/* [start, end, [host, port, id, ...], replica, ...] */

static int
ngx_pad_cluster_map_add(ngx_pad_cluster_map_t *map, const redisReply *range,
    const char *from_host, char *err, size_t errlen)
{
    int                      idx;
    long long                start, end, port, s;
    const redisReply        *node;
    ngx_pad_cluster_node_t   tmp;

    if (range == NULL || range->type != REDIS_REPLY_ARRAY
        || range->elements < 3
        || ngx_pad_cluster_number(range->element[0], 0,
                                  NGX_PAD_CLUSTER_SLOTS - 1, &start) != 0
        || ngx_pad_cluster_number(range->element[1], start,
                                  NGX_PAD_CLUSTER_SLOTS - 1, &end) != 0)
    {
        snprintf(err, errlen, "CLUSTER SLOTS: a malformed slot range");
        return -1;
    }

    node = range->element[2];

    if (node == NULL || node->type != REDIS_REPLY_ARRAY
        || node->elements < 2
        || node->element[0]->type != REDIS_REPLY_STRING
        || ngx_pad_cluster_number(node->element[1], 1, 65535, &port) != 0
        || ngx_pad_cluster_set_host(tmp.host, node->element[0]->str,
                                    node->element[0]->len, from_host)
           != 0)
    {
        snprintf(err, errlen, "CLUSTER SLOTS: a malformed node of slots "
                 "%lld-%lld", start, end);
        return -1;
    }

    tmp.port = (unsigned) port;

    idx = ngx_pad_cluster_map_find(map, tmp.host, tmp.port);

    if (idx < 0) {
        if (map->nnodes == NGX_PAD_CLUSTER_NODES_MAX) {
            snprintf(err, errlen, "CLUSTER SLOTS: more than %d primaries",
                     NGX_PAD_CLUSTER_NODES_MAX);
            return -1;
        }

        idx = (int) map->nnodes++;
        map->node[idx] = tmp;
    }

    for (s = start; s <= end; s++) {
        if (map->slot[s] != NGX_PAD_CLUSTER_NO_NODE) {
            snprintf(err, errlen, "CLUSTER SLOTS: slot %lld twice", s);
            return -1;
        }

        map->slot[s] = (uint16_t) idx;
        map->nslots++;
    }

    return 0;
}


static int
ngx_pad_cluster_number(const redisReply *r, long long min, long long max,
    long long *n)
{
    if (r == NULL || r->type != REDIS_REPLY_INTEGER
        || r->integer < min || r->integer > max)
    {
        return -1;
    }

    *n = r->integer;

    return 0;
}


static int
ngx_pad_cluster_set_host(char *dst, const char *src, size_t len,
    const char *from_host)
{
    if (len == 0 || (len == 1 && src[0] == '?')) {
        src = from_host;
        len = (from_host != NULL) ? strlen(from_host) : 0;
    }

    if (len == 0 || len > NGX_PAD_CLUSTER_HOST_MAX
        || memchr(src, '\0', len) != NULL)
    {
        return -1;
    }

    memcpy(dst, src, len);
    dst[len] = '\0';

    return 0;
}


int
ngx_pad_cluster_map_find(const ngx_pad_cluster_map_t *map, const char *host,
    unsigned port)
{
    unsigned  i;

    for (i = 0; i < map->nnodes; i++) {
        if (map->node[i].port == port && strcmp(map->node[i].host, host) == 0)
        {
            return (int) i;
        }
    }

    return -1;
}


int
ngx_pad_cluster_redirect_parse(const char *s, size_t len,
    ngx_pad_cluster_redirect_t *rd)
{
    size_t                      i, colon, hl;
    unsigned long               slot, port;
    ngx_pad_cluster_redirect_e  kind;

    rd->kind = NGX_PAD_CLUSTER_REDIRECT_NONE;

    if (len > 6 && memcmp(s, "MOVED ", 6) == 0) {
        kind = NGX_PAD_CLUSTER_REDIRECT_MOVED;
        i = 6;

    } else if (len > 4 && memcmp(s, "ASK ", 4) == 0) {
        kind = NGX_PAD_CLUSTER_REDIRECT_ASK;
        i = 4;

    } else {
        return -1;
    }

    slot = 0;

    if (i == len || s[i] < '0' || s[i] > '9') {
        return -1;
    }

    while (i < len && s[i] >= '0' && s[i] <= '9') {
        slot = slot * 10 + (unsigned long) (s[i++] - '0');

        if (slot >= NGX_PAD_CLUSTER_SLOTS) {
            return -1;
        }
    }

    if (i == len || s[i++] != ' ') {
        return -1;
    }

    /* host:port, the port after the last ':' (an IPv6 host has more) */

    for (colon = len; colon > i && s[colon - 1] != ':'; colon--) {
        /* void */
    }

    if (colon == i || colon == len) {
        return -1;
    }

    hl = colon - 1 - i;

    if (hl > NGX_PAD_CLUSTER_HOST_MAX || memchr(s + i, ' ', hl) != NULL) {
        return -1;
    }

    port = 0;

    for (i = colon; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }

        port = port * 10 + (unsigned long) (s[i] - '0');

        if (port > 65535) {
            return -1;
        }
    }

    if (port == 0) {
        return -1;
    }

    memcpy(rd->host, s + colon - 1 - hl, hl);
    rd->host[hl] = '\0';
    rd->slot = (unsigned) slot;
    rd->port = (unsigned) port;
    rd->kind = kind;

    return 0;
}


int
ngx_pad_cluster_push_parse(const redisReply *r, ngx_pad_cluster_push_t *p)
{
    const redisReply  *v, *c, *a;

    p->kind = NGX_PAD_CLUSTER_PUSH_NONE;

    if (r == NULL
        || (r->type != REDIS_REPLY_ARRAY
#ifdef REDIS_REPLY_PUSH
            && r->type != REDIS_REPLY_PUSH
#endif
           )
        || r->elements != 3)
    {
        return -1;
    }

    v = r->element[0];
    c = r->element[1];
    a = r->element[2];

    if (v->type != REDIS_REPLY_STRING || c->type != REDIS_REPLY_STRING) {
        return -1;
    }

    if (v->len == 8 && strncasecmp(v->str, "smessage", 8) == 0
        && a->type == REDIS_REPLY_STRING)
    {
        p->payload = a->str;
        p->payload_len = a->len;
        p->count = 0;
        p->kind = NGX_PAD_CLUSTER_PUSH_SMESSAGE;

    } else if (a->type != REDIS_REPLY_INTEGER) {
        return -1;

    } else if (v->len == 10 && strncasecmp(v->str, "ssubscribe", 10) == 0) {
        p->kind = NGX_PAD_CLUSTER_PUSH_SSUBSCRIBE;

    } else if (v->len == 12 && strncasecmp(v->str, "sunsubscribe", 12) == 0)
    {
        p->kind = NGX_PAD_CLUSTER_PUSH_SUNSUBSCRIBE;

    } else {
        return -1;
    }

    if (p->kind != NGX_PAD_CLUSTER_PUSH_SMESSAGE) {
        p->payload = NULL;
        p->payload_len = 0;
        p->count = a->integer;
    }

    p->channel = c->str;
    p->channel_len = c->len;

    return 0;
}
