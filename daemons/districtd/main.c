/* districtd - the district tier's daemon: the shared core with the district's place in the chain. */
#include "daemon.h"

int main(int argc, char **argv)
{
    return fq_daemon_main(argc, argv, FQ_TIER_DISTRICT);
}
