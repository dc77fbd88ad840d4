/* fuzz_config.c - libFuzzer target: bytes as a deployment's YAML configuration.
 *
 * fq_cfg_load reads a file, so each input is written to one temporary file (made once) and
 * loaded from there; a config that loads is destroyed again. Whatever the bytes, the loader must
 * either return a config or say why it refused, never crash, leak or read out of bounds.
 * The corpus scripts/fuzz starts from is the project's own configs and its bad-config fixtures.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"

static char s_path[] = "/tmp/fq-fuzz-config.XXXXXX";
static int s_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    if ((s_fd = mkstemp(s_path)) < 0) {
        perror("fuzz_config: mkstemp");
        exit(1);
    }
    unlink(s_path); /* gone when the fuzzer exits; reached through /proc/self/fd meanwhile */
    snprintf(s_path, sizeof s_path, "/proc/self/fd/%d", s_fd);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (ftruncate(s_fd, 0) < 0 || pwrite(s_fd, data, size, 0) != (ssize_t)size)
        return 0;
    char err[512];
    fq_cfg_t *cfg = fq_cfg_load(s_path, err, sizeof err);
    if (cfg)
        fq_cfg_destroy(&cfg);
    else if (!err[0])
        abort(); /* a refusal must say why */
    return 0;
}
