/* keys.h - the CurveZMQ keypairs of the tier link, one per unit, kept in files.
 *
 * A deployment's key directory (link.keys in the config, "keys" beside the config file by
 * default) holds CODE.key, the unit's secret key, and CODE.pub, its public key: each one line of
 * 40 Z85 characters. A unit's machine needs its own CODE.key and the CODE.pub of its parent and
 * children; the secret never leaves the machine that runs the unit, and never goes in the YAML.
 * `casectl keygen` writes them. */
#ifndef FQ_KEYS_H
#define FQ_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#define FQ_KEY_Z85_LEN 40 /* a 32-byte Curve25519 key in Z85 */

typedef struct {
    char public_z85[FQ_KEY_Z85_LEN + 1];
    char secret_z85[FQ_KEY_Z85_LEN + 1];
} fq_keypair_t;

/* Room for a key file's path: the key directory is bounded by the config, a unit code by its
 * length. */
#define FQ_KEY_PATH_MAX (FQ_CFG_PATH_MAX + FQ_UNIT_CODE_LEN + 8)

/* The file of UNIT's key in CFG's key directory: the secret (CODE.key) or the public (CODE.pub). */
void fq_key_path(const fq_cfg_t *cfg, const char *unit, bool secret, char out[FQ_KEY_PATH_MAX]);

/* Read the key in PATH (40 Z85 characters, then at most white space) into OUT. Returns 0, or -1
 * with the reason in ERR. */
int fq_key_read(const char *path, char out[FQ_KEY_Z85_LEN + 1], char *err, size_t errlen);

/* UNIT's keypair: its secret key from CODE.key, its public key computed from it (and checked
 * against CODE.pub when that file is there). Returns 0, or -1 with ERR saying how to make it. */
int fq_key_load_pair(const fq_cfg_t *cfg, const char *unit, fq_keypair_t *kp, char *err,
                     size_t errlen);

/* UNIT's public key from CODE.pub. Returns 0, or -1 with ERR saying how to make it. */
int fq_key_load_public(const fq_cfg_t *cfg, const char *unit, char out[FQ_KEY_Z85_LEN + 1],
                       char *err, size_t errlen);

/* The keys SELF's daemon reads at start: its own pair (when it has a parent, children or a link
 * endpoint), and the public keys of its parent and children. Returns 0 (with a warning in ERR, or
 * ERR empty), or -1 with ERR naming the first key missing or wrong. */
int fq_key_check_unit(const fq_cfg_t *cfg, const fq_unit_cfg_t *self, char *err, size_t errlen);

typedef enum {
    FQ_KEYGEN_WROTE,      /* a new keypair: both files written */
    FQ_KEYGEN_KEPT,       /* the unit had a keypair, left alone */
    FQ_KEYGEN_PUBLIC_OUT, /* the unit had a secret key only: its public key written out */
} fq_keygen_t;

/* Give UNIT a keypair in CFG's key directory (made, mode 0700, when missing). An existing
 * secret key is kept unless REPLACE; each file is written whole or not at all. Returns what it
 * did, or -1 with ERR. */
int fq_keygen(const fq_cfg_t *cfg, const char *unit, bool replace, char *err, size_t errlen);

#endif
