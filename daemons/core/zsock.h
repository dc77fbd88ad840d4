/* zsock.h - small ZeroMQ helpers shared by the ops socket and the tier link. */
#ifndef FQ_ZSOCK_H
#define FQ_ZSOCK_H

#include <stdbool.h>

/* Read and discard the rest of a multipart message on SOCK; true when there was any. */
bool fq_zsock_drain(void *sock);

#endif
