
/*
 * Redis Cluster's facts, pure: the hash slot of a key (CRC16 of its hash
 * tag, exactly as Redis computes it), the tag that keeps every key of a
 * pad in one slot, the slot map read from CLUSTER SLOTS, and the MOVED /
 * ASK redirections.  The cluster client (ngx_pad_module/redis/) uses them.
 *
 * Hash tags, as Redis: if the key has a '{' and, after the first '{', a
 * '}', and the bytes between them are not empty, only those bytes are
 * hashed; otherwise the whole key is.  The store's pad keys are
 * "<prefix>{<pad>}:<suffix>": their tag is the pad id up to its first
 * '}', the same for every suffix, except for a pad id that begins with
 * '}' (the tag is empty, each key would hash whole).  In cluster mode
 * such a pad's keys are "<prefix>{$<T>}<pad>:<suffix>", T the pad id
 * without its '}' bytes: '$' never begins another tag (a valid pad id
 * has no '$' but a group pad's, which begins with "g."), and T, a
 * function of the pad id, keeps different pads apart in the slots.
 */


#ifndef _NGX_PAD_CLUSTER_SLOT_H_INCLUDED_
#define _NGX_PAD_CLUSTER_SLOT_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>


#define NGX_PAD_CLUSTER_SLOTS      16384
#define NGX_PAD_CLUSTER_NODES_MAX  64        /* primaries in one map */
#define NGX_PAD_CLUSTER_HOST_MAX   255
#define NGX_PAD_CLUSTER_NO_NODE    0xffff    /* a slot nobody serves */
#define NGX_PAD_CLUSTER_ERR_MAX    120


typedef struct {
    char                    host[NGX_PAD_CLUSTER_HOST_MAX + 1];
    unsigned                port;
} ngx_pad_cluster_node_t;


typedef struct {
    uint16_t                slot[NGX_PAD_CLUSTER_SLOTS];   /* node index */
    unsigned                nnodes;
    unsigned                nslots;                        /* served */
    ngx_pad_cluster_node_t  node[NGX_PAD_CLUSTER_NODES_MAX];
} ngx_pad_cluster_map_t;


typedef enum {
    NGX_PAD_CLUSTER_REDIRECT_NONE = 0,   /* not a redirection */
    NGX_PAD_CLUSTER_REDIRECT_MOVED,
    NGX_PAD_CLUSTER_REDIRECT_ASK
} ngx_pad_cluster_redirect_e;


typedef struct {
    ngx_pad_cluster_redirect_e  kind;
    unsigned                    slot;
    unsigned                    port;
    char                        host[NGX_PAD_CLUSTER_HOST_MAX + 1];
                                         /* "": the replying node's */
} ngx_pad_cluster_redirect_t;


typedef enum {
    NGX_PAD_CLUSTER_PUSH_NONE = 0,       /* not a sharded pub/sub push */
    NGX_PAD_CLUSTER_PUSH_SMESSAGE,
    NGX_PAD_CLUSTER_PUSH_SSUBSCRIBE,
    NGX_PAD_CLUSTER_PUSH_SUNSUBSCRIBE    /* count 0 after a slot moved */
} ngx_pad_cluster_push_e;


typedef struct {
    ngx_pad_cluster_push_e      kind;
    const char                 *channel;     /* in the reply */
    size_t                      channel_len;
    const char                 *payload;     /* SMESSAGE only */
    size_t                      payload_len;
    long long                   count;       /* (S)UNSUBSCRIBE, SSUBSCRIBE */
} ngx_pad_cluster_push_t;


/* CRC16-CCITT (XMODEM), Redis's key hash */
uint16_t ngx_pad_cluster_crc16(const unsigned char *p, size_t len);

/* the slot of a key, with Redis's hash tag rule */
unsigned ngx_pad_cluster_key_slot(const char *key, size_t len);

/*
 * The tag (what goes between the braces) of a pad's keys in cluster mode
 * into buf: the pad id itself, or "$" and the id without its '}' bytes
 * when it begins with '}'.  The length, or 0 (an empty id, or buf of
 * fewer than len + 1 bytes).
 */
size_t ngx_pad_cluster_pad_tag(char *buf, size_t size, const char *pad,
    size_t len);

/*
 * A pad's key in cluster mode into buf, NUL-terminated:
 * "<prefix>{<pad>}:<suffix>" (the single-Redis key) or, for a pad id
 * that begins with '}', "<prefix>{$<T>}<pad>:<suffix>".  The length, or
 * 0 (an empty id, or buf too small).
 */
size_t ngx_pad_cluster_pad_key(char *buf, size_t size, const char *prefix,
    size_t plen, const char *pad, size_t len, const char *suffix);

/*
 * For each slot s, tags[s] = the least n >= 0 whose decimal digits hash
 * to s (all slots have one below NGX_PAD_CLUSTER_TAG_MAX): a key
 * "...{<n>}..." is in slot s, the same on every worker (keys meant for a
 * slot, not for a pad: the per-slot data-set marker).  0, or -1 if some
 * slot had none (cannot happen with CRC16; checked all the same).
 */
#define NGX_PAD_CLUSTER_TAG_MAX  200000
int ngx_pad_cluster_slot_tags(uint32_t *tags);

/* every slot unserved, no node */
void ngx_pad_cluster_map_init(ngx_pad_cluster_map_t *map);

/*
 * The map from a CLUSTER SLOTS reply (only the primaries: the first node
 * of each range); a node whose address is empty or "?" is from_host's.
 * 0, or -1 with the reason in err (the map is then as init left it).
 */
int ngx_pad_cluster_map_parse(ngx_pad_cluster_map_t *map,
    const redisReply *r, const char *from_host, char *err, size_t errlen);

/* the node index of host:port in the map, or -1 */
int ngx_pad_cluster_map_find(const ngx_pad_cluster_map_t *map,
    const char *host, unsigned port);

/*
 * "MOVED <slot> <host>:<port>" or "ASK <slot> <host>:<port>" (an error
 * reply's text): 0 with rd filled, -1 with rd->kind NONE otherwise.
 */
int ngx_pad_cluster_redirect_parse(const char *s, size_t len,
    ngx_pad_cluster_redirect_t *rd);

/*
 * A reply read on a sharded subscriber connection (RESP2 arrays, or RESP3
 * pushes where hiredis knows them): ["smessage", ch, payload],
 * ["ssubscribe", ch, n], ["sunsubscribe", ch, n].  0 with p filled
 * (pointing into r), -1 with p->kind NONE for anything else.
 */
int ngx_pad_cluster_push_parse(const redisReply *r,
    ngx_pad_cluster_push_t *p);


#endif /* _NGX_PAD_CLUSTER_SLOT_H_INCLUDED_ */
