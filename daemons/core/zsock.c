/* zsock.c - small ZeroMQ helpers shared by the ops socket and the tier link. */
#include "zsock.h"

#include <stddef.h>
#include <zmq.h>

bool fq_zsock_drain(void *sock)
{
    bool extra = false;
    int more = 0;
    size_t sz = sizeof more;
    while (zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &sz) == 0 && more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        zmq_msg_recv(&m, sock, 0);
        zmq_msg_close(&m);
        extra = true;
    }
    return extra;
}
