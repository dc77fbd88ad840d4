/* fuzz_common.h - what the fuzz targets share: the deployment they check against, and writing
 * a well-formed message as a seed file. */
#ifndef FQ_FUZZ_COMMON_H
#define FQ_FUZZ_COMMON_H

#include <protobuf-c/protobuf-c.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"

/* Pack MSG into the file DIR/NAME; exit(1) saying which file when it cannot. */
static void fuzz_write_seed(const char *dir, const char *name, const ProtobufCMessage *msg)
{
    size_t len = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = malloc(len ? len : 1);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!buf || !f || fwrite(buf, 1, protobuf_c_message_pack(msg, buf), f) != len) {
        fprintf(stderr, "fuzz: cannot write the seed %s\n", path);
        exit(1);
    }
    fclose(f);
    free(buf);
}

/* The deployment FQ_FUZZ_CONFIG (default config/guangming.yaml, from the repository's root), or
 * exit(1) with TARGET's name and why it did not load. */
static fq_cfg_t *fuzz_load_config(const char *target)
{
    const char *path =
        getenv("FQ_FUZZ_CONFIG") ? getenv("FQ_FUZZ_CONFIG") : "config/guangming.yaml";
    char err[512];
    fq_cfg_t *cfg = fq_cfg_load(path, err, sizeof err);
    if (!cfg) {
        fprintf(stderr, "%s: %s\n", target, err);
        exit(1);
    }
    return cfg;
}

#endif
