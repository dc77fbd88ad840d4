/* client.h - one request/reply exchange with a daemon's ops socket. */
#ifndef CASECTL_CLIENT_H
#define CASECTL_CLIENT_H

#include <stddef.h>

#include "fengqiao.pb-c.h"

/* Send REQ to ENDPOINT and wait up to TIMEOUT_MS for the reply. Returns the reply (the caller
 * frees it with fq__ops_reply__free_unpacked) or NULL with the reason in ERR. */
Fq__OpsReply *casectl_call(const char *endpoint, const Fq__OpsRequest *req, int timeout_ms,
                           char *err, size_t errlen);

#endif
