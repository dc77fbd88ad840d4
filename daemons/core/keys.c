/* keys.c - CurveZMQ keypairs in files: read, checked, written whole. */
#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#define KEY_FILE_MAX 256 /* 40 characters and a newline; more is not a key file */

void fq_key_path(const fq_cfg_t *cfg, const char *unit, bool secret, char out[FQ_KEY_PATH_MAX])
{
    snprintf(out, FQ_KEY_PATH_MAX, "%s/%s.%s", cfg->keys_dir, unit, secret ? "key" : "pub");
}

/* True when TEXT is LEN characters of a key that decodes. */
static bool is_z85_key(const char *text, size_t len)
{
    uint8_t raw[32];
    char copy[FQ_KEY_Z85_LEN + 1];
    if (len != FQ_KEY_Z85_LEN)
        return false;
    memcpy(copy, text, len);
    copy[len] = '\0';
    return zmq_z85_decode(raw, copy) != NULL;
}

int fq_key_read(const char *path, char out[FQ_KEY_Z85_LEN + 1], char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char buf[KEY_FILE_MAX + 1];
    ssize_t n = read(fd, buf, sizeof buf);
    int saved = errno;
    close(fd);
    if (n < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(saved));
        return -1;
    }
    size_t len = (size_t)n;
    while (len > 0 && strchr(" \t\r\n", buf[len - 1]))
        len--;
    if ((size_t)n > KEY_FILE_MAX || !is_z85_key(buf, len)) {
        snprintf(err, errlen, "%s: not a key (expected one line of %d Z85 characters)", path,
                 FQ_KEY_Z85_LEN);
        return -1;
    }
    memcpy(out, buf, len);
    out[len] = '\0';
    return 0;
}

/* ERR, then what the operator does about a key that is not there. */
static int missing(const fq_cfg_t *cfg, const char *unit, char *err, size_t errlen)
{
    size_t used = strlen(err);
    snprintf(err + used, errlen - used, " (make it with: casectl --config %s keygen %s)", cfg->path,
             unit);
    return -1;
}

/* A secret key that others may read is a key others may hold; the daemon says so. */
static void check_private(const char *path, char *warn, size_t warnlen)
{
    struct stat st;
    if (stat(path, &st) == 0 && (st.st_mode & 077))
        snprintf(warn, warnlen, "%s can be read by others (mode %03o): chmod 600 it", path,
                 (unsigned)(st.st_mode & 0777));
}

int fq_key_load_pair(const fq_cfg_t *cfg, const char *unit, fq_keypair_t *kp, char *err,
                     size_t errlen)
{
    char path[FQ_KEY_PATH_MAX], pub_path[FQ_KEY_PATH_MAX];
    fq_key_path(cfg, unit, true, path);
    fq_key_path(cfg, unit, false, pub_path);
    if (fq_key_read(path, kp->secret_z85, err, errlen) < 0)
        return missing(cfg, unit, err, errlen);
    if (zmq_curve_public(kp->public_z85, kp->secret_z85) < 0) {
        snprintf(err, errlen, "%s: %s", path, zmq_strerror(zmq_errno()));
        return -1;
    }
    char published[FQ_KEY_Z85_LEN + 1], ignored[256];
    if (fq_key_read(pub_path, published, ignored, sizeof ignored) == 0 &&
        strcmp(published, kp->public_z85) != 0) {
        snprintf(err, errlen, "%s is not the public key of %s.key: its peers would refuse it",
                 pub_path, unit);
        return -1;
    }
    err[0] = '\0';
    check_private(path, err, errlen); /* a warning for the caller, not a failure */
    return 0;
}

int fq_key_load_public(const fq_cfg_t *cfg, const char *unit, char out[FQ_KEY_Z85_LEN + 1],
                       char *err, size_t errlen)
{
    char path[FQ_KEY_PATH_MAX];
    fq_key_path(cfg, unit, false, path);
    return fq_key_read(path, out, err, errlen) < 0 ? missing(cfg, unit, err, errlen) : 0;
}

int fq_key_check_unit(const fq_cfg_t *cfg, const fq_unit_cfg_t *self, char *err, size_t errlen)
{
    char z85[FQ_KEY_Z85_LEN + 1];
    bool talks = self->link != NULL; /* it binds a Curve server even before it has children */
    for (size_t i = 0; i < cfg->nunits; i++) {
        const fq_unit_cfg_t *u = &cfg->units[i];
        if (strcmp(u->code, self->parent) != 0 && strcmp(u->parent, self->code) != 0)
            continue;
        talks = true;
        if (fq_key_load_public(cfg, u->code, z85, err, errlen) < 0)
            return -1;
    }
    err[0] = '\0';
    fq_keypair_t kp;
    return talks ? fq_key_load_pair(cfg, self->code, &kp, err, errlen) : 0;
}

/* ---- writing -------------------------------------------------------------------------------- */

/* Write KEY and a newline to PATH with MODE: to PATH.new first, then renamed over PATH, so a
 * reader sees the old file or the new one, never half of one. */
static int write_key(const char *path, const char *key, mode_t mode, char *err, size_t errlen)
{
    char tmp[FQ_KEY_PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.new", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    char line[FQ_KEY_Z85_LEN + 2];
    int len = snprintf(line, sizeof line, "%s\n", key);
    bool ok =
        fd >= 0 && fchmod(fd, mode) == 0 && write(fd, line, (size_t)len) == len && fsync(fd) == 0;
    int saved = errno;
    if (fd >= 0)
        ok = close(fd) == 0 && ok;
    if (ok && rename(tmp, path) == 0)
        return 0;
    saved = ok ? errno : saved;
    unlink(tmp);
    snprintf(err, errlen, "%s: %s", path, strerror(saved));
    return -1;
}

static int make_dir(const char *dir, char *err, size_t errlen)
{
    if (mkdir(dir, 0700) == 0 || errno == EEXIST)
        return 0;
    snprintf(err, errlen, "cannot make the key directory %s: %s", dir, strerror(errno));
    return -1;
}

int fq_keygen(const fq_cfg_t *cfg, const char *unit, bool replace, char *err, size_t errlen)
{
    char sec_path[FQ_KEY_PATH_MAX], pub_path[FQ_KEY_PATH_MAX];
    fq_key_path(cfg, unit, true, sec_path);
    fq_key_path(cfg, unit, false, pub_path);
    if (make_dir(cfg->keys_dir, err, errlen) < 0)
        return -1;
    fq_keypair_t kp;
    bool had_secret = !replace && access(sec_path, F_OK) == 0;
    if (had_secret && fq_key_read(sec_path, kp.secret_z85, err, errlen) < 0)
        return -1; /* not a key: left for the operator to look at, never overwritten */
    if (had_secret && zmq_curve_public(kp.public_z85, kp.secret_z85) < 0) {
        snprintf(err, errlen, "%s: %s", sec_path, zmq_strerror(zmq_errno()));
        return -1;
    }
    if (!had_secret && zmq_curve_keypair(kp.public_z85, kp.secret_z85) < 0) {
        snprintf(err, errlen, "cannot make a keypair: %s", zmq_strerror(zmq_errno()));
        return -1;
    }
    char published[FQ_KEY_Z85_LEN + 1], ignored[256];
    if (had_secret && fq_key_read(pub_path, published, ignored, sizeof ignored) == 0 &&
        strcmp(published, kp.public_z85) == 0)
        return FQ_KEYGEN_KEPT;
    /* the secret first: a public key without its secret would be worthless */
    if ((!had_secret && write_key(sec_path, kp.secret_z85, 0600, err, errlen) < 0) ||
        write_key(pub_path, kp.public_z85, 0644, err, errlen) < 0)
        return -1;
    return had_secret ? FQ_KEYGEN_PUBLIC_OUT : FQ_KEYGEN_WROTE;
}
