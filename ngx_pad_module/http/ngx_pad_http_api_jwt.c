
/*
 * ngx_pad_module: the HTTP API's OAuth bearer tokens (Etherpad 2.x's
 * authenticationMethod "sso", APIHandler.ts), used when pad_api_jwt_key
 * is set and pad_api_key_file is not.
 *
 * A call gives "Authorization: Bearer <jwt>" (none: "no or wrong API
 * Key"; Etherpad removes the first "Bearer " of the header).  The token is
 * a JWS in compact form signed with RS256 by the key of pad_api_jwt_key
 * (any other "alg", "none" and HS256 included, is refused, as is a "crit"
 * header); "exp" (if any) must be later than now and "nbf" (if any) not
 * later, in seconds, as jose's jwtVerify() checks them.  A token whose
 * "sub" is one of pad_api_jwt_clients (client credentials) is enough;
 * any other must carry an "admin" claim (authorization code; its value
 * is not looked at, as jose's requiredClaims).  A refused token is
 * "no or wrong OAuth token" (code 4, 401), logged at most once a second.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/bio.h>

#include "http/ngx_pad_http_api.h"


#define NGX_PAD_API_JWT_MAX       16384


static const char *ngx_pad_api_jwt_verify(ngx_pad_api_t *api,
    ngx_str_t *token);
static json_t *ngx_pad_api_jwt_part(ngx_pool_t *pool, u_char *p, size_t len);
static ngx_int_t ngx_pad_api_jwt_sig(EVP_PKEY *key, ngx_str_t *signed_part,
    ngx_str_t *sig);
static void ngx_pad_api_jwt_key_free(void *data);


ngx_int_t
ngx_pad_api_jwt_check(ngx_pad_api_t *api)
{
    u_char          *p;
    ngx_str_t        token, *h;
    const char      *why;

    static time_t  logged;

    if (api->r->headers_in.authorization == NULL) {
        why = "no Authorization header";
        goto refused;
    }

    h = &api->r->headers_in.authorization->value;

    /* authorization.replace("Bearer ", ""): the first one, anywhere */

    token = *h;

    for (p = h->data; p + 7 <= h->data + h->len; p++) {
        if (ngx_strncmp(p, "Bearer ", 7) == 0) {
            break;
        }
    }

    if (p + 7 <= h->data + h->len) {
        token.len = h->len - 7;
        token.data = ngx_pnalloc(api->r->pool, token.len + 1);
        if (token.data == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(ngx_cpymem(token.data, h->data, p - h->data), p + 7,
                   h->data + h->len - (p + 7));
    }

    why = ngx_pad_api_jwt_verify(api, &token);

    if (why == NULL) {
        return NGX_OK;
    }

refused:

    if (logged != ngx_time()) {
        logged = ngx_time();
        ngx_log_error(NGX_LOG_WARN, api->log, 0,
                      "pad api: %V: OAuth token refused: %s",
                      &api->fn->name, why);
    }

    return api->r->headers_in.authorization ? NGX_ERROR : NGX_DECLINED;
}


/* NULL: valid; else why not */

static const char *
ngx_pad_api_jwt_verify(ngx_pad_api_t *api, ngx_str_t *token)
{
    u_char        *dot1, *dot2, *last;
    time_t         now;
    json_t        *header, *payload, *v, *sub;
    ngx_str_t      signed_part, sig64, sig, *client;
    ngx_uint_t     i, found;
    const char    *why;

    if (token->len > NGX_PAD_API_JWT_MAX) {
        return "too long";
    }

    last = token->data + token->len;
    dot1 = ngx_strlchr(token->data, last, '.');
    dot2 = dot1 ? ngx_strlchr(dot1 + 1, last, '.') : NULL;

    if (dot2 == NULL || ngx_strlchr(dot2 + 1, last, '.') != NULL) {
        return "not a compact JWS";
    }

    header = ngx_pad_api_jwt_part(api->r->pool, token->data,
                                  dot1 - token->data);
    payload = ngx_pad_api_jwt_part(api->r->pool, dot1 + 1, dot2 - dot1 - 1);

    why = NULL;

    if (header == NULL || payload == NULL) {
        why = "a part is not a base64url JSON object";
        goto done;
    }

    v = json_object_get(header, "alg");

    if (!json_is_string(v) || ngx_strcmp(json_string_value(v), "RS256") != 0)
    {
        why = "alg is not RS256";
        goto done;
    }

    if (json_object_get(header, "crit") != NULL) {
        why = "a crit header";
        goto done;
    }

    signed_part.data = token->data;
    signed_part.len = dot2 - token->data;

    sig64.data = dot2 + 1;
    sig64.len = last - sig64.data;
    sig.data = ngx_pnalloc(api->r->pool, ngx_base64_decoded_length(sig64.len)
                                         + 1);

    if (sig.data == NULL || ngx_decode_base64url(&sig, &sig64) != NGX_OK
        || ngx_pad_api_jwt_sig(api->conf->jwt_key, &signed_part, &sig)
           != NGX_OK)
    {
        why = "bad signature";
        goto done;
    }

    /* the time claims, in seconds */

    now = ngx_time();

    v = json_object_get(payload, "exp");

    if (v && (!json_is_number(v) || json_number_value(v) <= (double) now)) {
        why = "expired";
        goto done;
    }

    v = json_object_get(payload, "nbf");

    if (v && (!json_is_number(v) || json_number_value(v) > (double) now)) {
        why = "not yet valid";
        goto done;
    }

    v = json_object_get(payload, "iat");

    if (v && !json_is_number(v)) {
        why = "iat is not a number";
        goto done;
    }

    /* a client (client credentials), or else an admin claim */

    sub = json_object_get(payload, "sub");
    found = 0;

    if (json_is_string(sub) && api->conf->jwt_clients) {
        client = api->conf->jwt_clients->elts;

        for (i = 0; i < api->conf->jwt_clients->nelts; i++) {
            if (client[i].len == json_string_length(sub)
                && ngx_memcmp(client[i].data, json_string_value(sub),
                              client[i].len) == 0)
            {
                found = 1;
                break;
            }
        }
    }

    if (!found && json_object_get(payload, "admin") == NULL) {
        why = "neither a client's sub nor an admin claim";
    }

done:

    json_decref(header);
    json_decref(payload);

    return why;
}


static json_t *
ngx_pad_api_jwt_part(ngx_pool_t *pool, u_char *p, size_t len)
{
    json_t     *j;
    ngx_str_t   src, dst;

    src.data = p;
    src.len = len;

    dst.data = ngx_pnalloc(pool, ngx_base64_decoded_length(len) + 1);
    if (dst.data == NULL || ngx_decode_base64url(&dst, &src) != NGX_OK) {
        return NULL;
    }

    j = json_loadb((char *) dst.data, dst.len, 0, NULL);

    if (!json_is_object(j)) {
        json_decref(j);
        return NULL;
    }

    return j;
}


static ngx_int_t
ngx_pad_api_jwt_sig(EVP_PKEY *key, ngx_str_t *signed_part, ngx_str_t *sig)
{
    int          rc;
    EVP_MD_CTX  *md;

    md = EVP_MD_CTX_new();
    if (md == NULL) {
        return NGX_ERROR;
    }

    rc = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key);

    if (rc == 1) {
        rc = EVP_DigestVerify(md, sig->data, sig->len, signed_part->data,
                              signed_part->len);
    }

    EVP_MD_CTX_free(md);

    return rc == 1 ? NGX_OK : NGX_ERROR;
}


/* pad_api_jwt_key <file>: an RSA public key in PEM, read with the conf */

char *
ngx_pad_api_set_jwt_key(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_pad_api_conf_t  *acf = (ngx_pad_api_conf_t *)
                                   ((u_char *) conf + cmd->offset);

    BIO                 *bio;
    EVP_PKEY            *key;
    ngx_str_t           *value, name;
    ngx_pool_cleanup_t  *cln;

    if (acf->jwt_key) {
        return "is duplicate";
    }

    value = cf->args->elts;
    name = value[1];

    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    bio = BIO_new_file((char *) name.data, "r");
    if (bio == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "cannot read \"%V\"",
                           &name);
        return NGX_CONF_ERROR;
    }

    key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);

    if (key == NULL || EVP_PKEY_base_id(key) != EVP_PKEY_RSA) {
        EVP_PKEY_free(key);
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is not an RSA public key in PEM "
                           "(BEGIN PUBLIC KEY)", &name);
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        EVP_PKEY_free(key);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_pad_api_jwt_key_free;
    cln->data = key;

    acf->jwt_key = key;

    return NGX_CONF_OK;
}


static void
ngx_pad_api_jwt_key_free(void *data)
{
    EVP_PKEY_free(data);
}


/* pad_api_jwt_clients <id> ...: the client ids (settings.sso.clients) */

char *
ngx_pad_api_set_jwt_clients(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_pad_api_conf_t  *acf = (ngx_pad_api_conf_t *)
                                   ((u_char *) conf + cmd->offset);

    ngx_str_t   *value, *id;
    ngx_uint_t   i;

    if (acf->jwt_clients) {
        return "is duplicate";
    }

    acf->jwt_clients = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                        sizeof(ngx_str_t));
    if (acf->jwt_clients == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        if (value[i].len == 0) {
            return "takes no empty client id";
        }

        id = ngx_array_push(acf->jwt_clients);
        if (id == NULL) {
            return NGX_CONF_ERROR;
        }

        *id = value[i];
    }

    return NGX_CONF_OK;
}
