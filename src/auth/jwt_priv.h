/* Internal to src/auth/jwt*.c: mapping the claims JSON onto the structs of jwt.h. */
#ifndef NS_AUTH_JWT_PRIV_H
#define NS_AUTH_JWT_PRIV_H

#include "auth/jwt.h"

/* Fills c (already zeroed, c->payload set) from c->payload, for a claim of the given kind and
 * version. Returns JWT_OK or JWT_ERR_CLAIMS (a known field has the wrong JSON type); on
 * error, whatever was filled is freed by jwt_claims_free. */
int jwt_claims_map(struct jwt_claims *c);

#endif
