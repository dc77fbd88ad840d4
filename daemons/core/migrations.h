/* migrations.h - the numbered SQL files under schema/, compiled in by cmake/embed_sql.cmake.
 * schema/core/ applies to every tier's schema; schema/<tier>/ only to that tier's. */
#ifndef FQ_MIGRATIONS_H
#define FQ_MIGRATIONS_H

#include <stddef.h>

typedef struct {
    const char *dir;  /* "core", "community", "street" or "district" */
    const char *name; /* e.g. "0001_init" */
    const char *sql;
} fq_migration_t;

extern const fq_migration_t fq_migrations[]; /* sorted by dir, then name */
extern const size_t fq_migrations_count;

#endif
