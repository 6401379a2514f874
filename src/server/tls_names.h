/* The TLS cipher suite and curve names the reference accepts in tls { cipher_suites,
 * curve_preferences } (Go's crypto/tls names, server/ciphersuites.go), with the OpenSSL name
 * each maps to. Constant tables; no OpenSSL types, so the option code can use them. */
#ifndef NS_SERVER_TLS_NAMES_H
#define NS_SERVER_TLS_NAMES_H

#include <stdbool.h>
#include <stddef.h>

struct tls_name {
    const char *go;   /* e.g. "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "CurveP256" */
    const char *ossl; /* e.g. "ECDHE-RSA-AES128-GCM-SHA256", "P-256" */
    bool tls13;       /* a TLS 1.3 suite: not configurable (as in Go), accepted and ignored */
};

extern const struct tls_name tls_cipher_table[];
extern const size_t tls_cipher_count;
extern const struct tls_name tls_curve_table[];
extern const size_t tls_curve_count;

/* Index of the exact (case-sensitive, as Go's map) name in the table, or -1. */
int tls_cipher_find(const char *go_name);
int tls_curve_find(const char *go_name);
/* The Go name of an OpenSSL cipher name (for the "TLS version 1.2, cipher suite X" log
 * line), or NULL when the table has none. */
const char *tls_cipher_go_name(const char *ossl_name);

#endif
