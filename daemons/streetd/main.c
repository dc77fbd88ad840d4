/* streetd - the street tier's daemon: the shared core with the street's place in the chain. */
#include "daemon.h"

int main(int argc, char **argv)
{
    return fq_daemon_main(argc, argv, FQ_TIER_STREET);
}
