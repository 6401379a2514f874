/* The -ERR texts a client can receive, exactly as nats-server 2.9.10 sends them
 * ("-ERR '%s'\r\n"), and the close reasons it reports (connz "reason", the log's
 * "Client connection closed: <reason>"). One table each; nothing else spells them. */
#ifndef NS_PROTO_ERRORS_H
#define NS_PROTO_ERRORS_H

#define PROTO_ERR_TEXTS(X)                                                                         \
    X(ERRT_UNKNOWN_OP, "Unknown Protocol Operation")                                               \
    X(ERRT_AUTH_VIOLATION, "Authorization Violation")                                              \
    X(ERRT_AUTH_TIMEOUT, "Authentication Timeout")                                                 \
    X(ERRT_MAX_PAYLOAD, "Maximum Payload Violation")                                               \
    X(ERRT_MAX_CONTROL_LINE, "maximum control line exceeded")                                      \
    X(ERRT_INVALID_PUB_SUBJECT, "Invalid Publish Subject")                                         \
    X(ERRT_INVALID_SUBJECT, "Invalid Subject")                                                     \
    X(ERRT_MAX_SUBS, "maximum subscriptions exceeded")                                             \
    X(ERRT_MAX_CONNECTIONS, "maximum connections exceeded")                                        \
    X(ERRT_BAD_PROTOCOL, "invalid client protocol")                                                \
    X(ERRT_NO_RESPONDERS_HEADERS, "no responders requires headers support")                        \
    X(ERRT_STALE, "Stale Connection")                                                              \
    X(ERRT_TLS_REQUIRED, "Secure Connection - TLS Required")                                       \
    X(ERRT_AUTH_EXPIRED, "User Authentication Expired")                                            \
    X(ERRT_MAX_ACCOUNT_CONNS, "maximum account active connections exceeded")

#define CLOSE_REASONS(X)                                                                           \
    X(CLOSE_NONE, "")                                                                              \
    X(CLOSE_CLIENT, "Client Closed")                                                               \
    X(CLOSE_AUTH_TIMEOUT, "Authentication Timeout")                                                \
    X(CLOSE_AUTH_FAILURE, "Authentication Failure")                                                \
    X(CLOSE_SLOW_PENDING, "Slow Consumer (Pending Bytes)")                                         \
    X(CLOSE_SLOW_DEADLINE, "Slow Consumer (Write Deadline)")                                       \
    X(CLOSE_WRITE_ERROR, "Write Error")                                                            \
    X(CLOSE_READ_ERROR, "Read Error")                                                              \
    X(CLOSE_PARSE_ERROR, "Parse Error")                                                            \
    X(CLOSE_STALE, "Stale Connection")                                                             \
    X(CLOSE_PROTOCOL_VIOLATION, "Protocol Violation")                                              \
    X(CLOSE_BAD_PROTOCOL, "Bad Client Protocol Version")                                           \
    X(CLOSE_MAX_CONNECTIONS, "Maximum Connections Exceeded")                                       \
    X(CLOSE_MAX_PAYLOAD, "Maximum Message Payload Exceeded")                                       \
    X(CLOSE_MAX_CONTROL_LINE, "Maximum Control Line Exceeded")                                     \
    X(CLOSE_MAX_SUBS, "Maximum Subscriptions Exceeded")                                            \
    X(CLOSE_SHUTDOWN, "Server Shutdown")                                                           \
    X(CLOSE_NO_RESPONDERS_HEADERS, "No Responders Requires Headers")                               \
    X(CLOSE_TLS_HANDSHAKE, "TLS Handshake Failure")                                                \
    X(CLOSE_AUTH_EXPIRED, "Authentication Expired")                                                \
    X(CLOSE_MAX_ACCOUNT_CONNS, "Maximum Account Connections Exceeded")

#define X_ENUM(name, text) name,
enum proto_err_text { PROTO_ERR_TEXTS(X_ENUM) ERRT_COUNT };
enum close_reason { CLOSE_REASONS(X_ENUM) CLOSE_COUNT };
#undef X_ENUM

/* The text of an -ERR (without quotes) / of a close reason. */
const char *proto_err_text(enum proto_err_text e);
const char *close_reason_text(enum close_reason r);

#endif
