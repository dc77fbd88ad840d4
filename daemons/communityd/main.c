/* communityd - the community tier's daemon: the shared core with the community's place in the chain. */
#include "daemon.h"

int main(int argc, char **argv)
{
    return fq_daemon_main(argc, argv, FQ_TIER_COMMUNITY);
}
