/* TLS contexts, error texts and peer identities: see tls.h. */
#include "server/tls.h"

#include "core/xmalloc.h"
#include "server/tls_names.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The reference's texts (server/opts.go GenTLSConfig, Go's crypto/tls). */
#define E_PAIR "error parsing X509 certificate/key pair: %s"
#define E_NO_KEY "missing 'key_file' in TLS configuration"
#define E_NO_CERT "missing 'cert_file' in TLS configuration"
#define E_CERT_PEM "tls: failed to find any PEM data in certificate input"
#define E_KEY_PEM "tls: failed to find any PEM data in key input"
#define E_CERT_SWITCHED                                                                            \
    "tls: failed to find certificate PEM data in certificate input, but did find a private "       \
    "key; PEM inputs may have been switched"
#define E_CERT_SKIPPED                                                                             \
    "tls: failed to find \"CERTIFICATE\" PEM block in certificate input after skipping PEM "       \
    "blocks of the following types: %s"
#define E_KEY_IS_CERT "tls: found a certificate rather than a key in the PEM for the private key"
#define E_KEY_SKIPPED                                                                              \
    "tls: failed to find PEM block with type ending in \"PRIVATE KEY\" in key input after "        \
    "skipping PEM blocks of the following types: %s"
#define E_KEY_MISMATCH "tls: private key does not match public key"
#define E_CA_PARSE "failed to parse root ca certificate"
#define E_OPEN "open %s: %s"
#define H_NOT_TLS "tls: first record does not look like a TLS handshake"
#define H_NO_CERT "tls: client didn't provide a certificate"
#define H_VERIFY "tls: failed to verify client certificate: x509: %s"
#define H_NO_CIPHER "tls: no cipher suite supported by both client and server"
#define H_VERSION "tls: client offered only unsupported versions"
#define H_EOF "EOF"
#define H_NO_CERTS "tls: no certificates configured"
#define X_UNKNOWN_CA "certificate signed by unknown authority"
#define X_EXPIRED "certificate has expired or is not yet valid"
#define X_USAGE "certificate specifies an incompatible key usage"

/* Go's default suites in its server preference order (AES-128-GCM first), and curves. */
static const char default_ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
static const char tls13_suites[] =
    "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384";
static const char default_curves[] = "X25519:P-256:P-384:P-521";

static bool set(const char *s)
{
    return s && *s;
}

/* Go's "open <path>: <errno text>" when path cannot be read; 0 when it can. */
static int check_open(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    if (f) {
        fclose(f);
        return 0;
    }
    snprintf(buf, n, E_OPEN, path, strerror(errno));
    /* Go's syscall texts are lower case ("no such file or directory") */
    char *p = strstr(buf, ": ");
    if (p && p[2])
        p[2] = (char)tolower((unsigned char)p[2]);
    return -1;
}

#define PEM_MAX_TYPES 16
#define PEM_MAX_FILE (16 << 20)

/* The types of the PEM blocks in a file ("CERTIFICATE", "RSA PRIVATE KEY"...), as Go's
 * pem.Decode walks them. Returns the count (at most max). */
static int pem_types(const char *path, char types[][64], int max)
{
    FILE *f = fopen(path, "r");
    char line[512];
    int n = 0;
    long total = 0;

    if (!f)
        return 0;
    while (n < max && total < PEM_MAX_FILE && fgets(line, sizeof(line), f)) {
        const char *b = strstr(line, "-----BEGIN "), *e;
        total += (long)strlen(line);
        if (!b)
            continue;
        b += 11;
        e = strstr(b, "-----");
        if (!e || e - b >= 64)
            continue;
        snprintf(types[n++], 64, "%.*s", (int)(e - b), b);
    }
    fclose(f);
    return n;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Go's "%v" of the skipped block types: "[A B]". */
static void type_list(char *out, size_t n, char types[][64], int count)
{
    size_t o = (size_t)snprintf(out, n, "[");
    for (int i = 0; i < count && o < n; i++)
        o += (size_t)snprintf(out + o, n - o, "%s%s", i ? " " : "", types[i]);
    if (o < n)
        snprintf(out + o, n - o, "]");
}

/* Go's X509KeyPair texts for a certificate file without a certificate block. */
static void cert_pem_error(const char *path, char *why, size_t n)
{
    char types[PEM_MAX_TYPES][64], list[1200];
    int count = pem_types(path, types, PEM_MAX_TYPES), skipped = 0;
    for (int i = 0; i < count; i++) {
        if (strcmp(types[i], "CERTIFICATE") != 0)
            memmove(types[skipped++], types[i], 64);
    }
    if (skipped == 0) {
        snprintf(why, n, "%s", E_CERT_PEM);
    } else if (skipped == 1 && ends_with(types[0], "PRIVATE KEY")) {
        snprintf(why, n, "%s", E_CERT_SWITCHED);
    } else {
        type_list(list, sizeof(list), types, skipped);
        snprintf(why, n, E_CERT_SKIPPED, list);
    }
}

/* The same for a key file without a private key block. */
static void key_pem_error(const char *path, char *why, size_t n)
{
    char types[PEM_MAX_TYPES][64], list[1200];
    int count = pem_types(path, types, PEM_MAX_TYPES), skipped = 0;
    for (int i = 0; i < count; i++) {
        if (strcmp(types[i], "PRIVATE KEY") == 0 || ends_with(types[i], " PRIVATE KEY"))
            break;
        skipped++;
    }
    if (skipped == 0) {
        snprintf(why, n, "%s", E_KEY_PEM);
    } else if (skipped == 1 && strcmp(types[0], "CERTIFICATE") == 0) {
        snprintf(why, n, "%s", E_KEY_IS_CERT);
    } else {
        type_list(list, sizeof(list), types, skipped);
        snprintf(why, n, E_KEY_SKIPPED, list);
    }
}

static int load_pair(SSL_CTX *ctx, const struct tls_opts *t, char *err, size_t errlen)
{
    char why[2048];
    EVP_PKEY *key = NULL;
    FILE *f;

    if (check_open(t->cert_file, why, sizeof(why)) != 0 ||
        check_open(t->key_file, why, sizeof(why)) != 0)
        goto fail;
    if (SSL_CTX_use_certificate_chain_file(ctx, t->cert_file) != 1) {
        cert_pem_error(t->cert_file, why, sizeof(why));
        goto fail;
    }
    f = fopen(t->key_file, "r");
    if (f) {
        key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
        fclose(f);
    }
    if (!key) {
        key_pem_error(t->key_file, why, sizeof(why));
        goto fail;
    }
    if (SSL_CTX_use_PrivateKey(ctx, key) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
        EVP_PKEY_free(key);
        snprintf(why, sizeof(why), "%s", E_KEY_MISMATCH);
        goto fail;
    }
    EVP_PKEY_free(key);
    return 0;
fail:
    snprintf(err, errlen, E_PAIR, why);
    return -1;
}

static void join_names(char *out, size_t n, const struct tls_name *table, const int *idx, int count)
{
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < count; i++) {
        const struct tls_name *e = &table[idx[i]];
        if (e->tls13)
            continue; /* Go does not configure TLS 1.3 suites either */
        len += (size_t)snprintf(out + len, n - len, "%s%s", len ? ":" : "", e->ossl);
        if (len >= n)
            break;
    }
}

SSL_CTX *tls_ctx_new(const struct tls_opts *t, char *err, size_t errlen)
{
    SSL_CTX *ctx;
    char list[2048];

    if (set(t->cert_file) && !set(t->key_file)) {
        snprintf(err, errlen, "%s", E_NO_KEY);
        return NULL;
    }
    if (!set(t->cert_file) && set(t->key_file)) {
        snprintf(err, errlen, "%s", E_NO_CERT);
        return NULL;
    }
    ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        snprintf(err, errlen, "tls: %s", ERR_reason_error_string(ERR_get_error()));
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    /* a peer that just closes the socket is a normal EOF, as for plaintext */
    SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_IGNORE_UNEXPECTED_EOF);
    /* partial writes: SSL_write takes what fits, like write(2); moving buffer: a retried
     * write may come from a re-linked chunk; release buffers: idle connections hold no
     * 16 KiB record buffers */
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                              SSL_MODE_RELEASE_BUFFERS);
    if (t->nciphers > 0)
        join_names(list, sizeof(list), tls_cipher_table, t->ciphers, t->nciphers);
    else
        snprintf(list, sizeof(list), "%s", default_ciphers);
    if (*list)
        SSL_CTX_set_cipher_list(ctx, list);
    /* read what the socket has, not one record header then its body: half the syscalls;
     * client_tls_read keeps reading while SSL_has_pending says bytes are buffered */
    SSL_CTX_set_read_ahead(ctx, 1);
    SSL_CTX_set_ciphersuites(ctx, tls13_suites); /* Go's TLS 1.3 order */
    if (t->ncurves > 0)
        join_names(list, sizeof(list), tls_curve_table, t->curves, t->ncurves);
    else
        snprintf(list, sizeof(list), "%s", default_curves);
    if (*list)
        SSL_CTX_set1_groups_list(ctx, list);

    if (set(t->cert_file) && load_pair(ctx, t, err, errlen) != 0)
        goto fail;
    if (set(t->ca_file)) {
        STACK_OF(X509_NAME) * names;
        if (check_open(t->ca_file, err, errlen) != 0)
            goto fail;
        if (SSL_CTX_load_verify_locations(ctx, t->ca_file, NULL) != 1) {
            snprintf(err, errlen, "%s", E_CA_PARSE);
            goto fail;
        }
        names = SSL_load_client_CA_file(t->ca_file);
        if (names)
            SSL_CTX_set_client_CA_list(ctx, names);
    } else if (t->verify) {
        SSL_CTX_set_default_verify_paths(ctx); /* Go: the system roots */
    }
    SSL_CTX_set_verify(
        ctx, t->verify ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_NONE, NULL);
    ERR_clear_error();
    return ctx;
fail:
    ERR_clear_error();
    SSL_CTX_free(ctx);
    return NULL;
}

int tls_opts_check(const struct tls_opts *t, char *err, size_t errlen)
{
    SSL_CTX *ctx = tls_ctx_new(t, err, errlen);
    if (!ctx)
        return -1;
    SSL_CTX_free(ctx);
    return 0;
}

static const char *verify_text(long v)
{
    switch (v) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
        return X_UNKNOWN_CA;
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return X_EXPIRED;
    case X509_V_ERR_INVALID_PURPOSE:
        return X_USAGE;
    default:
        return X509_verify_cert_error_string(v);
    }
}

void tls_handshake_error(SSL *ssl, int ret, char *out, size_t n)
{
    int e = SSL_get_error(ssl, ret);
    int saved_errno = errno;
    unsigned long code = 0, c;

    while ((c = ERR_get_error()) != 0) {
        if (!code)
            code = c; /* the first one names the cause */
    }
    if (!code) {
        if (e == SSL_ERROR_SYSCALL && ret < 0 && saved_errno != 0)
            snprintf(out, n, "read: %s", strerror(saved_errno));
        else
            snprintf(out, n, "%s", H_EOF);
        return;
    }
    if (!SSL_get_certificate(ssl)) {
        snprintf(out, n, "%s", H_NO_CERTS); /* tls { } without cert_file */
        return;
    }
    if (ERR_GET_LIB(code) == ERR_LIB_SSL) {
        switch (ERR_GET_REASON(code)) {
        case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
            snprintf(out, n, "%s", H_NO_CERT);
            return;
        case SSL_R_WRONG_VERSION_NUMBER:
        case SSL_R_HTTP_REQUEST:
        case SSL_R_HTTPS_PROXY_REQUEST:
        case SSL_R_UNKNOWN_PROTOCOL:
        case SSL_R_PACKET_LENGTH_TOO_LONG:
        case SSL_R_RECORD_LENGTH_MISMATCH:
        case SSL_R_UNEXPECTED_RECORD:
            snprintf(out, n, "%s", H_NOT_TLS);
            return;
        case SSL_R_CERTIFICATE_VERIFY_FAILED:
            snprintf(out, n, H_VERIFY, verify_text(SSL_get_verify_result(ssl)));
            return;
        case SSL_R_NO_SHARED_CIPHER:
            snprintf(out, n, "%s", H_NO_CIPHER);
            return;
        case SSL_R_UNEXPECTED_EOF_WHILE_READING:
            snprintf(out, n, "%s", H_EOF);
            return;
        case SSL_R_UNSUPPORTED_PROTOCOL:
            snprintf(out, n, "%s", H_VERSION);
            return;
        default:
            break;
        }
    }
    const char *r = ERR_reason_error_string(code);
    if (r)
        snprintf(out, n, "tls: %s", r);
    else
        ERR_error_string_n(code, out, n);
}

const char *tls_version_text(const SSL *ssl)
{
    switch (SSL_version(ssl)) {
    case TLS1_3_VERSION:
        return "1.3";
    case TLS1_2_VERSION:
        return "1.2";
    default:
        return SSL_get_version(ssl);
    }
}

const char *tls_cipher_text(const SSL *ssl)
{
    const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
    const char *go;
    if (!c)
        return "";
    go = tls_cipher_go_name(SSL_CIPHER_get_name(c));
    return go ? go : SSL_CIPHER_standard_name(c);
}

bool tls_pinned_ok(SSL *ssl, const struct tls_opts *t, char key_id[65])
{
    X509 *peer;
    unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1] = "";
    int len;
    bool ok = false;

    key_id[0] = '\0';
    if (t->npinned == 0)
        return true;
    peer = SSL_get0_peer_certificate(ssl);
    if (!peer)
        return false;
    len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(peer), &der);
    if (len <= 0)
        return false;
    if (EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(), NULL) == 1) {
        for (unsigned int i = 0; i < mdlen; i++)
            snprintf(hex + 2 * i, 3, "%02x", md[i]);
        for (int i = 0; i < t->npinned && !ok; i++)
            ok = strcmp(hex, t->pinned[i]) == 0;
        size_t k = strlen(hex) < 64 ? strlen(hex) : 64;
        memcpy(key_id, hex, k);
        key_id[k] = '\0';
    }
    OPENSSL_free(der);
    return ok;
}

/* ---- peer identities ---- */

static void ids_add(struct tls_peer_ids *ids, const char *s, size_t len)
{
    ids->names = xrealloc(ids->names, (ids->n + 1) * sizeof(*ids->names));
    ids->names[ids->n++] = xstrndup(s, len);
}

static void add_sans(struct tls_peer_ids *ids, GENERAL_NAMES *gens, int type)
{
    for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        const ASN1_IA5STRING *s;
        if (g->type != type)
            continue;
        s = type == GEN_EMAIL ? g->d.rfc822Name
            : type == GEN_DNS ? g->d.dNSName
                              : g->d.uniformResourceIdentifier;
        if (s && s->length > 0 && !memchr(s->data, '\0', (size_t)s->length))
            ids_add(ids, (const char *)s->data, (size_t)s->length);
    }
}

struct tls_peer_ids *tls_peer_ids_get(SSL *ssl)
{
    return tls_peer_ids_from_cert(SSL_get0_peer_certificate(ssl));
}

struct tls_peer_ids *tls_peer_ids_from_cert(X509 *cert)
{
    struct tls_peer_ids *ids;
    GENERAL_NAMES *gens;
    BIO *bio;

    if (!cert)
        return NULL;
    ids = xcalloc(1, sizeof(*ids));
    gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    if (gens) {
        add_sans(ids, gens, GEN_EMAIL);
        add_sans(ids, gens, GEN_DNS);
        add_sans(ids, gens, GEN_URI);
        GENERAL_NAMES_free(gens);
    }
    ids->n_sans = ids->n;
    bio = BIO_new(BIO_s_mem());
    if (bio) {
        char *p = NULL;
        long len;
        /* RFC 2253, last RDN first (as Go); UTF-8 kept as is rather than escaped */
        X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0,
                           XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
        len = BIO_get_mem_data(bio, &p);
        if (len > 0 && p) {
            ids_add(ids, p, (size_t)len);
            ids->dn = ids->names[ids->n - 1];
        }
        BIO_free(bio);
    }
    return ids;
}

void tls_peer_ids_free(struct tls_peer_ids *ids)
{
    if (!ids)
        return;
    for (size_t i = 0; i < ids->n; i++)
        free(ids->names[i]);
    free(ids->names);
    free(ids);
}

/* ---- DN matching ---- */

#define DN_MAX_RDNS 32
#define DN_MAX_LEN 1024

/* Splits an RFC 4514 DN into RDNs, each normalised to its "TYPE=value" attributes (types
 * upper-cased, escapes resolved, spaces around separators dropped) sorted and joined by
 * '+'. Returns the number of RDNs, or -1 when s is not a DN. */
static int dn_parse(const char *s, char rdns[][DN_MAX_LEN], int max)
{
    char attrs[16][DN_MAX_LEN];
    int nrdn = 0, nattr = 0;
    char cur[DN_MAX_LEN];
    size_t len = 0;
    bool have_eq = false;

    if (!s || !*s)
        return -1;
    for (const char *p = s;; p++) {
        char ch = *p;
        if (ch == '\\' && p[1]) {
            p++;
            if (isxdigit((unsigned char)p[0]) && isxdigit((unsigned char)p[1])) {
                char hx[3] = {p[0], p[1], 0};
                ch = (char)strtol(hx, NULL, 16);
                p++;
            } else {
                ch = *p;
            }
            if (len + 1 >= sizeof(cur))
                return -1;
            cur[len++] = ch;
            continue;
        }
        if (ch == '\0' || ch == ',' || ch == '+' || ch == ';') {
            /* end of one attribute */
            while (len > 0 && cur[len - 1] == ' ')
                len--;
            cur[len] = '\0';
            if (!have_eq || nattr >= 16)
                return -1;
            snprintf(attrs[nattr++], DN_MAX_LEN, "%s", cur);
            len = 0;
            have_eq = false;
            if (ch != '+') {
                /* end of the RDN: sort its attributes, join them */
                char out[DN_MAX_LEN];
                size_t o = 0;
                if (nrdn >= max)
                    return -1;
                for (int i = 1; i < nattr; i++)
                    for (int j = i; j > 0 && strcmp(attrs[j - 1], attrs[j]) > 0; j--) {
                        char tmp[DN_MAX_LEN];
                        memcpy(tmp, attrs[j], DN_MAX_LEN);
                        memcpy(attrs[j], attrs[j - 1], DN_MAX_LEN);
                        memcpy(attrs[j - 1], tmp, DN_MAX_LEN);
                    }
                out[0] = '\0';
                for (int i = 0; i < nattr; i++)
                    o += (size_t)snprintf(out + o, o < sizeof(out) ? sizeof(out) - o : 0, "%s%s",
                                          i ? "+" : "", attrs[i]);
                if (o >= sizeof(out))
                    return -1;
                memcpy(rdns[nrdn++], out, sizeof(out));
                nattr = 0;
            }
            if (ch == '\0')
                break;
            continue;
        }
        if (ch == ' ' && len == 0)
            continue; /* leading space */
        if (ch == '=' && !have_eq) {
            while (len > 0 && cur[len - 1] == ' ')
                len--;
            if (len == 0)
                return -1;
            for (size_t i = 0; i < len; i++) {
                if (cur[i] == ' ')
                    return -1;
                cur[i] = (char)toupper((unsigned char)cur[i]);
            }
            have_eq = true;
            if (len + 1 >= sizeof(cur))
                return -1;
            cur[len++] = '=';
            while (p[1] == ' ')
                p++;
            continue;
        }
        if (len + 1 >= sizeof(cur))
            return -1;
        cur[len++] = ch;
    }
    return nrdn;
}

enum tls_dn_match tls_dn_match(const char *user_name, const char *cert_dn)
{
    static const int max = DN_MAX_RDNS;
    char(*u)[DN_MAX_LEN] = xmalloc(sizeof(char[DN_MAX_RDNS][DN_MAX_LEN]));
    char(*c)[DN_MAX_LEN] = xmalloc(sizeof(char[DN_MAX_RDNS][DN_MAX_LEN]));
    int nu = dn_parse(user_name, u, max), nc = dn_parse(cert_dn, c, max);
    enum tls_dn_match r = TLS_DN_NONE;

    if (nu > 0 && nc > 0) {
        bool in_order = nu == nc, all_found = true;
        for (int i = 0; i < nu && in_order; i++)
            in_order = strcmp(u[i], c[i]) == 0;
        for (int i = 0; i < nu && all_found; i++) {
            bool found = false;
            for (int j = 0; j < nc && !found; j++)
                found = strcmp(u[i], c[j]) == 0;
            all_found = found;
        }
        r = in_order ? TLS_DN_EQUAL : all_found ? TLS_DN_SUBSET : TLS_DN_NONE;
    }
    free(u);
    free(c);
    return r;
}
