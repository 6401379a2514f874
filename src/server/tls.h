/* TLS with OpenSSL for server ports (clients and HTTPS monitoring now; routes, leaf nodes and
 * WebSocket later reuse it): the SSL_CTX built once from a tls { } block, the reference's
 * (Go's) texts for configuration and handshake errors, and the peer certificate's identities
 * for verify_and_map. The per-connection state machine lives with the connection
 * (client.c); docs/internals/tls.md describes it. Thread rules: an SSL_CTX is shared
 * read-only by every loop; an SSL object is touched only by its connection's owner loop (T2).
 * OpenSSL's error queue is per thread, so errors are read on the thread that got them. */
#ifndef NS_SERVER_TLS_H
#define NS_SERVER_TLS_H

#include "server/opts.h"

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>

/* Builds the server context for t: TLS 1.2 minimum, t's cipher suites and curves (or the
 * defaults), the certificate chain and key, the CA file for client certificates and the
 * verify mode (verify or verify_and_map: a certificate is required and verified). Returns
 * NULL with the reference's text in err, e.g. "error parsing X509 certificate/key pair: open
 * x.pem: no such file or directory", "missing 'key_file' in TLS configuration", "open ca.pem:
 * no such file or directory", "failed to parse root ca certificate". */
SSL_CTX *tls_ctx_new(const struct tls_opts *t, char *err, size_t errlen);
/* Builds and frees a context: checks that t's files load (config validation). 0 or -1. */
int tls_opts_check(const struct tls_opts *t, char *err, size_t errlen);

/* The text after "TLS handshake error: " for a failed SSL_do_handshake that returned ret on
 * ssl (call right after it, on the same thread: it reads and clears the error queue). Uses the
 * reference's (Go's) words where one maps: "tls: first record does not look like a TLS
 * handshake", "tls: client didn't provide a certificate", "tls: failed to verify client
 * certificate: x509: certificate signed by unknown authority", "EOF"; else OpenSSL's reason. */
void tls_handshake_error(SSL *ssl, int ret, char *out, size_t n);

/* "1.3" / "1.2" and the cipher suite's Go name (IANA name where Go has none) of an
 * established connection, for "TLS version 1.3, cipher suite TLS_AES_128_GCM_SHA256". */
const char *tls_version_text(const SSL *ssl);
const char *tls_cipher_text(const SSL *ssl);

/* True when t has no pinned_certs, or the peer certificate's SubjectPublicKeyInfo SHA-256
 * is one of them. key_id gets that hash in lower-case hex ("" when not computed). */
bool tls_pinned_ok(SSL *ssl, const struct tls_opts *t, char key_id[65]);

/* ---- verify_and_map ---- */

/* The user names a verified client certificate can map to, in the order the reference tries
 * them (auth.go checkClientTLSCertSubject): every e-mail SAN, every DNS SAN, every URI SAN,
 * then the subject as an RFC 2253 distinguished name ("CN=alice,OU=Dev,O=Acme": the last RDN
 * first, as Go's pkix.RDNSequence.String()). names[n-1] == dn when the subject is not empty. */
struct tls_peer_ids {
    char **names;
    size_t n;
    char *dn;      /* the subject DN (borrowed from names), or NULL when the subject is empty */
    size_t n_sans; /* names[0..n_sans) are SANs, tried by exact user-name lookup */
};
/* The identities of ssl's peer certificate, or NULL when it presented none. Owned by the
 * caller: tls_peer_ids_free. */
struct tls_peer_ids *tls_peer_ids_get(SSL *ssl);
/* The same for a certificate (borrowed); NULL for NULL. */
struct tls_peer_ids *tls_peer_ids_from_cert(X509 *cert);
void tls_peer_ids_free(struct tls_peer_ids *ids);
/* How the reference matches a configured user name against the certificate's subject DN
 * (after the SAN names found no user): user_name parsed as an RFC 4514 DN is EQUAL to cert_dn
 * (the same RDNs in the same order; attribute types case-insensitive, values exact), or a
 * SUBSET (every RDN of user_name is in cert_dn, any order: a reordered DN). The reference
 * first looks for an EQUAL user among all users, then for a SUBSET one. A user name that does
 * not parse as a DN ("alice") is NONE; the caller then tries the DN string itself as a
 * literal user name (the reference's last step). */
enum tls_dn_match { TLS_DN_NONE, TLS_DN_SUBSET, TLS_DN_EQUAL };
enum tls_dn_match tls_dn_match(const char *user_name, const char *cert_dn);

#endif
