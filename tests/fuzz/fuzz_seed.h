/* fuzz_seed.h - what the fuzz targets share: writing a well-formed message as a seed file. */
#ifndef FQ_FUZZ_SEED_H
#define FQ_FUZZ_SEED_H

#include <protobuf-c/protobuf-c.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

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

#endif
